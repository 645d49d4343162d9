/**
 * `npm run bench:scim`: idp-bridge's SCIM server against Ory Polis (`@boxyhq/saml-jackson`
 * 26.2.0) on one DynamoDB Local, in one run, with the workloads of docs/reference/peer-bench.md
 * (W1–W5: create, filter, import, group membership, deactivation), then the DynamoDB Local floor
 * on the same (warm) JVM. Prints a table and writes the figures to
 * bench/README.md (between the results markers) and `.bench-out/scim.json`.
 *
 * Bounded: every phase has a deadline and the whole run a hard limit (`BENCH_SCIM_TIMEOUT_S`,
 * default 1500); DynamoDB Local (java) is stopped on every exit path. Loopback only.
 *
 * Knobs: `BENCH_QUICK=1` (small sizes, for a smoke run), `BENCH_SKIP_POLIS=1`,
 * `BENCH_WRITE_README=0` (print only).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal, type DynamoDbLocal } from '../dev/dynamodb-local.js';
import { startStack, type Stack } from '../dev/stack.js';
import { measureCreateCeiling, measureDeactivationCeiling, measureFloor, warmUp, type CreateCeiling, type DeactivationCeiling, type FloorResult } from './lib/floor.js';
import type { LoadResult } from './lib/load.js';
import type { ScimTarget } from './lib/scim-client.js';
import {
  seedUsers,
  w1Create,
  w2Filter,
  w3Import,
  w4Members,
  w5Deactivate,
  type CallCounter,
  type CreateResult,
  type DeactivationResult,
  type ImportResult,
  type MembershipResult,
  type Perf,
} from './lib/workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = QUICK
  ? { w1c1: 100, w1c16: 300, w2: 500, w5: 300, importUsers: 1000, bigGroup: 1500, floor: 1000, polisImportUsers: 1000, polisBigDeadlineS: 10 }
  : { w1c1: 500, w1c16: 2000, w2: 3000, w5: 2000, importUsers: 10_000, bigGroup: 20_000, floor: 5000, polisImportUsers: 10_000, polisBigDeadlineS: 45 };
/** Live sessions each idp-bridge user holds when it is deactivated (a deactivated user usually has one). */
const W5_SESSIONS_PER_USER = 1;
const HARD_LIMIT_MS = Number(process.env.BENCH_SCIM_TIMEOUT_S ?? 1500) * 1000;
const startedAt = Date.now();
/** A phase deadline: `capS` seconds from now, never past the run's hard limit. */
const phase = (capS: number) => Math.min(Date.now() + capS * 1000, startedAt + HARD_LIMIT_MS - 5000);
const log = (s: string) => console.error(`[bench:scim ${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${s}`);

/**
 * Waits until the stack's local outbox consumer (dev/stream-poller.ts: it reads the table's stream
 * on the same JVM and CPU) has caught up with the writes so far, so that no measured phase pays for
 * draining the events of the phase before it (on AWS the consumer reads DynamoDB Streams, off the
 * table's and the handlers' capacity). Set once the stack runs.
 */
let outboxCaughtUp: () => Promise<void> = async () => undefined;

async function untilQuiet(events: { all(): readonly unknown[] }, maxMs = 60_000): Promise<void> {
  const mark = () => {
    const a = events.all();
    return [a.length, a[a.length - 1]] as const;
  };
  let last = mark();
  let quietPolls = 0;
  const until = Date.now() + maxMs;
  // The consumer polls every 250 ms: five unchanged looks 300 ms apart mean it found nothing new.
  while (quietPolls < 5 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 300));
    const now = mark();
    if (now[0] === last[0] && now[1] === last[1]) quietPolls++;
    else {
      quietPolls = 0;
      last = now;
    }
  }
}

interface ServerFigures {
  name: string;
  w1c1: CreateResult;
  w1c16: CreateResult;
  w2: Perf;
  w3: ImportResult;
  w4: MembershipResult;
  w5: DeactivationResult;
  getById?: number;
  notes: string[];
}

/** One server under test. */
interface Server {
  readonly name: string;
  readonly target: ScimTarget;
  /** A fresh tenant for W3/W4. */
  readonly importTarget: ScimTarget;
  readonly counter: CallCounter | undefined;
  /** A fresh tenant for W5. */
  readonly deactivateTarget: ScimTarget;
  /** Gives each of these users live sessions before W5 (idp-bridge; Polis has no sessions). */
  readonly giveSessions?: (userIds: readonly string[]) => Promise<void>;
  /** How many of these users still have a live session (what a deactivation must leave at 0). */
  readonly liveSessions?: (userIds: readonly string[]) => Promise<number>;
}

const better = <T extends { load: LoadResult }>(a: T | undefined, b: T): T => (a && a.load.opsPerSec >= b.load.opsPerSec ? a : b);

/**
 * W1 and W2 for every server, in alternating rounds (ours, Polis, ours, Polis…), keeping each
 * server's better round: whoever runs first would otherwise pay for the JVM's and Node's JIT
 * warm-up alone.
 */
async function hotPaths(servers: Server[], rounds: number, endpoint: string, table: string): Promise<{ figures: Map<string, Pick<ServerFigures, 'w1c1' | 'w1c16' | 'w2'>>; ceiling: CreateCeiling }> {
  let ceiling: CreateCeiling | undefined;
  const best = new Map<string, { w1c1?: CreateResult; w1c16?: CreateResult; w2?: Perf; names: string[] }>();
  for (const s of servers) {
    log(`${s.name}: warm-up`);
    await w1Create(s.target, 'warm', 50, 8, phase(60));
    best.set(s.name, { names: [] });
  }
  for (let r = 1; r <= rounds; r++) {
    for (const s of servers) {
      const b = best.get(s.name)!;
      await outboxCaughtUp();
      log(`${s.name}: W1 create c1 (round ${r})`);
      const c1 = await w1Create(s.target, `c1r${r}`, SIZES.w1c1, 1, phase(120), s.counter);
      b.w1c1 = better(b.w1c1, c1);
      b.names.push(...c1.userNames);
    }
    for (const s of servers) {
      const b = best.get(s.name)!;
      await outboxCaughtUp();
      log(`${s.name}: W1 create c16 (round ${r})`);
      const c16 = await w1Create(s.target, `c16r${r}`, SIZES.w1c16, 16, phase(120), s.counter);
      b.w1c16 = better(b.w1c16, c16);
      b.names.push(...c16.userNames);
      if (s.name === 'idp-bridge') {
        await outboxCaughtUp();
        log('idp-bridge create ceiling: its storage calls alone, c16');
        ceiling = better(ceiling, await measureCreateCeiling(endpoint, SIZES.w1c16, phase(60), table));
      }
    }
    for (const s of servers) {
      const b = best.get(s.name)!;
      await outboxCaughtUp();
      log(`${s.name}: W2 filter GET c16 (round ${r})`);
      b.w2 = better(b.w2, await w2Filter(s.target, b.names, SIZES.w2, 16, phase(60), s.counter));
    }
  }
  return { figures: new Map([...best].map(([k, v]) => [k, { w1c1: v.w1c1!, w1c16: v.w1c16!, w2: v.w2! }])), ceiling: ceiling! };
}

/**
 * W5, Okta's deactivation, for every server in alternating rounds like W1/W2 (better round kept),
 * each round on users seeded for it (an inactive user's `active:false` is a no-op). idp-bridge's
 * deactivation ceiling — its own storage calls without HTTP or logic — is measured right after
 * its round, on the same JVM (the machine's load drifts over a run).
 */
async function deactivations(servers: Server[], rounds: number, endpoint: string, table: string): Promise<{ figures: Map<string, DeactivationResult>; ceiling: DeactivationCeiling }> {
  let ceiling: DeactivationCeiling | undefined;
  const best = new Map<string, DeactivationResult>();
  for (let r = 1; r <= rounds; r++) {
    for (const s of servers) {
      log(`${s.name}: seeding ${SIZES.w5} users for W5 (round ${r})`);
      const ids = await seedUsers(s.deactivateTarget, `deact${r}`, SIZES.w5, 32, phase(120));
      if (s.giveSessions) await s.giveSessions(ids);
      await outboxCaughtUp();
      log(`${s.name}: W5 deactivate c16 (round ${r})`);
      const w5 = await w5Deactivate(s.deactivateTarget, ids, 16, phase(120), s.counter, s.liveSessions);
      if (w5.load.errors > 0) log(`${s.name}: W5 had ${w5.load.errors} errors`);
      best.set(s.name, better(best.get(s.name), w5));
      if (s.name === 'idp-bridge') {
        await outboxCaughtUp();
        log('idp-bridge deactivation ceiling: its storage calls alone, c16');
        const dc = await measureDeactivationCeiling(endpoint, SIZES.w5, phase(90), W5_SESSIONS_PER_USER, table);
        if (dc.load.errors > 0) log(`deactivation ceiling: ${dc.load.errors} errors`);
        ceiling = better(ceiling, dc);
      }
    }
  }
  return { figures: best, ceiling: ceiling! };
}

/** W3 and W4 against one server, in a fresh tenant. */
async function importAndGroups(
  s: Server,
  opts: { importUsers: number; bigGroup: number; onlyFirstAndLastPage: boolean; bigDeadlineS: number; seedDeadlineS: number },
): Promise<Pick<ServerFigures, 'w3' | 'w4' | 'notes'>> {
  const notes: string[] = [];
  const { name, importTarget, counter } = s;
  await outboxCaughtUp();
  log(`${name}: seeding ${opts.importUsers} users for the import`);
  const ids = await seedUsers(importTarget, 'imp', opts.importUsers, 32, phase(opts.seedDeadlineS));
  if (ids.length < opts.importUsers) notes.push(`import seeded ${ids.length} of ${opts.importUsers} users before its deadline`);
  const lastStart = 1 + Math.floor((ids.length - 1) / 100) * 100;
  log(`${name}: W3 import (${opts.onlyFirstAndLastPage ? 'first and last page' : 'every page'})`);
  const w3 = await w3Import(importTarget, ids.length, 100, counter, opts.onlyFirstAndLastPage ? [1, lastStart] : undefined);

  let members = ids;
  const extra = opts.bigGroup + 10 - ids.length;
  if (extra > 0) {
    log(`${name}: seeding ${extra} more users for the big group`);
    members = [...ids, ...(await seedUsers(importTarget, 'more', extra, 32, phase(opts.seedDeadlineS)))];
  }
  log(`${name}: W4 membership (big group up to ${opts.bigGroup})`);
  const w4 = await w4Members(importTarget, members, opts.bigGroup, phase(opts.bigDeadlineS), counter);
  if (w4.bulk.truncated) notes.push(`bulk adds stopped at ${w4.bigSize} members by the ${opts.bigDeadlineS}s phase deadline`);
  return { w3, w4, notes };
}

const f1 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const lr = (l: LoadResult) => `${f1(l.opsPerSec)} · ${f1(l.p50)} · ${f1(l.p99)}`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : '–');
const ratio2 = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');

function page(r: ImportResult, which: 'first' | 'last') {
  const p = which === 'first' ? r.pages[0] : r.pages[r.pages.length - 1];
  return p ? `${f1(p.ms)} ms (${p.items} items${p.calls !== undefined ? `, ${p.calls} calls` : ''})` : '–';
}

function table(ours: ServerFigures, polis: ServerFigures | undefined, floor: FloorResult | undefined, ceiling: CreateCeiling, deactCeiling: DeactivationCeiling): string {
  const rows: string[][] = [];
  const row = (label: string, a: string, b: string, c = '') => rows.push([label, a, b, c]);
  const p = polis;
  row('W1 create c1: ops/s · p50 · p99 ms', lr(ours.w1c1.load), p ? lr(p.w1c1.load) : '–', p ? ratio(ours.w1c1.load.opsPerSec, p.w1c1.load.opsPerSec) : '');
  row('W1 create c16: ops/s · p50 · p99 ms', lr(ours.w1c16.load), p ? lr(p.w1c16.load) : '–', p ? ratio(ours.w1c16.load.opsPerSec, p.w1c16.load.opsPerSec) : '');
  row('W1 split p50 c1: filter GET / POST ms', `${f1(ours.w1c1.filterP50)} / ${f1(ours.w1c1.postP50)}`, p ? `${f1(p.w1c1.filterP50)} / ${f1(p.w1c1.postP50)}` : '–');
  row('W1 split p50 c16: filter GET / POST ms', `${f1(ours.w1c16.filterP50)} / ${f1(ours.w1c16.postP50)}`, p ? `${f1(p.w1c16.filterP50)} / ${f1(p.w1c16.postP50)}` : '–');
  row('W1 storage calls per create (filter GET + POST)', f1(ours.w1c16.callsPerOp), p ? f1(p.w1c16.callsPerOp) : '–');
  row('W2 filter GET c16: ops/s · p50 · p99 ms', lr(ours.w2.load), p ? lr(p.w2.load) : '–', p ? ratio(ours.w2.load.opsPerSec, p.w2.load.opsPerSec) : '');
  row('W2 storage calls per filter GET', f1(ours.w2.callsPerOp), p ? f1(p.w2.callsPerOp) : '–');
  row(`W3 import ${ours.w3.totalUsers} users, count=100: first page`, page(ours.w3, 'first'), p ? page(p.w3, 'first') : '–', p && ours.w3.pages[0] && p.w3.pages[0] ? ratio(p.w3.pages[0].ms, ours.w3.pages[0].ms) : '');
  const oLast = ours.w3.pages[ours.w3.pages.length - 1];
  const pLast = p?.w3.pages[p.w3.pages.length - 1];
  row('W3 import: last page', page(ours.w3, 'last'), p ? page(p.w3, 'last') : '–', oLast && pLast ? ratio(pLast.ms, oLast.ms) : '');
  row(
    'W3 import: all pages read · resources served / distinct',
    `${ours.w3.complete ? `${ours.w3.pages.length} pages in ${(ours.w3.totalMs / 1000).toFixed(1)} s` : 'first+last'} · ${ours.w3.served} / ${ours.w3.distinct}`,
    p ? `${p.w3.complete ? `${p.w3.pages.length} pages` : 'first+last only'} · ${p.w3.served} / ${p.w3.distinct}` : '–',
  );
  row(
    'W4 bulk adds, PATCH batches of 100: p50 per batch · members/s',
    `${f1(ours.w4.bulk.p50BatchMs)} ms · ${f1(ours.w4.bulk.membersPerSec)} (to ${ours.w4.bigSize})`,
    p ? `${f1(p.w4.bulk.p50BatchMs)} ms · ${f1(p.w4.bulk.membersPerSec)} (to ${p.w4.bigSize})` : '–',
    p ? ratio(ours.w4.bulk.membersPerSec, p.w4.bulk.membersPerSec) : '',
  );
  row('W4 storage calls per batch of 100', f1(ours.w4.bulk.callsPerBatch), p ? f1(p.w4.bulk.callsPerBatch) : '–');
  row('W4 group of 10 (one PATCH) ms', f1(ours.w4.smallGroupCreateMs), p ? f1(p.w4.smallGroupCreateMs) : '–');
  const single = (w: MembershipResult) =>
    `add ${f1(w.single.addBig)} vs ${f1(w.single.addSmall)} ms (ratio ${(w.single.addBig / w.single.addSmall).toFixed(2)}); remove ${f1(w.single.removeBig)} vs ${f1(w.single.removeSmall)} ms (ratio ${(w.single.removeBig / w.single.removeSmall).toFixed(2)})`;
  row(`W4 single add/remove, big vs group of 10, median of 10`, `${single(ours.w4)} [big = ${ours.w4.bigSize}]`, p ? `${single(p.w4)} [big = ${p.w4.bigSize}]` : '–');
  const calls = (w: MembershipResult) => `add ${f1(w.single.callsAddBig)} vs ${f1(w.single.callsAddSmall)}; remove ${f1(w.single.callsRemoveBig)} vs ${f1(w.single.callsRemoveSmall)}`;
  row('W4 storage calls per single add/remove, big vs small', calls(ours.w4), p ? calls(p.w4) : '–');
  row('W4 members listed by GET of the big group', `${ours.w4.bigListed} of ${ours.w4.bigSize}`, p ? `${p.w4.bigListed} of ${p.w4.bigSize}` : '–');
  row("W5 deactivate (Okta's path-less `active:false` PATCH) c16: ops/s · p50 · p99 ms", lr(ours.w5.load), p ? lr(p.w5.load) : '–', p ? ratio2(ours.w5.load.opsPerSec, p.w5.load.opsPerSec) : '');
  row(
    'W5 storage calls per deactivation (all; sequential)',
    `${f1(ours.w5.callsPerOp)}; 2 (reads in parallel, then one transaction of ${deactCeiling.txItems} items)`,
    p ? `${f1(p.w5.callsPerOp)}; no transaction, no audit record` : '–',
  );
  const sampled = (w: DeactivationResult) =>
    `${w.sampledInactive} of ${w.sampled}${w.sampledWithLiveSessions !== undefined ? `; still with a live session: ${w.sampledWithLiveSessions} (each had ${W5_SESSIONS_PER_USER})` : ''}${w.load.errors ? `; ${w.load.errors} errors` : ''}`;
  row('W5 sampled users inactive on GET afterwards', sampled(ours.w5), p ? sampled(p.w5) : '–');
  if (ours.getById !== undefined) row('GET /Users/{id}: storage calls', f1(ours.getById), '–');

  const md = ['| Workload | idp-bridge | Ory Polis 26.2.0 | ours vs Polis |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)];
  if (floor) {
    md.push(
      '',
      '| DynamoDB Local floor (same JVM) | ops/s · p50 · p99 ms |',
      '|---|---|',
      `| PutItem c1 | ${lr(floor.putC1)} |`,
      `| PutItem c16 | ${lr(floor.putC16)} |`,
      `| GetItem c1 | ${lr(floor.getC1)} |`,
      `| GetItem c16 | ${lr(floor.getC16)} |`,
      `| TransactWriteItems (3 conditional puts) c16 | ${lr(floor.txC16)} |`,
      `| idp-bridge create's own storage calls (BatchGet + BatchGet + TransactWrite of ${ceiling.txItems} items), no HTTP, c16, on the stack's table, next to W1 | ${lr(ceiling.load)} |`,
      `| idp-bridge deactivation's own storage calls (BatchGet of 4 keys ‖ Query ‖ Query + GetItem, then TransactWrite of ${deactCeiling.txItems} items; ${f1(deactCeiling.callsPerOp)} calls each), no HTTP, c16, on the stack's table, next to W5 | ${lr(deactCeiling.load)} |`,
      '',
      `W1 c16 reaches **${((ours.w1c16.load.opsPerSec / ceiling.load.opsPerSec) * 100).toFixed(0)} %** of what its storage calls allow on this JVM (better of two rounds each).`,
      `W5 deactivation reaches **${((ours.w5.load.opsPerSec / deactCeiling.load.opsPerSec) * 100).toFixed(0)} %** of what its storage calls allow on this JVM${p ? `, and **${ratio2(ours.w5.load.opsPerSec, p.w5.load.opsPerSec)}** Polis's rate` : ''} (better of two rounds each).`,
    );
  }
  const notes = [...ours.notes.map((n) => `idp-bridge: ${n}`), ...(p?.notes ?? []).map((n) => `Polis: ${n}`)];
  if (notes.length) md.push('', ...notes.map((n) => `- ${n}`));
  return md.join('\n');
}

async function main(): Promise<void> {
  const skipPolis = process.env.BENCH_SKIP_POLIS === '1';
  const polisMod = skipPolis ? undefined : await import('./polis/polis.js');
  polisMod?.ensurePolisInstalled(log);
  // Counting must wrap Polis's client class before Polis creates its client.
  const polisCalls = polisMod?.countPolisCalls();

  let ddb: DynamoDbLocal | undefined;
  let stack: Stack | undefined;
  let dataDir: string | undefined;
  const cleanup = async () => {
    await stack?.stop().catch(() => undefined);
    await ddb?.stop().catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  };
  const hardStop = setTimeout(() => {
    log(`hard limit of ${HARD_LIMIT_MS / 1000}s reached: stopping`);
    void cleanup().finally(() => process.exit(2));
  }, HARD_LIMIT_MS);
  hardStop.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  try {
    ddb = await startDynamoDbLocal({ fullJit: true });
    log(`DynamoDB Local at ${ddb.endpoint}; warming its JVM up`);
    await warmUp(ddb.endpoint, QUICK ? 8 : 25);
    dataDir = await mkdtemp(join(tmpdir(), 'idp-bridge-bench-scim-'));
    stack = await startStack({ port: 0, host: '127.0.0.1', inMemory: true, dataDir, dynamoEndpoint: ddb.endpoint, logLevel: 'ERROR' });
    const events = stack.events;
    outboxCaughtUp = () => untilQuiet(events);
    const { getDeps } = await import('../lambdas/platform/deps.js');
    const deps = getDeps();
    const ourCalls: CallCounter = () => deps.db.roundTrips;
    const admin = { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' };
    const tenant = async (name: string): Promise<ScimTarget> => {
      const ws = (await (await fetch(`${stack!.url}/api/admin/workspaces`, { method: 'POST', headers: admin, body: JSON.stringify({ name }) })).json()) as { id: string };
      const tok = (await (await fetch(`${stack!.url}/api/admin/workspaces/${ws.id}/scim-tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ label: 'bench' }) })).json()) as { token: string };
      return { name: 'idp-bridge', baseUrl: `${stack!.url}/api/scim/v2/${ws.id}`, token: tok.token };
    };
    const deactivateTarget = await tenant('bench-deactivate');
    const deactivateTeam = deactivateTarget.baseUrl.split('/').pop()!;
    const { TokenRepo } = await import('../lambdas/store/tokens.js');
    const sessions = new TokenRepo(deps.db, await deps.hasher(), deps.config.REGION_ID);
    // Sessions as sign-in stores them (the token item indexed under its user), written in bulk: setup, not measured.
    const giveSessions = async (userIds: readonly string[]) => {
      const expiresAt = new Date(Date.now() + 8 * 3_600_000);
      const puts = userIds.flatMap((userId) => Array.from({ length: W5_SESSIONS_PER_USER }, () => sessions.prepare({ kind: 'session', teamId: deactivateTeam, userId, expiresAt }).put.Put!.Item!));
      for (let k = 0; k < puts.length; k += 25) await deps.db.batchWrite(puts.slice(k, k + 25).map((put) => ({ put })));
    };
    const liveSessions = async (userIds: readonly string[]) => (await Promise.all(userIds.map((id) => sessions.liveForUser(deactivateTeam, id)))).filter((l) => l.length > 0).length;
    const oursServer: Server = {
      name: 'idp-bridge',
      target: await tenant('bench'),
      importTarget: await tenant('bench-import'),
      deactivateTarget,
      giveSessions,
      liveSessions,
      counter: ourCalls,
    };

    let polisServer: Server | undefined;
    let polisHandle: Awaited<ReturnType<NonNullable<typeof polisMod>['startPolis']>> | undefined;
    // Polis logs an error line per user event when no webhook is set; keep the terminal readable.
    const loud = { log: console.log, error: console.error };
    if (polisMod) {
      log('starting Ory Polis (dynamodb engine) on the same DynamoDB Local');
      const quiet =
        (to: (...a: unknown[]) => void) =>
        (...a: unknown[]) => {
          if (typeof a[0] === 'string' && a[0].startsWith('Webhook not configured')) return;
          to(...a);
        };
      console.log = quiet(loud.log);
      console.error = quiet(loud.error);
      polisHandle = await polisMod.startPolis(ddb.endpoint);
      const imp = await polisHandle.directory('bench-import');
      const deact = await polisHandle.directory('bench-deactivate');
      polisServer = {
        name: 'Polis',
        target: { name: 'Polis', baseUrl: polisHandle.baseUrl, token: polisHandle.token },
        importTarget: { name: 'Polis', ...imp },
        deactivateTarget: { name: 'Polis', ...deact },
        counter: polisCalls,
      };
    }
    let ours: ServerFigures;
    let polis: ServerFigures | undefined;
    let ceiling: CreateCeiling;
    let deactCeiling: DeactivationCeiling;
    try {
      const both = polisServer ? [oursServer, polisServer] : [oursServer];
      const { figures: hot, ceiling: c } = await hotPaths(both, 2, ddb.endpoint, stack.tableName);
      ceiling = c;
      const { figures: w5, ceiling: dc } = await deactivations(both, 2, ddb.endpoint, stack.tableName);
      deactCeiling = dc;
      const oursRest = await importAndGroups(oursServer, { importUsers: SIZES.importUsers, bigGroup: SIZES.bigGroup, onlyFirstAndLastPage: false, bigDeadlineS: 300, seedDeadlineS: 300 });
      ours = { name: 'idp-bridge', ...hot.get('idp-bridge')!, w5: w5.get('idp-bridge')!, ...oursRest };
      if (polisServer) {
        const polisRest = await importAndGroups(polisServer, {
          importUsers: SIZES.polisImportUsers,
          bigGroup: SIZES.bigGroup,
          // Every Polis page reads the whole directory (docs/reference/peer-bench.md): 100 pages would take most of an hour.
          onlyFirstAndLastPage: true,
          bigDeadlineS: SIZES.polisBigDeadlineS,
          seedDeadlineS: 240,
        });
        polis = { name: 'Polis', ...hot.get('Polis')!, w5: w5.get('Polis')!, ...polisRest };
      }
    } finally {
      await polisHandle?.close();
      console.log = loud.log;
      console.error = loud.error;
    }

    // GET /Users/{id}: storage calls of one read (the token's lastUsedAt was written within the minute).
    {
      const t = await tenant('bench-get');
      const made = (await (await fetch(`${t.baseUrl}/Users`, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'get@bench.example' }) })).json()) as { id: string };
      await fetch(`${t.baseUrl}/Users/${made.id}`, { headers: { authorization: `Bearer ${t.token}` } });
      await new Promise((r) => setTimeout(r, 100));
      const c0 = ourCalls();
      for (let i = 0; i < 20; i++) await fetch(`${t.baseUrl}/Users/${made.id}`, { headers: { authorization: `Bearer ${t.token}` } }).then((r) => r.arrayBuffer());
      ours.getById = (ourCalls() - c0) / 20;
    }

    await outboxCaughtUp();
    log('DynamoDB Local floor');
    const floor = await measureFloor(ddb.endpoint, SIZES.floor, phase(180));

    const out = table(ours, polis, floor, ceiling, deactCeiling);
    const meta = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${process.platform}/${process.arch}, Node ${process.version}; ${QUICK ? 'QUICK sizes' : 'full sizes'}; run took ${((Date.now() - startedAt) / 1000).toFixed(0)} s.`;
    console.log(`\n${meta}\n\n${out}\n`);
    await mkdir(join(here, '..', '.bench-out'), { recursive: true });
    await writeFile(join(here, '..', '.bench-out', 'scim.json'), JSON.stringify({ meta, ours, polis, floor, ceiling, deactCeiling }, (k, v: unknown) => (k === 'latencies' || k === 'userNames' ? undefined : v), 2));
    if (process.env.BENCH_WRITE_README !== '0' && !QUICK) await writeResults(`${meta}\n\n${out}`);
  } finally {
    clearTimeout(hardStop);
    await cleanup();
  }
}

/** Replaces the generated block of bench/README.md. */
async function writeResults(block: string): Promise<void> {
  const file = join(here, 'README.md');
  const start = '<!-- scim-results:start -->';
  const end = '<!-- scim-results:end -->';
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = `# Benchmarks\n\n${start}\n${end}\n`;
  }
  if (!text.includes(start)) text += `\n${start}\n${end}\n`;
  const next = text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), `${start}\n${block}\n${end}`);
  await writeFile(file, next);
  log('figures written to bench/README.md');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
