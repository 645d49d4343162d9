/**
 * Races of the security review, repeated for many rounds with deterministic assertions on the
 * stored state (issue 8 item 8): concurrent membership changes of role-mapped groups (review #3),
 * identical concurrent member adds (review #7), a sign-in racing a deactivation (review #2a), and
 * concurrent creates of one userName. No faults here: the storage is healthy; only timing varies.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamlIdp, type SamlIdp } from '../../dev/saml-idp/index.js';
import { audits, membersOf, scanTable, userFacts } from '../support/fault-table.js';
import { api, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { oktaUser, PATCH_OP, scimWorkspace, type ScimWorkspace } from '../scim/helpers.js';
import { configureSaml, postAcs } from '../saml/support.js';

let stack: TestStack;
let ws: ScimWorkspace;
let idp: SamlIdp;
let audience: string;
const groups: Record<'admins' | 'ops', string> = { admins: '', ops: '' };
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ROUNDS = 8;

beforeAll(async () => {
  [stack, idp] = await Promise.all([startTestStack(), createSamlIdp()]);
  ws = await scimWorkspace(stack);
  const mappings = await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/role-mappings`, {
    groups: [
      { group: 'race-admins', role: 'admin', grants: ['g-admin'] },
      { group: 'race-ops', role: 'member', grants: ['g-ops'] },
    ],
    roleValues: [],
  });
  expect(mappings.status, mappings.text).toBe(200);
  for (const [k, name] of [['admins', 'race-admins'], ['ops', 'race-ops']] as const) {
    const g = await ws.scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: name });
    expect(g.status).toBe(201);
    groups[k] = String(g.json.id);
  }
  const okta = await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/okta`, { domain: 'acme.okta.com', clientId: 'client', clientSecret: 'secret', signInEnabled: true, jitEnabled: false });
  expect(okta.status, okta.text).toBe(200);
  await configureSaml(ws.admin, ws.teamId, idp);
  const got = await ws.admin.get<{ setup: Record<string, string> }>(`/api/admin/workspaces/${ws.teamId}`);
  audience = got.json.setup.samlAudienceUri!;
});
afterAll(async () => stack?.close());

async function newUser(prefix: string): Promise<{ id: string; userName: string }> {
  const userName = `${prefix}.${randomBytes(4).toString('hex')}@example.com`;
  const res = await ws.scim.post('/Users', oktaUser(userName));
  expect(res.status, res.text).toBe(201);
  return { id: String(res.json.id), userName };
}

const addMember = (groupId: string, userId: string) =>
  ws.scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] });
const removeMember = (groupId: string, userId: string) =>
  ws.scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] });

/** Okta's behaviour on a 503 with Retry-After: send the same request again until it succeeds. */
async function untilDone(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
  for (let i = 0; ; i++) {
    const res = await send();
    if (res.status !== 503 || i >= 10) return res;
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  }
}

async function storedAccess(userId: string): Promise<{ roles: string[]; grants: string[] }> {
  const f = userFacts(await scanTable(stack), ws.teamId, userId);
  return { roles: [...(f.user?.roles ?? [])].sort(), grants: [...(f.user?.grants ?? [])].sort() };
}

describe('concurrent membership changes of role-mapped groups (review #3)', () => {
  it(`stores both groups' roles and grants when one user is added to both at once, in ${ROUNDS} of ${ROUNDS} rounds`, async () => {
    const lost: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const u = await newUser('both');
      const res = await Promise.all([untilDone(() => addMember(groups.admins, u.id)), untilDone(() => addMember(groups.ops, u.id))]);
      expect(res.map((r) => r.status).every((s) => s === 200 || s === 204), res.map((r) => r.text).join()).toBe(true);
      const access = await storedAccess(u.id);
      if (!access.roles.includes('admin') || JSON.stringify(access.grants) !== JSON.stringify(['g-admin', 'g-ops'])) lost.push(`round ${round}: ${JSON.stringify(access)}`);
    }
    expect(lost).toEqual([]);
  }, 120_000);

  it(`keeps no stale admin role or grant when one user is removed from both at once, in ${ROUNDS} of ${ROUNDS} rounds`, async () => {
    const stale: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const u = await newUser('neither');
      expect([200, 204]).toContain((await addMember(groups.admins, u.id)).status);
      expect([200, 204]).toContain((await addMember(groups.ops, u.id)).status);
      expect((await storedAccess(u.id)).roles).toContain('admin');
      const res = await Promise.all([untilDone(() => removeMember(groups.admins, u.id)), untilDone(() => removeMember(groups.ops, u.id))]);
      expect(res.map((r) => r.status).every((s) => s === 200 || s === 204), res.map((r) => r.text).join()).toBe(true);
      const access = await storedAccess(u.id);
      if (access.roles.includes('admin') || access.grants.length > 0) stale.push(`round ${round}: ${JSON.stringify(access)}`);
      // The last audited role change (the role.changed event the host app gets) agrees.
      const changes = audits(await scanTable(stack), ws.teamId)
        .flatMap((a) => ((a.after as { roleChanges?: { userId: string; after: string[] }[] } | null)?.roleChanges ?? []).filter((c) => c.userId === u.id));
      const last = changes.at(-1);
      if (last && last.after.includes('admin')) stale.push(`round ${round}: last audited role change says ${JSON.stringify(last.after)}`);
    }
    expect(stale).toEqual([]);
  }, 120_000);
});

describe('identical concurrent member adds (review #7)', () => {
  it('30 identical adds of one member write one edge and one audit record, in 3 of 3 rounds', async () => {
    for (let round = 0; round < 3; round++) {
      const u = await newUser('same');
      const g = await ws.scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `same-${randomBytes(4).toString('hex')}` });
      expect(g.status).toBe(201);
      const groupId = String(g.json.id);
      const res = await Promise.all(Array.from({ length: 30 }, () => untilDone(() => addMember(groupId, u.id))));
      expect(res.filter((r) => r.status !== 200 && r.status !== 204).map((r) => `${r.status} ${r.text}`)).toEqual([]);
      const items = await scanTable(stack);
      expect(membersOf(items, ws.teamId, groupId)).toEqual([u.id]);
      const records = audits(items, ws.teamId).filter((a) => a.targetId === groupId && a.action === 'group.members_changed');
      expect(records, `round ${round}`).toHaveLength(1);
      expect(records[0]!.events.filter((e) => e.type === 'group.member_added')).toHaveLength(1);
    }
  }, 120_000);
});

describe('concurrent creates of one userName', () => {
  it('30 concurrent creates of one userName answer 1 × 201 and 29 × 409 uniqueness, with one user and one audit record, in 3 of 3 rounds', async () => {
    for (let round = 0; round < 3; round++) {
      const userName = `dup.${randomBytes(4).toString('hex')}@example.com`;
      const res = await Promise.all(Array.from({ length: 30 }, () => ws.scim.post('/Users', oktaUser(userName))));
      const statuses = res.map((r) => r.status).sort();
      expect(statuses).toEqual([201, ...Array(29).fill(409)]);
      expect(res.filter((r) => r.status === 409).every((r) => r.json.scimType === 'uniqueness')).toBe(true);
      const items = await scanTable(stack);
      const ids = items.filter((i) => i.pk === `WS#${ws.teamId}#USERNAME#${userName}`).map((i) => String(i.userId));
      expect(ids).toHaveLength(1);
      expect(userFacts(items, ws.teamId, ids[0]!).audits.filter((a) => a.action === 'user.created')).toHaveLength(1);
    }
  }, 120_000);
});

describe('a sign-in racing a deactivation (review #2a)', () => {
  /**
   * An SP-initiated SAML sign-in to the bridge admin page (an unsolicited response may not land
   * there): the `idpb_session` cookie it sets, if any.
   */
  async function adminSignIn(email: string): Promise<string | undefined> {
    const start = await api(stack.url).get(`/api/saml/${ws.teamId}/login?return_to=/admin`);
    if (start.status !== 302) return undefined;
    const { acsUrl: to, form } = idp.respondTo(start.headers.get('location')!, {
      audience,
      nameId: email,
      attributes: { email, firstName: 'Race', lastName: 'Admin', groups: ['race-admins'] },
    });
    const res = await postAcs(stack, to, form);
    return res.headers.get('set-cookie')?.match(/^idpb_session=([^;]+)/)?.[1];
  }
  const adminApi = (cookie: string) => api(stack.url).get(`/api/admin/workspaces/${ws.teamId}`, { headers: { cookie: `idpb_session=${cookie}` } });

  it('leaves no working admin session of the deactivated user on the admin API, in 6 of 6 rounds', async () => {
    // The premise: a sign-in of this user does give a working admin session.
    const probe = await newUser('probe');
    expect([200, 204]).toContain((await addMember(groups.admins, probe.id)).status);
    const probeCookie = await adminSignIn(probe.userName);
    expect(probeCookie).toBeDefined();
    expect((await adminApi(probeCookie!)).status).toBe(200);

    const surviving: string[] = [];
    for (let round = 0; round < 6; round++) {
      const u = await newUser('racer');
      expect([200, 204]).toContain((await addMember(groups.admins, u.id)).status);
      const signIns: Promise<string | undefined>[] = [];
      let deactivation: Promise<ApiResponse> | undefined;
      for (let i = 0; i < 8; i++) {
        signIns.push(adminSignIn(u.userName));
        if (i === 3) deactivation = ws.scim.patch(`/Users/${u.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
        await new Promise((r) => setTimeout(r, 15));
      }
      expect([200, 204]).toContain((await deactivation!).status);
      const cookies = (await Promise.all(signIns)).filter((c): c is string => c !== undefined);
      for (const c of cookies) {
        const res = await adminApi(c);
        if (res.status === 200) surviving.push(`round ${round}: a session answered 200 after the deactivation`);
        else expect(res.status).toBe(401);
      }
    }
    expect(surviving).toEqual([]);
  }, 180_000);
});
