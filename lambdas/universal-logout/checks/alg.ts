import type { ProtectedHeaderParameters } from 'jose';
import { TokenCheckFailed } from './errors.js';

/**
 * Asymmetric signature algorithms only. Okta signs with its org keys (RS256 by default); `none` and
 * the HMAC family are refused before any key is looked at, which defeats the algorithm-confusion
 * attack of a token HMAC-signed with the org's *public* key (RFC 8725 §2.1 and §3.1).
 */
export const ALLOWED_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

export function checkAlg(header: ProtectedHeaderParameters): string {
  const alg = header.alg;
  if (typeof alg !== 'string' || !(ALLOWED_ALGS as readonly string[]).includes(alg)) {
    throw new TokenCheckFailed('checkAlg', `The JWT algorithm ${alg === undefined ? '(missing)' : `"${String(alg)}"`} is not allowed; use an asymmetric one (${ALLOWED_ALGS.join(', ')}).`, 'invalid_key');
  }
  return alg;
}
