import { normalizeIssuer } from '../model/connection.js';
import { CheckRefusal } from './refusal.js';

/**
 * The JWT claim checks every protocol shares: OIDC ID tokens (OIDC Core §3.1.3.7), Universal Logout
 * JWTs (draft-parecki-oauth-global-token-revocation) and Security Event Tokens (RFC 8417). Each
 * throws a `CheckRefusal` whose code says what was wrong; `what` names the token in the message
 * ("The ID token", "The JWT"), for the human who reads it. Pure: no keys, no clock but the one passed.
 */

/**
 * Asymmetric JWS algorithms (RFC 7518 §3.3–3.5, RFC 8037). `none` and the HMAC family are never
 * accepted where the verifying key is public: a token HMAC-signed with the issuer's *public* key
 * would otherwise verify (RFC 8725 §2.1, §3.1).
 */
export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/** Refusal codes of the claim checks. `…_missing` and `…_invalid` mean a malformed claim. */
export type ClaimRefusalCode =
  | 'alg_not_allowed'
  | 'iss_missing'
  | 'iss_mismatch'
  | 'aud_mismatch'
  | 'iat_missing'
  | 'iat_in_future'
  | 'nbf_invalid'
  | 'not_yet_valid'
  | 'exp_missing'
  | 'exp_invalid'
  | 'expired'
  | 'too_old'
  | 'lifetime_too_long';

/** True for the codes of a claim that is absent or not of its type (RFC 8935 `invalid_request`). */
export const isMalformedClaim = (code: string): boolean => /_(missing|invalid)$/.test(code);

function refuse(code: ClaimRefusalCode, message: string): never {
  throw new CheckRefusal(code, message);
}

/** The header's `alg` is in the allowlist, checked before any key is looked at (RFC 8725 §3.1). Returns it. */
export function requireAlg(alg: unknown, allowed: readonly string[], what: string): string {
  if (typeof alg !== 'string' || !allowed.includes(alg)) {
    return refuse('alg_not_allowed', `${what} algorithm ${alg === undefined ? '(missing)' : `"${String(alg)}"`} is not allowed; use ${allowed.length === 1 ? allowed[0] : `an asymmetric one (${allowed.join(', ')})`}.`);
  }
  return alg;
}

/**
 * `iss` is the expected issuer (OIDC Core §3.1.3.7 step 2; RFC 7519 §4.1.1). Compared after
 * `normalizeIssuer` (trailing slashes only: an issuer is kept exactly as the admin entered it, and
 * `https://acme.okta.com/` names the same org as `https://acme.okta.com`). Returns the normalized issuer.
 */
export function requireIssuer(iss: unknown, expected: string, what: string): string {
  if (typeof iss !== 'string' || iss.length === 0) return refuse('iss_missing', `${what} has no iss claim; it must be ${expected}.`);
  if (normalizeIssuer(iss) !== normalizeIssuer(expected)) return refuse('iss_mismatch', `${what} was issued by ${iss}, not by ${expected}.`);
  return normalizeIssuer(iss);
}

/** The `aud` claim as a list (RFC 7519 §4.1.3: a string or an array of strings). */
export function audiences(aud: unknown): string[] {
  return typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

/**
 * `aud` contains `expected` (RFC 7519 §4.1.3). `url`: `expected` is an endpoint URL, compared
 * without trailing slashes; otherwise (a client id) exactly. `label` names the expected audience
 * in the message (`client 0oa…`, or the URL itself).
 */
export function requireAudience(aud: unknown, expected: string, what: string, opts: { url?: boolean; label?: string } = {}): string[] {
  const list = audiences(aud);
  const norm = (s: string) => (opts.url ? s.replace(/\/+$/, '') : s);
  if (!list.some((a) => norm(a) === norm(expected))) {
    refuse('aud_mismatch', `${what} aud is ${list.length ? list.join(', ') : 'missing'}; it must be ${opts.label ?? expected}.`);
  }
  return list;
}

/** What a token's time claims must satisfy. */
export interface TimeRules {
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, both ways. */
  readonly skewSeconds: number;
  /** `exp` must be present (ID tokens, Universal Logout JWTs). SETs carry none (RFC 8417 §2.2). */
  readonly requireExp: boolean;
  /**
   * The longest lifetime accepted, counted from now: `exp` may lie at most this far ahead; a token
   * without `exp` is accepted until `iat` + this. Bounds how long a replay guard must remember it.
   */
  readonly maxLifetimeSeconds?: number;
  /** The oldest `iat` accepted, even if `exp` is still ahead (OIDC Core §3.1.3.7 step 10). */
  readonly maxAgeSeconds?: number;
}

/** The registered time claims (RFC 7519 §4.1.4–4.1.6), as received. */
export interface TimeClaims {
  readonly exp?: unknown;
  readonly nbf?: unknown;
  readonly iat?: unknown;
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * `iat`, `nbf` and `exp` with skew (RFC 7519 §4.1.4–4.1.6). `iat` is required: without it a token's
 * age cannot be bounded. Returns the instant (seconds since the epoch, skew included) after which
 * the token can no longer be accepted — the TTL of a replay guard's record.
 */
export function requireTimes(claims: TimeClaims, nowSeconds: number, rules: TimeRules, what: string): number {
  const skew = rules.skewSeconds;
  const { exp, nbf, iat } = claims;
  if (!isTime(iat)) return refuse('iat_missing', `${what} has no numeric iat claim.`);
  if (iat - skew > nowSeconds) refuse('iat_in_future', `${what} was issued in the future (iat); check the clocks.`);
  if (nbf !== undefined) {
    if (!isTime(nbf)) refuse('nbf_invalid', `${what} nbf claim is not a number.`);
    if (nbf - skew > nowSeconds) refuse('not_yet_valid', `${what} is not valid yet (nbf).`);
  }
  if (rules.maxAgeSeconds !== undefined && iat + rules.maxAgeSeconds + skew < nowSeconds) {
    refuse('too_old', `${what} was issued too long ago (iat, more than ${rules.maxAgeSeconds} s).`);
  }
  if (exp === undefined) {
    if (rules.requireExp || rules.maxLifetimeSeconds === undefined) return refuse('exp_missing', `${what} has no exp claim.`);
    const until = iat + rules.maxLifetimeSeconds + skew;
    if (until <= nowSeconds) refuse('too_old', `${what} is too old (iat).`);
    return until;
  }
  if (!isTime(exp)) return refuse('exp_invalid', `${what} exp claim is not a number.`);
  if (exp + skew <= nowSeconds) refuse('expired', `${what} has expired (exp).`);
  if (rules.maxLifetimeSeconds !== undefined && exp - nowSeconds > rules.maxLifetimeSeconds + skew) {
    refuse('lifetime_too_long', `${what} expires too far in the future (more than ${rules.maxLifetimeSeconds} s).`);
  }
  return exp + skew;
}
