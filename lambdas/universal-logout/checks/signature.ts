import { compactVerify, errors, type CompactVerifyGetKey, type JWTPayload } from 'jose';
import { KeySetUnavailable } from '../../shared/jwks.js';
import { ALLOWED_ALGS } from './alg.js';
import { TokenCheckFailed } from './errors.js';

/**
 * Verifies the JWS signature against the connected org's key set (Okta UL guide: "the same key used
 * for signing ID tokens", i.e. the org JWKS) and returns the now-authentic claims. An unknown `kid`
 * makes the key set refetch once (rate-limited by jose's cooldown) so Okta's key rotation works.
 * A key set that cannot be fetched is a 503 (retry later), not a 401.
 */
export async function checkSignature(jwt: string, keys: CompactVerifyGetKey): Promise<JWTPayload> {
  let payload: Uint8Array;
  try {
    payload = (await verifyWithAnyMatchingKey(jwt, keys)).payload;
  } catch (err) {
    if (err instanceof KeySetUnavailable) throw err;
    // Network failures (not JOSE errors), timeouts, a non-200 or non-JWKS answer: the org's key
    // endpoint is at fault, not the token.
    if (!(err instanceof errors.JOSEError) || err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err.code === 'ERR_JOSE_GENERIC') {
      throw new KeySetUnavailable('The identity provider key set could not be fetched.', { cause: err });
    }
    if (err instanceof errors.JWKSNoMatchingKey) {
      throw new TokenCheckFailed('checkSignature', 'No key of the org key set matches the JWT (unknown kid).', 'invalid_key', { cause: err });
    }
    if (err instanceof errors.JOSEAlgNotAllowed) {
      throw new TokenCheckFailed('checkSignature', 'The JWT algorithm is not allowed.', 'invalid_key', { cause: err });
    }
    throw new TokenCheckFailed('checkSignature', 'The JWT signature is invalid.', 'authentication_failed', { cause: err });
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch (err) {
    throw new TokenCheckFailed('checkSignature', 'The JWT payload is not JSON.', 'invalid_request', { cause: err });
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new TokenCheckFailed('checkSignature', 'The JWT payload is not a JSON object.', 'invalid_request');
  }
  return claims as JWTPayload;
}

/**
 * jose refuses to pick among several keys when the JWT has no `kid`; it hands them over instead
 * (`JWKSMultipleMatchingKeys` is async-iterable). Try each: a key set mid-rotation holds two.
 */
async function verifyWithAnyMatchingKey(jwt: string, keys: CompactVerifyGetKey) {
  const opts = { algorithms: [...ALLOWED_ALGS] };
  try {
    return await compactVerify(jwt, keys, opts);
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    for await (const key of err) {
      try {
        return await compactVerify(jwt, key, opts);
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}
