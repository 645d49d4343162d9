import { CheckRefusal } from '../../core/checks/index.js';
import type { JtiState, JtiStore } from '../../store/logout-jtis.js';
import { tokenCheck, TokenCheckFailed } from './errors.js';

/**
 * The `jti` was already used with another request: a replay for Universal Logout, a duplicate
 * delivery for a SET. Its own class (not a plain refusal) because the SET route acknowledges it.
 */
export class JtiReplayed extends TokenCheckFailed {
  readonly jti: string;
  constructor(jti: string) {
    super('checkNotReplayed', `The JWT jti ${jti} was already used (replay).`);
    this.jti = jti;
  }
}

/** Longest `jti` accepted (the replay guard stores it in a key). */
const MAX_JTI_LENGTH = 256;

/** What the replay check claims the `jti` against. */
export interface ReplayContext {
  readonly store: JtiStore;
  readonly issuer: string;
  /** When the token stops being acceptable (`checkTimes`): the claim's TTL. */
  readonly untilSeconds: number;
  readonly nowSeconds: number;
  /** Hash of the whole request the `jti` is bound to. */
  readonly requestHash: string;
}

/**
 * The `jti` must be present and never seen before from this issuer with another request (Okta UL
 * guide: "jti is unique"; seed 003: "prevents replay via jti tracking"). Runs last: only a token
 * that passed every other check may claim its `jti`. The claim is bound to the request
 * (`requestHash`): the same token with another body is a replay (401), while the transmitter's
 * retry of the same request is processed again if its first processing did not finish (`retry`),
 * and changes nothing if it did (`done`) — see `JtiStore`.
 */
export const checkNotReplayed = tokenCheck(
  'checkNotReplayed',
  async (jti: unknown, x: ReplayContext): Promise<{ jti: string; state: Exclude<JtiState, 'conflict'> }> => {
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw new CheckRefusal('jti_missing', 'The JWT has no usable jti claim.');
    const state = await x.store.begin(x.issuer, jti, x.untilSeconds, x.nowSeconds, x.requestHash);
    if (state === 'conflict') throw new JtiReplayed(jti);
    return { jti, state };
  },
);
