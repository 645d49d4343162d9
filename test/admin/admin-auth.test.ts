/**
 * Admin authentication accepts only bridge sessions (audience `bridge`, the `/admin` sign-in) of
 * users that still exist and are active, besides the platform key (review #2 and #5). Real OIDC
 * sign-ins through the Okta stand-in, real SCIM provisioning and deactivation, real handlers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaStandin, type OktaStandin, type StandinUser } from '../../dev/okta-standin/index.js';
import { Browser, connectWorkspace, type Connected } from '../oidc/support.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const person = (id: string, email: string): StandinUser => ({
  id,
  email,
  emailVerified: true,
  givenName: email.split('@')[0]!,
  familyName: 'Admin',
  groups: ['Bridge Admins'],
});

const ADA = person('00uada000000000001', 'ada@auth.test');
const BOB = person('00ubob000000000001', 'bob@auth.test');
const CAL = person('00ucal000000000001', 'cal@auth.test');
const DEE = person('00udee000000000001', 'dee@auth.test');
const EVE = person('00ueve000000000001', 'eve@auth.test');
const FAY = person('00ufay000000000001', 'fay@auth.test');

let stack: TestStack;
let okta: OktaStandin;
let admin: ApiClient;
let scim: ApiClient;
let ws: Connected;
const userIds = new Map<string, string>();

const login = (query: Record<string, string>) => `${stack.url}/api/okta/oidc/login?${new URLSearchParams(query)}`;
const wsPath = (rest = '') => `/api/admin/workspaces/${ws.teamId}${rest}`;

/** Signs in to the admin page through Okta: the `idpb_session` cookie (audience `bridge`). */
async function bridgeSession(who: StandinUser): Promise<string> {
  const b = new Browser();
  const l = await b.open(login({ team_id: ws.teamId, return_to: '/admin' }), { stopAt: `${stack.url}/admin`, username: who.email });
  expect(l.url, `${l.status} ${l.text.slice(0, 300)}`).toBe(`${stack.url}/admin`);
  return b.cookie(stack.url, 'idpb_session')!;
}

/** Signs in to the host app and exchanges the code at `POST /api/sso/token`: a host-app session (audience `app`). */
async function appSession(who: StandinUser): Promise<string> {
  const appUrl = stack.env.APP_URL!;
  const l = await new Browser().open(login({ team_id: ws.teamId }), { stopAt: appUrl, username: who.email });
  expect(l.url.startsWith(`${appUrl}/auth/callback?code=`), `${l.status} ${l.text.slice(0, 300)}`).toBe(true);
  const res = await admin.post<{ session_token: string; roles: string[] }>('/api/sso/token', { code: new URL(l.url).searchParams.get('code') });
  expect(res.status).toBe(200);
  expect(res.json.roles).toContain('admin');
  return res.json.session_token;
}

/** The admin API as the page calls it with the session cookie: same origin on every change. */
function withCookie(session: string) {
  const c = api(stack.url);
  const opts = { headers: { cookie: `idpb_session=${session}`, origin: stack.url } };
  return {
    get: <T = unknown>(path: string) => c.get<T>(path, opts),
    post: <T = unknown>(path: string, body?: object) => c.post<T>(path, body, opts),
  };
}

async function provision(who: StandinUser): Promise<void> {
  const res = await scim.post<{ id: string }>(`/api/scim/v2/${ws.teamId}/Users`, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: who.email,
    externalId: who.id,
    active: true,
    emails: [{ value: who.email, primary: true }],
  });
  expect(res.status, res.text).toBe(201);
  userIds.set(who.email, res.json.id);
}

beforeAll(async () => {
  okta = await startOktaStandin({ users: [ADA, BOB, CAL, DEE, EVE, FAY] });
  stack = await startTestStack();
  admin = api(stack.url, stack.adminKey);
  ws = await connectWorkspace(stack, okta, { name: 'Auth', roleMappings: { groups: [{ group: 'Bridge Admins', role: 'admin' }] } });
  const minted = await admin.post<{ token: string }>(wsPath('/scim-tokens'), { label: 'okta' });
  scim = api(stack.url, minted.json.token);
  for (const who of [ADA, BOB, CAL, DEE, EVE, FAY]) await provision(who);
});

afterAll(async () => {
  await stack?.close();
  await okta?.close();
});

describe('admin sessions', () => {
  it("accepts an active admin's bridge session, as the cookie and as a bearer token", async () => {
    const session = await bridgeSession(ADA);

    const viaCookie = withCookie(session);
    expect((await viaCookie.get(wsPath())).status).toBe(200);
    const minted = await viaCookie.post<{ id: string }>(wsPath('/scim-tokens'), { label: 'from the admin page' });
    expect(minted.status).toBe(201);
    expect((await api(stack.url, session).get(wsPath('/scim-tokens'))).status).toBe(200);
  });

  it('refuses a host-app session from POST /api/sso/token with 401, even for an admin (review #5)', async () => {
    const session = await appSession(ADA);
    const before = await admin.get<{ tokens: unknown[] }>(wsPath('/scim-tokens'));

    const mint = await api(stack.url, session).post<{ error: { code: string } }>(wsPath('/scim-tokens'), { label: 'x' });

    expect(mint.status).toBe(401);
    expect(mint.json.error.code).toBe('unauthorized');
    expect((await api(stack.url, session).get(wsPath())).status).toBe(401);
    expect((await api(stack.url, session).get(wsPath('/audit-export'))).status).toBe(401);
    // Not as a cookie either.
    expect((await withCookie(session).get(wsPath())).status).toBe(401);
    const after = await admin.get<{ tokens: unknown[] }>(wsPath('/scim-tokens'));
    expect(after.json.tokens).toHaveLength(before.json.tokens.length);
    // The same session still works where it belongs: the host app's introspection.
    const info = await admin.post<{ active: boolean }>('/api/tokens/introspect', { token: session });
    expect(info.json.active).toBe(true);
  });

  it('refuses the session of a user deactivated by SCIM PATCH active:false with 401 (review #2)', async () => {
    const session = await bridgeSession(BOB);
    expect((await withCookie(session).get(wsPath())).status).toBe(200);

    const patch = await scim.patch(`/api/scim/v2/${ws.teamId}/Users/${userIds.get(BOB.email)}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(patch.status).toBe(200);

    expect((await withCookie(session).get(wsPath())).status).toBe(401);
    expect((await withCookie(session).post(wsPath('/scim-tokens'), { label: 'x' })).status).toBe(401);
  });

  it('refuses the session of a user deleted by SCIM DELETE with 401 (review #2)', async () => {
    const session = await bridgeSession(CAL);
    expect((await api(stack.url, session).get(wsPath())).status).toBe(200);

    expect((await scim.delete(`/api/scim/v2/${ws.teamId}/Users/${userIds.get(CAL.email)}`)).status).toBe(204);

    expect((await api(stack.url, session).get(wsPath())).status).toBe(401);
    expect((await api(stack.url, session).post(wsPath('/scim-tokens'), { label: 'x' })).status).toBe(401);
  });

  it('refuses a live bridge session of a user left inactive or deleted without a revocation marker (the half-written states of review #2)', async () => {
    // The states the review found after a race or a storage fault: the user item says inactive
    // (or is gone) but no revocation marker covers the session. Real tokens in real storage; the
    // half-written user states are written directly, as a storage failure would have left them.
    const { getDeps } = await import('../../lambdas/platform/deps.js');
    const { TokenRepo } = await import('../../lambdas/store/tokens.js');
    const { UserRepo } = await import('../../lambdas/store/users.js');
    const deps = getDeps();
    const tokens = new TokenRepo(deps.db, await deps.hasher(), deps.config.REGION_ID);
    const ctx = { teamId: ws.teamId, region: deps.config.REGION_ID, actor: { type: 'test', id: 'race' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'race' };
    const mint = async (who: StandinUser) =>
      (
        await tokens.mint(ctx, {
          kind: 'session',
          teamId: ws.teamId,
          userId: userIds.get(who.email)!,
          expiresAt: new Date(Date.now() + 3_600_000),
          meta: { username: who.email, roles: ['admin'], grants: [], protocol: 'oidc', issuer: okta.issuer, subject: who.id, audience: 'bridge' },
        })
      ).token;
    const [inactive, deleted, active] = [await mint(EVE), await mint(FAY), await mint(DEE)];
    for (const t of [inactive, deleted, active]) expect((await api(stack.url, t).get(wsPath())).status).toBe(200);

    await deps.db.update(UserRepo.key(ws.teamId, userIds.get(EVE.email)!), { UpdateExpression: 'SET active = :f', ExpressionAttributeValues: { ':f': false } });
    await deps.db.delete(UserRepo.key(ws.teamId, userIds.get(FAY.email)!));

    expect((await api(stack.url, inactive).post(wsPath('/scim-tokens'), { label: 'x' })).status).toBe(401);
    expect((await api(stack.url, deleted).post(wsPath('/scim-tokens'), { label: 'x' })).status).toBe(401);
    expect((await api(stack.url, active).post(wsPath('/scim-tokens'), { label: 'x' })).status).toBe(201);
  });

  it('checks the user in the same two round trips as before (token; then revocation marker and user in one batch)', async () => {
    const session = await bridgeSession(DEE);
    const { authenticateAdmin } = await import('../../lambdas/signin/admin-auth.js');
    const { getDeps } = await import('../../lambdas/platform/deps.js');
    const deps = getDeps();
    await deps.hasher();
    const req = {
      method: 'GET',
      path: wsPath(),
      routeKey: 'GET /api/admin/{proxy+}',
      pathParams: {},
      query: {},
      headers: { authorization: `Bearer ${session}` },
      cookies: [],
      body: '',
      sourceIp: '127.0.0.1',
      userAgent: 'vitest',
      requestId: 'rt',
    };
    // A first use records lastUsedAt (a best-effort write); the second is the steady state.
    await authenticateAdmin(deps, req, ws.teamId);
    await deps.db.settle();
    const before = deps.db.roundTrips;
    const p = await authenticateAdmin(deps, req, ws.teamId);
    expect(p.teamId).toBe(ws.teamId);
    expect(deps.db.roundTrips - before).toBe(2);
    await deps.db.settle();
  });
});

describe('platform key', () => {
  it('refuses a wrong key with 401 and accepts the right one', async () => {
    expect((await api(stack.url, 'wrong-platform-key').get(wsPath())).status).toBe(401);
    expect((await admin.get(wsPath())).status).toBe(200);
  });
});
