/**
 * `/Users` against the running local stack: attribute mapping (seed 000), PUT and PATCH shapes of
 * Okta and Entra (docs/reference/okta-protocols.md §2, §7), deactivation effects (seed 001), roles (seed 004),
 * ETags, attributes projection, audit and events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import { oktaUser, PATCH_OP, scimWorkspace, type ScimWorkspace } from './helpers.js';

let stack: TestStack;
let ws: ScimWorkspace;
let deps: Deps;
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

beforeAll(async () => {
  stack = await startTestStack();
  ws = await scimWorkspace(stack);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
});
afterAll(async () => stack?.close());

/** Waits for the lifecycle event the outbox delivers for a committed change (fails after 10 s). */
const event = (type: string, match: (detail: Record<string, unknown>) => boolean) =>
  stack.events.waitFor((e) => e.type === type && match(e.detail));

async function auditOf(teamId: string, action: string) {
  const res = await ws.admin.get(`/api/admin/workspaces/${teamId}/audit-export`);
  return res.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { action: string; actor: { type: string; id: string; label?: string }; before: unknown; after: unknown; target: { id: string } })
    .filter((r) => r.action === action);
}

describe('create and read', () => {
  it('keeps roles, entitlements, extension attributes and other core attributes, and never the password', async () => {
    const res = await ws.scim.post('/Users', {
      ...oktaUser('grace.hopper@example.com'),
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
      roles: [{ value: 'admin', primary: true }],
      entitlements: [{ value: 'ent-1', display: 'Entitlement 1', type: 'Role' }],
      title: 'Rear Admiral',
      phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
      [ENT]: { employeeNumber: '1906', manager: { value: 'boss' } },
      'urn:okta:acme:1.0:user': { costTier: 'gold' },
    });
    expect(res.status).toBe(201);
    expect(res.json.roles).toEqual([{ value: 'admin', primary: true }]);
    expect(res.json.entitlements).toEqual([{ value: 'ent-1', display: 'Entitlement 1', type: 'Role' }]);
    expect(res.json.title).toBe('Rear Admiral');
    expect(res.json[ENT]).toEqual({ employeeNumber: '1906', manager: { value: 'boss' } });
    expect(res.json['urn:okta:acme:1.0:user']).toEqual({ costTier: 'gold' });
    expect(res.json.schemas).toContain(ENT);
    expect(res.text).not.toContain('Not-Stored-1!');
    const audit = await auditOf(ws.teamId, 'user.created');
    const rec = audit.find((r) => r.target.id === res.json.id)!;
    expect(rec.actor).toEqual({ type: 'okta:scim', id: ws.tokenId, label: 'okta-production' });
    expect(JSON.stringify(rec)).not.toContain('Not-Stored-1!');
    await event('user.created', (d) => d.userId === res.json.id);
    const list = await ws.admin.get<{ users: { id: string; roles: string[]; email: string; name: string }[] }>(`/api/admin/workspaces/${ws.teamId}/users?limit=200`);
    expect(list.json.users.find((u) => u.id === res.json.id)).toMatchObject({ roles: ['admin'], email: 'grace.hopper@example.com', name: 'grace hopper' });
  });

  it('gives new users the workspace default role and maps roles[primary].value through role mappings (seed 004)', async () => {
    await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/role-mappings`, { groups: [], roleValues: [{ value: 'Admin', role: 'admin' }] });
    const plain = await ws.scim.post('/Users', oktaUser('plain.member@example.com'));
    const mapped = await ws.scim.post('/Users', oktaUser('mapped.admin@example.com', { roles: [{ value: 'Admin', primary: true }] }));
    const list = await ws.admin.get<{ users: { id: string; roles: string[] }[] }>(`/api/admin/workspaces/${ws.teamId}/users?limit=200`);
    expect(list.json.users.find((u) => u.id === plain.json.id)?.roles).toEqual(['member']);
    expect(list.json.users.find((u) => u.id === mapped.json.id)?.roles).toEqual(['admin']);
  });

  it('answers 409 uniqueness for a duplicate userName under concurrent creates; externalId is not unique (RFC 7643 §3.1)', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => ws.scim.post('/Users', oktaUser('race@example.com'))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).every((r) => r.json.scimType === 'uniqueness')).toBe(true);
    const a = await ws.scim.post('/Users', oktaUser('ext1@example.com', { externalId: '00uSAME' }));
    const b = await ws.scim.post('/Users', oktaUser('ext2@example.com', { externalId: '00uSAME' }));
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect((await ws.scim.get(`/Users?filter=${encodeURIComponent('externalId eq "00uSAME"')}`)).json.totalResults).toBe(2);
  });

  it('filters by externalId, emails and combinations, case-insensitively where RFC 7643 says so', async () => {
    const u = await ws.scim.post('/Users', oktaUser('filter.me@example.com', { externalId: '00uFILTER', emails: [{ value: 'Other@Example.com', type: 'home' }, { value: 'filter.me@example.com', primary: true, type: 'work' }] }));
    const q = async (f: string) => (await ws.scim.get(`/Users?filter=${encodeURIComponent(f)}`)).json;
    expect((await q('externalId eq "00uFILTER"')).Resources[0].id).toBe(u.json.id);
    expect((await q('externalId eq 00uFILTER')).totalResults).toBe(1);
    expect((await q('externalId eq "00ufilter"')).totalResults).toBe(0);
    expect((await q('emails.value eq "other@example.com"')).Resources[0].id).toBe(u.json.id);
    expect((await q('emails[type eq "work"].value eq "FILTER.ME@example.com"')).totalResults).toBe(1);
    expect((await q('userName eq "filter.me@example.com" and active eq true')).totalResults).toBe(1);
    expect((await q('userName eq "filter.me@example.com" and active eq false')).totalResults).toBe(0);
    expect((await q(`id eq "${u.json.id}" or userName eq "grace.hopper@example.com"`)).totalResults).toBe(2);
    expect((await q('name.familyName eq "me" and userName sw "filter"')).totalResults).toBe(1);
  });

  it('projects attributes and excludedAttributes; id and schemas always stay', async () => {
    const u = await ws.scim.post('/Users', oktaUser('proj@example.com'));
    const only = await ws.scim.get(`/Users/${u.json.id}?attributes=userName,name.givenName`);
    expect(Object.keys(only.json).sort()).toEqual(['id', 'name', 'schemas', 'userName']);
    expect(only.json.name).toEqual({ givenName: 'proj' });
    const without = await ws.scim.get(`/Users/${u.json.id}?excludedAttributes=emails,meta,id`);
    expect(without.json.emails).toBeUndefined();
    expect(without.json.meta).toBeUndefined();
    expect(without.json.id).toBe(u.json.id);
  });
});

describe('update', () => {
  it('PUT replaces the profile, keeps the id, and bumps meta.version', async () => {
    const u = await ws.scim.post('/Users', oktaUser('put.me@example.com'));
    const body = { ...u.json, name: { givenName: 'Changed', familyName: 'Name' }, displayName: 'Changed Name' };
    const res = await ws.scim.put(`/Users/${u.json.id}`, body);
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(u.json.id);
    expect(res.json.name).toEqual({ givenName: 'Changed', familyName: 'Name' });
    expect(res.json.meta.version).toBe('W/"2"');
    expect(res.headers.get('etag')).toBe('W/"2"');
    // The userName lookup is served from the uniqueness item's copy: it must follow every write.
    const byName = await ws.scim.get(`/Users?filter=${encodeURIComponent('userName eq "put.me@example.com"')}`);
    expect(byName.json.Resources[0]).toMatchObject({ name: { givenName: 'Changed' }, meta: { version: 'W/"2"' } });
    const renamed = await ws.scim.patch(`/Users/${u.json.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'Moved@example.com' }] });
    expect(renamed.status).toBe(200);
    expect((await ws.scim.get(`/Users?filter=${encodeURIComponent('userName eq "put.me@example.com"')}`)).json.totalResults).toBe(0);
    expect((await ws.scim.get(`/Users?filter=${encodeURIComponent('userName eq "moved@example.com"')}`)).json.Resources[0].userName).toBe('Moved@example.com');
    expect((await ws.scim.post('/Users', oktaUser('put.me@example.com'))).status).toBe(201);
  });

  it('honours If-Match: a stale version answers 412, the current one succeeds; If-None-Match gives 304', async () => {
    const u = await ws.scim.post('/Users', oktaUser('etag@example.com'));
    const patch = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'E' }] };
    const stale = await ws.scim.patch(`/Users/${u.json.id}`, patch, { headers: { 'if-match': 'W/"7"' } });
    expect(stale.status).toBe(412);
    expect(stale.json.status).toBe('412');
    const fresh = await ws.scim.patch(`/Users/${u.json.id}`, patch, { headers: { 'if-match': 'W/"1"' } });
    expect(fresh.status).toBe(200);
    const again = await ws.scim.get(`/Users/${u.json.id}`, { headers: { 'if-none-match': 'W/"2"' } });
    expect(again.status).toBe(304);
  });

  it('applies Entra PATCH shapes: capitalised ops, "False", filtered e-mail paths, enterprise attributes', async () => {
    const u = await ws.scim.post('/Users', oktaUser('entra.shape@example.com'));
    const res = await ws.scim.patch(`/Users/${u.json.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'entra.shape@contoso.com' },
        { op: 'Replace', path: 'name.familyName', value: 'Contoso' },
        { op: 'Add', path: `${ENT}:employeeNumber`, value: '12345' },
        { op: 'Replace', value: { 'name.givenName': 'Entra', displayName: 'Entra Contoso' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.emails[0].value).toBe('entra.shape@contoso.com');
    expect(res.json.name).toEqual({ givenName: 'Entra', familyName: 'Contoso' });
    expect(res.json[ENT]).toEqual({ employeeNumber: '12345' });
    const byMail = await ws.scim.get(`/Users?filter=${encodeURIComponent('emails.value eq "entra.shape@contoso.com"')}`);
    expect(byMail.json.totalResults).toBe(1);
  });

  it('writes nothing for a PATCH that changes nothing (Okta re-sends profiles)', async () => {
    const u = await ws.scim.post('/Users', oktaUser('noop@example.com'));
    const res = await ws.scim.patch(`/Users/${u.json.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true, displayName: u.json.displayName } }] });
    expect(res.status).toBe(200);
    expect(res.json.meta.version).toBe('W/"1"');
  });
});

describe('deactivation', () => {
  it("Okta's path-less {active:false} deactivates, revokes every token of the user, audits with the okta:scim actor; reactivation keeps the id", async () => {
    const u = await ws.scim.post('/Users', oktaUser('leaver@example.com'));
    const id = String(u.json.id);
    const { TokenRepo } = await import('../../lambdas/store/tokens.js');
    const tokens = new TokenRepo(deps.db, await deps.hasher(), 'us');
    const ctx = { teamId: ws.teamId, region: 'us', actor: { type: 'system', id: 'test' }, source: { ip: '127.0.0.1', userAgent: 't' }, requestId: 'r' };
    const session = await tokens.mint(ctx, { kind: 'session', teamId: ws.teamId, userId: id, expiresAt: new Date(Date.now() + 3_600_000) });
    const apiToken = await tokens.mint(ctx, { kind: 'api', teamId: ws.teamId, userId: id });
    expect((await tokens.authenticate(session.token, ['session'])).userId).toBe(id);

    const off = await ws.scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(off.status).toBe(200);
    expect(off.json.active).toBe(false);
    await expect(tokens.authenticate(session.token, ['session'])).rejects.toThrow();
    await expect(tokens.authenticate(apiToken.token, ['api'])).rejects.toThrow();
    const audit = await auditOf(ws.teamId, 'user.deactivated');
    expect(audit.find((r) => r.target.id === id)?.actor.type).toBe('okta:scim');
    await event('user.deactivated', (d) => d.userId === id);
    await event('session.revoked', (d) => d.userId === id && d.revoked === 2);

    const inactive = await ws.scim.get(`/Users?filter=${encodeURIComponent('userName eq "leaver@example.com"')}`);
    expect(inactive.json.Resources[0].active).toBe(false);
    const on = await ws.scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] });
    expect(on.json).toMatchObject({ id, active: true });
    await event('user.reactivated', (d) => d.userId === id);
  });

  it('an AIW-style PUT with active:false deactivates too, and a PUT without active keeps the status', async () => {
    const u = await ws.scim.post('/Users', oktaUser('aiw@example.com'));
    const off = await ws.scim.put(`/Users/${u.json.id}`, { ...u.json, active: false });
    expect(off.json.active).toBe(false);
    const { active: _a, ...withoutActive } = off.json;
    const kept = await ws.scim.put(`/Users/${u.json.id}`, { ...withoutActive, displayName: 'Still Off' });
    expect(kept.json.active).toBe(false);
  });

  it('Entra DELETE removes the user, its memberships and its tokens', async () => {
    const u = await ws.scim.post('/Users', oktaUser('gone@example.com'));
    const g = await ws.scim.post('/Groups', { displayName: 'doomed-members', members: [{ value: u.json.id }] });
    expect(g.status).toBe(201);
    const del = await ws.scim.delete(`/Users/${u.json.id}`);
    expect(del.status).toBe(204);
    expect((await ws.scim.get(`/Users/${u.json.id}`)).status).toBe(404);
    expect((await ws.scim.get(`/Groups/${g.json.id}`)).json.members).toEqual([]);
    expect((await ws.scim.post('/Users', oktaUser('gone@example.com'))).status).toBe(201);
  });
});
