/**
 * Sign-in through a Microsoft Entra ID connection, end to end: the local stand-in in its Entra
 * flavor (issuer `…/{tid}/v2.0`, `tid`, `oid`, pairwise `sub`, `preferred_username`/`upn` when
 * `email` is absent, group object ids, the groups overage form), the real handlers behind the local
 * API, DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaStandin, type OktaStandin, type StandinUser } from '../../dev/okta-standin/index.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { connect, createWorkspace } from './connection-support.js';
import { auditExport, Browser, refusalCode, type Landing } from './support.js';

/** Entra group object ids (the `groups` claim's default form). */
const ADMINS_GROUP = '3f1e6c0a-7d1b-4a7e-9b1f-2f6c3d4e5a01';
const STAFF_GROUP = '3f1e6c0a-7d1b-4a7e-9b1f-2f6c3d4e5a02';

const entraUser = (email: string, extra: Partial<StandinUser> = {}): StandinUser => ({
  id: randomUUID(),
  email,
  givenName: email.split('@')[0]!,
  familyName: 'Contoso',
  upn: email,
  groups: [STAFF_GROUP],
  ...extra,
});

/** An admin by group object id, with an `email` claim. */
const ADELE = entraUser('adele@contoso.test', { groups: [STAFF_GROUP, ADMINS_GROUP] });
/** No `email` claim: the e-mail comes from `preferred_username`. */
const MEGAN = entraUser('megan@contoso.test', { emailClaim: false });
/** No `email` claim and a `preferred_username` that is no e-mail: the e-mail comes from `upn`. */
const ALEX = entraUser('alex.wilber@contoso.test', { emailClaim: false, login: 'alexw' });
/** In too many groups: the overage form instead of `groups`. */
const OLGA = entraUser('olga@contoso.test', { groupsOverage: true });
/** SCIM-provisioned by Entra before the first sign-in: externalId = object id. */
const PRADEEP = entraUser('pradeep@contoso.test', { emailClaim: false, login: 'pradeep.g', upn: 'pradeep.g@contoso.onmicrosoft.test' });

let stack: TestStack;
let entra: OktaStandin;
let admin: ApiClient;
let deps: Deps;
let users: UserRepo;
let appUrl: string;
let teamId: string;
let connectionId: string;
/** A second workspace whose Entra connection trusts another tenant than the one signing. */
let wrongTenantTeam: string;
let wrongTenantConnection: string;

const ctx = (t: string) => ({ teamId: t, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });

const login = (query: Record<string, string>) => `${stack.url}/api/sso/oidc/login?${new URLSearchParams(query)}`;

async function signIn(query: Record<string, string>, who?: StandinUser): Promise<Landing> {
  return new Browser().open(login(query), { stopAt: appUrl, ...(who ? { username: who.upn ?? who.email } : {}) });
}

async function exchange(landing: Landing) {
  expect(landing.url.startsWith(`${appUrl}/auth/callback?code=`), `expected the app callback, got ${landing.status} ${refusalCode(landing)} ${landing.url} ${landing.text.slice(0, 600)}`).toBe(true);
  const code = new URL(landing.url).searchParams.get('code')!;
  const res = await admin.post<{ user: { id: string; username: string; email: string }; roles: string[]; team_id: string }>('/api/sso/token', { code });
  expect(res.status).toBe(200);
  return res.json;
}

beforeAll(async () => {
  entra = await startOktaStandin({ flavor: 'entra', users: [ADELE, MEGAN, ALEX, OLGA, PRADEEP] });
  stack = await startTestStack();
  appUrl = stack.env.APP_URL!;
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);

  teamId = await createWorkspace(stack, 'Contoso', {
    roles: { roles: [{ id: 'admin', displayName: 'Admin' }, { id: 'member', displayName: 'Member' }, { id: 'staff', displayName: 'Staff' }], defaultRole: 'member' },
    roleMappings: { groups: [{ group: ADMINS_GROUP, role: 'admin' }, { group: STAFF_GROUP, role: 'staff' }], roleValues: [] },
    domains: ['contoso.test'],
  });
  ({ connectionId } = await connect(stack, entra, teamId, { preset: 'entra', name: 'Contoso Entra ID', jitEnabled: true, emailDomains: ['contoso.test'] }));

  wrongTenantTeam = await createWorkspace(stack, 'Fabrikam');
  ({ connectionId: wrongTenantConnection } = await connect(stack, entra, wrongTenantTeam, { preset: 'entra', tenantId: randomUUID(), jitEnabled: true }));
});

afterAll(async () => {
  await stack?.close();
  await entra?.close();
});

describe('Entra ID sign-in', () => {
  it('signs in by connection id through Entra v2 endpoints, maps group object ids to roles and audits entra:jit', async () => {
    const landing = await signIn({ team_id: teamId, connection: connectionId }, ADELE);
    const authorize = new URL(landing.hops[1]!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${entra.issuer}/oauth2/v2.0/authorize`);
    expect(entra.issuer).toBe(`http://127.0.0.1:${entra.port}/${entra.tenantId}/v2.0`);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.url}/api/sso/oidc/callback`);
    expect(authorize.searchParams.get('scope')).toBe('openid email profile');
    const session = await exchange(landing);
    expect(session.team_id).toBe(teamId);
    expect(session.user.email).toBe(ADELE.email);
    expect(session.roles).toEqual(expect.arrayContaining(['admin', 'staff']));

    const trail = await auditExport(stack, teamId);
    const created = trail.find((r) => r.action === 'user.created' && r.actor.type === 'entra:jit');
    expect(created?.actor).toMatchObject({ type: 'entra:jit', id: entra.issuer, label: 'Microsoft Entra ID just-in-time provisioning' });
    const signedIn = trail.find((r) => r.action === 'sso.signed_in' && r.after?.email === ADELE.email);
    expect(signedIn?.after).toMatchObject({ protocol: 'oidc', connectionId, issuer: entra.issuer });
    // Linked by (issuer, pairwise sub), which is not the object id.
    expect(signedIn?.after?.subject).not.toBe(ADELE.id);
    const linked = await users.findBySubject(teamId, entra.issuer, String(signedIn?.after?.subject));
    expect(linked?.userName).toBe(ADELE.email);
  });

  it('routes a work e-mail to the connection listing its domain', async () => {
    const landing = await signIn({ login_hint: ADELE.email }, ADELE);
    expect(new URL(landing.hops[1]!).searchParams.get('login_hint')).toBe(ADELE.email);
    expect((await exchange(landing)).user.email).toBe(ADELE.email);
  });

  it('routes by iss to the workspace connection of that issuer (team_id + iss, as a tile would send)', async () => {
    const landing = await signIn({ team_id: teamId, iss: entra.issuer }, ADELE);
    expect(new URL(landing.hops[1]!).origin + new URL(landing.hops[1]!).pathname).toBe(`${entra.issuer}/oauth2/v2.0/authorize`);
    expect((await exchange(landing)).user.email).toBe(ADELE.email);
  });

  it('routes an iss alone once the workspace proved its claim of the issuer', async () => {
    // The sign-ins above proved Contoso's claim; Fabrikam's (another client id) never succeeded.
    const landing = await signIn({ iss: entra.issuer }, ADELE);
    expect((await exchange(landing)).team_id).toBe(teamId);
  });

  it('takes the e-mail from preferred_username when the ID token has no email claim', async () => {
    const session = await exchange(await signIn({ team_id: teamId, connection: connectionId }, MEGAN));
    expect(session.user).toMatchObject({ username: MEGAN.email, email: MEGAN.email });
    expect(session.roles).toEqual(expect.arrayContaining(['staff']));
  });

  it('takes the e-mail from upn when preferred_username is no e-mail address', async () => {
    const session = await exchange(await signIn({ team_id: teamId, connection: connectionId }, ALEX));
    expect(session.user).toMatchObject({ username: ALEX.email, email: ALEX.email });
  });

  it('matches a SCIM-provisioned user by object id (externalId) before any e-mail', async () => {
    const w = await new (await import('../../lambdas/store/workspaces.js')).WorkspaceRepo(deps.db).require(teamId);
    // Entra's SCIM sends objectId as externalId; the userName differs from every e-mail claim.
    const provisioned = await users.create(
      ctx(teamId),
      w,
      { userName: 'pradeep.gupta@contoso.test', active: true, emails: [{ value: 'pradeep.gupta@contoso.test', primary: true }], externalId: PRADEEP.id },
      'scim',
    );
    const session = await exchange(await signIn({ team_id: teamId, connection: connectionId }, PRADEEP));
    expect(session.user.id).toBe(provisioned.id);
  });

  it('signs a user in despite the groups overage, with the roles of their SCIM group memberships, and audits the overage', async () => {
    // Entra's SCIM pushed Olga (externalId = object id) and her membership of the admins group.
    const token = await admin.post<{ token: string }>(`/api/admin/workspaces/${teamId}/scim-tokens`, { label: 'Entra provisioning' });
    expect(token.status).toBe(201);
    const scim = api(stack.url, token.json.token);
    const base = `/api/scim/v2/${teamId}`;
    const user = await scim.post<{ id: string }>(`${base}/Users`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: OLGA.email, externalId: OLGA.id, active: true });
    expect(user.status).toBe(201);
    const group = await scim.post(`${base}/Groups`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: ADMINS_GROUP, members: [{ value: user.json.id }] });
    expect(group.status).toBe(201);

    const session = await exchange(await signIn({ team_id: teamId, connection: connectionId }, OLGA));
    expect(session.user).toMatchObject({ id: user.json.id, email: OLGA.email });
    expect(session.roles).toEqual(expect.arrayContaining(['admin']));
    const trail = await auditExport(stack, teamId);
    const signedIn = trail.find((r) => r.action === 'sso.signed_in' && r.after?.email === OLGA.email);
    expect(signedIn?.after).toMatchObject({ groupsOverage: true, groups: [] });
  });

  it('refuses an ID token from another tenant than the connection trusts with tenant_mismatch', async () => {
    const landing = await signIn({ team_id: wrongTenantTeam, connection: wrongTenantConnection }, ADELE);
    expect(landing.status).toBe(403);
    expect(refusalCode(landing)).toBe('tenant_mismatch');
    expect(landing.text).toContain(entra.tenantId!);
    const trail = await auditExport(stack, wrongTenantTeam);
    expect(trail.find((r) => r.action === 'sso.sign_in_refused')?.after).toMatchObject({ refusal: 'tenant_mismatch', protocol: 'oidc' });
  });
});
