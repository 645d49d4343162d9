/**
 * What DynamoDB Local itself allows on this machine, measured on the same JVM as the workloads:
 * the raw floor of peer-bench.md (PutItem, GetItem, TransactWriteItems of 3 conditional puts), and
 * the ceiling of idp-bridge's own create — the exact storage calls one Okta create makes here
 * (filter GET: one BatchGetItem; POST: one BatchGetItem and one TransactWriteItems of the user,
 * its uniqueness items, a counter shard and the audit record), with no HTTP and no logic.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ensureTable } from '../../dev/dynamodb-local.js';
import { auditPut, type AuditContext } from '../../lambdas/shared/audit.js';
import { Db } from '../../lambdas/shared/db/client.js';
import { keys } from '../../lambdas/shared/db/keys.js';
import { UserRepo } from '../../lambdas/shared/repos/users.js';
import { DEFAULT_ROLES, type Workspace } from '../../lambdas/shared/repos/workspaces.js';
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
 * Measured right next to W1 (the machine's load drifts over a run).
 */
export async function measureCreateCeiling(endpoint: string, n: number, deadline: number): Promise<CreateCeiling> {
  const tableName = 'bench-floor';
  await ensureTable(endpoint, tableName);
  const db = new Db({ tableName, endpoint });
  const run = `${Date.now()}`;
  // The same items a create writes, for a workspace and token that exist in this table.
  const now = new Date().toISOString();
  const ws: Workspace = { id: randomUUID(), name: 'floor', region: 'us', createdAt: now, updatedAt: now, roles: DEFAULT_ROLES, defaultRole: 'member', roleMappings: { groups: [], roleValues: [] }, emailDomains: [] };
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

export async function measureFloor(endpoint: string, n: number, deadline: number): Promise<FloorResult> {
  const tableName = 'bench-floor';
  await ensureTable(endpoint, tableName);
  const db = new Db({ tableName, endpoint });
  const pad = randomBytes(300).toString('hex'); // 600 bytes, as in peer-bench.md
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
