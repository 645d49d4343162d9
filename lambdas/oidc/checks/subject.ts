import { CheckRefusal } from '../../core/checks/index.js';
import { idTokenCheck } from './errors.js';
import type { IdTokenPayload } from './payload.js';

/** `sub` is the stable IdP user id the sign-in is keyed on (OIDC Core §2: at most 255 ASCII characters). */
export const checkSubject = idTokenCheck('checkSubject', (claims: IdTokenPayload): string => {
  const { sub } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) throw new CheckRefusal('sub_missing', 'The ID token has no usable sub claim.');
  return sub;
});
