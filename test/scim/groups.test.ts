/**
 * `/Groups` against the running local stack: Okta Push Groups and Entra group shapes
 * (docs/reference/okta-protocols.md §2, §7), membership edges, group → role mappings (seed 001), and the cost of a
 * membership change independent of the group's size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import { GROUP_SCHEMA, oktaUser, PATCH_OP, scimWorkspace, type ScimWorkspace } from './helpers.js';

let stack: TestStack;
let ws: ScimWorkspace;
let deps: Deps;

beforeAll(async () => {
  stack = await startTestStack();
  ws = await scimWorkspace(stack);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/roles`, {
    roles: [
      { id: 'tenant_admin', displayName: 'Tenant admin' },
      { id: 'auditor', displayName: 'Auditor' },
      { id: 'member', displayName: 'Member' },
    ],
    defaultRole: 'member',
  });
  const maps = await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/role-mappings`, {
    groups: [
      { group: 'claresia-admins', role: 'tenant_admin' },
      { group: 'claresia-auditors', role: 'auditor' },
      { group: 'claresia-eng-pilot', role: 'member', grants: ['archetype-eng'] },
    ],
    roleValues: [],
  });
  expect(maps.status).toBe(200);
});
afterAll(async () => stack?.close());

async function users(n: number, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, j) => ws.scim.post('/Users', oktaUser(`${prefix}.${i + j}@example.com`))));
    out.push(...batch.map((r) => String(r.json.id)));
  }
  return out;
}

const rolesOf = async (id: string) => {
  const list = await ws.admin.get<{ users: { id: string; roles: string[]; grants: string[] }[] }>(`/api/admin/workspaces/${ws.teamId}/users?limit=200`);
  let found = list.json.users.find((u) => u.id === id);
  let cursor = (list.json as unknown as { nextCursor: string | null }).nextCursor;
  while (!found && cursor) {
    const next = await ws.admin.get<{ users: { id: string; roles: string[]; grants: string[] }[]; nextCursor: string | null }>(`/api/admin/workspaces/${ws.teamId}/users?limit=200&cursor=${cursor}`);
    found = next.json.users.find((u) => u.id === id);
    cursor = next.json.nextCursor;
  }
  return found;
};
/** Waits for the lifecycle event the outbox delivers for a committed change (fails after 10 s). */
const event = (type: string, match: (detail: Record<string, unknown>) => boolean) =>
  stack.events.waitFor((e) => e.type === type && match(e.detail));

describe('Okta Push Groups', () => {
  it('creates a group after a displayName lookup, then adds, removes and renames in one PATCH', async () => {
    const [a, b, c] = await users(3, 'push');
    const look = await ws.scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "Engineering"')}&startIndex=1&count=100`);
    expect(look.json.totalResults).toBe(0);
    const g = await ws.scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [] });
    expect(g.status).toBe(201);
    expect(g.json.members).toEqual([]);
    const id = String(g.json.id);
    const add = await ws.scim.patch(`/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: a, display: 'push.0@example.com' }, { value: b, display: 'push.1@example.com' }] },
        { op: 'replace', value: { id, displayName: 'Engineering' } },
      ],
    });
    expect(add.status).toBe(204);
    const change = await ws.scim.patch(`/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'remove', path: `members[value eq "${a}"]` },
        { op: 'add', path: 'members', value: [{ value: c }] },
        { op: 'replace', value: { id, displayName: 'Engineering Team' } },
      ],
    });
    expect(change.status).toBe(204);
    const got = await ws.scim.get(`/Groups/${id}`);
    expect(got.json.displayName).toBe('Engineering Team');
    expect(got.json.members.map((m: { value: string }) => m.value).sort()).toEqual([b, c].sort());
    const userC = await ws.scim.get(`/Users/${c}`);
    expect(userC.json.groups).toEqual([{ value: id, $ref: `${stack.url}${ws.base}/Groups/${id}`, display: 'Engineering Team', type: 'direct' }]);
    await event('group.member_added', (d) => d.groupId === id);
    await event('group.member_removed', (d) => (d.userIds as string[]).includes(a!));
  });

  it('"Push Now" replaces all members, and an AIW PUT replaces members too', async () => {
    const [a, b, c] = await users(3, 'replace');
    const g = await ws.scim.post('/Groups', { displayName: 'replace-me', members: [{ value: a }, { value: b }] });
    expect(g.json.members).toHaveLength(2);
    await ws.scim.patch(`/Groups/${g.json.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'members', value: [{ value: c }] }] });
    expect((await ws.scim.get(`/Groups/${g.json.id}`)).json.members.map((m: { value: string }) => m.value)).toEqual([c]);
    const put = await ws.scim.put(`/Groups/${g.json.id}`, { schemas: [GROUP_SCHEMA], displayName: 'replace-me', members: [{ value: a }, { value: c }] });
    expect(put.status).toBe(200);
    expect(put.json.members.map((m: { value: string }) => m.value)).toEqual([a, c].sort());
  });

  it('answers 409 uniqueness for a duplicate displayName and 400 invalidValue for an unknown member', async () => {
    await ws.scim.post('/Groups', { displayName: 'dupe' });
    const again = await ws.scim.post('/Groups', { displayName: 'DUPE' });
    expect(again.status).toBe(409);
    expect(again.json.scimType).toBe('uniqueness');
    const bad = await ws.scim.post('/Groups', { displayName: 'ghost-members', members: [{ value: 'no-such-user' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.scimType).toBe('invalidValue');
    expect((await ws.scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "ghost-members"')}`)).json.totalResults).toBe(0);
  });

  it('deletes a group with its edges', async () => {
    const [a] = await users(1, 'del');
    const g = await ws.scim.post('/Groups', { displayName: 'to-delete', members: [{ value: a }] });
    expect((await ws.scim.delete(`/Groups/${g.json.id}`)).status).toBe(204);
    expect((await ws.scim.get(`/Groups/${g.json.id}`)).status).toBe(404);
    expect((await ws.scim.get(`/Users/${a}`)).json.groups).toBeUndefined();
  });
});

describe('Entra group shapes', () => {
  it('reads with excludedAttributes=members, adds with $ref:null, removes with a value array, and gets 204', async () => {
    const [a, b] = await users(2, 'entra');
    const g = await ws.scim.post('/Groups', { schemas: [GROUP_SCHEMA], externalId: 'entra-guid-1', displayName: 'Entra Group' });
    const id = String(g.json.id);
    const add = await ws.scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: a }, { $ref: null, value: b }] }] });
    expect(add.status).toBe(204);
    const slim = await ws.scim.get(`/Groups/${id}?excludedAttributes=members`);
    expect(slim.json.members).toBeUndefined();
    expect(slim.json.displayName).toBe('Entra Group');
    const rm = await ws.scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: a }] }] });
    expect(rm.status).toBe(204);
    const byMember = await ws.scim.get(`/Groups?filter=${encodeURIComponent(`id eq "${id}" and members[value eq "${b}"]`)}&excludedAttributes=members`);
    expect(byMember.json.totalResults).toBe(1);
    const notMember = await ws.scim.get(`/Groups?filter=${encodeURIComponent(`members eq "${a}"`)}`);
    expect(notMember.json.totalResults).toBe(0);
    const byExt = await ws.scim.get(`/Groups?filter=${encodeURIComponent('externalId eq "entra-guid-1"')}`);
    expect(byExt.json.Resources[0].id).toBe(id);
  });
});

describe('group → role mappings (seed 001)', () => {
  it('recomputes roles and grants when members join or leave a mapped group, and on rename', async () => {
    const [u, v] = await users(2, 'mapped');
    const admins = await ws.scim.post('/Groups', { displayName: 'claresia-admins', members: [{ value: u }] });
    expect((await rolesOf(u!))?.roles).toEqual(['tenant_admin']);
    const pilot = await ws.scim.post('/Groups', { displayName: 'claresia-eng-pilot', members: [{ value: u }, { value: v }] });
    expect(await rolesOf(u!)).toMatchObject({ roles: ['tenant_admin', 'member'], grants: ['archetype-eng'] });
    expect(await rolesOf(v!)).toMatchObject({ roles: ['member'], grants: ['archetype-eng'] });
    await ws.scim.patch(`/Groups/${admins.json.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${u}"]` }] });
    expect((await rolesOf(u!))?.roles).toEqual(['member']);
    await event('role.changed', (d) => d.userId === u && (d.after as string[]).join() === 'member');
    await ws.scim.patch(`/Groups/${pilot.json.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { displayName: 'claresia-auditors' } }] });
    expect(await rolesOf(v!)).toMatchObject({ roles: ['auditor'], grants: [] });
    await ws.scim.delete(`/Groups/${pilot.json.id}`);
    expect(await rolesOf(v!)).toMatchObject({ roles: ['member'], grants: [] });
  });
});

describe('membership cost', () => {
  async function roundTrips(fn: () => Promise<unknown>): Promise<number> {
    await new Promise((r) => setTimeout(r, 50));
    const before = deps.db.roundTrips;
    await fn();
    return deps.db.roundTrips - before;
  }

  it('a single member add or remove costs the same round trips in a group of 3 as in a group of 120', async () => {
    const ids = await users(122, 'big');
    const small = await ws.scim.post('/Groups', { displayName: 'small', members: ids.slice(0, 3).map((value) => ({ value })) });
    const big = await ws.scim.post('/Groups', { displayName: 'big', members: ids.slice(0, 120).map((value) => ({ value })) });
    expect(big.json.members).toHaveLength(120);
    const add = (g: string, u: string) => ws.scim.patch(`/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: u }] }] });
    const rm = (g: string, u: string) => ws.scim.patch(`/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${u}"]` }] });
    const addSmall = await roundTrips(() => add(String(small.json.id), ids[121]!));
    const addBig = await roundTrips(() => add(String(big.json.id), ids[121]!));
    const rmSmall = await roundTrips(() => rm(String(small.json.id), ids[0]!));
    const rmBig = await roundTrips(() => rm(String(big.json.id), ids[0]!));
    expect(addBig).toBe(addSmall);
    expect(rmBig).toBe(rmSmall);
    expect(addSmall).toBeLessThanOrEqual(2);
    const page = await ws.scim.get(`/Groups/${big.json.id}`);
    expect(page.json.members).toHaveLength(120);
  });
});
