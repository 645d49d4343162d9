/**
 * Several live OIDC connections in one workspace, end to end: an Okta org and an Entra tenant (the
 * stand-in in both flavors) sign users into the SAME workspace; the login picks the connection by
 * id, by e-mail domain or by `iss`, and shows a chooser when nothing names one; the state binds a
 * flow to its connection. Also Google's `hd` and `email_verified`, and a generic provider found by
 * discovery alone.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaStandin, type OktaStandin, type StandinUser } from '../../dev/okta-standin/index.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { connect, createWorkspace, updateConnection } from './connection-support.js';
import { auditExport, Browser, refusalCode, type Landing } from './support.js';

const JANE: StandinUser = { id: '00ujane0000merger01', email: 'jane@acme.test', emailVerified: true, givenName: 'Jane', familyName: 'Okta', groups: ['Acme Admins'] };
const ADELE: StandinUser = { id: randomUUID(), email: 'adele@contoso.test', upn: 'adele@contoso.test', givenName: 'Adele', familyName: 'Entra', groups: [] };
const GINA: StandinUser = { id: '109876543210000000001', email: 'gina@example.com', emailVerified: true, givenName: 'Gina' };
const CONSUMER: StandinUser = { id: '109876543210000000002', email: 'someone@gmail.test', emailVerified: true };
const UNVERIFIED: StandinUser = { id: '109876543210000000003', email: 'new@example.com', emailVerified: false };
const GREG: StandinUser = { id: 'greg-generic-1', email: 'greg@generic.test', emailVerified: true };

let stack: TestStack;
let okta: OktaStandin;
let entra: OktaStandin;
let google: OktaStandin;
let generic: OktaStandin;
let admin: ApiClient;
let deps: Deps;
let users: UserRepo;
let appUrl: string;

/** The merger workspace: Okta (`okta`) for acme.test, Entra for contoso.test, both live. */
let teamId: string;
let entraId: string;
let disabledId: string;

const url = (path: string, query: Record<string, string>) => `${stack.url}${path}?${new URLSearchParams(query)}`;

async function open(start: string, who?: StandinUser, browser = new Browser()): Promise<Landing> {
  return browser.open(start, { stopAt: appUrl, ...(who ? { username: who.email } : {}) });
}

async function exchange(landing: Landing) {
  expect(landing.url.startsWith(`${appUrl}/auth/callback?code=`), `expected the app callback, got ${landing.status} ${refusalCode(landing)} ${landing.url} ${landing.text.slice(0, 600)}`).toBe(true);
  const code = new URL(landing.url).searchParams.get('code')!;
  const res = await admin.post<{ user: { id: string; username: string; email: string }; roles: string[]; team_id: string }>('/api/sso/token', { code });
  expect(res.status).toBe(200);
  return res.json;
}

const authorizeOf = (l: Landing) => {
  const u = new URL(l.hops[1]!);
  return `${u.origin}${u.pathname}`;
};

beforeAll(async () => {
  [okta, entra, google, generic] = await Promise.all([
    startOktaStandin({ users: [JANE] }),
    startOktaStandin({ flavor: 'entra', users: [ADELE] }),
    startOktaStandin({ users: [GINA, CONSUMER, UNVERIFIED] }),
    startOktaStandin({ users: [GREG] }),
  ]);
  // Google's ID tokens carry `hd` for Google Workspace accounts only: re-signed with the org key.
  google.setIdTokenRewriter(async (t) => {
    const claims = decodeJwt(t);
    const domain = String(claims.email ?? '').split('@')[1];
    return google.sign(domain === 'gmail.test' ? claims : { ...claims, hd: domain });
  });
  stack = await startTestStack();
  appUrl = stack.env.APP_URL!;
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);

  teamId = await createWorkspace(stack, 'Merger', {
    roles: { roles: [{ id: 'admin', displayName: 'Admin' }, { id: 'member', displayName: 'Member' }], defaultRole: 'member' },
    roleMappings: { groups: [{ group: 'Acme Admins', role: 'admin' }], roleValues: [] },
    domains: ['acme.test', 'contoso.test'],
  });
  await connect(stack, okta, teamId, { id: 'okta', preset: 'okta', name: 'Okta', jitEnabled: true, emailDomains: ['acme.test'] });
  ({ connectionId: entraId } = await connect(stack, entra, teamId, { preset: 'entra', name: 'Contoso <Entra>', jitEnabled: true, emailDomains: ['contoso.test'] }));
  ({ connectionId: disabledId } = await connect(stack, generic, teamId, { preset: 'generic', name: 'Old IdP', signInEnabled: false }));
});

afterAll(async () => {
  await stack?.close();
  await Promise.all([okta?.close(), entra?.close(), google?.close(), generic?.close()]);
});

describe('two live connections in one workspace', () => {
  it('signs an Okta user in through /api/okta/oidc/login and an Entra user through /api/sso/oidc/login into the same workspace', async () => {
    const viaOkta = await open(url('/api/okta/oidc/login', { team_id: teamId }), JANE);
    expect(authorizeOf(viaOkta)).toBe(`${okta.issuer}/oauth2/v1/authorize`);
    expect(new URL(viaOkta.hops[1]!).searchParams.get('redirect_uri')).toBe(`${stack.url}/api/okta/oidc/callback`);
    const jane = await exchange(viaOkta);

    const viaEntra = await open(url('/api/sso/oidc/login', { team_id: teamId, connection: entraId }), ADELE);
    expect(authorizeOf(viaEntra)).toBe(`${entra.issuer}/oauth2/v2.0/authorize`);
    expect(new URL(viaEntra.hops[1]!).searchParams.get('redirect_uri')).toBe(`${stack.url}/api/sso/oidc/callback`);
    const adele = await exchange(viaEntra);

    expect(jane.team_id).toBe(teamId);
    expect(adele.team_id).toBe(teamId);
    expect(jane.roles).toContain('admin');
    expect(adele.roles).toEqual(['member']);
    expect((await users.findByUserName(teamId, JANE.email))?.id).toBe(jane.user.id);
    expect((await users.findByUserName(teamId, ADELE.email))?.id).toBe(adele.user.id);

    const trail = await auditExport(stack, teamId);
    const actors = trail.filter((r) => r.action === 'user.created').map((r) => r.actor.type);
    expect(actors).toEqual(expect.arrayContaining(['okta:jit', 'entra:jit']));
    const signIns = trail.filter((r) => r.action === 'sso.signed_in').map((r) => r.after?.connectionId);
    expect(signIns).toEqual(expect.arrayContaining(['okta', entraId]));
  });

  it('picks the connection by e-mail domain on either login route', async () => {
    const a = await open(url('/api/sso/oidc/login', { login_hint: ADELE.email }), ADELE);
    expect(authorizeOf(a)).toBe(`${entra.issuer}/oauth2/v2.0/authorize`);
    expect((await exchange(a)).user.email).toBe(ADELE.email);
    const b = await open(url('/api/okta/oidc/login', { email: ADELE.email }), ADELE);
    expect(authorizeOf(b)).toBe(`${entra.issuer}/oauth2/v2.0/authorize`);
    const c = await open(url('/api/sso/oidc/login', { team_id: teamId, login_hint: JANE.email }), JANE);
    expect(authorizeOf(c)).toBe(`${okta.issuer}/oauth2/v1/authorize`);
    expect((await exchange(c)).user.email).toBe(JANE.email);
  });

  it('picks the connection by iss', async () => {
    const l = await open(url('/api/sso/oidc/login', { team_id: teamId, iss: entra.issuer }), ADELE);
    expect(authorizeOf(l)).toBe(`${entra.issuer}/oauth2/v2.0/authorize`);
    expect((await exchange(l)).user.email).toBe(ADELE.email);
  });

  it('shows a chooser of the live connections when nothing names one, and each link signs in', async () => {
    const page = await open(url('/api/sso/oidc/login', { team_id: teamId }));
    expect(page.status).toBe(200);
    expect(page.headers.get('x-idpb-chooser')).toBe('2');
    expect(page.text).toContain('Choose how to sign in');
    // Names are escaped; the disabled connection is not offered.
    expect(page.text).toContain('Contoso &lt;Entra&gt; (Microsoft Entra ID)');
    expect(page.text).not.toContain('<Entra>');
    expect(page.text).not.toContain('Old IdP');
    const links = [...page.text.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(links).toEqual([
      `${stack.url}/api/okta/oidc/login?team_id=${teamId}`,
      `${stack.url}/api/sso/oidc/login?team_id=${teamId}&connection=${entraId}`,
    ]);
    expect((await exchange(await open(links[1]!, ADELE))).user.email).toBe(ADELE.email);
  });

  it('keeps /api/okta/oidc/login without connection on the okta connection', async () => {
    const l = await open(url('/api/okta/oidc/login', { team_id: teamId }), JANE);
    expect(authorizeOf(l)).toBe(`${okta.issuer}/oauth2/v1/authorize`);
  });

  it('refuses an iss that is not the named connection\'s issuer', async () => {
    const l = await open(url('/api/sso/oidc/login', { team_id: teamId, connection: entraId, iss: okta.issuer }));
    expect(refusalCode(l)).toBe('unknown_issuer');
  });

  it('refuses an unknown connection with connection_not_found', async () => {
    const l = await open(url('/api/sso/oidc/login', { team_id: teamId, connection: 'nope' }));
    expect(l.status).toBe(404);
    expect(refusalCode(l)).toBe('connection_not_found');
  });

  it('refuses a connection whose sign-in is off with connection_disabled', async () => {
    const l = await open(url('/api/sso/oidc/login', { team_id: teamId, connection: disabledId }));
    expect(l.status).toBe(403);
    expect(refusalCode(l)).toBe('connection_disabled');
    expect(l.text).toContain('Old IdP');
    const trail = await auditExport(stack, teamId);
    expect(trail.filter((r) => r.action === 'sso.sign_in_refused').map((r) => r.after?.refusal)).toContain('connection_disabled');
  });

  it('binds the state to its connection: a flow whose connection changed meanwhile is refused with invalid_state', async () => {
    const ws = await createWorkspace(stack, 'Bound');
    const { connectionId } = await connect(stack, entra, ws, { preset: 'entra', jitEnabled: true });
    const browser = new Browser();
    const atIdp = await browser.open(url('/api/sso/oidc/login', { team_id: ws, connection: connectionId }), { stopAt: entra.issuer });
    // While the user is at the IdP, the admin points the connection at another app registration.
    const other = entra.addClient({ redirectUris: [`${stack.url}/api/sso/oidc/callback`] });
    await updateConnection(stack, ws, connectionId, { clientId: other.clientId });
    const l = await browser.open(atIdp.url, { stopAt: appUrl, username: ADELE.email });
    expect(refusalCode(l)).toBe('invalid_state');
  });

  it('binds the state to its connection: a connection switched off meanwhile is refused', async () => {
    const ws = await createWorkspace(stack, 'Switched');
    const { connectionId } = await connect(stack, entra, ws, { preset: 'entra', jitEnabled: true });
    const browser = new Browser();
    const atIdp = await browser.open(url('/api/sso/oidc/login', { team_id: ws, connection: connectionId }), { stopAt: entra.issuer });
    await updateConnection(stack, ws, connectionId, { signInEnabled: false });
    const l = await browser.open(atIdp.url, { stopAt: appUrl, username: ADELE.email });
    expect(refusalCode(l)).toBe('connection_disabled');
  });
});

describe('Google and generic OIDC', () => {
  let googleTeam: string;
  let googleId: string;

  beforeAll(async () => {
    googleTeam = await createWorkspace(stack, 'Example Inc');
    ({ connectionId: googleId } = await connect(stack, google, googleTeam, { preset: 'google', hostedDomain: 'example.com', jitEnabled: true }));
  });

  it('signs a Google Workspace account of the hosted domain in', async () => {
    const s = await exchange(await open(url('/api/sso/oidc/login', { team_id: googleTeam, connection: googleId }), GINA));
    expect(s).toMatchObject({ team_id: googleTeam, user: { email: GINA.email } });
  });

  it('refuses an account outside the hosted domain with hosted_domain_mismatch', async () => {
    const l = await open(url('/api/sso/oidc/login', { team_id: googleTeam, connection: googleId }), CONSUMER);
    expect(refusalCode(l)).toBe('hosted_domain_mismatch');
    expect(l.text).toContain('example.com');
  });

  it('refuses an unverified Google e-mail', async () => {
    const l = await open(url('/api/sso/oidc/login', { team_id: googleTeam, connection: googleId }), UNVERIFIED);
    expect(refusalCode(l)).toBe('email_missing');
    expect(l.text).toContain('not verified');
  });

  it('signs in through a generic provider found by discovery alone, the only live connection of its workspace', async () => {
    const ws = await createWorkspace(stack, 'Generic Co');
    await connect(stack, generic, ws, { preset: 'generic', name: 'Corp IdP', jitEnabled: true });
    const l = await open(url('/api/sso/oidc/login', { team_id: ws }), GREG);
    expect(authorizeOf(l)).toBe(`${generic.issuer}/oauth2/v1/authorize`);
    expect(new URL(l.hops[1]!).searchParams.get('redirect_uri')).toBe(`${stack.url}/api/sso/oidc/callback`);
    expect((await exchange(l)).user.email).toBe(GREG.email);
    const trail = await auditExport(stack, ws);
    expect(trail.find((r) => r.action === 'user.created')?.actor).toMatchObject({ type: 'generic:jit', label: 'Corp IdP just-in-time provisioning' });
  });
});
