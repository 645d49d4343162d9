/**
 * Refusals are traced (docs/reference/DESIGN.md, invariants): every refused request leaves a structured log line
 * and a metric, and an audit record (`<area>.refused`, aggregated per source) in the target
 * workspace when the code that refused it knows that workspace exists.
 *
 * Code that refuses attaches what it knows to the error it throws with `withRefusal`; the Lambda
 * wrapper (`lambda.ts`) traces every 401/403 (and any error carrying a refusal) before it answers.
 */

/** What the refusing code knows about a refusal. */
export interface RefusalContext {
  /** The workspace the request targeted, only when it is known to exist (its audit trail gets the record). */
  readonly teamId?: string;
  /** Stable cause, e.g. `scim.token_unknown`, `logout.signature_invalid`, `admin.key_wrong`. */
  readonly cause: string;
  /** Non-secret facts (claimed issuer, subject, token id prefix…); never a secret or a whole token. */
  readonly detail?: Readonly<Record<string, unknown>>;
  /**
   * Who the request claimed to be, when the refusing code knows it (a verified SCIM token of another
   * workspace, the OAuth client id); the audit record's actor. Default: `{type: 'anonymous', id: <source ip>}`.
   */
  readonly actor?: { readonly type: string; readonly id: string; readonly label?: string };
}

const REFUSAL = Symbol.for('idp-bridge.refusal');

/** Attaches refusal facts to an error about to be thrown; returns the same error. */
export function withRefusal<E extends Error>(err: E, ctx: RefusalContext): E {
  Object.defineProperty(err, REFUSAL, { value: ctx, enumerable: false, configurable: true });
  return err;
}

/** The refusal facts attached to a thrown value, if any. */
export function refusalOf(err: unknown): RefusalContext | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  return (err as { [REFUSAL]?: RefusalContext })[REFUSAL];
}

// ---- implementation: what the Lambda wrapper and the refusal repository share (pure) --------------

/**
 * Facts attached to a response the code returns instead of throwing (an HTML error page, say):
 * the wrapper traces it exactly like a thrown error carrying `withRefusal`. Returns the same object.
 */
export function respondRefused<R extends object>(res: R, ctx: RefusalContext): R {
  Object.defineProperty(res, REFUSAL, { value: ctx, enumerable: false, configurable: true });
  return res;
}

/** The audit area of a cause: `scim.token_unknown` → `scim`, so its record is `scim.refused`. */
export function refusalArea(cause: string): string {
  const dot = cause.indexOf('.');
  return dot > 0 ? cause.slice(0, dot) : cause;
}

/** Audit areas of the endpoint groups, for refusals whose code attached no facts (routes.ts names the groups). */
const GROUP_AREAS: Readonly<Record<string, string>> = {
  scim: 'scim',
  'scim-oauth': 'scim_oauth',
  'universal-logout': 'logout',
  admin: 'admin',
  audit: 'admin',
  tokens: 'token',
  oidc: 'sso',
  saml: 'sso',
};

/** The cause of a refusal nothing described: `<area of the group>.<error code or http_<status>>`. */
export function defaultCause(group: string, status: number, code?: string): string {
  const area = GROUP_AREAS[group] ?? group.replace(/[^a-z0-9]+/gi, '_');
  const suffix = code && /^[a-z][a-z0-9_]{0,63}$/.test(code) ? code : `http_${status}`;
  return `${area}.${suffix}`;
}

/** Length of an aggregation window: refusals of one (workspace, cause, source IP) in one hour share one audit record. */
const REFUSAL_WINDOW_MS = 3_600_000;

/** The aggregation window containing `atMs`: its start as an ISO hour (`2026-11-30T20`) and its bounds. */
export function refusalWindow(atMs: number): { hour: string; startMs: number; endMs: number } {
  const startMs = Math.floor(atMs / REFUSAL_WINDOW_MS) * REFUSAL_WINDOW_MS;
  return { hour: new Date(startMs).toISOString().slice(0, 13), startMs, endMs: startMs + REFUSAL_WINDOW_MS };
}

/** What one aggregation bucket is keyed by: a flood from one source on one workspace is one record per hour and cause. */
export interface RefusalBucketId {
  readonly teamId: string;
  readonly cause: string;
  readonly sourceIp: string;
  /** `refusalWindow(...).hour`. */
  readonly hour: string;
}

/** The bucket of a refusal at `atMs`. */
export function refusalBucketOf(teamId: string, cause: string, sourceIp: string, atMs: number): RefusalBucketId {
  return { teamId, cause, sourceIp, hour: refusalWindow(atMs).hour };
}

/** A readable, stable name of a bucket (the audit record's target id): `<hour>/<cause>/<ip>`. */
export function refusalBucketName(b: RefusalBucketId): string {
  return `${b.hour}/${b.cause}/${b.sourceIp}`;
}

/**
 * Keys whose values never reach a refusal's log line or audit record, at any depth: presented
 * credentials and whatever carries one. Ids (`tokenId`, `tokenPrefix`, `kid`, `jti`) stay.
 */
const SECRET_DETAIL_KEY =
  /^(token|accesstoken|access_token|refreshtoken|refresh_token|idtoken|id_token|bearer|jwt|assertion|samlresponse|authorization|cookie|cookies|password|passwd|secret|clientsecret|client_secret|key|apikey|api_key|adminkey|admin_key|platformkey|privatekey|pepper|hash|tokenhash|code|codeverifier|code_verifier|credential|credentials|signature)$/i;

/** One of our bearer tokens: `idpb_<region>_<kind>_<id>_<secret>` (crypto.ts). */
const OUR_TOKEN = /idpb_([a-z]{2,8})_(scim|api|mcp|session|oauth-access|oauth-refresh)_([0-9a-z]{20})_[A-Za-z0-9_-]{20,}/g;
/** A compact JWS/JWT: three base64url segments, the first a JSON header (`eyJ`). */
const COMPACT_JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

const MAX_DETAIL_STRING = 256;
const MAX_DETAIL_KEYS = 24;
const MAX_DETAIL_ITEMS = 16;
const MAX_DETAIL_DEPTH = 4;

/** A string as it may appear in a refusal: token secrets cut to their public prefix, JWTs removed, length bounded. */
export function redactRefusalString(s: string): string {
  const cleaned = s.replace(OUR_TOKEN, (_m, region: string, kind: string, id: string) => `idpb_${region}_${kind}_${id}_…`).replace(COMPACT_JWT, '[jwt]');
  return cleaned.length > MAX_DETAIL_STRING ? `${cleaned.slice(0, MAX_DETAIL_STRING)}…` : cleaned;
}

/**
 * The non-secret part of a refusal's detail, safe for a log line and an audit record: credential-
 * named keys dropped at any depth, our tokens reduced to their public prefix (kind and id), compact
 * JWTs removed wherever they appear, strings, arrays, objects and depth bounded (a client must not
 * be able to make a refusal's trace large).
 */
export function redactRefusalDetail(detail: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out = redactValue(detail ?? {}, 0);
  return out && typeof out === 'object' && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
}

function redactValue(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return redactRefusalString(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (depth >= MAX_DETAIL_DEPTH) return undefined;
  if (Array.isArray(v)) return v.slice(0, MAX_DETAIL_ITEMS).map((x) => redactValue(x, depth + 1) ?? null);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, x] of Object.entries(v)) {
      if (SECRET_DETAIL_KEY.test(k) || k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
      if (n++ >= MAX_DETAIL_KEYS) break;
      const r = redactValue(x, depth + 1);
      if (r !== undefined) out[k.length > 64 ? k.slice(0, 64) : k] = r;
    }
    return out;
  }
  return undefined;
}
