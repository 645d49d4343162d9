import { join, resolve } from 'node:path';
import { ensureTable, startSupervisedDynamoDbLocal, type SupervisedDynamoDbLocal } from './dynamodb-local.js';
import { ensureLocalSecrets, localEnv } from './env.js';
import { startLocalServer, type ExtraRoutes, type LocalServer } from './server.js';
import { LocalEventSink, startStreamPoller } from './stream-poller.js';

/** Options of `startStack`; every one has a local default. */
export interface StackOptions {
  /** Port of the API; default 8787, 0 picks a free one. */
  readonly port?: number;
  /** Interface of the API; default 127.0.0.1. */
  readonly host?: string;
  /** Folder for the database and the secrets file; default `.data`. */
  readonly dataDir?: string;
  /** Keep DynamoDB in memory instead of under `{dataDir}/dynamodb` (secrets stay in `dataDir`). */
  readonly inMemory?: boolean;
  /** Use this running DynamoDB (Local) instead of starting one; it is left running on stop. */
  readonly dynamoEndpoint?: string;
  /** Platform admin key to use (and store); default: the stored one, else a new random one. */
  readonly adminKey?: string;
  /** Data-residency label; default `us`. */
  readonly regionId?: string;
  /** Host-app base URL; default `{url}/demo-app`. */
  readonly appUrl?: string;
  /** Other local regions' base URLs, e.g. `{ eu: 'http://127.0.0.1:8788' }`. */
  readonly peerRegions?: Readonly<Record<string, string>>;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** How long `GET /api/health` may take to answer 200 after start; default 10 s. */
  readonly readyTimeoutMs?: number;
  /**
   * Runs once the API is healthy, before `startStack` resolves. This is where the local Okta
   * stand-in and the demo workspace get started and wired to the stack. It may return a cleanup
   * function, which `stop()` runs first.
   */
  readonly afterStart?: (stack: StackInfo) => Promise<(() => Promise<void>) | void>;
  /**
   * Local-only pages for paths the route table does not serve (the demo app under `/demo-app`).
   * Installed with the server, so it may delegate to something `afterStart` creates later.
   */
  readonly extraRoutes?: ExtraRoutes;
  /** Where the database supervisor reports a dead JVM and its restart; default `console.error`. */
  readonly log?: (line: string) => void;
  /** Waits between restart attempts of a dead DynamoDB Local (see `startSupervisedDynamoDbLocal`). */
  readonly restartBackoffMs?: readonly number[];
}

/** What a started stack tells its users. */
export interface StackInfo {
  /** Base URL of the API, no trailing slash. */
  readonly url: string;
  /** The platform admin key (`Authorization: Bearer …` on the admin API). */
  readonly adminKey: string;
  /** The environment the handlers were configured with (already applied to `process.env`). */
  readonly env: Readonly<Record<string, string>>;
  /** DynamoDB endpoint of the stack's table. */
  readonly endpoint: string;
  readonly tableName: string;
  /** Absolute path of the data folder. */
  readonly dataDir: string;
}

/** A running local stack. */
export interface Stack extends StackInfo {
  /** The supervised DynamoDB Local this stack started (absent with `dynamoEndpoint`). */
  readonly database?: SupervisedDynamoDbLocal;
  /**
   * Lifecycle events delivered through the outbox (the table's stream, read by dev/stream-poller.ts
   * with the core the AWS consumer runs), also appended to `eventsFile`.
   */
  readonly events: LocalEventSink;
  /** `{dataDir}/events.ndjson`: one delivered event a line, each `eventId` once. */
  readonly eventsFile: string;
  /** Stops what `startStack` started (afterStart's cleanup, the API, DynamoDB Local). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the whole local stack as `npm start` runs it: DynamoDB Local on disk (the table created
 * from `TABLE` with TTL on), the secrets file, the handlers' environment, and the API-Gateway-like
 * server; resolves once `GET /api/health` answers 200.
 *
 * All handlers of one process share one configuration (`getDeps()` reads `process.env` once), so
 * one process runs one stack: start a second region in a second process.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dataDir = resolve(opts.dataDir ?? '.data');
  const regionId = opts.regionId ?? 'us';
  const tableName = `idp-bridge-${regionId}`;
  const secretsFile = join(dataDir, 'secrets.json');

  const cleanups: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    // Last started, first stopped: the API must not outlive the database it serves.
    stopped ??= (async () => {
      for (const c of cleanups.reverse()) {
        try {
          await c();
        } catch (err) {
          console.error('[stack] error while stopping:', err);
        }
      }
    })();
    return stopped;
  };

  try {
    // The JVM takes most of the start-up time: write the secrets meanwhile.
    const secretsReady = ensureLocalSecrets(secretsFile, opts.adminKey ? { adminKey: opts.adminKey } : {});
    secretsReady.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
    let endpoint: string;
    let database: SupervisedDynamoDbLocal | undefined;
    if (opts.dynamoEndpoint) {
      endpoint = opts.dynamoEndpoint;
    } else {
      // Supervised: a JVM that dies is restarted on the same port and data, so a crash is an
      // outage (503s) rather than the end of the stack (issue 8).
      const ddb = await startSupervisedDynamoDbLocal({
        ...(opts.inMemory ? {} : { dbPath: join(dataDir, 'dynamodb') }),
        // Off the network where the machine allows a private network namespace (review #12).
        loopbackOnly: true,
        ...(opts.log ? { log: opts.log } : {}),
        ...(opts.restartBackoffMs ? { backoffMs: opts.restartBackoffMs } : {}),
      });
      cleanups.push(() => ddb.stop());
      endpoint = ddb.endpoint;
      database = ddb;
    }
    const secrets = await secretsReady;
    await ensureTable(endpoint, tableName);
    // The local outbox consumer: EventBridge's place is taken by an NDJSON file the demo can show.
    const eventsFile = join(dataDir, 'events.ndjson');
    const events = new LocalEventSink({ file: eventsFile });
    // `OUTBOX_POLLER=0` leaves the stream unread (a benchmark of the request path alone); the
    // events stay on their audit items and are delivered once a poller runs again.
    if (process.env.OUTBOX_POLLER !== '0') {
      const poller = await startStreamPoller({ endpoint, tableName, publisher: events, region: regionId });
      cleanups.push(() => poller.stop());
    }

    let env: Record<string, string> = {};
    const server: LocalServer = await startLocalServer({
      port: opts.port ?? 8787,
      host: opts.host ?? '127.0.0.1',
      ...(opts.extraRoutes ? { extraRoutes: opts.extraRoutes } : {}),
      env: (url) => {
        env = localEnv({
          apiUrl: url,
          dynamoEndpoint: endpoint,
          tableName,
          secretsFile,
          regionId,
          ...(opts.appUrl ? { appUrl: opts.appUrl } : {}),
          ...(opts.peerRegions ? { peerRegions: opts.peerRegions } : {}),
          ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
        });
        return env;
      },
    });
    cleanups.push(() => server.close());
    await waitForHealth(server.url, opts.readyTimeoutMs ?? 10_000);

    const info: StackInfo = { url: server.url, adminKey: secrets.adminKey, env, endpoint, tableName, dataDir };
    const afterStop = await opts.afterStart?.(info);
    if (afterStop) cleanups.push(afterStop);
    return { ...info, stop, events, eventsFile, ...(database ? { database } : {}) };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Polls `GET /api/health` until it answers 200. The first call also loads the admin handler (its
 * cold start), so the first real request is not the slow one. Only "not there yet" answers
 * (connection refused, 502/503/504) are retried: the table exists before the server starts, so any
 * other status is a bug that waiting will not fix.
 */
export async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(timeoutMs) });
      const body = await res.text();
      if (res.status === 200) return;
      last = `${res.status} ${body.slice(0, 300)}`;
      if (![502, 503, 504].includes(res.status)) break;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`GET ${url}/api/health did not answer 200 (last answer: ${last})`);
}
