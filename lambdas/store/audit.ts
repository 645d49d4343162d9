import { keys, LIST_SHARDS } from './keys.js';
import type { Db } from './client.js';
import { auditItem } from './audit-items.js';
import { buildAuditRecord, type AuditContext, type AuditEntry, type AuditRecord } from '../core/audit.js';
import { timeIdPrefix } from '../core/crypto.js';

export interface AuditPageQuery {
  teamId: string;
  /** Inclusive lower bound (ms since epoch). */
  sinceMs?: number;
  /** Exclusive upper bound (ms since epoch). */
  untilMs?: number;
  /** Id of the last record of the previous page. */
  after?: string;
  limit: number;
}

/**
 * The audit trail. Mutations write their record inside their own transaction (`auditPut`); this
 * repository writes standalone records (sign-ins, refusals) and reads the trail in time order.
 */
export class AuditRepo {
  constructor(private readonly db: Db) {}

  /** Writes a record that describes no stored change (a login, a refused request). */
  async record(ctx: AuditContext, entry: AuditEntry): Promise<AuditRecord> {
    const rec = buildAuditRecord(ctx, entry);
    await this.db.put(auditItem(rec));
    return rec;
  }

  /**
   * One page of a workspace's trail in time order. The listing is write-sharded, so each page
   * queries every shard from the cursor in parallel (one round trip) and merges them.
   */
  async page(q: AuditPageQuery): Promise<{ records: AuditRecord[]; next?: string }> {
    const lower = q.after ?? (q.sinceMs !== undefined ? timeIdPrefix(q.sinceMs) : undefined);
    const upper = q.untilMs !== undefined ? timeIdPrefix(q.untilMs) : undefined;
    const shards = await Promise.all(
      Array.from({ length: LIST_SHARDS }, async (_, shard) => {
        const names: Record<string, string> = {};
        const values: Record<string, unknown> = { ':p': keys.auditListingPartition(q.teamId, shard) };
        let cond = 'gsi1pk = :p';
        if (lower !== undefined && upper !== undefined) {
          cond += ' AND gsi1sk BETWEEN :lo AND :hi';
          values[':lo'] = q.after ? `${lower}!` : lower; // ids use [0-9a-z], so 'id!' is the first key after 'id'
          values[':hi'] = upper;
        } else if (lower !== undefined) {
          cond += q.after ? ' AND gsi1sk > :lo' : ' AND gsi1sk >= :lo';
          values[':lo'] = lower;
        } else if (upper !== undefined) {
          cond += ' AND gsi1sk < :hi';
          values[':hi'] = upper;
        }
        const out = await this.db.query({
          IndexName: 'gsi1',
          KeyConditionExpression: cond,
          ExpressionAttributeValues: values,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          Limit: q.limit + 1,
        });
        return (out.Items ?? []).map((it) => it.record as AuditRecord);
      }),
    );
    // BETWEEN is inclusive; the upper bound is exclusive for `until`.
    const merged = shards
      .flat()
      .filter((r) => upper === undefined || r.id < upper)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const records = merged.slice(0, q.limit);
    const more = merged.length > q.limit;
    return more ? { records, next: records[records.length - 1]!.id } : { records };
  }
}
