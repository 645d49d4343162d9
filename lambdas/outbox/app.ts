/**
 * The outbox consumer's core: turns DynamoDB stream records of audit items into bus events.
 *
 * Every mutation writes its audit record in the same transaction as the change (`auditPut`), and the
 * lifecycle events that follow from the change ride on that audit item as its `outbox` attribute.
 * So an event exists exactly when its change committed: a transaction that fails writes no audit
 * item, and its stream shows nothing. This core reads the committed items off the stream and hands
 * their events to a publisher — EventBridge on AWS (`handler.ts`), a local sink under `npm start`
 * and in tests (`dev/stream-poller.ts`). Both call this same function.
 *
 * Delivery is at least once: a record is retried until every one of its events is accepted, and a
 * retry may resend events that were accepted before. Each event therefore carries a stable id,
 * `<audit id>.<index>`, set when the change committed; consumers dedupe on it.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';

/** One record of a DynamoDB stream, as Lambda delivers it and as `GetRecords` returns it. */
export interface StreamRecord {
  readonly eventID?: string;
  /** `INSERT`, `MODIFY` or `REMOVE`. */
  readonly eventName?: string;
  readonly dynamodb?: {
    readonly SequenceNumber?: string;
    /** The item after the change (the stream's view type is NEW_IMAGE). */
    readonly NewImage?: Record<string, unknown>;
  };
}

/** One event as it leaves the outbox: what a consumer of the bus receives in `detail`. */
export interface BusEvent {
  /** Stable across redeliveries: `<audit id>.<index>`. Consumers dedupe on it. */
  readonly eventId: string;
  /** `user.created`, `user.deactivated`, `session.revoked`, … (EventBridge `detail-type`). */
  readonly type: string;
  readonly teamId: string;
  /** Data-residency region of the change. */
  readonly region: string;
  /** When the change committed (the audit record's time), ISO 8601. */
  readonly time: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** What happened to one entry of a `put` call, in the order of the entries. */
export type PutResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * Where events go. `put` takes at most `MAX_ENTRIES_PER_PUT` events and answers one result per
 * entry, in order, like EventBridge's `PutEvents` (whose `FailedEntryCount` may reject some entries
 * of an accepted call). Throwing means none of the entries was accepted.
 */
export interface EventPublisher {
  put(events: readonly BusEvent[]): Promise<readonly PutResult[]>;
}

/** EventBridge accepts at most 10 entries per `PutEvents` call. */
export const MAX_ENTRIES_PER_PUT = 10;

/** Lambda's partial batch response (`ReportBatchItemFailures`): the sequence numbers to retry. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** What the core logs; Powertools' Logger and `console` both fit. */
export interface OutboxLogger {
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

export interface DeliverOptions {
  /** Region to put on events whose audit record names none. */
  readonly region: string;
  /**
   * Attempts per entry within one invocation before its record is reported failed (the stream then
   * redelivers it). Default 3.
   */
  readonly maxAttempts?: number;
  /** Pause before retry `n` (1-based) of the entries a call rejected. Default 100 ms × 2^(n-1). */
  readonly backoffMs?: (retry: number) => number;
  readonly logger?: OutboxLogger;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The stored outbox entry (lambdas/store/audit-items.ts `auditItem`). Parsed: the stream is an edge. */
const OutboxEntry = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  teamId: z.string().min(1),
  detail: z.record(z.string(), z.unknown()).default({}),
});

const AuditItem = z.object({
  type: z.literal('audit'),
  record: z.object({ time: z.string(), region: z.string().optional() }),
  outbox: z.array(OutboxEntry).min(1),
});

/** A record this core cannot read: it is reported failed, so that on AWS it ends in the DLQ. */
class MalformedOutboxRecord extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedOutboxRecord';
  }
}

/**
 * The events a stream record carries: none for anything but the INSERT of an audit item with an
 * outbox (audit items are written once, so their INSERT is the commit of the change). The CDK event
 * source mapping filters for exactly these records; the check here keeps the core correct without it.
 */
export function eventsOfRecord(record: StreamRecord, fallbackRegion: string): BusEvent[] {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return [];
  // Cheap checks on the raw image first: most records of the table are not outbox records.
  const rawType = (image.type as { S?: unknown } | undefined)?.S;
  if (rawType !== 'audit' || image.outbox === undefined) return [];
  const parsed = AuditItem.safeParse(unmarshall(repairEmptyMaps(image) as Record<string, AttributeValue>));
  if (!parsed.success) {
    throw new MalformedOutboxRecord(`audit item with an unreadable outbox: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  const { record: audit, outbox } = parsed.data;
  return outbox.map((e) => ({
    eventId: e.id,
    type: e.type,
    teamId: e.teamId,
    region: audit.region ?? fallbackRegion,
    time: audit.time,
    detail: e.detail,
  }));
}

/**
 * DynamoDB Local writes an empty map into stream records as `{}` instead of `{"M": {}}` (DynamoDB,
 * and DynamoDB Local's own GetItem, write `{"M": {}}`). No other attribute value can be an empty
 * object, so each `{}` is read as the empty map it stands for; on AWS this changes nothing.
 */
function repairEmptyMaps(image: Record<string, unknown>): Record<string, unknown> {
  const fix = (v: unknown): unknown => {
    if (!v || typeof v !== 'object') return v;
    const av = v as { M?: Record<string, unknown>; L?: unknown[] };
    if (Object.keys(av).length === 0) return { M: {} };
    if (av.M) return { M: repairEmptyMaps(av.M) };
    if (av.L) return { L: av.L.map(fix) };
    return v;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fix(v)]));
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Publishes the events of a batch of stream records, in stream order, at most
 * `MAX_ENTRIES_PER_PUT` per call. Entries a call rejects are retried alone (never the whole call
 * again) up to `maxAttempts`; if some still fail, their record and every record after it are
 * reported as batch item failures and nothing after them is sent. A stream's event source resumes
 * from the lowest reported sequence number, so reporting the rest as well only says what happens
 * anyway, and holds for a consumer that retries exactly the reported records too.
 */
export async function deliverOutbox(records: readonly StreamRecord[], publisher: EventPublisher, opts: DeliverOptions): Promise<BatchResponse> {
  const maxAttempts = opts.maxAttempts ?? 3;
  const backoff = opts.backoffMs ?? ((n: number) => 100 * 2 ** (n - 1));
  const sleep = opts.sleep ?? defaultSleep;
  const failFrom = (index: number): BatchResponse => ({
    batchItemFailures: records.slice(index).map((r, i) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? r.eventID ?? String(index + i) })),
  });

  // Every event of the batch with the index of the record it came from, in stream order.
  const queue: { owner: number; event: BusEvent }[] = [];
  for (const [owner, record] of records.entries()) {
    let events: BusEvent[];
    try {
      events = eventsOfRecord(record, opts.region);
    } catch (err) {
      opts.logger?.error('outbox: unreadable stream record', { eventID: record.eventID, error: String(err) });
      // Send what comes before it; this record and the rest are retried (and end in the DLQ).
      const sent = await publishAll(queue, publisher, maxAttempts, backoff, sleep, opts.logger);
      return failFrom(Math.min(sent, owner));
    }
    for (const event of events) queue.push({ owner, event });
  }
  const firstFailed = await publishAll(queue, publisher, maxAttempts, backoff, sleep, opts.logger);
  return firstFailed < records.length ? failFrom(firstFailed) : { batchItemFailures: [] };
}

/**
 * Sends the queue chunk by chunk; answers the index of the first record with an undelivered event,
 * or `Infinity` when everything was accepted.
 */
async function publishAll(
  queue: readonly { owner: number; event: BusEvent }[],
  publisher: EventPublisher,
  maxAttempts: number,
  backoff: (retry: number) => number,
  sleep: (ms: number) => Promise<void>,
  logger: OutboxLogger | undefined,
): Promise<number> {
  for (let start = 0; start < queue.length; start += MAX_ENTRIES_PER_PUT) {
    let pending = queue.slice(start, start + MAX_ENTRIES_PER_PUT);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(backoff(attempt - 1));
      const errors: string[] = [];
      let results: readonly PutResult[];
      try {
        results = await publisher.put(pending.map((p) => p.event));
      } catch (err) {
        results = pending.map(() => ({ ok: false as const, error: err instanceof Error ? err.message : String(err) }));
      }
      const failed = pending.filter((_, i) => {
        const r = results[i];
        // A missing result counts as a rejection: never assume an entry arrived.
        if (r?.ok === true) return false;
        errors.push(r && !r.ok ? r.error : 'no result');
        return true;
      });
      if (failed.length === 0) break;
      logger?.warn('outbox: events rejected', { attempt, rejected: failed.length, of: pending.length, errors: [...new Set(errors)], eventIds: failed.map((f) => f.event.eventId) });
      if (attempt >= maxAttempts) return Math.min(...failed.map((f) => f.owner));
      pending = failed;
    }
  }
  return Infinity;
}
