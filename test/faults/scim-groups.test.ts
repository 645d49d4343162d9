/**
 * SCIM group PATCH (member add and remove, on a role-mapped group) under storage faults (issue 8
 * item 8; review #2, #3, #7): 503/429 with `Retry-After`, no edge without its audit record or
 * derived role, and Okta's retry of the same PATCH converges to one edge (or none) and one audit
 * record.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFaultRounds, type FaultScenario } from '../support/fault-rounds.js';
import { audits, brokenInvariants, membersOf, userFacts, type StoredItem } from '../support/fault-table.js';
import { startTestStack, type FaultyTestStack } from '../support/stack.js';
import { oktaUser, PATCH_OP, scimWorkspace, type ScimWorkspace } from '../scim/helpers.js';

let stack: FaultyTestStack;
let ws: ScimWorkspace;
const ROUND_TIMEOUT = 600_000;
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

beforeAll(async () => {
  stack = await startTestStack({ faults: true });
  ws = await scimWorkspace(stack);
  const res = await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/role-mappings`, { groups: [{ group: 'fault-admins', role: 'admin', grants: ['g-admin'] }], roleValues: [] });
  expect(res.status, res.text).toBe(200);
});
afterAll(async () => stack?.close());

interface Membership {
  userId: string;
  userName: string;
  groupId: string;
}

/** A fresh user and a fresh role-mapped group (the group is named by the mapping). */
async function userAndGroup(member: boolean): Promise<Membership> {
  const userName = `member.${randomBytes(4).toString('hex')}@example.com`;
  const u = await ws.scim.post('/Users', oktaUser(userName));
  if (u.status !== 201) throw new Error(`setup user: ${u.status} ${u.text}`);
  // The role mapping names the group, and display names are unique: each round deletes the
  // previous round's `fault-admins` and creates a fresh one.
  const existing = await ws.scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "fault-admins"')}`);
  for (const g of (existing.json.Resources ?? []) as { id: string }[]) await ws.scim.delete(`/Groups/${g.id}`);
  const g = await ws.scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'fault-admins', members: member ? [{ value: u.json.id }] : [] });
  if (g.status !== 201) throw new Error(`setup group: ${g.status} ${g.text}`);
  return { userId: String(u.json.id), userName, groupId: String(g.json.id) };
}

/** Audit records of this group that carry the given membership event (the outbox of review #7). */
const memberAudits = (items: StoredItem[], c: Membership, event: 'group.member_added' | 'group.member_removed') =>
  audits(items, ws.teamId).filter((a) => a.targetId === c.groupId && a.events.some((e) => e.type === event));

/** The derived role agrees with the edges: admin exactly when the user is in the mapped group. */
function roleAgrees(items: StoredItem[], c: Membership): string[] {
  const f = userFacts(items, ws.teamId, c.userId);
  const inGroup = membersOf(items, ws.teamId, c.groupId).includes(c.userId);
  const admin = (f.user?.roles ?? []).includes('admin');
  return inGroup === admin ? [] : [`edge ${inGroup ? 'present' : 'absent'} but stored roles ${JSON.stringify(f.user?.roles)} (review #3)`];
}

describe('group PATCH under storage faults', () => {
  it('adding a member: the edge, its audit record and the derived role commit together, and the retry converges to one edge and one record', async () => {
    const scenario: FaultScenario<Membership> = {
      setup: () => userAndGroup(false),
      act: (c) => ws.scim.patch(`/Groups/${c.groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: c.userId }] }] }),
      ok: [200, 204],
      retryOk: [],
      envelope: 'scim',
      invariants: (items, c) => {
        const out = [...brokenInvariants(items, ws.teamId, c.userId), ...roleAgrees(items, c)];
        const edge = membersOf(items, ws.teamId, c.groupId).includes(c.userId);
        const n = memberAudits(items, c, 'group.member_added').length;
        if (edge !== (n === 1)) out.push(`edge ${edge ? 'present' : 'absent'} with ${n} member_added records`);
        return out;
      },
      converged: (items, c) => {
        const out: string[] = [];
        if (!membersOf(items, ws.teamId, c.groupId).includes(c.userId)) out.push('edge missing');
        const n = memberAudits(items, c, 'group.member_added').length;
        if (n !== 1) out.push(`${n} audit records with member_added, want 1 (review #7)`);
        if (!(userFacts(items, ws.teamId, c.userId).user?.roles ?? []).includes('admin')) out.push('mapped role not stored');
        return out;
      },
    };
    expect(await runFaultRounds(stack, scenario)).toEqual([]);
  }, ROUND_TIMEOUT);

  it('removing a member: no stale admin role and one audit record once the retry answers (review #3)', async () => {
    const scenario: FaultScenario<Membership> = {
      setup: () => userAndGroup(true),
      act: (c) => ws.scim.patch(`/Groups/${c.groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${c.userId}"]` }] }),
      ok: [200, 204],
      retryOk: [],
      envelope: 'scim',
      invariants: (items, c) => {
        const out = [...brokenInvariants(items, ws.teamId, c.userId), ...roleAgrees(items, c)];
        const edge = membersOf(items, ws.teamId, c.groupId).includes(c.userId);
        const n = memberAudits(items, c, 'group.member_removed').length;
        if (edge === (n === 1)) out.push(`edge ${edge ? 'present' : 'absent'} with ${n} member_removed records`);
        return out;
      },
      converged: (items, c) => {
        const out: string[] = [];
        if (membersOf(items, ws.teamId, c.groupId).includes(c.userId)) out.push('edge still there');
        const n = memberAudits(items, c, 'group.member_removed').length;
        if (n !== 1) out.push(`${n} audit records with member_removed, want 1`);
        if ((userFacts(items, ws.teamId, c.userId).user?.roles ?? []).includes('admin')) out.push('stale admin role stored');
        return out;
      },
    };
    expect(await runFaultRounds(stack, scenario)).toEqual([]);
  }, ROUND_TIMEOUT);
});
