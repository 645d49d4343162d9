import { decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import { CheckRefusal, requireAlg } from '../../core/checks/index.js';
import { idTokenCheck } from './errors.js';

/**
 * ID tokens are verified with the issuer's published keys, so only RS256 (OIDC Core §15.1: the
 * algorithm every OP must support; Okta, Entra and Google sign with it). `none` and HMAC (signed
 * with the client secret, or a public key used as one) are refused before any key is looked at
 * (RFC 8725 §3.1).
 */
export const ID_TOKEN_ALGS = ['RS256'] as const;

export const checkAlg = idTokenCheck('checkAlg', (idToken: string): ProtectedHeaderParameters => {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(idToken);
  } catch (err) {
    throw new CheckRefusal('not_a_jws', 'The ID token is not a JWS.', { cause: err });
  }
  requireAlg(header.alg, ID_TOKEN_ALGS, 'The ID token');
  return header;
});
