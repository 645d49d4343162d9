import type { JtiState, JtiStore } from '../jti-store.js';
import { TokenCheckFailed } from './errors.js';

/** The `jti` was already used: a replay for Universal Logout, a duplicate delivery for a SET. */
export class JtiReplayed extends TokenCheckFailed {
  readonly jti: string;
  constructor(jti: string) {
    super('checkNotReplayed', `The JWT jti ${jti} was already used (replay).`);
    this.jti = jti;
  }
}

/** Longest `jti` accepted (the replay guard stores it in a key). */
const MAX_JTI_LENGTH = 256;

/**
 * The `jti` must be present and never seen before from this issuer with another request (Okta UL
 * guide: "jti is unique"; seed 003: "prevents replay via jti tracking"). Runs last: only a token
 * that passed every other check may claim its `jti`. The claim is bound to the request
 * (`requestHash`): the same token with another body is a replay (401), while the transmitter's
 * retry of the same request is processed again if its first processing did not finish (`retry`),
 * and changes nothing if it did (`done`) — see `JtiStore`.
 *
 * @param untilSeconds when the token stops being acceptable (`checkTimes`): the claim's TTL.
 */
export async function checkNotReplayed(
  store: JtiStore,
  issuer: string,
  jti: unknown,
  untilSeconds: number,
  nowSeconds: number,
  requestHash: string,
): Promise<{ jti: string; state: Exclude<JtiState, 'conflict'> }> {
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw new TokenCheckFailed('checkNotReplayed', 'The JWT has no usable jti claim.', 'invalid_request');
  }
  const state = await store.begin(issuer, jti, untilSeconds, nowSeconds, requestHash);
  if (state === 'conflict') throw new JtiReplayed(jti);
  return { jti, state };
}
