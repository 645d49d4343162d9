/** Small pieces every SCIM endpoint shares: bodies, responses, ETags, audit context. */
import { auditContextFrom } from '../platform/http.js';
import type { AuditContext } from '../core/audit.js';
import type { Deps } from '../platform/deps.js';
import { parseJson, type HttpRequest, type HttpResponse } from '../platform/http.js';
import { InvalidSyntax, PreconditionFailed } from '../core/scim/errors.js';
import type { Json } from '../core/scim/evaluate.js';
import { etagOf } from '../core/scim/user-resource.js';
import type { ScimPrincipal } from './auth.js';

const SCIM_CONTENT_TYPE = 'application/scim+json';

/** A SCIM JSON response (RFC 7644 §3.1: `application/scim+json`). */
export function scim(status: number, body: Json | undefined, headers: Record<string, string> = {}): HttpResponse {
  if (body === undefined) return { status, headers: { 'cache-control': 'no-store', ...headers }, body: '' };
  return { status, headers: { 'content-type': SCIM_CONTENT_TYPE, 'cache-control': 'no-store', ...headers }, body: JSON.stringify(body) };
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The request body as a JSON object, whatever its Content-Type (`application/json` and
 * `application/scim+json` both occur; Okta's is unconfirmed, docs/reference/okta-protocols.md §2).
 */
export function jsonBody(req: HttpRequest): Json {
  // Malformed JSON, deep nesting and prototype member names (`__proto__`, `constructor`,
  // `prototype`) anywhere in the body are 400 `invalidSyntax` (review #8c).
  const parsed = parseJson(req.body, (message) => {
    throw new InvalidSyntax(message);
  });
  if (!isObj(parsed)) throw new InvalidSyntax('The request body must be a JSON object.');
  return parsed;
}

/** The SCIM base URL of a workspace in this region. */
export function baseUrl(deps: Deps, teamId: string): string {
  return `${deps.config.API_URL}/api/scim/v2/${teamId}`;
}

export function auditCtx(deps: Deps, req: HttpRequest, p: ScimPrincipal): AuditContext {
  return auditContextFrom(req, p.workspace.id, deps.config.REGION_ID, p.actor);
}

/**
 * RFC 7644 §3.14 / RFC 7232 §3.1: `If-Match` must name the current version (or be `*`), else 412.
 * Weak and strong forms of our tags compare equal.
 */
export function checkIfMatch(req: HttpRequest, version: number): void {
  const h = req.headers['if-match'];
  if (h === undefined || h.trim() === '*') return;
  const current = String(version);
  const tags = h.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, ''));
  if (!tags.includes(current)) throw new PreconditionFailed(`If-Match does not match the current version ${etagOf(version)}.`);
}

/** True when `If-None-Match` names the current version: a GET may answer 304. */
export function notModified(req: HttpRequest, version: number): boolean {
  const h = req.headers['if-none-match'];
  if (h === undefined) return false;
  if (h.trim() === '*') return true;
  return h
    .split(',')
    .map((t) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, ''))
    .includes(String(version));
}


/** The actor part of event details, so the host app knows Okta (and which token) made the change. */
export function actorDetail(p: ScimPrincipal): Record<string, unknown> {
  return { actor: { type: p.actor.type, id: p.actor.id, ...(p.actor.label ? { label: p.actor.label } : {}) } };
}
