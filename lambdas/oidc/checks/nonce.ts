import { safeEqual } from '../../core/crypto.js';
import { InvalidIdToken } from './errors.js';

/** `nonce` must equal the one this flow sent (OIDC Core §3.1.3.7 step 11): no token replay across flows. */
export function checkNonce(nonce: unknown, expected: string): void {
  if (typeof nonce !== 'string' || !safeEqual(nonce, expected)) {
    throw new InvalidIdToken('checkNonce', 'The ID token does not carry the nonce of this sign-in.');
  }
}
