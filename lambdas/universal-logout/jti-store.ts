import { ConditionFailed, type Db } from '../shared/db/client.js';
import { keys } from '../shared/db/keys.js';

/**
 * Remembers the `jti` of every accepted signed request until the token could no longer be
 * accepted anyway (its `exp` plus skew), so a replay is refused across Lambda instances: the
 * claim is one conditional write, and DynamoDB serialises writes to one key.
 */
export class JtiStore {
  constructor(private readonly db: Db) {}

  /**
   * Records `jti` as used by `issuer` until `untilSeconds`. False when it was already recorded and
   * has not expired (TTL deletion is lazy, so an expired leftover does not count).
   */
  async claim(issuer: string, jti: string, untilSeconds: number, nowSeconds: number): Promise<boolean> {
    try {
      await this.db.put(
        { ...keys.usedJti(issuer, jti), type: 'jti', issuer, jti, ttl: Math.ceil(untilSeconds) },
        {
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': Math.floor(nowSeconds) },
        },
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionFailed) return false;
      throw err;
    }
  }

  /** Forgets a claim: the request failed on our side (5xx) and its retry deserves a chance. */
  async release(issuer: string, jti: string): Promise<void> {
    await this.db.delete(keys.usedJti(issuer, jti));
  }
}
