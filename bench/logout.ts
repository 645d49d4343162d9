/**
 * Universal Logout budget (issue 5): a user with 200 live tokens is logged out in one request.
 * Measures p50/p99 of `POST /api/okta/universal-logout` end to end — signed JWT from a local Okta
 * org, the real handler behind the local API, DynamoDB Local in memory — on loopback only.
 *
 * Bounded: `BENCH_LOGOUT_ITERATIONS` (default 100, max 200) timed logouts after 3 warm-ups, each of a
 * fresh user holding 200 tokens (sessions, API, MCP). Prints one JSON line and a table.
 * Note: DynamoDB Local is far slower than DynamoDB per call; compare runs, not absolute numbers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startStack } from '../dev/stack.js';
import { logoutClaims, startLocalOktaOrg } from '../test/fixtures/logout/okta-org.js';

const TOKENS_PER_USER = 200;
const WARMUP = 3;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface LogoutBenchResult {
  readonly name: 'universal-logout';
  readonly tokensPerUser: number;
  readonly iterations: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly storageRoundTripsPerLogout: number;
}

/** Runs the benchmark and returns its figures (also printed). */
export async function runLogoutBench(iterations = Number(process.env.BENCH_LOGOUT_ITERATIONS ?? 100)): Promise<LogoutBenchResult> {
  const n = Math.max(1, Math.min(200, Math.floor(iterations)));
  const dataDir = await mkdtemp(join(tmpdir(), 'idp-bridge-bench-'));
  const org = await startLocalOktaOrg();
  const stack = await startStack({ port: 0, host: '127.0.0.1', inMemory: true, dataDir, logLevel: 'ERROR' });
  try {
    // Handlers read process.env at first import: modules of the stack only after it started.
    const { getDeps } = await import('../lambdas/platform/deps.js');
    const { TokenRepo } = await import('../lambdas/store/tokens.js');
    const { UserRepo } = await import('../lambdas/store/users.js');
    const { WorkspaceRepo } = await import('../lambdas/store/workspaces.js');
    const deps = getDeps();
    const headers = { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' };
    const created = (await (await fetch(`${stack.url}/api/admin/workspaces`, { method: 'POST', headers, body: JSON.stringify({ name: 'Bench' }) })).json()) as { id: string };
    const put = await fetch(`${stack.url}/api/admin/workspaces/${created.id}/okta`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ domain: org.issuer, clientId: 'bench-client', clientSecret: 'bench-secret' }),
    });
    if (put.status !== 200) throw new Error(`configuring Okta failed: ${put.status} ${await put.text()}`);
    const workspace = await new WorkspaceRepo(deps.db).require(created.id);
    const tokens = new TokenRepo(deps.db, await deps.hasher(), deps.config.REGION_ID);
    const users = new UserRepo(deps.db);
    const ctx = { teamId: workspace.id, region: deps.config.REGION_ID, actor: { type: 'bench', id: 'bench' }, source: { ip: '127.0.0.1', userAgent: 'bench' }, requestId: 'bench' };
    const aud = `${stack.url}/api/okta/universal-logout`;

    const samples: number[] = [];
    const trips: number[] = [];
    for (let i = 0; i < WARMUP + n; i++) {
      const email = `bench-${i}@example.com`;
      const user = await users.create(ctx, workspace, { userName: email, active: true, emails: [{ value: email, primary: true }] }, 'scim');
      const expiresAt = new Date(Date.now() + 3_600_000);
      const minted: string[] = [];
      for (let b = 0; b < TOKENS_PER_USER; b += 100) {
        const batch = Array.from({ length: Math.min(100, TOKENS_PER_USER - b) }, (_, k) =>
          tokens.prepare({ kind: (['session', 'api', 'mcp'] as const)[k % 3]!, teamId: workspace.id, userId: user.id, expiresAt }),
        );
        await deps.db.transact(batch.map((p) => p.put));
        minted.push(...batch.map((p) => p.token));
      }
      const jwt = await org.sign(logoutClaims(org, { aud, sub: 'bench-client' }));
      const body = JSON.stringify({ sub_id: { format: 'email', email } });
      const before = deps.db.roundTrips;
      const t0 = performance.now();
      const res = await fetch(aud, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (res.status !== 204) throw new Error(`logout answered ${res.status}`);
      if (i >= WARMUP) {
        samples.push(ms);
        trips.push(deps.db.roundTrips - before);
      }
      // Checked the way the host app sees it (one token of each kind), not by listing: a listing
      // sweeps the 200 dead items in the background, which would load the next measurement.
      for (const token of minted.slice(0, 3)) {
        const info = (await (await fetch(`${stack.url}/api/tokens/introspect`, { method: 'POST', headers, body: JSON.stringify({ token }) })).json()) as { active: boolean };
        if (info.active) throw new Error('a token survived the logout');
      }
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 10) / 10;
    const result: LogoutBenchResult = {
      name: 'universal-logout',
      tokensPerUser: TOKENS_PER_USER,
      iterations: n,
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      meanMs: round(samples.reduce((a, b) => a + b, 0) / samples.length),
      maxMs: round(sorted[sorted.length - 1]!),
      storageRoundTripsPerLogout: Math.max(...trips),
    };
    console.log(JSON.stringify(result));
    console.table({ [`logout of a user with ${TOKENS_PER_USER} tokens`]: { n, 'p50 ms': result.p50Ms, 'p99 ms': result.p99Ms, 'mean ms': result.meanMs, 'round trips': result.storageRoundTripsPerLogout } });
    return result;
  } finally {
    await stack.stop();
    await org.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runLogoutBench();
}
