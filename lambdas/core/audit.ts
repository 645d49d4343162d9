/**
 * The audit record: who changed what, from where, with before/after images stripped of secrets.
 * Pure: `lambdas/store/audit-items.ts` turns a record into its stored item (with its outbox).
 */
import { sortableId } from './crypto.js';
import type { LifecycleEvent } from './events.js';

/** Who did it: `admin` (platform key or admin user), `okta:scim`, `okta:jit`, `okta:universal-logout`, `system`… */
export interface Actor {
  readonly type: string;
  readonly id: string;
  readonly label?: string;
}

/** Where the request came from. */
export interface Source {
  readonly ip: string;
  readonly userAgent: string;
}

/** The context every mutation carries, so its audit record can be written in the same transaction. */
export interface AuditContext {
  readonly teamId: string;
  readonly region: string;
  readonly actor: Actor;
  readonly source: Source;
  readonly requestId: string;
}

export interface AuditEntry {
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string };
  readonly before?: unknown;
  readonly after?: unknown;
  /**
   * Lifecycle events that follow from this change. They ride on the audit item (the outbox) and
   * leave through the table's stream, so an event exists exactly when its change committed; each
   * gets the stable id `<audit id>.<index>`.
   */
  readonly events?: readonly LifecycleEvent[];
}

/** One line of the NDJSON export (docs/reference/DESIGN.md, admin API). */
export interface AuditRecord {
  id: string;
  time: string;
  workspace: string;
  region: string;
  actor: Actor;
  source: Source;
  action: string;
  target: { type: string; id: string };
  before: unknown;
  after: unknown;
  requestId: string;
}

/**
 * Keys whose values never reach an audit record, whatever their nesting, including inside an
 * IdP's custom SCIM extension (review #10): anything naming a password, passphrase, secret or
 * credential; any `…token` / `…_token` (`apiToken`, `accessToken`, `id_token`; but not `tokenId`
 * or a `tokens` list of ids); any `…hash`; API and private keys; verifiers; auth headers.
 */
const SECRET_KEYS =
  /^(?:.*(?:password|passwd|passphrase|secret|credential).*|.*token|.*hash|pepper|.*api[-_]?key|private[-_]?key|.*code[-_]?verifier|authorization|cookie|set-cookie)$/i;

/**
 * `code` names both one-time secrets (an OAuth or SSO code) and harmless error codes
 * (`invalid_signature`): only values long enough to be a secret are dropped.
 */
function isSecretCode(key: string, value: unknown): boolean {
  return key.toLowerCase() === 'code' && typeof value === 'string' && value.length >= 24;
}

/** Deep copy without secrets and passwords; also drops storage key attributes. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // A boolean says whether a secret is set (`clientSecretSet`), never what it is.
      if ((SECRET_KEYS.test(k) && typeof v !== 'boolean') || isSecretCode(k, v)) continue;
      if (/^(pk|sk|gsi\d+pk|gsi\d+sk|ttl)$/.test(k)) continue;
      out[k] = redact(v);
    }
    return out;
  }
  return value;
}

/** Builds the audit record of one mutation. */
export function buildAuditRecord(ctx: AuditContext, entry: AuditEntry, now = new Date()): AuditRecord {
  return {
    id: sortableId(now.getTime()),
    time: now.toISOString(),
    workspace: ctx.teamId,
    region: ctx.region,
    actor: ctx.actor,
    source: ctx.source,
    action: entry.action,
    target: entry.target,
    before: entry.before === undefined ? null : redact(entry.before),
    after: entry.after === undefined ? null : redact(entry.after),
    requestId: ctx.requestId,
  };
}

/** An outbox entry: a lifecycle event with its stable id, stored on the audit item. */
export interface OutboxEvent extends LifecycleEvent {
  readonly id: string;
}

