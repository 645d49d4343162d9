/**
 * What DynamoDB Local itself allows on this machine, measured on the same JVM as the workloads:
 * the raw floor of docs/reference/peer-bench.md (PutItem, GetItem, TransactWriteItems of 3 conditional puts), and
 * the ceiling of idp-bridge's own create — the exact storage calls one Okta create makes here
 * (filter GET: one BatchGetItem; POST: one BatchGetItem and one TransactWriteItems of the user,
 * its uniqueness items, a counter shard and the audit record), with no HTTP and no logic; and the
 * same for idp-bridge's deactivation (Okta's path-less `active:false` PATCH).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ensureTable } from '../../dev/dynamodb-local.js';
import { auditPut } from '../../lambdas/store/audit-items.js';
import type { AuditContext } from '../../lambdas/core/audit.js';
import { TokenHasher } from '../../lambdas/core/crypto.js';
import { Db, type Item } from '../../lambdas/store/client.js';
import { keys } from '../../lambdas/store/keys.js';
import { revocationAudit, revocationItem, TokenRepo } from '../../lambdas/store/tokens.js';
import { UserRepo } from '../../lambdas/store/users.js';
import type { User, UserDraft } from '../../lambdas/core/model/user.js';
import { DEFAULT_ROLES, type Workspace } from '../../lambdas/core/model/workspace.js';
import { runLoad, type LoadResult } from './load.js';

export interface FloorResult {
  readonly putC1: LoadResult;
  readonly putC16: LoadResult;
  readonly getC1: LoadResult;
  readonly getC16: LoadResult;
  readonly txC16: LoadResult;
}

/** idp-bridge's create storage calls (BatchGet, BatchGet, TransactWrite) at c16, per create. */
export interface CreateCeiling {
  readonly load: LoadResult;
  readonly txItems: number;
}

/**
 * The ceiling of idp-bridge's create on this JVM: its exact storage calls, no HTTP, no logic.
 * Measured right next to W1 (the machine's load drifts over a run), on `tableName` — the bench
 * passes the stack's own table (in a workspace of its own): on a table of the same definition
 * whose stream nobody reads, DynamoDB Local ran the same calls at about half the rate.
 */
export async function measureCreateCeiling(endpoint: string, n: number, deadline: number, tableName = 'bench-floor'): Promise<CreateCeiling> {
  await ensureTable(endpoint, tableName);
  const db = new Db({ tableName, endpoint });
  const run = `${Date.now()}`;
  // The same items a create writes, for a workspace and token that exist in this table.
  const now = new Date().toISOString();
  const ws: Workspace = { id: randomUUID(), name: 'floor', region: 'us', createdAt: now, updatedAt: now, roles: DEFAULT_ROLES, defaultRole: 'member', roleMappings: { groups: [], roleValues: [] }, emailDomains: [], connections: [] };
  await db.put({ ...keys.workspace(ws.id), type: 'workspace', ...ws });
  const tokenKey = keys.token(`floor${run}`);
  await db.put({ ...tokenKey, type: 'token', hash: 'x'.repeat(43), teamId: ws.id, kind: 'scim' });
  const repo = new UserRepo(db);
  const ctx: AuditContext = { teamId: ws.id, region: 'us', actor: { type: 'okta:scim', id: 'floor', label: 'floor' }, source: { ip: '127.0.0.1', userAgent: 'Okta SCIM Client 1.0.0' }, requestId: 'floor' };
  let txItems = 0;
  const load = await runLoad(
    n,
    16,
    async (i) => {
      const userName = `floor.${run}.${i}@bench.example`;
      await db.batchGet([tokenKey, keys.workspace(ws.id), keys.userName(ws.id, userName)]);
      await db.batchGet([tokenKey, keys.workspace(ws.id)]);
      const u = repo.build(ws, { userName, externalId: `00u${run}${i}`, active: true, name: { givenName: 'Bench', familyName: 'User' }, displayName: 'Bench User', emails: [{ value: userName, type: 'work', primary: true }], attributes: { locale: 'en-US' } }, 'scim', new Date());
      const items = [...UserRepo.createItems(u), auditPut(ctx, { action: 'user.created', target: { type: 'user', id: u.id }, after: u })];
      txItems = items.length;
      await db.transact(items);
    },
    deadline,
  );
  return { load, txItems };
}

/** idp-bridge's deactivation storage calls (reads in parallel, then one transaction) at c16. */
export interface DeactivationCeiling {
  readonly load: LoadResult;
  /** Items of the transaction (user, userName item, revocation marker, two audit records). */
  readonly txItems: number;
  /** Storage calls per deactivation (all of them, parallel ones included). */
  readonly callsPerOp: number;
  /** Live tokens each user had (listed in the `session.revoked` audit record). */
  readonly tokensPerUser: number;
}

/**
 * The ceiling of idp-bridge's deactivation on this JVM: the exact storage calls of one
 * `PATCH /Users/{id}` with `{active: false}` — the BatchGetItem of authentication (token,
 * workspace) with the user and its revocation marker, in parallel with the user's groups (a GSI
 * Query) and its live tokens (a GSI Query and a GetItem of the marker); then ONE
 * TransactWriteItems of the user, its userName item (with its copy of the user), the revocation
 * marker and the two audit records (`user.deactivated`, `session.revoked`), built by the same
 * repository functions as the handler, so items, sizes and conditions are the same — no HTTP, no
 * authentication checks, no SCIM. Users are seeded like the workload's: Okta's profile and
 * `tokensPerUser` live sessions each.
 */
export async function measureDeactivationCeiling(endpoint: string, n: number, deadline: number, tokensPerUser = 1, tableName = 'bench-floor', concurrency = 16): Promise<DeactivationCeiling> {
  await ensureTable(endpoint, tableName);
  const db = new Db({ tableName, endpoint });
  const run = `${Date.now()}`;
  const now0 = new Date();
  const ws: Workspace = { id: randomUUID(), name: 'floor', region: 'us', createdAt: now0.toISOString(), updatedAt: now0.toISOString(), roles: DEFAULT_ROLES, defaultRole: 'member', roleMappings: { groups: [], roleValues: [] }, emailDomains: [], connections: [] };
  await db.put({ ...keys.workspace(ws.id), type: 'workspace', ...ws });
  const tokenKey = keys.token(`floor${run}`);
  await db.put({ ...tokenKey, type: 'token', hash: 'x'.repeat(43), teamId: ws.id, kind: 'scim', createdAt: now0.toISOString(), lastUsedAt: now0.toISOString() });
  const repo = new UserRepo(db);
  const tokens = new TokenRepo(db, new TokenHasher('bench-floor-pepper'), 'us');
  const ctx: AuditContext = { teamId: ws.id, region: 'us', actor: { type: 'okta:scim', id: 'floor', label: 'SCIM token' }, source: { ip: '127.0.0.1', userAgent: 'Okta SCIM Client 1.0.0' }, requestId: 'floor' };

  // Setup (not measured): the users as a create stores them, each with its live sessions.
  const drafts: UserDraft[] = [];
  const users: User[] = [];
  const setup: Item[] = [];
  for (let i = 0; i < n; i++) {
    const userName = `deact.${run}.${i}@bench.example`;
    const draft: UserDraft = { userName, externalId: `00u${run}${i}`.slice(0, 20), active: true, name: { givenName: 'Bench', familyName: `deact.${i}` }, displayName: `Bench ${userName}`, emails: [{ value: userName, type: 'work', primary: true }], attributes: { locale: 'en-US' } };
    const u = repo.build(ws, draft, 'scim', now0);
    drafts.push(draft);
    users.push(u);
    for (const it of UserRepo.createItems(u)) if (it.Put?.Item) setup.push(it.Put.Item);
    for (let k = 0; k < tokensPerUser; k++) {
      const { put } = tokens.prepare({ kind: 'session', teamId: ws.id, userId: u.id, expiresAt: new Date(now0.getTime() + 8 * 3_600_000) });
      if (put.Put?.Item) setup.push(put.Put.Item);
    }
  }
  const chunks = Array.from({ length: Math.ceil(setup.length / 25) }, (_, k) => setup.slice(k * 25, k * 25 + 25));
  const seeded = await runLoad(chunks.length, 8, (k) => db.batchWrite(chunks[k]!.map((put) => ({ put }))), deadline);
  if (seeded.errors > 0 || seeded.truncated) throw new Error('deactivation ceiling: seeding failed');

  let txItems = 0;
  const calls0 = db.roundTrips;
  const load = await runLoad(
    n,
    concurrency,
    async (i) => {
      const before = users[i]!;
      const [, , victims] = await Promise.all([
        db.batchGet([tokenKey, keys.workspace(ws.id), UserRepo.key(ws.id, before.id), UserRepo.revocationKey(ws.id, before.id)]),
        repo.groupsOf(ws.id, before.id),
        tokens.liveForUser(ws.id, before.id),
      ]);
      const now = new Date();
      const next = repo.applyDraft(ws, before, { ...drafts[i]!, active: false }, now);
      const actor = { actor: { type: ctx.actor.type, id: ctx.actor.id, label: ctx.actor.label } };
      const items = [
        ...UserRepo.replaceItems(before, next),
        revocationItem(ws.id, before.id, now),
        revocationAudit(ctx, before.id, victims, now, {
          reason: 'user deactivated by SCIM',
          events: victims.length > 0 ? [{ type: 'session.revoked', teamId: ws.id, detail: { userId: before.id, revoked: victims.length, reason: 'user.deactivated' } }] : [],
        }),
        auditPut(
          ctx,
          {
            action: 'user.deactivated',
            target: { type: 'user', id: before.id },
            before,
            after: next,
            events: [{ type: 'user.deactivated', teamId: ws.id, detail: { userId: next.id, userName: next.userName, externalId: next.externalId ?? null, active: false, ...actor } }],
          },
          now,
        ),
      ];
      txItems = items.length;
      await db.transact(items);
    },
    deadline,
  );
  return { load, txItems, callsPerOp: load.ops > 0 ? (db.roundTrips - calls0) / load.ops : Number.NaN, tokensPerUser };
}

export async function measureFloor(endpoint: string, n: number, deadline: number): Promise<FloorResult> {
  const tableName = 'bench-floor';
  await ensureTable(endpoint, tableName);
  const db = new Db({ tableName, endpoint });
  const pad = randomBytes(300).toString('hex'); // 600 bytes, as in docs/reference/peer-bench.md
  const run = `${Date.now()}`;
  const putC1 = await runLoad(n, 1, (i) => db.put({ pk: `p1#${run}#${i}`, sk: 'x', pad }), deadline);
  const putC16 = await runLoad(n, 16, (i) => db.put({ pk: `p16#${run}#${i}`, sk: 'x', pad }), deadline);
  const getC1 = await runLoad(n, 1, async (i) => void (await db.get({ pk: `p1#${run}#${i % putC1.ops}`, sk: 'x' })), deadline);
  const getC16 = await runLoad(n, 16, async (i) => void (await db.get({ pk: `p16#${run}#${i % putC16.ops}`, sk: 'x' })), deadline);
  const txC16 = await runLoad(
    n,
    16,
    (i) => db.transact([0, 1, 2].map((j) => ({ Put: { Item: { pk: `t#${run}#${i}#${j}`, sk: 'x', pad }, ConditionExpression: 'attribute_not_exists(pk)' } }))),
    deadline,
  );

  return { putC1, putC16, getC1, getC16, txC16 };
}

/**
 * Warms DynamoDB Local's JVM (JIT) with a mix of the calls both servers make, so that neither
 * server is measured on a cold JVM: measured here, GetItem at c16 doubles between a cold and a
 * warm JVM.
 */
export async function warmUp(endpoint: string, seconds: number): Promise<void> {
  const tableName = 'bench-warmup';
  await ensureTable(endpoint, tableName);
  const db = new Db({ tableName, endpoint });
  const pad = randomBytes(300).toString('hex');
  const until = Date.now() + seconds * 1000;
  let round = 0;
  while (Date.now() < until) {
    round++;
    await runLoad(400, 16, (i) => db.put({ pk: `w${round}#${i}`, sk: 'x', pad }), until);
    await runLoad(400, 16, async (i) => void (await db.get({ pk: `w${round}#${i}`, sk: 'x' })), until);
    await runLoad(400, 16, async (i) => void (await db.batchGet([{ pk: `w${round}#${i}`, sk: 'x' }, { pk: `w${round}#${i + 1}`, sk: 'x' }])), until);
    await runLoad(400, 16, async (i) => void (await db.query({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `w${round}#${i}` } })), until);
    await runLoad(100, 16, (i) => db.transact([0, 1, 2].map((j) => ({ Put: { Item: { pk: `wt${round}#${i}#${j}`, sk: 'x', pad }, ConditionExpression: 'attribute_not_exists(pk)' } }))), until);
    await runLoad(50, 8, (i) => db.batchWrite(Array.from({ length: 25 }, (_, j) => ({ put: { pk: `wb${round}#${i}#${j}`, sk: 'x', pad } }))), until);
  }
}
