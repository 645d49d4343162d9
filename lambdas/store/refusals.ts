import { auditItem } from './audit-items.js';
import { buildAuditRecord, type AuditContext, type AuditEntry, type AuditRecord } from '../core/audit.js';
import { ConditionFailed, TransactionConflict, type Db, type Item } from './client.js';
import { keys, type Key } from './keys.js';
import { refusalWindow, type RefusalBucketId } from '../core/refusals.js';

/** How long a bucket outlives its hour: long enough to read a flood's count while investigating it. */
const REFUSAL_BUCKET_TTL_SECONDS = 3 * 86_400;

/** Attempts before giving up on a contended bucket (each is one or two round trips). */
const MAX_ATTEMPTS = 5;

/** One aggregation bucket: how many refusals of one cause came from one source to one workspace in one hour. */
export interface RefusalBucket extends RefusalBucketId {
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
  /** The audit record the first refusal of the bucket wrote. */
  readonly auditId: string;
}

/** What `record` did: wrote the bucket's audit record (the first refusal), or only counted. */
export type RefusalOutcome = { readonly outcome: 'recorded'; readonly record: AuditRecord } | { readonly outcome: 'counted'; readonly count: number };

/**
 * Refused requests in a workspace's audit trail, aggregated (review #6; docs/reference/DESIGN.md, "every refusal is
 * traced"). The first refusal of a bucket (workspace, hour, cause, source IP) writes its audit record
 * and the bucket item in one transaction, conditional on the bucket not existing; every later one
 * only adds 1 to the bucket's count. So a flood of 10,000 forged requests writes one audit record
 * and one small item, and audit records stay append-only (nothing ever updates one).
 */
export class RefusalRepo {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  static key(b: RefusalBucketId): Key {
    return keys.refusalBucket(b.teamId, b.hour, b.cause, b.sourceIp);
  }

  /**
   * Records one refusal in its bucket. The common case in a flood (the bucket exists) is one
   * conditional `ADD`; the first refusal costs that plus the transaction. Two first refusals racing
   * each other: one transaction wins, the other's condition fails and it counts instead.
   */
  async record(ctx: AuditContext, bucket: RefusalBucketId, entry: AuditEntry): Promise<RefusalOutcome> {
    const key = RefusalRepo.key(bucket);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.now();
      const count = await this.increment(key, now);
      if (count !== undefined) return { outcome: 'counted', count };
      const record = buildAuditRecord(ctx, entry, now);
      const item: Item = {
        ...key,
        type: 'refusal_bucket',
        teamId: bucket.teamId,
        hour: bucket.hour,
        cause: bucket.cause,
        sourceIp: bucket.sourceIp,
        count: 1,
        firstAt: now.toISOString(),
        lastAt: now.toISOString(),
        auditId: record.id,
        ttl: Math.floor(refusalWindow(now.getTime()).endMs / 1000) + REFUSAL_BUCKET_TTL_SECONDS,
      };
      try {
        await this.db.transact([{ Put: { Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }, { Put: { Item: auditItem(record, entry.events) } }]);
        return { outcome: 'recorded', record };
      } catch (err) {
        // Another first refusal of this bucket committed: count this one on the next pass.
        if (!(err instanceof ConditionFailed) && !(err instanceof TransactionConflict)) throw err;
      }
    }
    throw new Error(`refusal bucket ${key.pk} ${key.sk} stayed contended after ${MAX_ATTEMPTS} attempts`);
  }

  /** Adds 1 to an existing bucket; undefined when the bucket does not exist yet. */
  private async increment(key: Key, now: Date): Promise<number | undefined> {
    try {
      const out = await this.db.update(key, {
        UpdateExpression: 'ADD #count :one SET lastAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':at': now.toISOString() },
        ReturnValues: 'UPDATED_NEW',
      });
      return Number(out?.count ?? 0);
    } catch (err) {
      if (err instanceof ConditionFailed) return undefined;
      throw err;
    }
  }

  /** One bucket, or undefined (none, or expired). */
  async get(bucket: RefusalBucketId): Promise<RefusalBucket | undefined> {
    const item = await this.db.get(RefusalRepo.key(bucket));
    return item ? fromItem(item) : undefined;
  }

  /** Every bucket of a workspace in one hour (`refusalWindow(...).hour`), e.g. to see who flooded it. */
  async listHour(teamId: string, hour: string): Promise<RefusalBucket[]> {
    const items = await this.db.queryAll({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': keys.refusalBucketPartition(teamId, hour) } }, 1_000);
    return items.map(fromItem);
  }
}

function fromItem(item: Item): RefusalBucket {
  return {
    teamId: String(item.teamId),
    hour: String(item.hour),
    cause: String(item.cause),
    sourceIp: String(item.sourceIp),
    count: Number(item.count),
    firstAt: String(item.firstAt),
    lastAt: String(item.lastAt),
    auditId: String(item.auditId),
  };
}
