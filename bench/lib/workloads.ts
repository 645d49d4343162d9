/**
 * The SCIM workloads of docs/reference/peer-bench.md, run identically against any SCIM server:
 * W1 create (filter GET + POST, like Okta's assignment), W2 filter GET, W3 Okta-style import by
 * startIndex paging, W4 group membership (bulk adds in PATCH batches of 100; single add and remove
 * in a small and a big group), W5 deactivation (Okta's path-less `active:false` PATCH).
 */
import { median, runLoad, timed, type LoadResult } from './load.js';
import { filterUserName, oktaUserBody, PATCH_OP, scimCall, type ScimTarget } from './scim-client.js';

/** Counts the storage calls the server under test makes (for calls per operation). */
export type CallCounter = () => number;

export interface Perf {
  readonly load: LoadResult;
  /** Storage calls per operation (undefined when the server cannot be counted). */
  readonly callsPerOp?: number;
}

async function counted(counter: CallCounter | undefined, ops: () => number, run: () => Promise<LoadResult>): Promise<Perf> {
  const before = counter?.();
  const load = await run();
  const n = ops();
  return { load, ...(counter && before !== undefined && n > 0 ? { callsPerOp: (counter() - before) / n } : {}) };
}

export interface CreateResult extends Perf {
  /** p50 of the filter GET and of the POST separately (ms). */
  readonly filterP50: number;
  readonly postP50: number;
  readonly userNames: string[];
}

/** W1: Okta's create — `GET /Users?filter=userName eq …` (no match) then `POST /Users`. */
export async function w1Create(t: ScimTarget, prefix: string, total: number, concurrency: number, deadline: number, counter?: CallCounter): Promise<CreateResult> {
  const filterMs: number[] = [];
  const postMs: number[] = [];
  const names: string[] = [];
  const perf = await counted(counter, () => names.length, () =>
    runLoad(
      total,
      concurrency,
      async (i) => {
        const u = `${prefix}.${i}@bench.example`;
        const [, f] = await timed(() => scimCall(t, 'GET', filterUserName(u), undefined, [200, 404]));
        const [, p] = await timed(() => scimCall(t, 'POST', '/Users', oktaUserBody(u), [201]));
        filterMs.push(f);
        postMs.push(p);
        names.push(u);
      },
      deadline,
    ),
  );
  return { ...perf, filterP50: median(filterMs), postP50: median(postMs), userNames: names };
}

/** W2: filter GETs of existing users by userName. */
export async function w2Filter(t: ScimTarget, userNames: readonly string[], total: number, concurrency: number, deadline: number, counter?: CallCounter): Promise<Perf> {
  let done = 0;
  return counted(counter, () => done, () =>
    runLoad(
      total,
      concurrency,
      async (i) => {
        const body = await scimCall<{ totalResults: number }>(t, 'GET', filterUserName(userNames[i % userNames.length]!));
        if (body.totalResults !== 1) throw new Error('filter did not find the user');
        done++;
      },
      deadline,
    ),
  );
}

/** Creates `n` users quickly (setup, not measured); returns their ids. */
export async function seedUsers(t: ScimTarget, prefix: string, n: number, concurrency: number, deadline: number): Promise<string[]> {
  const ids: string[] = new Array(n);
  const r = await runLoad(
    n,
    concurrency,
    async (i) => {
      const body = await scimCall<{ id: string }>(t, 'POST', '/Users', oktaUserBody(`${prefix}.${i}@bench.example`), [201]);
      ids[i] = body.id;
    },
    deadline,
  );
  if (r.errors > 0) throw new Error(`${t.name}: ${r.errors} seed creates failed`);
  return ids.filter((x) => x !== undefined);
}

export interface ImportResult {
  readonly totalUsers: number;
  readonly pageSize: number;
  /** ms per page by startIndex (only the pages that were read). */
  readonly pages: { startIndex: number; ms: number; items: number; calls?: number }[];
  /** Resources served over all pages read (a correct server serves each user once). */
  readonly served: number;
  readonly distinct: number;
  readonly totalMs: number;
  /** Whether every page was read (false when only the first and last were, to bound the run). */
  readonly complete: boolean;
}

/**
 * W3: Okta's import — `GET /Users?startIndex=1&count=100`, then `startIndex += 100` up to
 * `totalResults`. `only` limits the run to some pages (the first and last) for a slow server.
 */
export async function w3Import(t: ScimTarget, totalUsers: number, pageSize: number, counter?: CallCounter, only?: number[]): Promise<ImportResult> {
  const starts = only ?? Array.from({ length: Math.ceil(totalUsers / pageSize) }, (_, k) => 1 + k * pageSize);
  const pages: ImportResult['pages'] = [];
  const seen = new Set<string>();
  let served = 0;
  const t0 = Date.now();
  for (const s of starts) {
    const before = counter?.();
    const [body, ms] = await timed(() => scimCall<{ Resources: { id: string }[] }>(t, 'GET', `/Users?startIndex=${s}&count=${pageSize}`));
    served += body.Resources.length;
    for (const r of body.Resources) seen.add(r.id);
    pages.push({ startIndex: s, ms, items: body.Resources.length, ...(counter && before !== undefined ? { calls: counter() - before } : {}) });
  }
  return { totalUsers, pageSize, pages, served, distinct: seen.size, totalMs: Date.now() - t0, complete: only === undefined };
}

export interface MembershipResult {
  readonly bulk: { batches: number; members: number; p50BatchMs: number; membersPerSec: number; callsPerBatch?: number; truncated: boolean };
  readonly smallGroupCreateMs: number;
  readonly bigSize: number;
  readonly smallSize: number;
  readonly single: { addSmall: number; addBig: number; removeSmall: number; removeBig: number; callsAddSmall?: number; callsAddBig?: number; callsRemoveSmall?: number; callsRemoveBig?: number };
  /** Members a GET of the big group listed (a correct server lists them all). */
  readonly bigListed: number;
}

/**
 * W4: a big group filled by PATCH batches of 100 members (Okta Push Groups), a group of 10 made
 * with one PATCH, then 10 single adds and removes in each (median), with calls per operation.
 */
export async function w4Members(
  t: ScimTarget,
  userIds: readonly string[],
  bigSize: number,
  deadline: number,
  counter?: CallCounter,
): Promise<MembershipResult> {
  const make = async (name: string) => (await scimCall<{ id: string }>(t, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: name, members: [] }, [201])).id;
  const patch = (g: string, ops: unknown[]) => scimCall(t, 'PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: ops }, [200, 204]);
  const addOp = (ids: readonly string[]) => ({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) });
  const big = await make(`bench-big-${Date.now()}`);
  const batches = Math.ceil(Math.min(bigSize, userIds.length - 20) / 100);
  let members = 0;
  const before = counter?.();
  const bulk = await runLoad(
    batches,
    1,
    async (b) => {
      const ids = userIds.slice(b * 100, b * 100 + 100);
      await patch(big, [addOp(ids)]);
      members += ids.length;
    },
    deadline,
  );
  const callsPerBatch = counter && before !== undefined && bulk.ops > 0 ? (counter() - before) / bulk.ops : undefined;

  const small = await make(`bench-small-${Date.now()}`);
  const [, smallGroupCreateMs] = await timed(() => patch(small, [addOp(userIds.slice(0, 10))]));

  // Users outside both groups: add one, then remove it again, ten times each.
  const spare = userIds.slice(userIds.length - 10);
  const measure = async (g: string, kind: 'add' | 'remove'): Promise<{ ms: number; calls?: number }> => {
    const ms: number[] = [];
    let calls = 0;
    for (const u of spare) {
      const c0 = counter?.();
      const [, d] = await timed(() => patch(g, [kind === 'add' ? addOp([u]) : { op: 'remove', path: `members[value eq "${u}"]` }]));
      if (counter && c0 !== undefined) calls += counter() - c0;
      ms.push(d);
    }
    return { ms: median(ms), ...(counter ? { calls: calls / spare.length } : {}) };
  };
  const addSmall = await measure(small, 'add');
  const addBig = await measure(big, 'add');
  const removeSmall = await measure(small, 'remove');
  const removeBig = await measure(big, 'remove');
  const listed = await scimCall<{ members?: unknown[] }>(t, 'GET', `/Groups/${big}`);
  return {
    bulk: { batches: bulk.ops, members, p50BatchMs: bulk.p50, membersPerSec: (members / bulk.ms) * 1000, ...(callsPerBatch !== undefined ? { callsPerBatch } : {}), truncated: bulk.truncated },
    smallGroupCreateMs,
    bigSize: members,
    smallSize: 10,
    single: {
      addSmall: addSmall.ms,
      addBig: addBig.ms,
      removeSmall: removeSmall.ms,
      removeBig: removeBig.ms,
      ...(counter ? { callsAddSmall: addSmall.calls, callsAddBig: addBig.calls, callsRemoveSmall: removeSmall.calls, callsRemoveBig: removeBig.calls } : {}),
    },
    bigListed: listed.members?.length ?? 0,
  };
}

/** Okta's deactivation: a path-less `replace` of `{active: false}` (docs/reference/okta-protocols.md §2; RFC 7644 §3.5.2.3). */
const OKTA_DEACTIVATE = { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] } as const;

export interface DeactivationResult extends Perf {
  /** Users a GET after the run showed as `active: false`, of those sampled. */
  readonly sampledInactive: number;
  readonly sampled: number;
  /** Of the sampled users, how many still have a live session (idp-bridge only; must be 0). */
  readonly sampledWithLiveSessions?: number;
}

/**
 * W5: deactivates each of `userIds` (active users, seeded for this round: a second `active:false`
 * of the same user is a no-op and would measure something else) with Okta's exact request at
 * `concurrency`, then checks a sample by GET (a server that answers 200 and does nothing would
 * otherwise look fast).
 */
export async function w5Deactivate(
  t: ScimTarget,
  userIds: readonly string[],
  concurrency: number,
  deadline: number,
  counter?: CallCounter,
  liveSessions?: (userIds: readonly string[]) => Promise<number>,
): Promise<DeactivationResult> {
  let done = 0;
  const perf = await counted(counter, () => done, () =>
    runLoad(
      userIds.length,
      concurrency,
      async (i) => {
        await scimCall(t, 'PATCH', `/Users/${userIds[i]!}`, OKTA_DEACTIVATE, [200, 204]);
        done++;
      },
      deadline,
    ),
  );
  const sample = userIds.slice(0, Math.min(20, done));
  let inactive = 0;
  for (const id of sample) if ((await scimCall<{ active?: boolean }>(t, 'GET', `/Users/${id}`)).active === false) inactive++;
  return { ...perf, sampledInactive: inactive, sampled: sample.length, ...(liveSessions ? { sampledWithLiveSessions: await liveSessions(sample) } : {}) };
}
