/**
 * OIDC sign-in end to end: the local Okta stand-in (oidc-provider) over HTTP, the real handlers
 * behind the local API, DynamoDB Local; the browser is fetch with manual redirects and a cookie jar.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../dev/dynamodb-local.js';
import { startOktaStandin, type OktaStandin, type StandinUser } from '../../dev/okta-standin/index.js';
import type { AuditContext } from '../../lambdas/core/audit.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { User } from '../../lambdas/core/model/user.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import type { WorkspaceRepo } from '../../lambdas/store/workspaces.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { auditExport, Browser, connectWorkspace, refusalCode, type Connected, type Landing } from './support.js';

const person = (id: string, email: string, extra: Partial<StandinUser> = {}): StandinUser => ({
  id,
  email,
  emailVerified: true,
  givenName: email.split('@')[0]!,
  familyName: 'Tester',
  groups: ['Everyone'],
  ...extra,
});

const JANE = person('00ujane00000000001', 'jane@acme.test');
const SAM = person('00usam000000000001', 'sam@acme.test');
const STRANGER = person('00ustranger0000001', 'stranger@acme.test');
const DORA = person('00udora00000000001', 'dora@acme.test');
const UMA = person('00uuma000000000001', 'uma@acme.test', { emailVerified: false });
const NED = person('00uned000000000001', 'ned@acme.test');
const NEWBIE = person('00unewbie000000001', 'newbie@jit.test');
const BOSS = person('00uboss00000000001', 'boss@jit.test', { groups: ['Everyone', 'Engineering Admins'] });
const CAROL = person('00ucarol0000000001', 'carol@jit.test', { groups: ['Engineering Admins'] });
const THIN = person('00uthin0000000001', 'thin.user@thin.test', { groups: ['Readers'] });

let stack: TestStack;
let okta: OktaStandin;
let thinOkta: OktaStandin;
let admin: ApiClient;
let deps: Deps;
let users: UserRepo;
let workspaces: WorkspaceRepo;
let appUrl: string;
/** Every secret the tests saw; none may appear in any stored item. */
const secrets = new Set<string>();

let main: Connected;
let jit: Connected;

const ctx = (teamId: string): AuditContext => ({ teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });

async function provision(teamId: string, who: StandinUser, opts: { externalId?: boolean; active?: boolean } = {}): Promise<User> {
  const w = await workspaces.require(teamId);
  return users.create(
    ctx(teamId),
    w,
    { userName: who.email, active: opts.active ?? true, emails: [{ value: who.email, primary: true }], ...(opts.externalId ? { externalId: who.id } : {}) },
    'scim',
  );
}

const login = (query: Record<string, string>) => `${stack.url}/api/okta/oidc/login?${new URLSearchParams(query)}`;

/** Signs in through the whole flow; returns the landing (the app callback when it succeeds). */
async function signIn(query: Record<string, string>, who?: StandinUser, browser = new Browser()): Promise<Landing> {
  return browser.open(login(query), { stopAt: appUrl, ...(who ? { username: who.email } : {}) });
}

/** Exchanges the one-time code of an app callback URL at `POST /api/sso/token`. */
async function exchange(landing: Landing) {
  expect(landing.url.startsWith(`${appUrl}/auth/callback?code=`), `expected the app callback, got ${landing.status} ${refusalCode(landing)} ${landing.url} ${landing.text.slice(0, 400)}`).toBe(true);
  const code = new URL(landing.url).searchParams.get('code')!;
  secrets.add(code);
  const res = await admin.post<{ user: { id: string; username: string; email: string }; roles: string[]; grants: string[]; session_token: string; expires_at: string; team_id: string }>(
    '/api/sso/token',
    { code },
  );
  if (res.status === 200) secrets.add(res.json.session_token);
  return { code, res };
}

async function introspect(token: string) {
  return admin.post<Record<string, unknown>>('/api/tokens/introspect', new URLSearchParams({ token }));
}

beforeAll(async () => {
  [okta, thinOkta] = await Promise.all([
    startOktaStandin({ users: [JANE, SAM, STRANGER, DORA, UMA, NED, NEWBIE, BOSS, CAROL] }),
    startOktaStandin({ users: [THIN], idTokenClaims: 'thin' }),
  ]);
  stack = await startTestStack();
  appUrl = stack.env.APP_URL!;
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);
  workspaces = new (await import('../../lambdas/store/workspaces.js')).WorkspaceRepo(deps.db);

  main = await connectWorkspace(stack, okta, { name: 'Acme', emailDomains: ['acme.test'] });
  jit = await connectWorkspace(stack, okta, {
    name: 'JIT Co',
    jitEnabled: true,
    emailDomains: ['jit.test'],
    roles: {
      roles: [
        { id: 'admin', displayName: 'Admin' },
        { id: 'member', displayName: 'Member' },
        { id: 'employee', displayName: 'Employee' },
      ],
      defaultRole: 'employee',
    },
    roleMappings: { groups: [{ group: 'Engineering Admins', role: 'admin', grants: ['archetype-eng'] }] },
  });
  secrets.add(main.client.clientSecret);
  secrets.add(jit.client.clientSecret);
  await Promise.all([
    provision(main.teamId, JANE, { externalId: true }),
    provision(main.teamId, SAM),
    provision(main.teamId, DORA, { active: false }),
    provision(main.teamId, UMA),
    provision(jit.teamId, CAROL),
  ]);
});

afterAll(async () => {
  await stack?.close();
  await okta?.close();
  await thinOkta?.close();
});

describe('SP-initiated sign-in', () => {
  it('signs a provisioned user in by team_id and ends in a session the host app can introspect', async () => {
    const landing = await signIn({ team_id: main.teamId }, JANE);
    const authorize = new URL(landing.hops[1]!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${okta.issuer}/oauth2/v1/authorize`);
    expect(authorize.searchParams.get('scope')).toBe('openid email profile');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(main.setup.redirectUri);
    expect(authorize.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    secrets.add(authorize.searchParams.get('state')!);

    const { res } = await exchange(landing);
    expect(res.status).toBe(200);
    const jane = await users.findByUserName(main.teamId, JANE.email);
    expect(res.json).toMatchObject({ team_id: main.teamId, roles: ['member'], user: { id: jane!.id, username: JANE.email, email: JANE.email } });
    expect(res.json.session_token).toMatch(/^idpb_us_session_/);
    expect(Date.parse(res.json.expires_at)).toBeGreaterThan(Date.now());

    const info = await introspect(res.json.session_token);
    expect(info.json).toMatchObject({ active: true, token_type: 'session', sub: jane!.id, team_id: main.teamId, username: JANE.email, roles: ['member'] });
    expect(typeof info.json.exp).toBe('number');
  });

  it('refuses a replayed SSO code with invalid_grant', async () => {
    const { code, res } = await exchange(await signIn({ team_id: main.teamId }, JANE));
    expect(res.status).toBe(200);
    const again = await admin.post<{ error: string }>('/api/sso/token', { code });
    expect(again.status).toBe(400);
    expect(again.json.error).toBe('invalid_grant');
  });

  it('refuses the code when the session was revoked before the exchange (Universal Logout in between)', async () => {
    const landing = await signIn({ team_id: main.teamId }, SAM);
    const sam = await users.findByUserName(main.teamId, SAM.email);
    const { TokenRepo } = await import('../../lambdas/store/tokens.js');
    await new TokenRepo(deps.db, await deps.hasher(), 'us').revokeAllForUser(ctx(main.teamId), main.teamId, sam!.id, { kinds: ['session'] });
    const { res } = await exchange(landing);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_grant' });
  });

  it('routes a work email to the workspace that claimed its domain and passes it to Okta as login_hint', async () => {
    const landing = await signIn({ login_hint: SAM.email });
    expect(new URL(landing.hops[1]!).searchParams.get('login_hint')).toBe(SAM.email);
    const { res } = await exchange(landing);
    expect(res.json.user.username).toBe(SAM.email);
  });

  it('links the Okta (issuer, subject) at first sign-in so Universal Logout can find the user', async () => {
    await exchange(await signIn({ team_id: main.teamId }, SAM));
    const linked = await users.findBySubject(main.teamId, okta.issuer, SAM.id);
    expect(linked?.userName).toBe(SAM.email);
  });
});

describe('IdP-initiated sign-in (Okta dashboard tile, OIDC Core §4)', () => {
  it("starts at Okta's initiate login URI with iss and team_id and ends at the app callback", async () => {
    const b = new Browser();
    const landing = await b.open(okta.tileUrl(main.client.clientId), { stopAt: appUrl, username: JANE.email });
    const initiate = new URL(landing.hops[1]!);
    expect(initiate.pathname).toBe('/api/okta/oidc/login');
    expect(initiate.searchParams.get('iss')).toBe(okta.issuer);
    expect(initiate.searchParams.get('team_id')).toBe(main.teamId);
    const { res } = await exchange(landing);
    expect(res.status).toBe(200);
  });

  it('resolves an iss alone to its only workspace once proven (review #20), and reads userinfo when the ID token is thin', async () => {
    const thin = await connectWorkspace(stack, thinOkta, { name: 'Thin', jitEnabled: true });
    secrets.add(thin.client.clientSecret);
    // The first sign-in through the workspace's own link proves its claim of the org.
    expect((await exchange(await signIn({ team_id: thin.teamId }, THIN))).res.status).toBe(200);
    const landing = await signIn({ iss: thinOkta.issuer }, THIN);
    const { res } = await exchange(landing);
    expect(res.status).toBe(200);
    // The email only comes from userinfo: the stand-in's thin ID token carries sub and protocol claims.
    expect(res.json.user).toMatchObject({ username: THIN.email, email: THIN.email });
  });

  it('refuses an unknown iss with unknown_issuer', async () => {
    const l = await signIn({ iss: 'https://unknown-org.okta.com' });
    expect(l.status).toBe(400);
    expect(refusalCode(l)).toBe('unknown_issuer');
    expect(l.text).toContain('do not mix US and EU URLs');
  });

  it('refuses an iss shared by several proven workspaces unless team_id names one (ambiguous_issuer)', async () => {
    // Main is proven by the sign-ins above; a sign-in through JIT Co's own link proves it too (review #20).
    expect((await exchange(await signIn({ team_id: jit.teamId }, CAROL))).res.status).toBe(200);
    const l = await signIn({ iss: okta.issuer });
    expect(l.status).toBe(400);
    expect(refusalCode(l)).toBe('ambiguous_issuer');
    expect(l.text).toContain('team_id={app.team_id}');
  });

  it("refuses an iss that is not the named workspace's Okta org", async () => {
    const l = await signIn({ team_id: main.teamId, iss: thinOkta.issuer });
    expect(refusalCode(l)).toBe('unknown_issuer');
  });
});

describe('just-in-time provisioning and roles', () => {
  it('creates a first-time user with the default role (employee) and audits actor okta:jit', async () => {
    const { res } = await exchange(await signIn({ login_hint: NEWBIE.email }));
    expect(res.status).toBe(200);
    expect(res.json.roles).toEqual(['employee']);
    const created = await users.findByUserName(jit.teamId, NEWBIE.email);
    expect(created).toMatchObject({ active: true, source: 'jit', userName: NEWBIE.email });
    const trail = await auditExport(stack, jit.teamId);
    const rec = trail.find((r) => r.action === 'user.created' && r.target.id === created!.id);
    expect(rec?.actor).toMatchObject({ type: 'okta:jit', id: okta.issuer });
  });

  it("maps the ID token's groups claim to roles and grants for JIT users", async () => {
    const { res } = await exchange(await signIn({ login_hint: BOSS.email }));
    expect(res.json.roles).toEqual(['admin']);
    expect(res.json.grants).toEqual(['archetype-eng']);
  });

  it('maps IdP groups to roles for users provisioned beforehand', async () => {
    const { res } = await exchange(await signIn({ team_id: jit.teamId }, CAROL));
    expect(res.json.roles).toEqual(['admin']);
    const info = await introspect(res.json.session_token);
    expect(info.json.roles).toEqual(['admin']);
  });
});

describe('refusals (each a page naming cause and fix, each audited)', () => {
  it('refuses sign-in when the workspace turned Okta sign-in off', async () => {
    const off = await connectWorkspace(stack, okta, { name: 'Off', signInEnabled: false });
    const l = await signIn({ team_id: off.teamId });
    expect(l.status).toBe(403);
    expect(refusalCode(l)).toBe('sign_in_disabled');
    expect(l.text).toContain('Enable Okta sign-in');
    const trail = await auditExport(stack, off.teamId);
    expect(trail.find((r) => r.action === 'sso.sign_in_refused')?.after).toMatchObject({ refusal: 'sign_in_disabled', protocol: 'oidc' });
  });

  it('refuses a user who is not provisioned when JIT is off (user_not_provisioned)', async () => {
    const l = await signIn({ team_id: main.teamId }, STRANGER);
    expect(l.status).toBe(403);
    expect(refusalCode(l)).toBe('user_not_provisioned');
    expect(l.text).toContain('Just-in-time provisioning');
    expect(await users.findByUserName(main.teamId, STRANGER.email)).toBeUndefined();
  });

  it('refuses a SCIM-deactivated user (user_deactivated)', async () => {
    const l = await signIn({ team_id: main.teamId }, DORA);
    expect(l.status).toBe(403);
    expect(refusalCode(l)).toBe('user_deactivated');
  });

  it("shows Okta's access_denied for an unassigned user with the assignment fix (user_not_assigned)", async () => {
    const assigned = await connectWorkspace(stack, okta, { name: 'Assigned only', assignedUserIds: [JANE.id] });
    const l = await signIn({ team_id: assigned.teamId }, NED);
    expect(l.status).toBe(403);
    expect(refusalCode(l)).toBe('user_not_assigned');
    expect(l.text).toContain('User is not assigned to the client application.');
    expect(l.text).toContain('Assignments &gt; Assign &gt; People or Groups');
    const trail = await auditExport(stack, assigned.teamId);
    expect(trail.some((r) => r.action === 'sso.sign_in_refused' && r.after?.refusal === 'user_not_assigned')).toBe(true);
  });

  it("shows invalid_client when the stored client secret is not the Okta app's", async () => {
    const wrong = await connectWorkspace(stack, okta, { name: 'Wrong secret' });
    const put = await admin.put(`/api/admin/workspaces/${wrong.teamId}/okta`, { domain: okta.issuer, clientId: wrong.client.clientId, clientSecret: 'not-the-secret' });
    expect(put.status).toBe(200);
    const l = await signIn({ team_id: wrong.teamId }, JANE);
    expect(l.status).toBe(502);
    expect(refusalCode(l)).toBe('invalid_client');
    expect(l.text).toContain('Client ID and Client secret');
  });

  it('refuses an unknown state (invalid_state) and names the redirect URI fix', async () => {
    const l = await new Browser().open(`${stack.url}/api/okta/oidc/callback?state=${randomBytes(32).toString('base64url')}&code=abc`);
    expect(l.status).toBe(400);
    expect(refusalCode(l)).toBe('invalid_state');
    expect(l.text).toContain(`${stack.url}/api/okta/oidc/callback`);
  });

  it('refuses a replayed callback: the state is single use', async () => {
    const b = new Browser();
    const atCallback = await b.open(login({ team_id: main.teamId }), { stopAt: `${stack.url}/api/okta/oidc/callback`, username: JANE.email });
    const first = await b.open(atCallback.url, { stopAt: appUrl });
    expect(first.url.startsWith(`${appUrl}/auth/callback`)).toBe(true);
    secrets.add(new URL(first.url).searchParams.get('code')!);
    const replay = await b.open(atCallback.url, { stopAt: appUrl });
    expect(replay.status).toBe(400);
    expect(refusalCode(replay)).toBe('invalid_state');
  });

  it('refuses a callback in another browser than the one that started the sign-in (login CSRF)', async () => {
    const atCallback = await new Browser().open(login({ team_id: main.teamId }), { stopAt: `${stack.url}/api/okta/oidc/callback`, username: JANE.email });
    const l = await new Browser().open(atCallback.url, { stopAt: appUrl });
    expect(l.status).toBe(400);
    expect(refusalCode(l)).toBe('browser_mismatch');
  });

  it('refuses workspaces of another region, malformed links and unclaimed domains', async () => {
    const gone = await signIn({ team_id: randomUUID() });
    expect([gone.status, refusalCode(gone)]).toEqual([404, 'workspace_not_found']);
    const bad = await signIn({ team_id: 'not-a-uuid' });
    expect([bad.status, refusalCode(bad)]).toEqual([400, 'invalid_request']);
    const none = await signIn({});
    expect([none.status, refusalCode(none)]).toEqual([400, 'missing_workspace']);
    const domain = await signIn({ login_hint: 'x@nobody.test' });
    expect([domain.status, refusalCode(domain)]).toEqual([404, 'unknown_email_domain']);
  });

  it('escapes everything it echoes on the refusal page', async () => {
    const l = await signIn({ login_hint: 'a@"><script>alert(1)</script>.test' });
    expect(refusalCode(l)).toBe('unknown_email_domain');
    expect(l.text).not.toContain('<script>');
    expect(l.text).toContain('&lt;script&gt;');
    expect(l.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('unverified email (seed 003)', () => {
  it('signs the user in but audits an okta_email_unverified warning', async () => {
    const { res } = await exchange(await signIn({ team_id: main.teamId }, UMA));
    expect(res.status).toBe(200);
    const trail = await auditExport(stack, main.teamId);
    const warn = trail.find((r) => r.action === 'sso.email_unverified');
    expect(warn?.after).toMatchObject({ warning: 'okta_email_unverified', email: UMA.email });
  });
});

describe('bridge-internal destinations (returnTo)', () => {
  it('sets an HttpOnly idpb_session cookie and redirects to an allowlisted path', async () => {
    const b = new Browser();
    const l = await b.open(login({ team_id: main.teamId, return_to: '/admin' }), { stopAt: `${stack.url}/admin`, username: JANE.email });
    expect(l.url).toBe(`${stack.url}/admin`);
    const set = b.setCookies.find((c) => c.value.startsWith('idpb_session='))!.value;
    expect(set).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600$/);
    const token = b.cookie(stack.url, 'idpb_session')!;
    secrets.add(token);
    const info = await introspect(token);
    expect(info.json).toMatchObject({ active: true, token_type: 'session', username: JANE.email });
  });

  it.each([['https://evil.example/phish'], ['//evil.example/x'], ['/admin/../api/tokens/revoke'], ['/\\evil.example'], ['javascript:alert(1)']])(
    'refuses return_to %s as an open redirect (invalid_return_to)',
    async (target) => {
      const l = await signIn({ team_id: main.teamId, return_to: target });
      expect(l.status).toBe(400);
      expect(refusalCode(l)).toBe('invalid_return_to');
    },
  );
});

describe('audit and storage', () => {
  it('exports every sign-in and refusal in the workspace trail', async () => {
    const trail = await auditExport(stack, main.teamId);
    const actions = new Set(trail.map((r) => r.action));
    expect(actions).toContain('sso.signed_in');
    expect(actions).toContain('sso.sign_in_refused');
    expect(actions).toContain('sso.code_exchanged');
    const codes = trail.filter((r) => r.action === 'sso.sign_in_refused').map((r) => r.after?.refusal);
    expect(codes).toEqual(expect.arrayContaining(['user_not_provisioned', 'user_deactivated', 'browser_mismatch', 'invalid_return_to']));
    const signedIn = trail.find((r) => r.action === 'sso.signed_in')!;
    expect(signedIn.actor.type).toBe('user');
    expect(signedIn.after).toMatchObject({ protocol: 'oidc', issuer: okta.issuer });
  });

  it('stores no session token, SSO code, state or client secret in clear', async () => {
    expect(secrets.size).toBeGreaterThan(10);
    const client = localDynamoClient(stack.endpoint);
    try {
      const dump: string[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await client.send(new ScanCommand({ TableName: stack.tableName, ...(start ? { ExclusiveStartKey: start as never } : {}) }));
        for (const item of out.Items ?? []) dump.push(JSON.stringify(item));
        start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
      } while (start);
      const all = dump.join('\n');
      for (const s of secrets) expect(all.includes(s), `a stored item contains ${s.slice(0, 12)}…`).toBe(false);
    } finally {
      client.destroy();
    }
  });
});
