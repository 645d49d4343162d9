import { compactVerify, errors, type JWTVerifyGetKey } from 'jose';
import { CheckRefusal } from '../../core/checks/index.js';
import { KeySetUnavailable } from '../../platform/jwks.js';
import { SignInRefused } from '../../signin/index.js';
import { ID_TOKEN_ALGS } from './alg.js';
import { idTokenCheck } from './errors.js';
import type { IdTokenPayload } from './payload.js';

/**
 * Verifies the signature with the issuer's JWKS (jose's remote key set: cached, refetched when the
 * `kid` is unknown because the IdP rotated its keys) and returns the verified claims. openid-client
 * checks the claims of a token-endpoint ID token but not its signature (OIDC Core §3.1.3.7 allows
 * TLS to stand in); Okta's guide asks for it, and it also protects against a compromised channel.
 * A key set that cannot be fetched is `idp_unreachable`, not the token's fault.
 */
export const checkSignature = idTokenCheck('checkSignature', async (idToken: string, keys: JWTVerifyGetKey): Promise<IdTokenPayload> => {
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(idToken, keys, { algorithms: [...ID_TOKEN_ALGS] }));
  } catch (err) {
    if (err instanceof KeySetUnavailable || err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
      throw new SignInRefused('idp_unreachable', "The identity provider's signing keys could not be fetched.", {}, { cause: err });
    }
    if (err instanceof errors.JWKSNoMatchingKey) {
      throw new CheckRefusal('key_unknown', "The ID token is signed with a key that is not in the identity provider's key set.", { cause: err });
    }
    throw new CheckRefusal('signature_mismatch', "The ID token's signature does not verify with the identity provider's keys.", { cause: err });
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch (err) {
    throw new CheckRefusal('payload_invalid', 'The ID token payload is not JSON.', { cause: err });
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new CheckRefusal('payload_invalid', 'The ID token payload is not a JSON object.');
  return claims as IdTokenPayload;
});
