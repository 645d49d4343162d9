/**
 * The local outbox consumer: reads DynamoDB Local's stream of the table and hands every record to
 * the same core the AWS Lambda runs (`lambdas/outbox/app.ts`), with a local sink in place of
 * EventBridge. On AWS a Lambda event source mapping does this work; here we do its part by hand:
 * DescribeStream for the shards, a parent shard before its children (after a split), GetShardIterator
 * and a GetRecords loop every few hundred ms, and — like `ReportBatchItemFailures` — a failed record
 * and the records after it are retried (with back-off) while the records before it are done.
 *
 * Delivery is at least once. The poller keeps its position in memory only: after a restart it
 * starts again at the oldest record the stream still holds (TRIM_HORIZON) and redelivers what it
 * had delivered before; consumers dedupe on the stable `eventId` (the local sink does).
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type Shard,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { deliverOutbox, type BusEvent, type EventPublisher, type OutboxLogger, type PutResult, type StreamRecord } from '../lambdas/outbox/app.js';
import { localDynamoClient } from './dynamodb-local.js';

export interface StreamPollerOptions {
  /** DynamoDB Local's endpoint (the streams API is served on the same port). */
  readonly endpoint: string;
  readonly tableName: string;
  /** Where events go (a `LocalEventSink` locally). */
  readonly publisher: EventPublisher;
  /** Region put on events whose audit record names none. */
  readonly region: string;
  /** Pause between polls when the stream has nothing new. Default 250 ms. */
  readonly intervalMs?: number;
  /** Longest pause before a failed record is tried again. Default 5 s (first pause: `intervalMs`). */
  readonly maxBackoffMs?: number;
  readonly logger?: OutboxLogger;
}

/** A running poller. */
export interface StreamPoller {
  /** Stops after the poll in progress (nothing is cut off half-way). Idempotent. */
  stop(): Promise<void>;
}

interface ShardState {
  readonly id: string;
  readonly parentId: string | undefined;
  iterator: string | undefined;
  /** Sequence number of the last record handed over successfully: the in-memory checkpoint. */
  checkpoint: string | undefined;
  /** Records read but not yet delivered (a failed record and those after it). */
  pending: _Record[];
  /** No more records will come: the shard was closed (split or rolled over) and is drained. */
  done: boolean;
  /** The shard has no more records to read (GetRecords answered without a next iterator). */
  closed: boolean;
  failures: number;
  retryAt: number;
}

/** How often the shard list is read again while nothing closed. */
const DISCOVERY_INTERVAL_MS = 1_000;

const consoleLogger: OutboxLogger = {
  warn: (m, ...x) => console.warn(`[outbox] ${m}`, ...x),
  error: (m, ...x) => console.error(`[outbox] ${m}`, ...x),
};

/** Starts polling the table's stream; the table must have one (`ensureTable` enables it). */
export async function startStreamPoller(opts: StreamPollerOptions): Promise<StreamPoller> {
  const intervalMs = opts.intervalMs ?? 250;
  const maxBackoffMs = opts.maxBackoffMs ?? 5_000;
  const logger = opts.logger ?? consoleLogger;
  const streams = new DynamoDBStreamsClient({
    endpoint: opts.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const streamArn = await latestStreamArn(opts.endpoint, opts.tableName);
  const shards = new Map<string, ShardState>();
  let stopped = false;
  let lastDiscovery = 0;
  let wake: (() => void) | undefined;
  let lastError = '';

  /** Adds shards the stream has grown since the last look (a split, or DynamoDB Local rolling over). */
  const discover = async (): Promise<void> => {
    let start: string | undefined;
    do {
      const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }));
      for (const s of out.StreamDescription?.Shards ?? []) addShard(s);
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
  };
  const addShard = (s: Shard): void => {
    if (!s.ShardId || shards.has(s.ShardId)) return;
    shards.set(s.ShardId, { id: s.ShardId, parentId: s.ParentShardId, iterator: undefined, checkpoint: undefined, pending: [], done: false, closed: false, failures: 0, retryAt: 0 });
  };

  /** A child is read only once its parent is drained, so a key's records stay in order. */
  const ready = (s: ShardState): boolean => {
    if (s.done || Date.now() < s.retryAt) return false;
    const parent = s.parentId ? shards.get(s.parentId) : undefined;
    return !parent || parent.done; // a parent the stream no longer lists has been trimmed
  };

  /** One step on one shard; answers whether it made progress (then poll again without pausing). */
  const step = async (s: ShardState): Promise<boolean> => {
    if (s.pending.length === 0) {
      if (s.closed) {
        s.done = true;
        lastDiscovery = 0; // its children may be listed by now
        return true;
      }
      let out;
      try {
        s.iterator ??= (
          await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: s.id,
              ...(s.checkpoint ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: s.checkpoint } : { ShardIteratorType: 'TRIM_HORIZON' }),
            }),
          )
        ).ShardIterator;
        if (!s.iterator) {
          s.closed = true;
          return true;
        }
        out = await streams.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: 1000 }));
      } catch (err) {
        // An iterator lives 15 minutes; get a new one from the checkpoint.
        if (err instanceof ExpiredIteratorException) {
          s.iterator = undefined;
          return true;
        }
        // Records older than the stream's retention are gone: continue at the oldest one left.
        if (err instanceof TrimmedDataAccessException) {
          logger.error('stream records were trimmed before delivery; continuing at the oldest record left', { shard: s.id });
          s.iterator = undefined;
          s.checkpoint = undefined;
          return true;
        }
        throw err;
      }
      s.pending = out.Records ?? [];
      s.iterator = out.NextShardIterator;
      if (!s.iterator) s.closed = true;
      if (s.pending.length === 0) return s.closed;
    }
    const res = await deliverOutbox(s.pending as StreamRecord[], opts.publisher, { region: opts.region, logger, backoffMs: (n) => 50 * 2 ** (n - 1) });
    const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    const firstFailed = s.pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
    const delivered = firstFailed === -1 ? s.pending : s.pending.slice(0, firstFailed);
    if (delivered.length > 0) s.checkpoint = delivered.at(-1)!.dynamodb?.SequenceNumber ?? s.checkpoint;
    s.pending = firstFailed === -1 ? [] : s.pending.slice(firstFailed);
    if (firstFailed === -1) {
      s.failures = 0;
      return true;
    }
    // As a Lambda event source would: the failed record and the ones after it, again, later.
    s.failures += 1;
    s.retryAt = Date.now() + Math.min(maxBackoffMs, intervalMs * 2 ** (s.failures - 1));
    logger.warn('records left for retry', { shard: s.id, records: s.pending.length, attempt: s.failures });
    return delivered.length > 0;
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        // Shards change rarely (a split, a roll-over): look again after a closed shard, else every second.
        if (shards.size === 0 || Date.now() - lastDiscovery >= DISCOVERY_INTERVAL_MS) {
          await discover();
          lastDiscovery = Date.now();
        }
        // Each ready shard is read until it has nothing new, then the poller pauses.
        for (const s of shards.values()) {
          while (!stopped && ready(s) && (await step(s)));
        }
        lastError = '';
      } catch (err) {
        // DynamoDB Local restarting, or a stale iterator after it did: start over from the checkpoints.
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        if (message !== lastError) logger.warn('stream poll failed; retrying', { error: message });
        lastError = message;
        for (const s of shards.values()) s.iterator = undefined;
      }
      if (stopped) break;
      await new Promise<void>((r) => {
        const t = setTimeout(r, intervalMs);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      wake = undefined;
    }
  };
  const running = loop();

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wake?.();
        await running;
        streams.destroy();
      })();
      return stopping;
    },
  };
}

async function latestStreamArn(endpoint: string, tableName: string): Promise<string> {
  const client = localDynamoClient(endpoint);
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const arn = out.Table?.LatestStreamArn;
    if (!arn || out.Table?.StreamSpecification?.StreamEnabled === false) {
      throw new Error(`table ${tableName} has no stream: create it with ensureTable (dev/dynamodb-local.ts)`);
    }
    return arn;
  } finally {
    client.destroy();
  }
}

/** One delivered event as the local sink keeps it and writes it (one JSON object a line). */
export type DeliveredEvent = BusEvent;

/** Options of the local sink. */
export interface LocalEventSinkOptions {
  /** NDJSON file the events are appended to (`$DATA_DIR/events.ndjson` under `npm start`). */
  readonly file?: string;
  /** How many events to keep in memory (oldest dropped first). Default 10,000. */
  readonly keep?: number;
}

/**
 * The local stand-in for the EventBridge bus, and a model consumer: it dedupes on `eventId`, so a
 * redelivery (after a retry, or after a restart of `npm start`, whose poller starts again at the
 * oldest record of the stream) is counted but neither kept twice in memory nor written twice to
 * the file (whose ids it reads at the first delivery).
 */
export class LocalEventSink implements EventPublisher {
  private readonly events: DeliveredEvent[] = [];
  /** Ids delivered to this sink. */
  private readonly seen = new Set<string>();
  /** Ids in the file (written by this sink or by an earlier run). */
  private readonly written = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private faults: { remaining: number; how: 'reject' | 'throw' } = { remaining: 0, how: 'reject' };
  private loaded: Promise<void> | undefined;
  /** Deliveries of an event id that had arrived before (at least once, seen from the consumer). */
  redeliveries = 0;

  constructor(private readonly opts: LocalEventSinkOptions = {}) {}

  /** Every distinct event delivered to this sink, oldest first (the newest `keep`). */
  all(): readonly DeliveredEvent[] {
    return this.events;
  }

  /**
   * Fails the next `count` calls: `reject` answers every entry as rejected (what EventBridge's
   * `FailedEntryCount` reports), `throw` fails the call as an unreachable bus would.
   */
  failNext(count: number, how: 'reject' | 'throw' = 'reject'): void {
    this.faults = { remaining: count, how };
  }

  /** How many of the failures asked for with `failNext` are still to come. */
  pendingFailures(): number {
    return this.faults.remaining;
  }

  /** Resolves with the first delivered event that satisfies `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (e: DeliveredEvent) => boolean, timeoutMs = 10_000): Promise<DeliveredEvent> {
    const hit = this.events.find(predicate);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(predicate);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching event within ${timeoutMs} ms (${this.events.length} delivered: ${this.events.slice(-5).map((e) => `${e.type} ${e.eventId}`).join(', ')})`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  async put(events: readonly BusEvent[]): Promise<readonly PutResult[]> {
    if (this.faults.remaining > 0) {
      this.faults.remaining -= 1;
      if (this.faults.how === 'throw') throw new Error('local sink: injected failure');
      return events.map(() => ({ ok: false, error: 'InternalFailure: injected by the local sink' }));
    }
    await (this.loaded ??= this.loadWritten());
    const fresh = events.filter((e) => !this.seen.has(e.eventId));
    this.redeliveries += events.filter((e) => this.seen.has(e.eventId) || this.written.has(e.eventId)).length;
    const unwritten = [...new Map(events.filter((e) => !this.written.has(e.eventId)).map((e) => [e.eventId, e])).values()];
    if (unwritten.length > 0 && this.opts.file) {
      // Written before being acknowledged: an event the stream counts as delivered is on disk.
      await mkdir(dirname(this.opts.file), { recursive: true });
      await appendFile(this.opts.file, unwritten.map((e) => `${JSON.stringify(e)}\n`).join(''));
    }
    for (const e of unwritten) this.written.add(e.eventId);
    const keep = this.opts.keep ?? 10_000;
    for (const e of fresh) {
      if (this.seen.has(e.eventId)) continue; // twice in one call
      this.seen.add(e.eventId);
      this.events.push(e);
      if (this.events.length > keep) this.events.shift();
    }
    for (const l of [...this.listeners]) l();
    return events.map(() => ({ ok: true }));
  }

  /** The ids already in the file: a restarted stack does not write them again. */
  private async loadWritten(): Promise<void> {
    if (!this.opts.file) return;
    let text: string;
    try {
      text = await readFile(this.opts.file, 'utf8');
    } catch {
      return; // no file yet
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const id = (JSON.parse(line) as { eventId?: unknown }).eventId;
        if (typeof id === 'string') this.written.add(id);
      } catch {
        // A torn last line (the process died mid-append): its event is redelivered and written again.
      }
    }
  }
}
