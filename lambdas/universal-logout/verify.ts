import { decodeJwt, decodeProtectedHeader, type CompactVerifyGetKey, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { Workspace } from '../shared/repos/workspaces.js';
import { checkAlg } from './checks/alg.js';
import { checkAudience } from './checks/audience.js';
import { TokenCheckFailed } from './checks/errors.js';
import { checkIssuer } from './checks/issuer.js';
import { checkNotReplayed } from './checks/replay.js';
import { checkSignature } from './checks/signature.js';
import { checkSubject } from './checks/subject.js';
import { checkTimes, type TimeRules } from './checks/times.js';
import { checkTyp } from './checks/typ.js';
import type { JtiStore } from './jti-store.js';

/** What the checks need from the outside world. */
export interface VerifyEnv {
  /** Workspaces connected to an issuer (lookup item + batch read). */
  readonly loadWorkspaces: (issuer: string) => Promise<Workspace[]>;
  /**
   * The key set of a connected issuer: the org JWKS (`IssuerKeySets.forIssuer`), or — for an org
   * trusted only through SAML apps — the workspaces' SAML signing certificates.
   */
  readonly keysFor: (issuer: string, workspaces: readonly Workspace[]) => Promise<CompactVerifyGetKey>;
  readonly jtis: JtiStore;
  readonly now: () => Date;
}

/** What differs between Universal Logout JWTs and Security Event Tokens. */
export interface VerifyPolicy {
  /** Expected `typ` (`global-token-revocation+jwt` or `secevent+jwt`). */
  readonly typ: string;
  /** This endpoint's public URL: the expected `aud`. */
  readonly audience: string;
  readonly times: TimeRules;
  /** Universal Logout: `sub` must be the workspace's OIDC client id or SAML app instance id. */
  readonly checkSubject: boolean;
}

export interface VerifiedJwt {
  readonly issuer: string;
  readonly jti: string;
  readonly claims: JWTPayload;
  /** Connected workspaces the token applies to (after `checkSubject` when the policy asks). */
  readonly workspaces: Workspace[];
}

/** Decodes the protected header; a string that is not a compact JWS fails `checkTyp` (step 1). */
function header(jwt: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(jwt);
  } catch (err) {
    throw new TokenCheckFailed('checkTyp', 'The bearer credential is not a JWT.', 'invalid_request', { cause: err });
  }
}

function unverifiedClaims(jwt: string): JWTPayload {
  try {
    return decodeJwt(jwt);
  } catch (err) {
    throw new TokenCheckFailed('checkIssuer', 'The JWT payload cannot be decoded.', 'invalid_request', { cause: err });
  }
}

/**
 * Authenticates a signed JWT as ordered, named checks (panva/oidc-provider style), each in its own
 * module with its own tests. The order is chosen so that no check trusts what a later one proves:
 *
 * 1. `checkTyp` — explicit typing (RFC 8725 §3.11);
 * 2. `checkAlg` — asymmetric allowlist, before any key is touched (RFC 8725 §3.1);
 * 3. `checkIssuer` — the (still unverified) `iss` is a connected org, so the key set we fetch is
 *    one we already trust (no SSRF);
 * 4. `checkSignature` — against that org's JWKS; from here on the claims are authentic;
 * 5. `checkSubject` — `sub` is the workspace's Okta app (Universal Logout only);
 * 6. `checkAudience` — `aud` is this endpoint;
 * 7. `checkTimes` — `exp`/`nbf`/`iat` with 5 minutes of skew;
 * 8. `checkNotReplayed` — the `jti` is consumed by a conditional write, last, so only a token that
 *    passed every other check can consume it.
 */
export async function verifySignedJwt(jwt: string, env: VerifyEnv, policy: VerifyPolicy): Promise<VerifiedJwt> {
  const hdr = header(jwt);
  checkTyp(hdr, policy.typ);
  checkAlg(hdr);
  const connected = await checkIssuer(unverifiedClaims(jwt).iss, env.loadWorkspaces);
  const claims = await checkSignature(jwt, await env.keysFor(connected.issuer, connected.workspaces));
  const workspaces = policy.checkSubject ? checkSubject(claims.sub, connected.workspaces) : connected.workspaces;
  checkAudience(claims.aud, policy.audience);
  const nowSeconds = Math.floor(env.now().getTime() / 1000);
  const until = checkTimes(claims, nowSeconds, policy.times);
  const jti = await checkNotReplayed(env.jtis, connected.issuer, claims.jti, until, nowSeconds);
  return { issuer: connected.issuer, jti, claims, workspaces };
}
