/**
 * Okta's SCIM OAuth dance end to end against the real handlers: authorize (admin consent) → code →
 * token → SCIM call with the access token → refresh → the old refresh token refused — and the ways
 * it must fail.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditContext } from '../../lambdas/core/audit.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { AuditRecord } from '../../lambdas/core/audit.js';
import type { TokenRepo } from '../../lambdas/store/tokens.js';
import { api, type ApiClient, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const CALLBACK = 'https://system-admin.okta.com/admin/app/cpc/acme_scim/oauth/callback';

let stack: TestStack;
let admin: ApiClient;
let client: ApiClient;
let deps: Deps;
let tokens: TokenRepo;
let teamId: string;
let otherTeamId: string;
/** An `idpb_session` cookie of a workspace admin, and of a plain member. */
let adminCookie: string;
let memberCookie: string;

type TokenBody = { access_token: string; refresh_token: string; token_type: string; expires_in: number; scope: string; error?: string; error_description?: string };

const ctx = (id: string): AuditContext => ({ teamId: id, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });

/**
 * A bridge session of a user that exists and is active (a user-bound token commits only for such a
 * user, and admin auth reads the user): the fixture writes a minimal user item first.
 */
async function sessionCookie(team: string, roles: string[], username: string): Promise<string> {
  const { keys } = await import('../../lambdas/store/keys.js');
  await deps.db.put({ ...keys.user(team, `user-${username}`), type: 'user', id: `user-${username}`, teamId: team, userName: username, active: true, version: 1 });
  const { token } = await tokens.mint(ctx(team), {
    kind: 'session',
    teamId: team,
    userId: `user-${username}`,
    expiresAt: new Date(Date.now() + 3_600_000),
    meta: { username, roles, grants: [], protocol: 'oidc', issuer: 'https://acme.okta.com', subject: username, audience: 'bridge' },
  });
  return `idpb_session=${token}`;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(over: Record<string, string | undefined> = {}): string {
  const p = new URLSearchParams();
  const all: Record<string, string | undefined> = { response_type: 'code', client_id: stack.secrets.scimOAuthClient.clientId, redirect_uri: CALLBACK, scope: 'scim.read scim.write entitlements.read', state: 'okta-state-1', ...over };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) p.set(k, v);
  return `/api/okta/scim/oauth/authorize?${p.toString()}`;
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The hidden fields of the consent form. */
function formFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) out[unescape(m[1]!)] = unescape(m[2]!);
  return out;
}

/** GET authorize as the signed-in admin, approve on the consent page; returns the redirect to Okta. */
async function approve(over: Record<string, string | undefined> = {}, cookie = adminCookie): Promise<URL> {
  const page = await client.get(authorizeUrl(over), { headers: { cookie } });
  expect(page.status).toBe(200);
  const fields = formFields(page.text);
  const res = await client.post('/api/okta/scim/oauth/authorize', new URLSearchParams({ ...fields, decision: 'approve' }), { headers: { cookie, origin: stack.url } });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

const basic = () => `Basic ${Buffer.from(`${stack.secrets.scimOAuthClient.clientId}:${stack.secrets.scimOAuthClient.clientSecret}`).toString('base64')}`;

function token(form: Record<string, string>, auth: 'basic' | 'post' | 'none' = 'basic'): Promise<ApiResponse<TokenBody>> {
  const body = new URLSearchParams(form);
  if (auth === 'post') {
    body.set('client_id', stack.secrets.scimOAuthClient.clientId);
    body.set('client_secret', stack.secrets.scimOAuthClient.clientSecret);
  }
  return client.post<TokenBody>('/api/okta/scim/oauth/token', body, { headers: auth === 'basic' ? { authorization: basic() } : {} });
}

async function exchange(code: string, extra: Record<string, string> = {}): Promise<ApiResponse<TokenBody>> {
  return token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...extra });
}

/** The RFC 7662 view of a token (what the SCIM routes and the host app see). */
async function introspect(t: string): Promise<{ active: boolean; scope?: string; team_id?: string; token_type?: string }> {
  const res = await admin.post<{ active: boolean; scope?: string; team_id?: string; token_type?: string }>('/api/tokens/introspect', new URLSearchParams({ token: t }));
  expect(res.status).toBe(200);
  return res.json;
}

async function auditActions(team: string): Promise<AuditRecord[]> {
  const { AuditRepo } = await import('../../lambdas/store/audit.js');
  return (await new AuditRepo(deps.db).page({ teamId: team, limit: 1000 })).records;
}

beforeAll(async () => {
  stack = await startTestStack();
  admin = api(stack.url, stack.adminKey);
  client = api(stack.url);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  const { TokenRepo } = await import('../../lambdas/store/tokens.js');
  tokens = new TokenRepo(deps.db, await deps.hasher(), 'us');
  teamId = (await admin.post<{ id: string }>('/api/admin/workspaces', { name: 'Acme <Corp>' })).json.id;
  otherTeamId = (await admin.post<{ id: string }>('/api/admin/workspaces', { name: 'Other' })).json.id;
  adminCookie = await sessionCookie(teamId, ['admin'], 'ada@acme.example');
  memberCookie = await sessionCookie(teamId, ['member'], 'bob@acme.example');
});
afterAll(async () => stack?.close());

describe('SCIM OAuth: the dance Okta runs', () => {
  it('authorize → code → token → SCIM access → refresh → the old refresh token is refused', async () => {
    const { verifier, challenge } = pkce();
    const back = await approve({ code_challenge: challenge, code_challenge_method: 'S256' });
    expect(back.origin + back.pathname).toBe(CALLBACK);
    expect(back.searchParams.get('state')).toBe('okta-state-1');
    const code = back.searchParams.get('code')!;

    const first = await exchange(code, { code_verifier: verifier });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'scim.read scim.write entitlements.read' });

    // Okta provisions with the access token.
    const scim = await client.get(`/api/scim/v2/${teamId}/Users?count=1`, { token: first.json.access_token });
    expect(scim.status).toBe(200);
    expect(await introspect(first.json.access_token)).toMatchObject({ active: true, token_type: 'oauth-access', team_id: teamId, scope: 'scim.read scim.write entitlements.read' });
    // It acts for the workspace, not for the approving admin: their logout never cuts provisioning.
    expect((await tokens.authenticate(first.json.access_token, ['oauth-access'])).userId).toBeUndefined();

    const second = await token({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, 'post');
    expect(second.status).toBe(200);
    expect(second.json.refresh_token).not.toBe(first.json.refresh_token);
    expect(await introspect(second.json.access_token)).toMatchObject({ active: true });

    const replay = await token({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token });
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
    // Reuse of a rotated refresh token revokes the whole grant.
    expect(await introspect(second.json.refresh_token)).toEqual({ active: false });
    expect(await introspect(second.json.access_token)).toEqual({ active: false });
    expect(await introspect(first.json.access_token)).toEqual({ active: false });

    const actions = (await auditActions(teamId)).map((r) => r.action);
    for (const a of ['scim_oauth.authorized', 'scim_oauth.granted', 'scim_oauth.refreshed', 'scim_oauth.grant_revoked', 'scim_oauth.refused']) expect(actions).toContain(a);
  });

  it('grants only the requested scopes: a SCIM write without scim.write is 403', async () => {
    const back = await approve({ scope: 'scim.read' });
    const res = await exchange(back.searchParams.get('code')!);
    expect(res.json.scope).toBe('scim.read');
    expect((await client.get(`/api/scim/v2/${teamId}/Users`, { token: res.json.access_token })).status).toBe(200);
    const write = await client.post(
      `/api/scim/v2/${teamId}/Users`,
      JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'scope@example.com', active: true }),
      { token: res.json.access_token, headers: { 'content-type': 'application/scim+json' } },
    );
    expect(write.status).toBe(403);
  });

  it('narrows, never widens, the scope on refresh', async () => {
    const back = await approve({ scope: 'scim.read scim.write' });
    const first = await exchange(back.searchParams.get('code')!);
    const wider = await token({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token, scope: 'scim.read entitlements.read' });
    expect(wider.status).toBe(400);
    expect(wider.json.error).toBe('invalid_scope');
    const narrower = await token({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token, scope: 'scim.read' });
    expect(narrower.status).toBe(200);
    expect(narrower.json.scope).toBe('scim.read');
  });

  it('lets a platform operator approve with the platform admin key from the sign-in page', async () => {
    const page = await client.get(authorizeUrl());
    expect(page.status).toBe(200);
    expect(page.text).toContain('Platform admin key');
    const fields = formFields(page.text);
    const res = await client.post('/api/okta/scim/oauth/authorize', new URLSearchParams({ ...fields, team_id: otherTeamId, admin_key: stack.adminKey, decision: 'approve' }));
    expect(res.status).toBe(302);
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const issued = await exchange(code);
    expect(await introspect(issued.json.access_token)).toMatchObject({ active: true, team_id: otherTeamId });
  });
});

describe('SCIM OAuth: refusals', () => {
  it('shows an error page and never redirects to an unknown redirect URI', async () => {
    const res = await client.get(authorizeUrl({ redirect_uri: 'https://evil.example/callback' }), { headers: { cookie: adminCookie } });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.text).toContain('redirect_uri');
  });

  it('refuses a wrong client secret with 401 invalid_client', async () => {
    const back = await approve();
    const res = await client.post<TokenBody>(
      '/api/okta/scim/oauth/token',
      new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: CALLBACK }),
      { headers: { authorization: `Basic ${Buffer.from(`${stack.secrets.scimOAuthClient.clientId}:wrong`).toString('base64')}` } },
    );
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_client');
    const refused = (await auditActions(teamId)).filter((r) => r.action === 'scim_oauth.refused').map((r) => (r.after as { error: string }).error);
    expect(refused).toContain('invalid_client');
  });

  it('refuses a reused code and revokes the tokens issued from it', async () => {
    const code = (await approve()).searchParams.get('code')!;
    const first = await exchange(code);
    expect(first.status).toBe(200);
    const again = await exchange(code);
    expect(again.status).toBe(400);
    expect(again.json.error).toBe('invalid_grant');
    expect(await introspect(first.json.access_token)).toEqual({ active: false });
    expect(await introspect(first.json.refresh_token)).toEqual({ active: false });
  });

  it('refuses a code exchanged with another redirect_uri or a wrong PKCE verifier', async () => {
    const wrongUri = await exchange((await approve()).searchParams.get('code')!, { redirect_uri: 'https://system-admin.okta.com/admin/app/cpc/other/oauth/callback' });
    expect(wrongUri.json.error).toBe('invalid_grant');
    const { challenge } = pkce();
    const wrongVerifier = await exchange((await approve({ code_challenge: challenge, code_challenge_method: 'S256' })).searchParams.get('code')!, { code_verifier: pkce().verifier });
    expect(wrongVerifier.json.error).toBe('invalid_grant');
  });

  it('redirects an invalid scope and a denial back to Okta with state', async () => {
    const bad = await client.get(authorizeUrl({ scope: 'scim.read admin' }), { headers: { cookie: adminCookie } });
    expect(bad.status).toBe(302);
    const loc = new URL(bad.headers.get('location')!);
    expect([loc.searchParams.get('error'), loc.searchParams.get('state')]).toEqual(['invalid_scope', 'okta-state-1']);

    const page = await client.get(authorizeUrl(), { headers: { cookie: adminCookie } });
    const denied = await client.post('/api/okta/scim/oauth/authorize', new URLSearchParams({ ...formFields(page.text), decision: 'deny' }), { headers: { cookie: adminCookie } });
    const dl = new URL(denied.headers.get('location')!);
    expect([dl.searchParams.get('error'), dl.searchParams.get('state'), dl.searchParams.get('code')]).toEqual(['access_denied', 'okta-state-1', null]);
  });

  it('refuses an approval without the consent page’s CSRF token, or from another origin', async () => {
    const page = await client.get(authorizeUrl(), { headers: { cookie: adminCookie } });
    const { csrf: _csrf, ...fields } = formFields(page.text);
    const forged = await client.post('/api/okta/scim/oauth/authorize', new URLSearchParams({ ...fields, decision: 'approve' }), { headers: { cookie: adminCookie } });
    expect(forged.status).toBe(403);
    const crossSite = await client.post('/api/okta/scim/oauth/authorize', new URLSearchParams({ ...formFields(page.text), decision: 'approve' }), {
      headers: { cookie: adminCookie, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
  });

  it('refuses a wrong platform admin key', async () => {
    const res = await client.post('/api/okta/scim/oauth/authorize', new URLSearchParams({ ...formFields((await client.get(authorizeUrl())).text), team_id: teamId, admin_key: 'guess', decision: 'approve' }));
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
  });

  it('sends a visitor without a session to the bridge sign-in, straight away when the URL names the workspace', async () => {
    const direct = await client.get(authorizeUrl({ team_id: teamId }));
    expect(direct.status).toBe(302);
    const login = new URL(direct.headers.get('location')!);
    expect(login.pathname).toBe('/api/okta/oidc/login');
    expect(login.searchParams.get('team_id')).toBe(teamId);
    expect(login.searchParams.get('return_to')).toMatch(/^\/api\/okta\/scim\/oauth\/authorize\?/);
  });

  it('treats the session of a deactivated admin as no session: no consent page (review #2)', async () => {
    const cookie = await sessionCookie(teamId, ['admin'], 'gone.admin@acme.example');
    expect((await client.get(authorizeUrl(), { headers: { cookie } })).text).toContain('name="csrf"');
    const { keys } = await import('../../lambdas/store/keys.js');
    await deps.db.update(keys.user(teamId, 'user-gone.admin@acme.example'), { UpdateExpression: 'SET active = :f', ExpressionAttributeValues: { ':f': false } });
    const res = await client.get(authorizeUrl({ team_id: teamId }), { headers: { cookie } });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).pathname).toBe('/api/okta/oidc/login');
  });

  it('does not let a member approve', async () => {
    const res = await client.get(authorizeUrl(), { headers: { cookie: memberCookie } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('without an admin role');
    expect(res.text).not.toContain('name="csrf"');
  });

  it('escapes everything it echoes into the consent page', async () => {
    const res = await client.get(authorizeUrl({ state: '"><script>alert(1)</script>' }), { headers: { cookie: adminCookie } });
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('Acme &lt;Corp&gt;');
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self' https://system-admin.okta.com");
  });

  it('answers RFC 6749 errors for a missing or unsupported grant type', async () => {
    expect((await token({}, 'basic')).json.error).toBe('invalid_request');
    expect((await token({ grant_type: 'client_credentials' }, 'basic')).json.error).toBe('unsupported_grant_type');
    expect((await token({ grant_type: 'refresh_token', refresh_token: 'not-a-token' }, 'post')).json.error).toBe('invalid_grant');
  });
});
