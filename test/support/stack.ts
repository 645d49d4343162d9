/**
 * One isolated local stack per test file, on the run's shared DynamoDB Local.
 *
 * ORDER MATTERS: handlers read `process.env` when their module is first imported, and all handlers
 * of a process share one `getDeps()` singleton. So a test file must call `startTestStack()` (in
 * `beforeAll`) before anything imports `lambdas/<group>/handler.ts` or `lambdas/platform/deps.ts` —
 * no static imports of those in the test file; the server loads handlers lazily on first request,
 * and a test that needs a module directly uses `await import(...)` after the stack started.
 * For the same reason a file may start only one stack.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { ensureTable, localDynamoClient } from '../../dev/dynamodb-local.js';
import { ensureLocalSecrets, localEnv, type LocalSecrets } from '../../dev/env.js';
import { startLocalServer, type HandlerLoader } from '../../dev/server.js';
import { startFaultProxy, type FaultControl, type FaultProxy } from '../../dev/fault-proxy.js';
import { LocalEventSink, startStreamPoller, type DeliveredEvent } from '../../dev/stream-poller.js';

/** Options of `startTestStack`. */
export interface TestStackOptions {
  /** Data-residency label; default `us`. */
  readonly regionId?: string;
  /** Platform admin key; default a random one. */
  readonly adminKey?: string;
  /** Host-app base URL; default `{url}/demo-app`. */
  readonly appUrl?: string;
  /** Other regions' base URLs. */
  readonly peerRegions?: Readonly<Record<string, string>>;
  /** Handler log level; default `WARN` (errors of 5xx answers still show). */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Extra variables applied after the defaults (override any of them). */
  readonly env?: Readonly<Record<string, string>>;
  /** Replaces the real handlers (adapter tests); default `lambdas/<group>/handler.ts`. */
  readonly loadHandler?: HandlerLoader;
  /**
   * Put a fault proxy (dev/fault-proxy.ts) between the handlers and DynamoDB Local, driven through
   * `stack.faults`; `stack.endpoint` stays the direct endpoint, for checking the table.
   */
  readonly faults?: boolean;
}

/** A running test stack. */
export interface TestStack {
  /** Base URL of the local API (equals `API_URL`), no trailing slash. */
  readonly url: string;
  /** The platform admin key. */
  readonly adminKey: string;
  /** Everything in the secrets file at start (pepper, SCIM OAuth client). */
  readonly secrets: LocalSecrets;
  /** The environment the handlers get (already applied to `process.env`). */
  readonly env: Readonly<Record<string, string>>;
  /** The shared DynamoDB Local endpoint. */
  readonly endpoint: string;
  /** This file's own table. */
  readonly tableName: string;
  /** Stops the server, drops the table and the temporary secrets folder. */
  close(): Promise<void>;
  /** The fault point between the handlers and the database (with `faults: true`). */
  readonly faults?: FaultControl;
  /**
   * Lifecycle events as the host app would receive them: read off the table's stream by the same
   * outbox core the AWS consumer runs (dev/stream-poller.ts), so an event shows up only once its
   * change committed, and a short while after the response.
   */
  readonly events: TestEvents;
}

/** The events delivered through the stack's outbox (deduplicated on `eventId`, as a consumer does). */
export interface TestEvents {
  /** Every event delivered so far, oldest first. */
  all(): readonly DeliveredEvent[];
  /** The first delivered event that satisfies `predicate`, waiting for it up to `timeoutMs` (default 10 s). */
  waitFor(predicate: (e: DeliveredEvent) => boolean, timeoutMs?: number): Promise<DeliveredEvent>;
  /** Makes the next `count` deliveries fail (all entries rejected, or the call thrown), as a bus outage would. */
  failNext(count: number, how?: 'reject' | 'throw'): void;
  /** How many of the failures asked for with `failNext` are still to come. */
  pendingFailures(): number;
  /** Deliveries of an event the sink had already received (at-least-once delivery, seen from the consumer). */
  redeliveries(): number;
}

/** A test stack whose storage traffic goes through a fault proxy. */
export interface FaultyTestStack extends TestStack {
  readonly faults: FaultControl;
}

let started = false;

/**
 * Starts a fresh stack for this test file: a new uniquely named table on the shared DynamoDB Local
 * (created exactly as `npm start` creates it), a temporary secrets file, the handlers' environment
 * in `process.env`, and the local API on a free port. See the top of this file for the ordering rule.
 */
export async function startTestStack(opts: TestStackOptions & { faults: true }): Promise<FaultyTestStack>;
export async function startTestStack(opts?: TestStackOptions): Promise<TestStack>;
export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  if (started) {
    throw new Error('startTestStack() may run once per test file: handlers keep the configuration of the first stack');
  }
  started = true;
  const endpoint = inject('dynamoEndpoint');
  const tableName = `idp-bridge-test-${randomBytes(6).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'idp-bridge-test-'));
  const secretsFile = join(dir, 'secrets.json');
  const [secrets] = await Promise.all([
    ensureLocalSecrets(secretsFile, { adminKey: opts.adminKey ?? `test-admin-${randomBytes(16).toString('hex')}` }),
    ensureTable(endpoint, tableName),
  ]);
  let proxy: FaultProxy | undefined;
  if (opts.faults) {
    const target = new URL(endpoint);
    proxy = await startFaultProxy({ target: { host: target.hostname, port: Number(target.port) } });
  }

  let env: Record<string, string> = {};
  const server = await startLocalServer({
    port: 0,
    host: '127.0.0.1',
    ...(opts.loadHandler ? { loadHandler: opts.loadHandler } : {}),
    // Applied after listen, before any handler import: API_URL is the real URL.
    env: (url) => {
      env = {
        ...localEnv({
          apiUrl: url,
          dynamoEndpoint: proxy?.endpoint ?? endpoint,
          tableName,
          secretsFile,
          logLevel: opts.logLevel ?? 'WARN',
          ...(opts.regionId ? { regionId: opts.regionId } : {}),
          ...(opts.appUrl ? { appUrl: opts.appUrl } : {}),
          ...(opts.peerRegions ? { peerRegions: opts.peerRegions } : {}),
        }),
        ...opts.env,
      };
      return env;
    },
  });

  // The poller reads the stream directly, never through the fault proxy: faults are for the handlers.
  const sink = new LocalEventSink();
  const poller = await startStreamPoller({
    endpoint,
    tableName,
    publisher: sink,
    region: env.REGION_ID ?? 'us',
    intervalMs: 50,
    maxBackoffMs: 500,
    logger: { warn: () => undefined, error: (m, ...x) => console.error(`[outbox] ${m}`, ...x) },
  });
  const events: TestEvents = {
    all: () => sink.all(),
    waitFor: (predicate, timeoutMs) => sink.waitFor(predicate, timeoutMs),
    failNext: (count, how) => sink.failNext(count, how),
    pendingFailures: () => sink.pendingFailures(),
    redeliveries: () => sink.redeliveries,
  };

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await server.close();
      await poller.stop();
      await proxy?.close();
      const client = localDynamoClient(endpoint);
      try {
        // Keeps the shared in-memory database small over a long run.
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } finally {
        client.destroy();
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return closed;
  };
  return { url: server.url, adminKey: secrets.adminKey, secrets, env, endpoint, tableName, close, events, ...(proxy ? { faults: proxy } : {}) };
}
