/**
 * Issuer claims routing sign-ins (review #20): `GET /api/okta/oidc/login?iss=…` without `team_id`
 * routes by Okta org only through a PROVEN claim — a sign-in through that workspace's own
 * connection succeeded — and only when exactly one claimant is proven. The local Okta stand-in
 * (oidc-provider), the real handlers, DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaStandin, type OktaStandin, type StandinUser } from '../../dev/okta-standin/index.js';
import type { AuditContext } from '../../lambdas/core/audit.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import type { WorkspaceRepo } from '../../lambdas/store/workspaces.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { Browser, connectWorkspace, refusalCode, type Connected, type Landing } from './support.js';

const person = (id: string, email: string): StandinUser => ({ id, email, emailVerified: true, givenName: 'Test', familyName: 'User', groups: ['Everyone'] });
const ANN = person('00uann00000000001', 'ann@claims.test');

let stack: TestStack;
let admin: ApiClient;
let deps: Deps;
let users: UserRepo;
let workspaces: WorkspaceRepo;
let appUrl: string;
const orgs: OktaStandin[] = [];

const ctx = (teamId: string): AuditContext => ({ teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });

/** A fresh Okta org (stand-in) with ANN, so each test has its own issuer. */
async function newOrg(): Promise<OktaStandin> {
  const org = await startOktaStandin({ users: [ANN] });
  orgs.push(org);
  return org;
}

/** Connects a workspace to the org and provisions ANN in it. */
async function connected(org: OktaStandin, name: string): Promise<Connected> {
  const c = await connectWorkspace(stack, org, { name });
  const w = await workspaces.require(c.teamId);
  await users.create(ctx(c.teamId), w, { userName: ANN.email, active: true, emails: [{ value: ANN.email, primary: true }] }, 'scim');
  return c;
}

function signIn(query: Record<string, string>): Promise<Landing> {
  return new Browser().open(`${stack.url}/api/okta/oidc/login?${new URLSearchParams(query)}`, { stopAt: appUrl, username: ANN.email });
}

/** The workspace a landing signed in to (exchanging its one-time code), or the refusal code. */
async function outcome(l: Landing): Promise<{ teamId: string } | { refused: string | null }> {
  if (!l.url.startsWith(`${appUrl}/auth/callback?code=`)) return { refused: refusalCode(l) };
  const res = await admin.post<{ team_id: string }>('/api/sso/token', { code: new URL(l.url).searchParams.get('code')! });
  expect(res.status).toBe(200);
  return { teamId: res.json.team_id };
}

beforeAll(async () => {
  stack = await startTestStack();
  appUrl = stack.env.APP_URL!;
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);
  workspaces = new (await import('../../lambdas/store/workspaces.js')).WorkspaceRepo(deps.db);
});
afterAll(async () => {
  await stack?.close();
  await Promise.all(orgs.map((o) => o.close()));
});

describe('iss-only sign-in routes only through a proven issuer claim (review #20)', () => {
  it('hands out setup URLs whose Initiate login URI names the workspace (team_id), so no setup relies on iss alone', async () => {
    const org = await newOrg();
    const c = await connectWorkspace(stack, org, { name: 'Setup' });
    expect(new URL(c.setup.initiateLoginUri!).searchParams.get('team_id')).toBe(c.teamId);
    const shown = await admin.get<{ setup: { initiateLoginUri: string; oktaTemplates: { initiateLoginUri: string } } }>(`/api/admin/workspaces/${c.teamId}`);
    expect(shown.status).toBe(200);
    expect(new URL(shown.json.setup.initiateLoginUri).searchParams.get('team_id')).toBe(c.teamId);
    expect(shown.json.setup.oktaTemplates.initiateLoginUri).toContain('team_id={app.team_id}');
  });

  it('refuses an iss-only sign-in with ambiguous_issuer until the only claimant has signed in through its own link, then routes to it', async () => {
    const org = await newOrg();
    const w = await connected(org, 'Fresh');
    const before = await signIn({ iss: org.issuer });
    expect(before.status).toBe(400);
    expect(await outcome(before)).toEqual({ refused: 'ambiguous_issuer' });
    expect(before.text).toContain('team_id={app.team_id}');

    expect(await outcome(await signIn({ team_id: w.teamId }))).toEqual({ teamId: w.teamId });
    expect(await outcome(await signIn({ iss: org.issuer }))).toEqual({ teamId: w.teamId });
  });

  it('keeps routing a proven workspace’s iss-only sign-ins when a newcomer claims the same org and fails to sign in through it', async () => {
    const org = await newOrg();
    const owner = await connected(org, 'Owner');
    expect(await outcome(await signIn({ team_id: owner.teamId }))).toEqual({ teamId: owner.teamId });

    // The newcomer types the owner's Okta domain and even its public client id; it has no secret.
    const created = await admin.post<{ id: string }>('/api/admin/workspaces', { name: 'Newcomer' });
    const put = await admin.put(`/api/admin/workspaces/${created.json.id}/okta`, {
      domain: org.issuer,
      clientId: owner.client.clientId,
      clientSecret: 'not-the-secret',
      signInEnabled: true,
    });
    expect(put.status).toBe(200);
    expect(await outcome(await signIn({ iss: org.issuer }))).toEqual({ teamId: owner.teamId });

    // Its own attempt fails at the code exchange, so its claim stays unproven.
    const attempt = await outcome(await signIn({ team_id: created.json.id }));
    expect(attempt).toHaveProperty('refused');
    expect(await outcome(await signIn({ iss: org.issuer }))).toEqual({ teamId: owner.teamId });
    const claims = await workspaces.issuerClaims(org.issuer);
    expect(claims.find((c) => c.teamId === created.json.id)?.provenClientId).toBeUndefined();
    expect(claims.find((c) => c.teamId === owner.teamId)?.provenClientId).toBe(owner.client.clientId);
  });

  it('refuses iss-only sign-ins with ambiguous_issuer once two honest workspaces of one org are both proven; team_id still works for each', async () => {
    const org = await newOrg();
    const one = await connected(org, 'One');
    const two = await connected(org, 'Two');
    expect(await outcome(await signIn({ team_id: one.teamId }))).toEqual({ teamId: one.teamId });
    expect(await outcome(await signIn({ iss: org.issuer }))).toEqual({ teamId: one.teamId });
    expect(await outcome(await signIn({ team_id: two.teamId }))).toEqual({ teamId: two.teamId });
    expect(await outcome(await signIn({ iss: org.issuer }))).toEqual({ refused: 'ambiguous_issuer' });
    expect(await outcome(await signIn({ team_id: one.teamId, iss: org.issuer }))).toEqual({ teamId: one.teamId });
  });

  it('stops routing iss-only sign-ins when the proven workspace switches to another client id, until that one is proven', async () => {
    const org = await newOrg();
    const w = await connected(org, 'Switcher');
    expect(await outcome(await signIn({ team_id: w.teamId }))).toEqual({ teamId: w.teamId });
    const next = org.addClient({ redirectUris: [w.setup.redirectUri!], initiateLoginUri: w.setup.initiateLoginUri!, postLogoutRedirectUris: [w.setup.postLogoutUri!] });
    const put = await admin.put(`/api/admin/workspaces/${w.teamId}/okta`, { domain: org.issuer, clientId: next.clientId, clientSecret: next.clientSecret, signInEnabled: true });
    expect(put.status).toBe(200);
    expect(await outcome(await signIn({ iss: org.issuer }))).toEqual({ refused: 'ambiguous_issuer' });
    expect(await outcome(await signIn({ team_id: w.teamId }))).toEqual({ teamId: w.teamId });
    expect(await outcome(await signIn({ iss: org.issuer }))).toEqual({ teamId: w.teamId });
  });
});
