import type { JWTPayload } from 'jose';
import { requireTimes } from '../../core/checks/index.js';
import { tokenCheck } from './errors.js';

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

/**
 * `exp`, `nbf` and `iat` (RFC 7519 §4.1.4–4.1.6) with 5 minutes of skew (`requireTimes`). Returns
 * when the token stops being acceptable.
 */
export const checkTimes = tokenCheck('checkTimes', (claims: JWTPayload, x: { nowSeconds: number; rules: TimeRules }): AcceptableUntil =>
  requireTimes(claims, x.nowSeconds, { skewSeconds: CLOCK_SKEW_SECONDS, ...x.rules }, 'The JWT'),
);
