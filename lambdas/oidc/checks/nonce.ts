import { CheckRefusal } from '../../core/checks/index.js';
import { safeEqual } from '../../core/crypto.js';
import { idTokenCheck } from './errors.js';
import type { IdTokenPayload } from './payload.js';

/** `nonce` must equal the one this flow sent (OIDC Core §3.1.3.7 step 11): no token replay across flows. */
export const checkNonce = idTokenCheck('checkNonce', (claims: IdTokenPayload, x: { readonly nonce: string }): void => {
  if (typeof claims.nonce !== 'string' || !safeEqual(claims.nonce, x.nonce)) {
    throw new CheckRefusal('nonce_mismatch', 'The ID token does not carry the nonce of this sign-in.');
  }
});
