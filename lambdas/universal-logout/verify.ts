import { decodeJwt, decodeProtectedHeader, type CompactVerifyGetKey, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { Workspace } from '../core/model/workspace.js';
import { checkAlg } from './checks/alg.js';
import { checkAudience } from './checks/audience.js';
import { TokenCheckFailed } from './checks/errors.js';
import { checkIssuer } from './checks/issuer.js';
import { checkNotReplayed } from './checks/replay.js';
import { checkSignatureOfClaimants, type UnavailableKeys } from './checks/signature.js';
import type { Claimant, KeySource } from './checks/subject.js';
import { checkTimes, type TimeRules } from './checks/times.js';
import { checkTyp } from './checks/typ.js';
import type { JtiStore } from '../store/logout-jtis.js';

/** What the checks need from the outside world. */
export interface VerifyEnv {
  /** Workspaces connected to an issuer (lookup item + batch read). */
  readonly loadWorkspaces: (issuer: string) => Promise<Workspace[]>;
  /** The key resolver of one key source a workspace trusts (its org JWKS, its SAML certificates). */
  readonly keysOf: (source: KeySource) => Promise<CompactVerifyGetKey>;
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
  /**
   * The workspaces the (unverified) token is for, each with the keys it trusts; throws when none
   * (Universal Logout: `checkSubject` on (`iss`, `sub`); SETs: the org's OIDC workspaces).
   */
  readonly claimants: (unverified: JWTPayload, issuer: string, connected: readonly Workspace[]) => Claimant[];
  /**
   * Runs on the authentic token before its `jti` is consumed and returns the claimants to act in,
   * or throws a refusal. A refusal here leaves the `jti` unused, so the transmitter's retry of the
   * same token is processed once the cause is fixed (review #11).
   */
  readonly accept?: (claimants: Claimant[], claims: JWTPayload) => Claimant[];
  /** Hash of the whole request, to which the `jti` is bound (`JtiStore`). */
  readonly requestHash: string;
}

export interface VerifiedJwt {
  readonly issuer: string;
  readonly jti: string;
  /**
   * `new` or `retry`: process the request, then `JtiStore.complete`; `done`: the same request was
   * fully processed before, do nothing again.
   */
  readonly replay: 'new' | 'retry' | 'done';
  readonly claims: JWTPayload;
  /** The workspaces the token acts in: claimants whose own keys verified it (then `accept`). */
  readonly workspaces: Workspace[];
  /** The same, each with the connections the token names in it. */
  readonly claimants: Claimant[];
  /** Claimants dropped because their key set could not be fetched. */
  readonly unavailable: UnavailableKeys[];
}

/**
 * What is known about a token so far, filled in as the checks run, for the refusal record of a
 * token that fails (`withRefusal`): the claimed issuer/subject/jti (bounded, never the token) and
 * the workspaces it was matched to.
 */
export interface VerifyFacts {
  issuer?: string;
  sub?: string;
  jti?: string;
  /** Workspaces matched by (issuer, app) — after the signature check, those that verified it. */
  teamIds: string[];
}

/** Decodes the protected header; a string that is not a compact JWS fails `checkTyp` (step 1). */
function header(jwt: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(jwt);
  } catch (err) {
    throw new TokenCheckFailed('checkTyp', 'The bearer credential is not a JWT.', 'invalid_request', { cause: err });
  }
}

/** The claims before the signature is checked: only to pick the issuer and the claimants. */
function unverifiedClaims(jwt: string): JWTPayload {
  try {
    return decodeJwt(jwt);
  } catch (err) {
    throw new TokenCheckFailed('checkIssuer', 'The JWT payload cannot be decoded.', 'invalid_request', { cause: err });
  }
}

/** A claimed string value as a refusal fact: bounded, so a huge claim cannot bloat a log line. */
const fact = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, 256) : undefined);

/** Records the claimed issuer, subject and jti, if the payload decodes at all (the checks say why not). */
function recordClaimed(jwt: string, facts: VerifyFacts): void {
  let claimed: JWTPayload;
  try {
    claimed = decodeJwt(jwt);
  } catch {
    return;
  }
  const [iss, sub, jti] = [fact(claimed.iss), fact(claimed.sub), fact(claimed.jti)];
  if (iss !== undefined) facts.issuer = iss;
  if (sub !== undefined) facts.sub = sub;
  if (jti !== undefined) facts.jti = jti;
}

/**
 * Authenticates a signed JWT as ordered, named checks (panva/oidc-provider style), each in its own
 * module with its own tests, on the shared shape of `lambdas/core/checks` (a check refuses with a
 * `CheckRefusal`; `tokenCheck` maps it to the 401 naming the check). The checks feed each other
 * (the issuer's workspaces, the claimants, the verified claims), so they run in sequence here
 * rather than as one list. The order is chosen so that no check trusts what a later one proves,
 * and so that trust stays bound to the tenant (docs/reference/DESIGN.md invariants; review #1):
 *
 * 1. `checkTyp` — explicit typing (RFC 8725 §3.11);
 * 2. `checkAlg` — asymmetric allowlist, before any key is touched (RFC 8725 §3.1);
 * 3. `checkIssuer` — the (still unverified) `iss` is a connected org, so every key set we fetch is
 *    one a workspace already trusts (no SSRF);
 * 3b. `checkSubject` (policy `claimants`) — the (still unverified) (`iss`, `sub`) pair names the
 *    app of one or more workspaces: who the token is FOR is decided before whose key signed it;
 * 4. `checkSignature` — per claimant, with that workspace's own keys only; the token acts only in
 *    the workspaces whose keys verified it, and from here on the claims are authentic;
 * 5. `checkAudience` — `aud` is this endpoint;
 * 6. `checkTimes` — `exp`/`nbf`/`iat` with 5 minutes of skew;
 * 7. policy `accept` — the receiving side is willing (Shared Signals switched on);
 * 8. `checkNotReplayed` — the `jti` is claimed for this request by a conditional write, last, so
 *    only a token that passed every other check can claim it.
 */
export async function verifySignedJwt(jwt: string, env: VerifyEnv, policy: VerifyPolicy, facts: VerifyFacts = { teamIds: [] }): Promise<VerifiedJwt> {
  const hdr = header(jwt);
  recordClaimed(jwt, facts);
  checkTyp(hdr, policy.typ);
  checkAlg(hdr);
  const unverified = unverifiedClaims(jwt);
  const connected = await checkIssuer(unverified.iss, env.loadWorkspaces);
  const claimants = policy.claimants(unverified, connected.issuer, connected.workspaces);
  facts.teamIds = claimants.map((c) => c.workspace.id);
  const verified = await checkSignatureOfClaimants(jwt, claimants, env.keysOf);
  facts.teamIds = verified.workspaces.map((w) => w.id);
  const { claims } = verified;
  checkAudience(claims.aud, policy.audience);
  const nowSeconds = Math.floor(env.now().getTime() / 1000);
  const until = checkTimes(claims, { nowSeconds, rules: policy.times });
  const accepted = policy.accept ? policy.accept(verified.claimants, claims) : verified.claimants;
  const workspaces = accepted.map((c) => c.workspace);
  facts.teamIds = workspaces.map((w) => w.id);
  const { jti, state } = await checkNotReplayed(claims.jti, { store: env.jtis, issuer: connected.issuer, untilSeconds: until, nowSeconds, requestHash: policy.requestHash });
  return { issuer: connected.issuer, jti, replay: state, claims, workspaces, claimants: accepted, unavailable: verified.unavailable };
}
