/**
 * `POST /api/okta/universal-logout` end to end: a local Okta org (JWKS server + jose signer), the
 * real handler behind the local API, DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import { exportSPKI, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditContext } from '../../lambdas/core/audit.js';
import type { TokenKind } from '../../lambdas/core/crypto.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { TokenRepo } from '../../lambdas/store/tokens.js';
import type { User } from '../../lambdas/core/model/user.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import { oktaOidcConnection, type Workspace } from '../../lambdas/core/model/workspace.js';
import { b64json, logoutClaims, startLocalOktaOrg, type LocalOktaOrg, type SignOptions } from '../fixtures/logout/okta-org.js';
import { fill } from '../fixtures/logout/fixtures.js';
import { api, type ApiClient, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let org: LocalOktaOrg;
let admin: ApiClient;
let deps: Deps;
let tokens: TokenRepo;
let users: UserRepo;
let mods: {
  tokens: typeof import('../../lambdas/store/tokens.js');
  users: typeof import('../../lambdas/store/users.js');
  workspaces: typeof import('../../lambdas/store/workspaces.js');
  audit: typeof import('../../lambdas/store/audit.js');
};
/** Three workspaces connected to the same org, told apart by their Okta app's client id. */
const ws: Record<'a' | 'b' | 'partial', Workspace> = {} as Record<'a' | 'b' | 'partial', Workspace>;

const ctx = (teamId: string): AuditContext => ({ teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });

async function connectWorkspace(name: string, clientId: string, partialLogout = false): Promise<Workspace> {
  const created = await admin.post<{ id: string }>('/api/admin/workspaces', { name });
  expect(created.status).toBe(201);
  const put = await admin.put(`/api/admin/workspaces/${created.json.id}/okta`, { domain: org.issuer, clientId, clientSecret: 's3cret', partialLogout });
  expect(put.status).toBe(200);
  return (await new mods.workspaces.WorkspaceRepo(deps.db).require(created.json.id));
}

async function newUser(w: Workspace, userName: string, externalId?: string): Promise<User> {
  return users.create(ctx(w.id), w, { userName, active: true, emails: [{ value: userName, primary: true }], ...(externalId ? { externalId } : {}) }, 'scim');
}

/** Mints one token of each kind for the user; returns them by kind. */
async function mintAll(w: Workspace, user: User, kinds: TokenKind[] = ['session', 'api', 'mcp', 'oauth-access', 'oauth-refresh']): Promise<Map<TokenKind, string>> {
  const out = new Map<TokenKind, string>();
  for (const kind of kinds) out.set(kind, (await tokens.mint(ctx(w.id), { kind, teamId: w.id, userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) })).token);
  return out;
}

/** True when the next introspection (RFC 7662, the host app's view) calls the token inactive. */
async function inactive(token: string): Promise<boolean> {
  const res = await admin.post<{ active: boolean }>('/api/tokens/introspect', new URLSearchParams({ token }));
  expect(res.status).toBe(200);
  return res.json.active === false;
}

const aud = () => `${stack.url}/api/okta/universal-logout`;
const emailBody = (email: string) => ({ sub_id: { format: 'email', email } });

async function signed(sub = oktaOidcConnection(ws.a)!.clientId, over: Record<string, unknown> = {}, opts?: SignOptions): Promise<string> {
  return org.sign({ ...logoutClaims(org, { aud: aud(), sub }), ...over }, opts);
}

function logout(jwt: string | undefined, body: unknown): Promise<ApiResponse<{ error?: { code: string; message: string } }>> {
  const client = api(stack.url);
  return client.post('/api/okta/universal-logout', typeof body === 'string' ? body : JSON.stringify(body), {
    headers: { 'content-type': 'application/json', ...(jwt ? { authorization: `Bearer ${jwt}` } : {}) },
  });
}

beforeAll(async () => {
  org = await startLocalOktaOrg();
  stack = await startTestStack();
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  mods = {
    tokens: await import('../../lambdas/store/tokens.js'),
    users: await import('../../lambdas/store/users.js'),
    workspaces: await import('../../lambdas/store/workspaces.js'),
    audit: await import('../../lambdas/store/audit.js'),
  };
  tokens = new mods.tokens.TokenRepo(deps.db, await deps.hasher(), 'us');
  users = new mods.users.UserRepo(deps.db);
  ws.a = await connectWorkspace('A', 'client-a');
  ws.b = await connectWorkspace('B', 'client-b');
  ws.partial = await connectWorkspace('P', 'client-p', true);
});
afterAll(async () => {
  await stack?.close();
  await org?.close();
});

describe('Universal Logout: a valid request', () => {
  it('returns 204 and every token of the user is inactive on the next introspection', async () => {
    const jane = await newUser(ws.a, 'jane.doe@example.com');
    const bob = await newUser(ws.a, 'bob@example.com');
    const janes = await mintAll(ws.a, jane);
    const bobs = await mintAll(ws.a, bob, ['session']);

    const res = await logout(await signed(), fill('okta-gtr-email.json', {}));
    expect(res.status).toBe(204);
    for (const t of janes.values()) expect(await inactive(t)).toBe(true);
    expect(await inactive(bobs.get('session')!)).toBe(false);
  });

  it('audits session.revoked with the okta:universal-logout actor and the jti, and emits an event', async () => {
    const ada = await newUser(ws.a, 'ada@example.com');
    await mintAll(ws.a, ada, ['session', 'api']);
    const jti = randomUUID();
    expect((await logout(await signed(undefined, { jti }), emailBody('ada@example.com'))).status).toBe(204);

    const { records } = await new mods.audit.AuditRepo(deps.db).page({ teamId: ws.a.id, limit: 500 });
    const rec = records.find((r) => r.action === 'session.revoked' && r.actor.id === jti);
    expect(rec).toMatchObject({ actor: { type: 'okta:universal-logout', id: jti }, target: { type: 'user', id: ada.id }, after: { revoked: 2 } });
    const ofJti = (e: { type: string; detail: Record<string, unknown> }) => e.type === 'session.revoked' && e.detail.sourceId === jti;
    await stack.events.waitFor(ofJti);
    // One event, carried by the audit record of the revocation (the outbox), with its stable id.
    expect(stack.events.all().filter(ofJti)).toEqual([
      expect.objectContaining({ eventId: `${rec!.id}.0`, teamId: ws.a.id, detail: expect.objectContaining({ userId: ada.id, source: 'okta:universal-logout', mode: 'full', revoked: 2 }) }),
    ]);
  });

  it('audits a logout of a user who holds no token (204)', async () => {
    const idle = await newUser(ws.a, 'idle@example.com');
    const jti = randomUUID();
    expect((await logout(await signed(undefined, { jti }), emailBody('IDLE@example.com'))).status).toBe(204);
    const { records } = await new mods.audit.AuditRepo(deps.db).page({ teamId: ws.a.id, limit: 500 });
    expect(records.find((r) => r.actor.id === jti)).toMatchObject({ action: 'session.revoked', target: { id: idle.id }, after: { revoked: 0 } });
  });

  it('matches iss_sub by the Okta user id Okta provisioned as SCIM externalId', async () => {
    const u = await newUser(ws.a, 'provisioned@example.com', '00ub0oNGTSWTBKOLGLNR');
    const t = await mintAll(ws.a, u, ['session']);
    expect((await logout(await signed(), fill('okta-gtr-iss-sub.json', { issuer: org.issuer }))).status).toBe(204);
    expect(await inactive(t.get('session')!)).toBe(true);
  });

  it('matches iss_sub by the (issuer, subject) recorded at SSO sign-in', async () => {
    const u = await newUser(ws.a, 'signed-in@example.com');
    await users.linkSubject(ctx(ws.a.id), ws.a.id, u.id, org.issuer, '00u-signed-in');
    const t = await mintAll(ws.a, u, ['session']);
    expect((await logout(await signed(), { sub_id: { format: 'iss_sub', iss: org.issuer, sub: '00u-signed-in' } })).status).toBe(204);
    expect(await inactive(t.get('session')!)).toBe(true);
  });

  it('accepts the older body member subject and an opaque user id', async () => {
    const legacy = await newUser(ws.a, 'jane.doe@example.com'.replace('jane', 'june'));
    const t1 = await mintAll(ws.a, legacy, ['session']);
    expect((await logout(await signed(), { subject: { format: 'email', email: 'june.doe@example.com' } })).status).toBe(204);
    expect(await inactive(t1.get('session')!)).toBe(true);

    const opaque = await newUser(ws.a, 'opaque@example.com');
    const t2 = await mintAll(ws.a, opaque, ['api']);
    expect((await logout(await signed(), { sub_id: { format: 'opaque', id: opaque.id } })).status).toBe(204);
    expect(await inactive(t2.get('api')!)).toBe(true);
  });

  it('logs out only in the workspace whose client id is the JWT sub when one org serves several', async () => {
    const inA = await newUser(ws.a, 'shared@example.com');
    const inB = await newUser(ws.b, 'shared@example.com');
    const ta = await mintAll(ws.a, inA, ['session']);
    const tb = await mintAll(ws.b, inB, ['session']);
    expect((await logout(await signed(oktaOidcConnection(ws.b)!.clientId), emailBody('shared@example.com'))).status).toBe(204);
    expect(await inactive(tb.get('session')!)).toBe(true);
    expect(await inactive(ta.get('session')!)).toBe(false);
  });

  it('revokes only refresh tokens in partial-support mode', async () => {
    const u = await newUser(ws.partial, 'partial@example.com');
    const t = await mintAll(ws.partial, u);
    expect((await logout(await signed(oktaOidcConnection(ws.partial)!.clientId), emailBody('partial@example.com'))).status).toBe(204);
    expect(await inactive(t.get('oauth-refresh')!)).toBe(true);
    for (const kind of ['session', 'api', 'mcp', 'oauth-access'] as const) expect(await inactive(t.get(kind)!)).toBe(false);
  });

  it('logs out a user with 200 live tokens in one request with a bounded number of storage round trips', async () => {
    const heavy = await newUser(ws.a, 'heavy@example.com');
    const minted: string[] = [];
    for (let batch = 0; batch < 2; batch++) {
      const prepared = Array.from({ length: 100 }, (_, i) =>
        tokens.prepare({ kind: (['session', 'api', 'mcp'] as const)[i % 3]!, teamId: ws.a.id, userId: heavy.id, expiresAt: new Date(Date.now() + 3_600_000) }),
      );
      await deps.db.transact(prepared.map((p) => p.put));
      minted.push(...prepared.map((p) => p.token));
    }
    const jwt = await signed();
    const before = deps.db.roundTrips;
    expect((await logout(jwt, emailBody('heavy@example.com'))).status).toBe(204);
    // issuer lookup, workspaces, jti, user lookups, one query of the user's index, 3 transactions
    expect(deps.db.roundTrips - before).toBeLessThanOrEqual(12);
    expect(await tokens.listForUser(ws.a.id, heavy.id)).toEqual([]);
    expect(await inactive(minted[0]!)).toBe(true);
    expect(await inactive(minted[199]!)).toBe(true);
  });
});

describe('Universal Logout: authentication (401)', () => {
  const expect401 = async (jwt: string | undefined, message: RegExp) => {
    const res = await logout(jwt, emailBody('jane.doe@example.com'));
    expect(res.status).toBe(401);
    expect(res.json.error?.code).toBe('invalid_token');
    expect(res.json.error?.message).toMatch(message);
  };

  it('refuses a request without an Authorization header', async () => {
    await expect401(undefined, /Bearer/);
  });
  it('refuses a bad signature', async () => {
    const [h, p, s] = (await signed()).split('.');
    const flipped = `${s!.slice(0, -4)}${s!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await expect401(`${h}.${p}.${flipped}`, /signature/);
  });
  it('refuses alg none', async () => {
    const claims = logoutClaims(org, { aud: aud(), sub: 'client-a' });
    await expect401(`${b64json({ alg: 'none', typ: 'global-token-revocation+jwt' })}.${b64json(claims)}.`, /algorithm/);
  });
  it('refuses HS256 signed with the org public key (algorithm confusion)', async () => {
    const pub = await crypto.subtle.importKey('jwk', org.keys[0]!.publicJwk as JsonWebKey, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
    const forged = await new SignJWT(logoutClaims(org, { aud: aud(), sub: 'client-a' }))
      .setProtectedHeader({ alg: 'HS256', typ: 'global-token-revocation+jwt', kid: org.keys[0]!.kid })
      .sign(new TextEncoder().encode(await exportSPKI(pub)));
    await expect401(forged, /algorithm/);
  });
  it('refuses a wrong typ', async () => {
    await expect401(await signed(undefined, {}, { typ: 'JWT' }), /typ/);
  });
  it('refuses an issuer no workspace is connected to', async () => {
    await expect401(await signed(undefined, { iss: 'https://evil.okta.com' }), /issuer/);
  });
  it('refuses a sub that is not the workspace’s client id', async () => {
    await expect401(await signed('someone-elses-app'), /sub/);
  });
  it('refuses an audience other than this endpoint', async () => {
    await expect401(await signed(undefined, { aud: 'https://eu.api.example.com/api/okta/universal-logout' }), /aud/);
  });
  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(await signed(undefined, { iat: now - 1000, nbf: now - 1000, exp: now - 301 }), /expired/);
  });
  it('refuses a token whose nbf is beyond the 5-minute skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(await signed(undefined, { nbf: now + 301 }), /nbf/);
  });
  it('refuses a replayed jti', async () => {
    await newUser(ws.a, 'replay@example.com');
    const jwt = await signed();
    expect((await logout(jwt, emailBody('replay@example.com'))).status).toBe(204);
    await expect401(jwt, /replay/);
  });
  it('binds a jti to one request even when the same JWT arrives twice at the same moment for two users: one logout, one 401', async () => {
    const one = await newUser(ws.a, 'race-one@example.com');
    const two = await newUser(ws.a, 'race-two@example.com');
    const [t1, t2] = [(await mintAll(ws.a, one, ['session'])).get('session')!, (await mintAll(ws.a, two, ['session'])).get('session')!];
    const jwt = await signed();
    const statuses = (await Promise.all([logout(jwt, emailBody('race-one@example.com')), logout(jwt, emailBody('race-two@example.com'))])).map((r) => r.status);
    expect(statuses.sort()).toEqual([204, 401]);
    expect([await inactive(t1), await inactive(t2)].sort()).toEqual([false, true]);
  });
  it('answers a re-sent identical request 204 and does nothing twice: a session minted after the first logout survives the duplicate', async () => {
    const user = await newUser(ws.a, 'resent@example.com');
    const jwt = await signed();
    expect((await logout(jwt, emailBody('resent@example.com'))).status).toBe(204);
    const later = (await mintAll(ws.a, user, ['session'])).get('session')!;
    expect((await logout(jwt, emailBody('resent@example.com'))).status).toBe(204);
    expect(await inactive(later)).toBe(false);
  });
  it('does not count a replay-guard record whose TTL has passed but which DynamoDB has not deleted yet', async () => {
    const { JtiStore } = await import('../../lambdas/store/logout-jtis.js');
    const store = new JtiStore(deps.db);
    const now = Math.floor(Date.now() / 1000);
    expect(await store.claim('https://ttl.example', 'j1', now + 10, now)).toBe(true);
    expect(await store.claim('https://ttl.example', 'j1', now + 10, now)).toBe(false);
    expect(await store.claim('https://ttl.example', 'j1', now + 1000, now + 11)).toBe(true);
  });
  it('refuses a key the org does not publish', async () => {
    const stranger = await org.newKey('RS256', false);
    await expect401(await signed(undefined, {}, { key: stranger }), /kid|key/);
  });
  it('answers 503 (retry later), not 401, when the org’s key set cannot be fetched', async () => {
    const down = await startLocalOktaOrg();
    const created = await admin.post<{ id: string }>('/api/admin/workspaces', { name: 'Down' });
    await admin.put(`/api/admin/workspaces/${created.json.id}/okta`, { domain: down.issuer, clientId: 'client-down', clientSecret: 's' });
    const jwt = await down.sign(logoutClaims(down, { aud: aud(), sub: 'client-down' }));
    await down.close();
    const res = await logout(jwt, emailBody('jane.doe@example.com'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });
  it('authenticates before it parses: a bad token with a malformed body is 401, not 400', async () => {
    const res = await logout(await signed(undefined, {}, { typ: 'JWT' }), '{not json');
    expect(res.status).toBe(401);
  });
});

describe('Universal Logout: body (400) and user (404)', () => {
  it('returns 400 for a body that is not JSON', async () => {
    expect((await logout(await signed(), '{not json')).status).toBe(400);
  });
  it('returns 400 for an unknown subject format', async () => {
    const res = await logout(await signed(), { sub_id: { format: 'phone_number', phone_number: '+12065550100' } });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toMatch(/phone_number/);
  });
  it('returns 400 for an unknown property, a missing sub_id, and both sub_id and subject', async () => {
    for (const body of [{ sub_id: { format: 'email', email: 'a@b.c' }, extra: 1 }, {}, { sub_id: { format: 'email', email: 'a@b.c' }, subject: { format: 'email', email: 'a@b.c' } }]) {
      expect((await logout(await signed(), body)).status).toBe(400);
    }
  });
  it('returns 400 for an email identifier without an email, before looking for the user', async () => {
    expect((await logout(await signed(), { sub_id: { format: 'email' } })).status).toBe(400);
  });
  it('returns 404 when no user matches', async () => {
    const res = await logout(await signed(), emailBody('nobody@example.com'));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/json/);
  });
  it('returns 404 for an iss_sub of another issuer that nobody signed in with', async () => {
    await newUser(ws.a, 'other-iss@example.com', '00u-other');
    expect((await logout(await signed(), { sub_id: { format: 'iss_sub', iss: 'https://elsewhere.example.com', sub: '00u-other' } })).status).toBe(404);
  });
});
