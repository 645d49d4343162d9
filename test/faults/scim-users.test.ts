/**
 * SCIM `/Users` under storage faults (issue 8 item 8; review reliability section, #2, #9): for each
 * storage call a request makes, an outage starting there (connection reset, kill after the write
 * reached the database, throttling, stall). The client gets 503/429 with `Retry-After` in the SCIM
 * envelope, nothing is half-written, and Okta's retry converges.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFaultRounds, checkOutageAnswer, type FaultScenario } from '../support/fault-rounds.js';
import { brokenInvariants, userFacts, type StoredItem } from '../support/fault-table.js';
import { api } from '../support/http.js';
import { startTestStack, type FaultyTestStack } from '../support/stack.js';
import { oktaUser, PATCH_OP, scimWorkspace, type ScimWorkspace } from '../scim/helpers.js';

let stack: FaultyTestStack;
let ws: ScimWorkspace;

beforeAll(async () => {
  stack = await startTestStack({ faults: true });
  ws = await scimWorkspace(stack);
});
afterAll(async () => stack?.close());

const ROUND_TIMEOUT = 600_000;
const fresh = (what: string) => `${what}.${randomBytes(4).toString('hex')}@example.com`;

interface Provisioned {
  id: string;
  userName: string;
  emails: string[];
}

/** A user provisioned while storage is healthy. */
async function provisioned(): Promise<Provisioned> {
  const userName = fresh('user');
  const res = await ws.scim.post('/Users', oktaUser(userName));
  if (res.status !== 201) throw new Error(`setup create: ${res.status} ${res.text}`);
  return { id: String(res.json.id), userName, emails: [userName] };
}

const actions = (items: StoredItem[], id: string, action: string) => userFacts(items, ws.teamId, id).audits.filter((a) => a.action === action).length;

describe('POST /Users under storage faults', () => {
  it('answers 503/429 with Retry-After, writes all or nothing, and the retried create ends with one user and one audit record', async () => {
    const scenario: FaultScenario<{ userName: string; body: Record<string, unknown> }> = {
      setup: async () => {
        const userName = fresh('create');
        // Two e-mails: the e-mail index has more than one item to get half-written.
        return { userName, body: oktaUser(userName, { emails: [{ value: userName, primary: true }, { value: `alt.${userName}` }] }) };
      },
      act: (c) => ws.scim.post('/Users', c.body),
      ok: [201],
      // The first attempt may have committed before its answer was lost: Okta then gets 409
      // uniqueness and links the existing user by userName.
      retryOk: [409],
      envelope: 'scim',
      invariants: (items, c) => {
        const ids = matching(items, c.userName);
        return ids.length > 1 ? [`${ids.length} users named ${c.userName}`] : ids.flatMap((id) => brokenInvariants(items, ws.teamId, id));
      },
      converged: (items, c) => {
        const ids = matching(items, c.userName);
        if (ids.length !== 1) return [`${ids.length} users named ${c.userName}, want 1`];
        const n = actions(items, ids[0]!, 'user.created');
        return n === 1 ? [] : [`${n} user.created audit records`];
      },
    };
    expect(await runFaultRounds(stack, scenario)).toEqual([]);
  }, ROUND_TIMEOUT);
});

/** Ids of the users whose userName guard names `userName`. */
function matching(items: StoredItem[], userName: string): string[] {
  const pk = `WS#${ws.teamId}#USERNAME#${userName.toLowerCase()}`;
  return items.filter((i) => i.pk === pk).map((i) => String(i.userId));
}

describe('PUT and PATCH /Users/{id} under storage faults', () => {
  it('a PUT that changes the name and an e-mail is all or nothing and its retry ends with one user.updated record', async () => {
    const scenario: FaultScenario<Provisioned & { body: Record<string, unknown> }> = {
      setup: async () => {
        const u = await provisioned();
        return { ...u, body: { ...oktaUser(u.userName, { emails: [{ value: `new.${u.userName}`, primary: true }] }), id: u.id, name: { givenName: 'Changed', familyName: 'Name' } } };
      },
      act: (c) => ws.scim.put(`/Users/${c.id}`, c.body),
      ok: [200],
      retryOk: [],
      envelope: 'scim',
      invariants: (items, c) => brokenInvariants(items, ws.teamId, c.id),
      converged: (items, c) => {
        const f = userFacts(items, ws.teamId, c.id);
        const out: string[] = [];
        if ((f.user?.name as { givenName?: string } | undefined)?.givenName !== 'Changed') out.push('the change is not stored');
        if (JSON.stringify(f.emails) !== JSON.stringify([`new.${c.userName}`.toLowerCase()])) out.push(`e-mail index ${JSON.stringify(f.emails)}`);
        const n = actions(items, c.id, 'user.updated');
        if (n !== 1) out.push(`${n} user.updated audit records, want 1 (an unchanged re-push writes nothing)`);
        return out;
      },
    };
    expect(await runFaultRounds(stack, scenario)).toEqual([]);
  }, ROUND_TIMEOUT);

  it('a PATCH replace of an attribute is all or nothing and its retry ends with one user.updated record', async () => {
    const scenario: FaultScenario<Provisioned> = {
      setup: provisioned,
      act: (c) => ws.scim.patch(`/Users/${c.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.familyName', value: 'Patched' }] }),
      ok: [200, 204],
      retryOk: [],
      envelope: 'scim',
      invariants: (items, c) => brokenInvariants(items, ws.teamId, c.id),
      converged: (items, c) => {
        const f = userFacts(items, ws.teamId, c.id);
        const out: string[] = [];
        if ((f.user?.name as { familyName?: string } | undefined)?.familyName !== 'Patched') out.push('the change is not stored');
        const n = actions(items, c.id, 'user.updated');
        if (n !== 1) out.push(`${n} user.updated audit records, want 1`);
        return out;
      },
    };
    expect(await runFaultRounds(stack, scenario, { kinds: ['reset', 'kill'] })).toEqual([]);
  }, ROUND_TIMEOUT);
});

describe('deactivation (Okta\'s path-less active:false PATCH) under storage faults', () => {
  it('never leaves an inactive user without its revocation marker, and the retried PATCH converges (review #2)', async () => {
    const scenario: FaultScenario<Provisioned> = {
      setup: provisioned,
      act: (c) => ws.scim.patch(`/Users/${c.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }),
      ok: [200, 204],
      retryOk: [],
      envelope: 'scim',
      invariants: (items, c) => brokenInvariants(items, ws.teamId, c.id),
      converged: (items, c) => {
        const f = userFacts(items, ws.teamId, c.id);
        const out: string[] = [];
        if (f.user?.active !== false) out.push('user still active');
        if (!f.revocation) out.push('no revocation marker');
        const n = actions(items, c.id, 'user.deactivated');
        if (n !== 1) out.push(`${n} user.deactivated audit records, want 1`);
        return out;
      },
    };
    expect(await runFaultRounds(stack, scenario)).toEqual([]);
  }, ROUND_TIMEOUT);
});

describe('DELETE /Users/{id} under storage faults', () => {
  it('leaves no membership edge, index item or live token behind once the retried DELETE answers (review #2)', async () => {
    const group = await ws.scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `del-${randomBytes(3).toString('hex')}` });
    expect(group.status).toBe(201);
    const groupId = String(group.json.id);
    const scenario: FaultScenario<Provisioned> = {
      setup: async () => {
        const u = await provisioned();
        const add = await ws.scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: u.id }] }] });
        if (add.status !== 200 && add.status !== 204) throw new Error(`setup member add: ${add.status} ${add.text}`);
        return u;
      },
      act: (c) => ws.scim.delete(`/Users/${c.id}`),
      ok: [204],
      // A retry after a delete that fully committed finds nothing left to delete.
      retryOk: [404],
      envelope: 'scim',
      invariants: (items, c) => brokenInvariants(items, ws.teamId, c.id),
      converged: (items, c) => {
        const f = userFacts(items, ws.teamId, c.id);
        const out: string[] = [];
        if (f.user) out.push('user still stored');
        if (f.edges.length > 0) out.push(`membership edges left: ${JSON.stringify(f.edges)}`);
        if (f.tombstone) out.push('tombstone left (the retry did not finish the delete)');
        if (!f.revocation) out.push('no revocation marker');
        const n = actions(items, c.id, 'user.deleted');
        if (n !== 1) out.push(`${n} user.deleted audit records, want 1`);
        return out;
      },
    };
    expect(await runFaultRounds(stack, scenario)).toEqual([]);
  }, ROUND_TIMEOUT);
});

describe('GET /api/health during an outage', () => {
  it('answers 503 with Retry-After in the admin envelope while storage is unreachable, and 200 again after', async () => {
    stack.faults.drop();
    try {
      const res = await api(stack.url).get('/api/health');
      expect(checkOutageAnswer(res, 503, 'api')).toEqual([]);
      expect(stack.faults.fired()).toBeGreaterThan(0);
    } finally {
      stack.faults.clear();
    }
    expect((await api(stack.url).get('/api/health')).status).toBe(200);
  }, 60_000);
});
