import type { ProtectedHeaderParameters } from 'jose';
import { CheckRefusal } from '../../core/checks/index.js';
import { tokenCheck } from './errors.js';

/** `typ` of a Universal Logout JWT (draft-parecki-oauth-global-token-revocation, Okta UL guide). */
export const GTR_TYP = 'global-token-revocation+jwt';
/** `typ` of a Security Event Token (RFC 8417 §2.3). */
export const SET_TYP = 'secevent+jwt';

/**
 * `typ` names the kind of JWT, so a token minted for another purpose (an ID token, an access
 * token) cannot be replayed here (RFC 8725 §3.11). Media type names compare case-insensitively and
 * the `application/` prefix may be omitted (RFC 7515 §4.1.9).
 */
export const checkTyp = tokenCheck('checkTyp', (header: ProtectedHeaderParameters, expected: string): void => {
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : undefined;
  if (typ !== expected) {
    throw new CheckRefusal(
      header.typ === undefined ? 'typ_missing' : 'typ_invalid',
      `The JWT header typ must be "${expected}"${header.typ === undefined ? ' (it is missing)' : `, not "${String(header.typ)}"`}.`,
    );
  }
});
