import { keys } from './keys.js';
import type { Item, TransactItem } from './client.js';
import { buildAuditRecord, redact, type AuditContext, type AuditEntry, type AuditRecord, type OutboxEvent } from '../core/audit.js';
import type { LifecycleEvent } from '../core/events.js';

/** The stored item of an audit record, with the events that follow from it (the outbox). */
export function auditItem(record: AuditRecord, events: readonly LifecycleEvent[] = []): Item {
  const outbox: OutboxEvent[] = events.map((e, i) => ({ id: `${record.id}.${i}`, type: e.type, teamId: e.teamId, detail: redact(e.detail) as Record<string, unknown> }));
  return {
    ...keys.audit(record.workspace, record.id),
    ...keys.auditListing(record.workspace, record.id),
    type: 'audit',
    record,
    ...(outbox.length > 0 ? { outbox } : {}),
  };
}

/** The transaction item that writes an audit record (and its outbox events) next to the mutation it describes. */
export function auditPut(ctx: AuditContext, entry: AuditEntry, now = new Date()): TransactItem {
  return { Put: { Item: auditItem(buildAuditRecord(ctx, entry, now), entry.events) } };
}
