import { decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import { InvalidIdToken } from './errors.js';

/**
 * Okta's org authorization server signs ID tokens with RS256 and nothing else; `none` and HMAC
 * (signed with the client secret, or a public key used as one) are refused before any key is
 * looked at (RFC 8725 §3.1).
 */
export const ID_TOKEN_ALGS = ['RS256'] as const;

export function checkAlg(idToken: string): ProtectedHeaderParameters {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(idToken);
  } catch (err) {
    throw new InvalidIdToken('checkAlg', 'The ID token is not a JWS.', { cause: err });
  }
  if (!(ID_TOKEN_ALGS as readonly unknown[]).includes(header.alg)) {
    throw new InvalidIdToken('checkAlg', `The ID token is signed with ${String(header.alg ?? 'no algorithm')}; Okta signs with RS256.`);
  }
  return header;
}
