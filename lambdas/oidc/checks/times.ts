import { requireTimes } from '../../core/checks/index.js';
import { idTokenCheck } from './errors.js';
import type { IdTokenPayload } from './payload.js';

/** Clock skew tolerated between the IdP and us (seconds). */
export const CLOCK_SKEW_SECONDS = 120;
/** An ID token issued longer ago than this is refused even if unexpired (OIDC Core §3.1.3.7 step 10). */
export const MAX_ID_TOKEN_AGE_SECONDS = 600;

/** `exp` in the future, `iat` neither in the future nor too old, `nbf` (if any) passed, with a small skew. */
export const checkTimes = idTokenCheck('checkTimes', (claims: IdTokenPayload, x: { readonly now: Date }): void => {
  requireTimes(claims, Math.floor(x.now.getTime() / 1000), { skewSeconds: CLOCK_SKEW_SECONDS, requireExp: true, maxAgeSeconds: MAX_ID_TOKEN_AGE_SECONDS }, 'The ID token');
});
