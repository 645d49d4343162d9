import { compactVerify, errors, type JWTVerifyGetKey } from 'jose';
import { KeySetUnavailable } from '../../platform/jwks.js';
import { SignInRefused } from '../../signin/index.js';
import { ID_TOKEN_ALGS } from './alg.js';
import { InvalidIdToken } from './errors.js';

/**
 * Verifies the signature with the issuer's JWKS (jose's remote key set: cached, refetched when the
 * `kid` is unknown because Okta rotated its keys) and returns the verified claims. openid-client
 * checks the claims of a token-endpoint ID token but not its signature (OIDC Core §3.1.3.7 allows
 * TLS to stand in); Okta's guide asks for it, and it also protects against a compromised channel.
 */
export async function checkSignature(idToken: string, keys: JWTVerifyGetKey): Promise<Record<string, unknown>> {
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(idToken, keys, { algorithms: [...ID_TOKEN_ALGS] }));
  } catch (err) {
    if (err instanceof KeySetUnavailable || err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
      throw new SignInRefused('idp_unreachable', "Okta's signing keys could not be fetched.", {}, { cause: err });
    }
    if (err instanceof errors.JWKSNoMatchingKey) {
      throw new InvalidIdToken('checkSignature', "The ID token is signed with a key that is not in the Okta org's key set.", { cause: err });
    }
    throw new InvalidIdToken('checkSignature', "The ID token's signature does not verify with the Okta org's keys.", { cause: err });
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch (err) {
    throw new InvalidIdToken('checkSignature', 'The ID token payload is not JSON.', { cause: err });
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new InvalidIdToken('checkSignature', 'The ID token payload is not a JSON object.');
  return claims as Record<string, unknown>;
}
