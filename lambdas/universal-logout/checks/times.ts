import type { JWTPayload } from 'jose';
import { TokenCheckFailed } from './errors.js';

/** Clock skew tolerated on `exp`, `nbf` and `iat` (seed 003: "enforces a 5-minute skew"). */
export const CLOCK_SKEW_SECONDS = 300;

export interface TimeRules {
  /** `exp` must be present (Universal Logout: Okta sends now+5 min). SETs carry none (RFC 8417 §2.2). */
  readonly requireExp: boolean;
  /**
   * The longest lifetime accepted, counted from now: `exp` for tokens that have one, `iat` +
   * this for those that do not. It bounds how long the replay guard must remember a `jti`.
   */
  readonly maxLifetimeSeconds: number;
  readonly skewSeconds?: number;
}

/** Seconds since the epoch after which the token can no longer be accepted (the replay guard's TTL). */
export type AcceptableUntil = number;

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * `exp`, `nbf` and `iat` (RFC 7519 §4.1.4–4.1.6) with skew. `iat` is required: without it a
 * token's age cannot be bounded. Returns when the token stops being acceptable.
 */
export function checkTimes(claims: JWTPayload, nowSeconds: number, rules: TimeRules): AcceptableUntil {
  const skew = rules.skewSeconds ?? CLOCK_SKEW_SECONDS;
  const { exp, nbf, iat } = claims;
  if (!isTime(iat)) throw new TokenCheckFailed('checkTimes', 'The JWT has no numeric iat claim.', 'invalid_request');
  if (iat - skew > nowSeconds) throw new TokenCheckFailed('checkTimes', 'The JWT was issued in the future (iat); check the clocks.');
  if (nbf !== undefined) {
    if (!isTime(nbf)) throw new TokenCheckFailed('checkTimes', 'The JWT nbf claim is not a number.', 'invalid_request');
    if (nbf - skew > nowSeconds) throw new TokenCheckFailed('checkTimes', 'The JWT is not valid yet (nbf).');
  }
  if (exp === undefined) {
    if (rules.requireExp) throw new TokenCheckFailed('checkTimes', 'The JWT has no exp claim.', 'invalid_request');
    const until = iat + rules.maxLifetimeSeconds + skew;
    if (until <= nowSeconds) throw new TokenCheckFailed('checkTimes', 'The token is too old (iat).');
    return until;
  }
  if (!isTime(exp)) throw new TokenCheckFailed('checkTimes', 'The JWT exp claim is not a number.', 'invalid_request');
  if (exp + skew <= nowSeconds) throw new TokenCheckFailed('checkTimes', 'The JWT has expired (exp).');
  if (exp - nowSeconds > rules.maxLifetimeSeconds + skew) {
    throw new TokenCheckFailed('checkTimes', `The JWT expires too far in the future (more than ${rules.maxLifetimeSeconds} s).`);
  }
  return exp + skew;
}
