import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchGetCommandInput,
  type DeleteCommandInput,
  type GetCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type QueryCommandOutput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isStorageOutage, isThrottle, StorageUnavailable, Throttled } from '../core/errors.js';
import { isExpired, TABLE } from './table.js';
import type { Key } from './keys.js';

export type Item = Record<string, unknown>;
type SdkTransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** One item of a transaction; the table name is filled in by `Db.transact`. */
export type TransactItem = { [K in keyof SdkTransactItem]?: Omit<NonNullable<SdkTransactItem[K]>, 'TableName'> };

/** A conditional write lost: carries which transaction items failed (DynamoDB's CancellationReasons). */
export class ConditionFailed extends Error {
  /** Indexes of the transaction items whose condition failed (empty for a single-item write). */
  readonly failedIndexes: number[];
  /** The current item of each failed index, when DynamoDB returned it. */
  readonly items: (Item | undefined)[];
  constructor(failedIndexes: number[], items: (Item | undefined)[], options?: { cause?: unknown }) {
    super('Conditional check failed', options);
    this.name = 'ConditionFailed';
    this.failedIndexes = failedIndexes;
    this.items = items;
  }
}

/** A transaction collided with another one on the same item (retryable). */
export class TransactionConflict extends Error {
  constructor(options?: { cause?: unknown }) {
    super('Transaction conflict', options);
    this.name = 'TransactionConflict';
  }
}

/**
 * Bounds on waiting for the database, so a stalled or unreachable one answers 503 within a few
 * seconds instead of holding the request until the Lambda or gateway time-out (29 s): at most
 * `MAX_ATTEMPTS` × `REQUEST_TIMEOUT_MS` per call (connecting takes at most `CONNECTION_TIMEOUT_MS`
 * of it) plus the SDK's short back-off. DynamoDB answers in milliseconds; the SDK retries time-outs,
 * 5xx and throttling, and transactions carry an idempotency token across those retries.
 */
const DB_TIMEOUTS = { MAX_ATTEMPTS: 3, CONNECTION_TIMEOUT_MS: 1000, REQUEST_TIMEOUT_MS: 2000 } as const;

export interface DbOptions {
  tableName: string;
  endpoint?: string;
  region?: string;
}

/** Opens the table (the composition root, platform/deps.ts, holds the result without importing `Db`). */
export function openTable(opts: DbOptions): Db {
  return new Db(opts);
}

/**
 * The only door to DynamoDB. Repositories speak intent on top of it; handlers never see it.
 * It counts storage round trips (tests and benchmarks assert them), treats TTL-expired items as
 * absent, and turns throttling that survived the SDK's retries into a 429.
 */
export class Db {
  readonly tableName: string;
  readonly doc: DynamoDBDocumentClient;
  /** Storage round trips made by this instance (each SDK call counts one). */
  roundTrips = 0;
  /** TransactWriteItems calls made by this instance (tests assert "one change, one transaction"). */
  transactions = 0;
  /** Best-effort writes started off the critical path; `settle()` awaits them before the response. */
  private readonly pending = new Set<Promise<unknown>>();
  /** Keys asked with `load` since the last flush (one BatchGetItem per event-loop turn). */
  private queued: { key: Key; resolve: (item: Item | undefined) => void; reject: (err: unknown) => void }[] = [];

  constructor(opts: DbOptions) {
    this.tableName = opts.tableName;
    const local = opts.endpoint !== undefined;
    const client = new DynamoDBClient({
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      maxAttempts: DB_TIMEOUTS.MAX_ATTEMPTS,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: DB_TIMEOUTS.CONNECTION_TIMEOUT_MS,
        requestTimeout: DB_TIMEOUTS.REQUEST_TIMEOUT_MS,
        // Without it the SDK only logs a warning when the request time-out passes, and waits on.
        throwOnRequestTimeout: true,
        httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
      }),
    });
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  private async send<T>(fn: () => Promise<T>): Promise<T> {
    this.roundTrips += 1;
    try {
      return await fn();
    } catch (err) {
      if (isThrottle(err)) throw new Throttled(undefined, { cause: err });
      // Connection refused or reset, a stalled request, a 5xx from DynamoDB: 503 + Retry-After.
      if (isStorageOutage(err)) throw new StorageUnavailable({ cause: err });
      throw err;
    }
  }

  /**
   * Starts a best-effort write (a `lastUsedAt` refresh, tidying up a dead token) without making the
   * caller wait for it now. It still finishes BEFORE the response: the Lambda wrapper calls
   * `settle()` before it answers, because Lambda freezes the process after the response and a
   * write still in flight then would be lost (or land in a later invocation).
   */
  background(work: () => Promise<unknown>): void {
    const p: Promise<unknown> = work()
      .catch(() => undefined)
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /**
   * GetItem through the batcher: every `load` issued before the event loop turns (callers asking
   * several repositories in one `Promise.all`) is read in ONE BatchGetItem (per 100 keys), counted
   * as such in `roundTrips`. Strongly consistent, like `get`; an expired item reads as absent. A
   * failed batch rejects every load in it. A Lambda runs one invocation at a time, so a batch
   * holds one request's loads; the in-process local server may merge concurrent requests' loads,
   * which changes only the count.
   */
  load<T extends Item = Item>(key: Key): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({ key, resolve: resolve as (item: Item | undefined) => void, reject });
    });
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = [];
    this.batchGet(batch.map((q) => q.key)).then(
      (items) => batch.forEach((q, i) => q.resolve(items[i])),
      (err: unknown) => batch.forEach((q) => q.reject(err)),
    );
  }

  /** Waits for every write started with `background` (failures were already swallowed). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** GetItem (strongly consistent); an expired item reads as absent. */
  async get<T extends Item = Item>(key: Key, opts: Partial<GetCommandInput> = {}): Promise<T | undefined> {
    const out = await this.send(() =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ...opts })),
    );
    const item = out.Item as T | undefined;
    return isExpired(item) ? undefined : item;
  }

  /**
   * BatchGetItem of up to 100 keys in one round trip (retrying unprocessed keys); results in the
   * order of `keys`, `undefined` where absent or expired.
   */
  async batchGet<T extends Item = Item>(keyList: Key[], opts: { consistent?: boolean } = {}): Promise<(T | undefined)[]> {
    if (keyList.length === 0) return [];
    const found = new Map<string, T>();
    let pending: Key[] = dedupeKeys(keyList);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const chunks: Key[][] = [];
      for (let i = 0; i < pending.length; i += 100) chunks.push(pending.slice(i, i + 100));
      const next: Key[] = [];
      await Promise.all(
        chunks.map(async (chunk) => {
          const input: BatchGetCommandInput = {
            RequestItems: { [this.tableName]: { Keys: chunk, ConsistentRead: opts.consistent ?? true } },
          };
          const out = await this.send(() => this.doc.send(new BatchGetCommand(input)));
          for (const it of out.Responses?.[this.tableName] ?? []) found.set(keyId(it as Key), it as T);
          const un = out.UnprocessedKeys?.[this.tableName]?.Keys as Key[] | undefined;
          if (un) next.push(...un);
        }),
      );
      pending = next;
      if (pending.length > 0) {
        if (attempt >= 6) throw new Throttled(5);
        await sleep(20 * 2 ** attempt);
      }
    }
    return keyList.map((k) => {
      const it = found.get(keyId(k));
      return isExpired(it) ? undefined : it;
    });
  }

  async put(item: Item, opts: Partial<PutCommandInput> = {}): Promise<void> {
    try {
      await this.send(() =>
        this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ...opts })),
      );
    } catch (err) {
      throw mapConditional(err);
    }
  }

  async update(key: Key, opts: Omit<UpdateCommandInput, 'TableName' | 'Key'>): Promise<UpdateCommandOutput['Attributes']> {
    try {
      const out = await this.send(() =>
        this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: key, ...opts })),
      );
      return out.Attributes;
    } catch (err) {
      throw mapConditional(err);
    }
  }

  async delete(key: Key, opts: Partial<DeleteCommandInput> = {}): Promise<Item | undefined> {
    try {
      const out = await this.send(() =>
        this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key, ...opts })),
      );
      return out.Attributes;
    } catch (err) {
      throw mapConditional(err);
    }
  }

  /** One Query page. Expired items are dropped from `Items`. */
  async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<QueryCommandOutput> {
    const out = await this.send(() => this.doc.send(new QueryCommand({ TableName: this.tableName, ...input })));
    if (out.Items) out.Items = out.Items.filter((it) => !isExpired(it));
    return out;
  }

  /** Queries every page of a partition (bounded callers only: a user's tokens, a shard's page). */
  async queryAll(input: Omit<QueryCommandInput, 'TableName'>, max = 10_000): Promise<Item[]> {
    const items: Item[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.query({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) });
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && items.length < max);
    return items;
  }

  /** BatchWriteItem of any number of puts/deletes (25 per call, in parallel), retrying unprocessed ones. */
  async batchWrite(requests: ({ put: Item } | { delete: Key })[]): Promise<void> {
    const reqs = requests.map((r) => ('put' in r ? { PutRequest: { Item: r.put } } : { DeleteRequest: { Key: r.delete } }));
    const chunks: (typeof reqs)[] = [];
    for (let i = 0; i < reqs.length; i += 25) chunks.push(reqs.slice(i, i + 25));
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending = chunk;
        for (let attempt = 0; pending.length > 0; attempt++) {
          const out = await this.send(() =>
            this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } })),
          );
          pending = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
          if (pending.length > 0) {
            if (attempt >= 6) throw new Throttled(5);
            await sleep(20 * 2 ** attempt);
          }
        }
      }),
    );
  }

  /**
   * TransactWriteItems (≤ 100 items, all or nothing). A failed condition throws `ConditionFailed`
   * naming the failed indexes; a conflict with a concurrent transaction is retried with jitter.
   */
  async transact(items: TransactItem[]): Promise<void> {
    const withTable = items.map((it) => addTable(it, this.tableName));
    this.transactions += 1;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.send(() => this.doc.send(new TransactWriteCommand({ TransactItems: withTable })));
        return;
      } catch (err) {
        const mapped = mapTransaction(err);
        if (mapped instanceof TransactionConflict && attempt < 5) {
          await sleep(5 + Math.random() * 20 * 2 ** attempt);
          continue;
        }
        throw mapped;
      }
    }
  }
}

function addTable(it: TransactItem, tableName: string): SdkTransactItem {
  if (it.Put) return { Put: { ...it.Put, TableName: tableName } };
  if (it.Update) return { Update: { ...it.Update, TableName: tableName } };
  if (it.Delete) return { Delete: { ...it.Delete, TableName: tableName } };
  if (it.ConditionCheck) return { ConditionCheck: { ...it.ConditionCheck, TableName: tableName } };
  throw new Error('empty transaction item');
}

function keyId(k: Key): string {
  return `${k.pk}\u0000${k.sk}`;
}

function dedupeKeys(list: Key[]): Key[] {
  const seen = new Map<string, Key>();
  for (const k of list) seen.set(keyId(k), { pk: k.pk, sk: k.sk });
  return [...seen.values()];
}

function mapConditional(err: unknown): unknown {
  if ((err as { name?: string }).name === 'ConditionalCheckFailedException') {
    const item = (err as { Item?: Item }).Item;
    return new ConditionFailed([], [item], { cause: err });
  }
  return err;
}

function mapTransaction(err: unknown): unknown {
  const e = err as { name?: string; CancellationReasons?: { Code?: string; Item?: Item }[] };
  if (e.name !== 'TransactionCanceledException') return err;
  const reasons = e.CancellationReasons ?? [];
  if (reasons.some((r) => r.Code === 'TransactionConflict')) return new TransactionConflict({ cause: err });
  if (reasons.some((r) => r.Code === 'ThrottlingError' || r.Code === 'ProvisionedThroughputExceeded')) return new Throttled(5, { cause: err });
  const failed = reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
  if (failed.length > 0) return new ConditionFailed(failed, reasons.map((r) => r.Item), { cause: err });
  return err;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export { TABLE };
