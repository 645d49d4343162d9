import { ConditionFailed, type Db } from './client.js';
import { keys } from './keys.js';

/**
 * What the replay guard says about a verified token's `jti`:
 *
 * - `new` — never seen: process it;
 * - `retry` — seen with the same request, whose processing did not finish (an outage, a crash):
 *   process it again; every step is idempotent, so the transmitter's retry converges;
 * - `done` — seen with the same request and fully processed: do nothing again (a duplicate);
 * - `conflict` — seen with a different request: a replay of the token for another purpose.
 */
export type JtiState = 'new' | 'retry' | 'done' | 'conflict';

/**
 * Remembers the `jti` of every accepted signed request until the token could no longer be
 * accepted anyway (its `exp` plus skew), so a replay is refused across Lambda instances: the
 * claim is one conditional write, and DynamoDB serialises writes to one key.
 *
 * The claim binds the `jti` to a hash of the whole request (for Universal Logout the body names the
 * user, and the body is not signed), and is marked `done` only once processing finished. So a
 * retry of the same request after a failure is processed again — no release step is needed, which
 * would be lost in the very outage that made the request fail — while the same token with another
 * body is refused, and a completed request is never processed twice.
 */
export class JtiStore {
  constructor(private readonly db: Db) {}

  /**
   * Claims `jti` for `requestHash` until `untilSeconds`. A leftover whose TTL has passed (TTL
   * deletion is lazy) counts as never seen.
   */
  async begin(issuer: string, jti: string, untilSeconds: number, nowSeconds: number, requestHash: string): Promise<JtiState> {
    try {
      await this.db.put(
        { ...keys.usedJti(issuer, jti), type: 'jti', issuer, jti, requestHash, done: false, ttl: Math.ceil(untilSeconds) },
        {
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': Math.floor(nowSeconds) },
        },
      );
      return 'new';
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err;
    }
    const seen = await this.db.get(keys.usedJti(issuer, jti));
    if (!seen || seen.requestHash !== requestHash) return 'conflict';
    return seen.done === true ? 'done' : 'retry';
  }

  /** Marks a claimed request as fully processed: from now on its duplicates change nothing. */
  async complete(issuer: string, jti: string): Promise<void> {
    await this.db.update(keys.usedJti(issuer, jti), {
      UpdateExpression: 'SET done = :t',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':t': true },
    });
  }

  /** Claims `jti` without a request binding; true when it was never seen (or its record expired). */
  async claim(issuer: string, jti: string, untilSeconds: number, nowSeconds: number): Promise<boolean> {
    return (await this.begin(issuer, jti, untilSeconds, nowSeconds, '')) === 'new';
  }
}
