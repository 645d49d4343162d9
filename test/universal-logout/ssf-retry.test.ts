/**
 * Shared Signals refusals do not consume the SET's `jti` (review #11): a SET refused because the
 * receiving side is not ready (Shared Signals switched off) is processed when the transmitter
 * re-delivers it after the admin fixed the cause, instead of being acknowledged as a duplicate and
 * dropped. A local Okta org signs real SETs; the real handler, DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditContext } from '../../lambdas/core/audit.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { TokenRepo } from '../../lambdas/store/tokens.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import type { WorkspaceRepo } from '../../lambdas/store/workspaces.js';
import { startLocalOktaOrg, type LocalOktaOrg } from '../fixtures/logout/okta-org.js';
import { api, type ApiClient, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

let stack: TestStack;
let admin: ApiClient;
let deps: Deps;
let tokens: TokenRepo;
let users: UserRepo;
let workspaces: WorkspaceRepo;
let AuditRepo: typeof import('../../lambdas/store/audit.js').AuditRepo;
const orgs: LocalOktaOrg[] = [];

const ctx = (teamId: string): AuditContext => ({ teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });

async function setOkta(teamId: string, org: LocalOktaOrg, sharedSignalsEnabled: boolean): Promise<void> {
  const put = await admin.put(`/api/admin/workspaces/${teamId}/okta`, { domain: org.issuer, clientId: `client-${teamId}`, clientSecret: 's', sharedSignalsEnabled });
  expect(put.status).toBe(200);
}

/** A workspace connected to a fresh org, and a user (Okta id as externalId) holding a session. */
async function setup(sharedSignalsEnabled: boolean) {
  const org = await startLocalOktaOrg();
  orgs.push(org);
  const teamId = (await admin.post<{ id: string }>('/api/admin/workspaces', { name: 'SSF' })).json.id;
  await setOkta(teamId, org, sharedSignalsEnabled);
  const oktaUserId = `00u${randomUUID().slice(0, 8)}`;
  const w = await workspaces.require(teamId);
  const user = await users.create(ctx(teamId), w, { userName: `${oktaUserId}@ssf.example`, externalId: oktaUserId, active: true, emails: [] }, 'scim');
  const session = (await tokens.mint(ctx(teamId), { kind: 'session', teamId, userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) })).token;
  return { org, teamId, oktaUserId, session };
}

/** A CAEP session-revoked SET for the Okta user, as Okta pushes it. */
function signSet(org: LocalOktaOrg, oktaUserId: string, over: Record<string, unknown> = {}): Promise<string> {
  return org.sign(
    {
      iss: org.issuer,
      jti: randomUUID(),
      iat: Math.floor(Date.now() / 1000),
      aud: `${stack.url}/api/okta/ssf/events`,
      events: { [SESSION_REVOKED]: { subject: { format: 'iss_sub', iss: org.issuer, sub: oktaUserId }, event_timestamp: Math.floor(Date.now() / 1000) } },
      ...over,
    },
    { typ: 'secevent+jwt' },
  );
}

function push(set: string): Promise<ApiResponse<{ err?: string }>> {
  return api(stack.url).post('/api/okta/ssf/events', set, { headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' } });
}

async function active(token: string): Promise<boolean> {
  const res = await admin.post<{ active: boolean }>('/api/tokens/introspect', new URLSearchParams({ token }));
  expect(res.status).toBe(200);
  return res.json.active;
}

beforeAll(async () => {
  stack = await startTestStack();
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  tokens = new (await import('../../lambdas/store/tokens.js')).TokenRepo(deps.db, await deps.hasher(), 'us');
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);
  workspaces = new (await import('../../lambdas/store/workspaces.js')).WorkspaceRepo(deps.db);
  AuditRepo = (await import('../../lambdas/store/audit.js')).AuditRepo;
});
afterAll(async () => {
  await stack?.close();
  await Promise.all(orgs.map((o) => o.close()));
});

describe('Shared Signals: a refused SET keeps its jti free (review #11)', () => {
  it('refuses a SET while Shared Signals is off, then processes the same SET (202, session revoked) once it is switched on', async () => {
    const { org, teamId, oktaUserId, session } = await setup(false);
    const set = await signSet(org, oktaUserId);

    const refused = await push(set);
    expect(refused.status).toBe(400);
    expect(refused.json.err).toBe('access_denied');
    expect(await active(session)).toBe(true);
    // The refusal is traced in the workspace it was for (review #6), with the SET's issuer and jti.
    const { records } = await new AuditRepo(deps.db).page({ teamId, limit: 100 });
    expect(records.find((r) => r.action === 'ssf.refused')?.after).toMatchObject({ cause: 'ssf.disabled', issuer: org.issuer, status: 400 });

    await setOkta(teamId, org, true);
    expect((await push(set)).status).toBe(202);
    expect(await active(session)).toBe(false);
    // Now it was accepted: a third delivery is a duplicate, acknowledged without reprocessing.
    expect((await push(set)).status).toBe(202);
  });

  it('does not consume the jti of a malformed SET either: the same jti in a well-formed SET is processed', async () => {
    const { org, oktaUserId, session } = await setup(true);
    const jti = randomUUID();
    const malformed = await push(await signSet(org, oktaUserId, { jti, events: { [SESSION_REVOKED]: { subject: { format: 'phone_number' } } } }));
    expect(malformed.status).toBe(400);
    expect(malformed.json.err).toBe('invalid_request');
    expect((await push(await signSet(org, oktaUserId, { jti }))).status).toBe(202);
    expect(await active(session)).toBe(false);
  });
});
