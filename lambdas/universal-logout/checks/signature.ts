import { compactVerify, errors, type CompactVerifyGetKey, type JWTPayload } from 'jose';
import { KeySetUnavailable } from '../../platform/jwks.js';
import type { Workspace } from '../../core/model/workspace.js';
import { CheckRefusal } from '../../core/checks/index.js';
import { ALLOWED_ALGS } from './alg.js';
import { tokenCheck, TokenCheckFailed } from './errors.js';
import { keySourceId, type Claimant, type KeySource } from './subject.js';

/**
 * Verifies the JWS signature against one key set a workspace trusts (Okta UL guide: "the same key
 * used for signing ID tokens", i.e. the org JWKS, or the SAML app's signing certificate) and
 * returns the now-authentic claims. An unknown `kid`
 * makes the key set refetch once (rate-limited by jose's cooldown) so Okta's key rotation works.
 * A key set that cannot be fetched is a 503 (retry later), not a 401.
 */
export const checkSignature = tokenCheck('checkSignature', async (jwt: string, keys: CompactVerifyGetKey): Promise<JWTPayload> => {
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
      throw new CheckRefusal('key_unknown', 'No key of the org key set matches the JWT (unknown kid).', { cause: err });
    }
    if (err instanceof errors.JOSEAlgNotAllowed) {
      throw new CheckRefusal('alg_not_allowed', 'The JWT algorithm is not allowed.', { cause: err });
    }
    throw new CheckRefusal('signature_mismatch', 'The JWT signature is invalid.', { cause: err });
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch (err) {
    throw new CheckRefusal('payload_invalid', 'The JWT payload is not JSON.', { cause: err });
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new CheckRefusal('payload_invalid', 'The JWT payload is not a JSON object.');
  }
  return claims as JWTPayload;
});

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

/** A workspace whose own keys could not be fetched while the token was checked (logged by the caller). */
export interface UnavailableKeys {
  readonly teamId: string;
  readonly error: KeySetUnavailable;
}

/** The signature check's outcome over several claimants. */
export interface ClaimantsVerified {
  /** The authentic claims (the same payload whichever key verified it). */
  readonly claims: JWTPayload;
  /** The claimants whose own keys verified the token: the only workspaces the token may act in. */
  readonly workspaces: Workspace[];
  /** Those claimants, with the connections the token names in each. */
  readonly claimants: Claimant[];
  /** Claimants whose key set was unreachable (they are not acted in; the others still are). */
  readonly unavailable: UnavailableKeys[];
}

/**
 * Step 4 over the claimants of `checkSubject`: each workspace verifies the token with its OWN key
 * sources only, separately (review #1). The token acts in exactly the workspaces whose keys
 * verified it; a claimant whose keys fail or cannot be fetched (a wrong domain, a failing
 * discovery, an attacker's certificate) drops out without changing the outcome for the others.
 * Claimants sharing a key source (one org JWKS) verify once.
 *
 * When no claimant verifies: 503 if some claimant's key set was unreachable (a genuine token may
 * be among them, so the transmitter should retry), else the first claimant's 401.
 */
export async function checkSignatureOfClaimants(
  jwt: string,
  claimants: readonly Claimant[],
  keysOf: (source: KeySource) => Promise<CompactVerifyGetKey>,
): Promise<ClaimantsVerified> {
  const attempts = new Map<string, Promise<JWTPayload | Error>>();
  const attempt = (source: KeySource): Promise<JWTPayload | Error> => {
    const id = keySourceId(source);
    let p = attempts.get(id);
    if (!p) {
      p = (async () => checkSignature(jwt, await keysOf(source)))().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      attempts.set(id, p);
    }
    return p;
  };
  const outcomes = await Promise.all(
    claimants.map(async (c) => {
      const results = await Promise.all(c.keys.map(attempt));
      return { c, claims: results.find((r): r is JWTPayload => !(r instanceof Error)), errors: results.filter((r): r is Error => r instanceof Error) };
    }),
  );
  const verified = outcomes.filter((o) => o.claims !== undefined);
  const unavailable = outcomes.flatMap((o) =>
    o.claims === undefined ? o.errors.filter((e): e is KeySetUnavailable => e instanceof KeySetUnavailable).map((error) => ({ teamId: o.c.workspace.id, error })) : [],
  );
  if (verified.length > 0) {
    const byTeam = [...new Map(verified.map((o) => [o.c.workspace.id, o.c])).values()];
    return { claims: verified[0]!.claims!, workspaces: byTeam.map((c) => c.workspace), claimants: byTeam, unavailable };
  }
  if (unavailable.length > 0) throw unavailable[0]!.error;
  const errorsSeen = outcomes.flatMap((o) => o.errors);
  throw errorsSeen.find((e) => e instanceof TokenCheckFailed) ?? errorsSeen[0] ?? new TokenCheckFailed('checkSignature', 'The JWT signature is invalid.');
}
