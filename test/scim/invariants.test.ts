/**
 * "One change, one transaction — or a step that a retry completes" (issue 8 item 2, review #2,
 * #3, #7) for SCIM users and groups, against the running local stack. States that a crash would
 * leave behind (a deletion cut off after its first transaction, a deactivation written before it
 * became one transaction) are set up by writing those items to DynamoDB Local directly — the same
 * items the real code writes — then the IdP's retry must converge. The races and the injected
 * faults themselves are in test/faults/.
 */
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../dev/dynamodb-local.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import { keys } from '../../lambdas/store/keys.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { oktaUser, PATCH_OP, scimWorkspace, type ScimWorkspace } from './helpers.js';

let stack: TestStack;
let ws: ScimWorkspace;
let deps: Deps;
const ddb = () => localDynamoClient(stack.endpoint);

beforeAll(async () => {
  stack = await startTestStack();
  ws = await scimWorkspace(stack, 'Invariants');
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
});
afterAll(async () => stack?.close());

interface AuditLine {
  id: string;
  action: string;
  requestId: string;
  target: { type: string; id: string };
  after: Record<string, unknown> | null;
}

async function audit(): Promise<AuditLine[]> {
  const res = await ws.admin.get(`/api/admin/workspaces/${ws.teamId}/audit-export`);
  return res.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

async function mintFor(userId: string) {
  const { TokenRepo } = await import('../../lambdas/store/tokens.js');
  const tokens = new TokenRepo(deps.db, await deps.hasher(), 'us');
  const ctx = { teamId: ws.teamId, region: 'us', actor: { type: 'system', id: 'test' }, source: { ip: '127.0.0.1', userAgent: 't' }, requestId: 'r' };
  const session = await tokens.mint(ctx, { kind: 'session', teamId: ws.teamId, userId, expiresAt: new Date(Date.now() + 3_600_000) });
  const introspect = async () =>
    (await ws.admin.post<{ active: boolean }>('/api/tokens/introspect', { token: session.token })).json.active;
  return { session, introspect };
}

const deactivate = (id: string) => ws.scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });

describe('deactivation (review #2)', () => {
  it('writes the user, the revocation marker and both audit records in ONE transaction, in at most 4 storage calls', async () => {
    const u = await ws.scim.post('/Users', oktaUser('one.tx@example.com'));
    const id = String(u.json.id);
    const { introspect } = await mintFor(id);
    expect(await introspect()).toBe(true);

    const calls = deps.db.roundTrips;
    const txs = deps.db.transactions;
    const off = await deactivate(id);
    expect(off.status).toBe(200);
    // One batchGet (token, workspace, user, marker), the user's groups and tokens (in parallel with
    // it), and one transaction: two sequential round trips.
    expect(deps.db.transactions - txs).toBe(1);
    expect(deps.db.roundTrips - calls).toBeLessThanOrEqual(4);
    expect(await introspect()).toBe(false);

    const records = (await audit()).filter((r) => r.target.id === id && ['user.deactivated', 'session.revoked'].includes(r.action));
    expect(records.map((r) => r.action).sort()).toEqual(['session.revoked', 'user.deactivated']);
    expect(new Set(records.map((r) => r.requestId)).size).toBe(1);
  });

  it("Okta's re-sent active:false of a user deactivated without a revocation completes the revocation, once", async () => {
    const u = await ws.scim.post('/Users', oktaUser('legacy.leaver@example.com'));
    const id = String(u.json.id);
    const { introspect } = await mintFor(id);
    // What the first build left after a failure between its two transactions: inactive, no marker.
    const client = ddb();
    await client.send(
      new UpdateItemCommand({
        TableName: stack.tableName,
        Key: marshall(keys.user(ws.teamId, id)),
        UpdateExpression: 'SET active = :f, version = version + :one',
        ExpressionAttributeValues: marshall({ ':f': false, ':one': 1 }),
      }),
    );
    client.destroy();
    expect(await introspect()).toBe(false); // introspection already checks the user …
    const { TokenRepo } = await import('../../lambdas/store/tokens.js');
    const tokens = new TokenRepo(deps.db, await deps.hasher(), 'us');
    expect(await tokens.liveForUser(ws.teamId, id)).toHaveLength(1); // … but the token itself is live

    const retry = await deactivate(id);
    expect(retry.status).toBe(200);
    expect(await tokens.liveForUser(ws.teamId, id)).toHaveLength(0);
    const again = await deactivate(id);
    expect(again.status).toBe(200);
    const revocations = (await audit()).filter((r) => r.target.id === id && r.action === 'session.revoked');
    expect(revocations).toHaveLength(1);
  });

  it('an unchanged re-sent active:false of a properly deactivated user writes nothing', async () => {
    const u = await ws.scim.post('/Users', oktaUser('twice@example.com'));
    const id = String(u.json.id);
    expect((await deactivate(id)).status).toBe(200);
    const before = (await audit()).length;
    const txs = deps.db.transactions;
    expect((await deactivate(id)).status).toBe(200);
    expect(deps.db.transactions).toBe(txs);
    expect((await audit()).length).toBe(before);
  });
});

describe('deletion (review #2)', () => {
  it('revokes and removes the memberships in its first transaction; a retried DELETE after a cut-off deletion finishes the cleanup', async () => {
    const u = await ws.scim.post('/Users', oktaUser('deleted.user@example.com'));
    const id = String(u.json.id);
    const g = await ws.scim.post('/Groups', { displayName: 'del-members', members: [{ value: id }] });
    const { introspect } = await mintFor(id);
    expect((await ws.scim.delete(`/Users/${id}`)).status).toBe(204);
    expect(await introspect()).toBe(false);
    expect((await ws.scim.get(`/Groups/${g.json.id}`)).json.members).toEqual([]);

    // A deletion cut off after its first transaction: the tombstone and an edge are still there.
    const v = await ws.scim.post('/Users', oktaUser('cut.off@example.com'));
    const vid = String(v.json.id);
    const h = await ws.scim.post('/Groups', { displayName: 'cut-off-members', members: [{ value: vid }] });
    const client = ddb();
    await client.send(new DeleteItemCommand({ TableName: stack.tableName, Key: marshall(keys.user(ws.teamId, vid)) }));
    await client.send(
      new PutItemCommand({
        TableName: stack.tableName,
        Item: marshall({ ...keys.userTombstone(ws.teamId, vid), type: 'userTombstone', teamId: ws.teamId, userId: vid, deletedAt: new Date().toISOString() }),
      }),
    );
    client.destroy();
    const ghost = await ws.scim.get(`/Groups/${h.json.id}`);
    expect((ghost.json.members as { value: string }[]).map((m) => m.value)).toEqual([vid]);

    const retry = await ws.scim.delete(`/Users/${vid}`);
    expect(retry.status).toBe(404); // RFC 7644 §3.6: the resource is gone …
    expect((await ws.scim.get(`/Groups/${h.json.id}`)).json.members).toEqual([]); // … and so are its edges
  });
});

describe('groups (review #3, #7)', () => {
  it('30 identical concurrent member adds write one edge, one audit record and one event batch', async () => {
    const u = await ws.scim.post('/Users', oktaUser('same.add@example.com'));
    const g = await ws.scim.post('/Groups', { displayName: 'same-add' });
    const add = () => ws.scim.patch(`/Groups/${g.json.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: u.json.id }] }] });
    const answers = await Promise.all(Array.from({ length: 30 }, add));
    expect(answers.every((a) => a.status === 204)).toBe(true);
    const changes = (await audit()).filter((r) => r.action === 'group.members_changed' && r.target.id === g.json.id);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.after).toMatchObject({ added: [u.json.id], removed: [] });
    expect((await ws.scim.get(`/Groups/${g.json.id}`)).json.members).toHaveLength(1);
  });

  it('a re-sent membership PATCH repairs stored roles that disagree with the memberships', async () => {
    const put = await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/role-mappings`, { groups: [{ group: 'repair-admins', role: 'admin', grants: ['g-admin'] }], roleValues: [] });
    expect(put.status).toBe(200);
    const u = await ws.scim.post('/Users', oktaUser('repair.me@example.com'));
    const id = String(u.json.id);
    const g = await ws.scim.post('/Groups', { displayName: 'repair-admins' });
    const add = () => ws.scim.patch(`/Groups/${g.json.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
    expect((await add()).status).toBe(204);
    const stored = async () => (await deps.db.get(keys.user(ws.teamId, id))) as { roles: string[]; grants: string[] };
    expect(await stored()).toMatchObject({ roles: ['admin'], grants: ['g-admin'] });

    // The edge is in place but the derived roles are not (a failure between two writes).
    const client = ddb();
    await client.send(
      new UpdateItemCommand({
        TableName: stack.tableName,
        Key: marshall(keys.user(ws.teamId, id)),
        UpdateExpression: 'SET #r = :r, grants = :g',
        ExpressionAttributeNames: { '#r': 'roles' },
        ExpressionAttributeValues: marshall({ ':r': ['member'], ':g': [] }),
      }),
    );
    client.destroy();
    expect((await add()).status).toBe(204);
    expect(await stored()).toMatchObject({ roles: ['admin'], grants: ['g-admin'] });
  });

  it('a retried DELETE of a group whose cleanup was cut off removes its edges and recomputes roles', async () => {
    await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/role-mappings`, { groups: [{ group: 'doomed-admins', role: 'admin' }], roleValues: [] });
    const u = await ws.scim.post('/Users', oktaUser('doomed.admin@example.com'));
    const id = String(u.json.id);
    const g = await ws.scim.post('/Groups', { displayName: 'doomed-admins', members: [{ value: id }] });
    const gid = String(g.json.id);
    const stored = async () => (await deps.db.get(keys.user(ws.teamId, id))) as { roles: string[] };
    expect((await stored()).roles).toEqual(['admin']);
    // The group's own transaction committed (group gone, tombstone written); edges and roles not yet.
    const client = ddb();
    await client.send(new DeleteItemCommand({ TableName: stack.tableName, Key: marshall(keys.group(ws.teamId, gid)) }));
    await client.send(new DeleteItemCommand({ TableName: stack.tableName, Key: marshall(keys.groupName(ws.teamId, 'doomed-admins')) }));
    await client.send(
      new PutItemCommand({
        TableName: stack.tableName,
        Item: marshall({ ...keys.groupTombstone(ws.teamId, gid), type: 'groupTombstone', teamId: ws.teamId, groupId: gid, displayName: 'doomed-admins' }),
      }),
    );
    client.destroy();
    expect((await ws.scim.get(`/Users/${id}`)).json.groups).toHaveLength(1);

    expect((await ws.scim.delete(`/Groups/${gid}`)).status).toBe(404);
    expect((await ws.scim.get(`/Users/${id}`)).json.groups ?? []).toHaveLength(0);
    expect((await stored()).roles).toEqual(['member']);
  });
});
