import { InvalidIdToken } from './errors.js';

/** Clock skew tolerated between Okta and us (seconds). */
export const CLOCK_SKEW_SECONDS = 120;
/** An ID token issued longer ago than this is refused even if unexpired (OIDC Core §3.1.3.7 step 10). */
export const MAX_ID_TOKEN_AGE_SECONDS = 600;

/** `exp` in the future and `iat` neither in the future nor too old, with a small skew. */
export function checkTimes(exp: unknown, iat: unknown, now: Date): void {
  const t = Math.floor(now.getTime() / 1000);
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new InvalidIdToken('checkTimes', 'The ID token has no exp claim.');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new InvalidIdToken('checkTimes', 'The ID token has no iat claim.');
  if (exp <= t - CLOCK_SKEW_SECONDS) throw new InvalidIdToken('checkTimes', 'The ID token has expired.');
  if (iat > t + CLOCK_SKEW_SECONDS) throw new InvalidIdToken('checkTimes', 'The ID token is issued in the future (check the clocks).');
  if (iat < t - MAX_ID_TOKEN_AGE_SECONDS - CLOCK_SKEW_SECONDS) throw new InvalidIdToken('checkTimes', 'The ID token was issued too long ago.');
}
