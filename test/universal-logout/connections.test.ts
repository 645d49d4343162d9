/**
 * Universal Logout and Shared Signals over a workspace's connections: a logout JWT is matched by
 * (iss, sub) to the connection it names — an OIDC connection by issuer and client id, a SAML
 * connection by Okta org URL and app instance id — and verified with that connection's own keys.
 * Several connections of one workspace may be live at once (an Okta OIDC app and a SAML app of the
 * same org; an Okta connection beside an Entra one during a migration). Real signed JWTs, the real
 * handler behind the local API, DynamoDB Local, local orgs serving discovery and JWKS.
 */
import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditContext } from '../../lambdas/core/audit.js';
import type { Connection, OidcConnection, SamlConnection, Workspace } from '../../lambdas/core/model/workspace.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { TokenRepo } from '../../lambdas/store/tokens.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import type { WorkspaceRepo } from '../../lambdas/store/workspaces.js';
import { selfSignedKeyPair } from '../fixtures/certs.js';
import { logoutClaims, startLocalOktaOrg, type LocalOktaOrg } from '../fixtures/logout/okta-org.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let admin: ApiClient;
let deps: Deps;
let tokens: TokenRepo;
let users: UserRepo;
let workspaces: WorkspaceRepo;
let issuerLinkItems: typeof WorkspaceRepo.issuerLinkItems;
/** The Okta org every workspace here is connected to. */
let okta: LocalOktaOrg;
/** An issuer standing in for Entra ID (`…/{tenant}/v2.0`): it serves keys, but sends no Universal Logout. */
let entra: LocalOktaOrg;

const samlKey = selfSignedKeyPair('okta-saml-app');
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const at = new Date().toISOString();
const ctx = (teamId: string): AuditContext => ({ teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });
const aud = (path = 'universal-logout') => `${stack.url}/api/okta/${path}`;

function oidc(id: string, preset: OidcConnection['preset'], issuer: string, clientId: string, over: Partial<OidcConnection> = {}): OidcConnection {
  return {
    id,
    name: id,
    preset,
    protocol: 'oidc',
    emailDomains: [],
    issuer,
    clientId,
    clientSecretName: `secret-${id}`,
    signInEnabled: true,
    jitEnabled: false,
    partialLogout: false,
    sharedSignalsEnabled: false,
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}

function saml(id: string, orgUrl: string, appInstanceId: string): SamlConnection {
  return {
    id,
    name: id,
    preset: 'okta',
    protocol: 'saml',
    emailDomains: [],
    idpSsoUrl: `${orgUrl}/app/acme/${appInstanceId}/sso/saml`,
    idpEntityId: `http://www.okta.com/${appInstanceId}`,
    idpCertificates: [samlKey.certificatePem],
    allowIdpInitiated: true,
    oktaOrgUrl: orgUrl,
    appInstanceId,
    createdAt: at,
    updatedAt: at,
  };
}

/** A workspace holding these connections, written as the admin API writes them: with their issuer links. */
async function workspaceWith(name: string, connections: Connection[]): Promise<Workspace> {
  const created = await admin.post<{ id: string }>('/api/admin/workspaces', { name });
  expect(created.status).toBe(201);
  const before = await workspaces.require(created.json.id);
  const next: Workspace = { ...before, connections, updatedAt: new Date().toISOString() };
  await workspaces.update(ctx(before.id), before, next, 'connection.created', issuerLinkItems(before, next));
  return workspaces.require(before.id);
}

/** A provisioned user holding one live token of each kind; returns them by kind. */
async function userWithTokens(w: Workspace, email: string): Promise<Record<'session' | 'api' | 'oauth-refresh', string>> {
  const user = await users.create(ctx(w.id), w, { userName: email, active: true, emails: [{ value: email, primary: true }] }, 'scim');
  const mint = async (kind: 'session' | 'api' | 'oauth-refresh') =>
    (await tokens.mint(ctx(w.id), { kind, teamId: w.id, userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) })).token;
  return { session: await mint('session'), api: await mint('api'), 'oauth-refresh': await mint('oauth-refresh') };
}

async function active(token: string): Promise<boolean> {
  const res = await admin.post<{ active: boolean }>('/api/tokens/introspect', new URLSearchParams({ token }));
  expect(res.status).toBe(200);
  return res.json.active;
}

function logout(jwt: string, email: string) {
  return api(stack.url).post<{ error?: { code: string; message: string } }>('/api/okta/universal-logout', { sub_id: { format: 'email', email } }, { headers: { authorization: `Bearer ${jwt}` } });
}

const orgSigned = (o: LocalOktaOrg, sub: string, iss = o.issuer) => o.sign(logoutClaims({ issuer: iss }, { aud: aud(), sub }));

async function samlSigned(iss: string, sub: string): Promise<string> {
  return new SignJWT(logoutClaims({ issuer: iss }, { aud: aud(), sub, jti: randomUUID() }))
    .setProtectedHeader({ alg: 'RS256', typ: 'global-token-revocation+jwt' })
    .sign(await importPKCS8(samlKey.privateKeyPem, 'RS256'));
}

/** Requests an org served for its keys (discovery and JWKS). */
const keyFetches = (o: LocalOktaOrg) => (o.hits.get('/.well-known/openid-configuration') ?? 0) + (o.hits.get('/oauth2/v1/keys') ?? 0);

beforeAll(async () => {
  okta = await startLocalOktaOrg();
  entra = await startLocalOktaOrg();
  stack = await startTestStack();
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  const store = await import('../../lambdas/store/workspaces.js');
  workspaces = new store.WorkspaceRepo(deps.db);
  issuerLinkItems = store.WorkspaceRepo.issuerLinkItems;
  tokens = new (await import('../../lambdas/store/tokens.js')).TokenRepo(deps.db, await deps.hasher(), 'us');
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);
});
afterAll(async () => {
  await stack?.close();
  await okta?.close();
  await entra?.close();
});

describe('Universal Logout over connections', () => {
  it('logs out through the Okta connection of a workspace that also has an Entra connection; nothing routes by the Entra connection', async () => {
    const w = await workspaceWith('Merger', [oidc('okta', 'okta', okta.issuer, 'okta-client-m'), oidc('centra', 'entra', `${entra.issuer}/${TENANT}/v2.0`, 'entra-client-m')]);
    const t = await userWithTokens(w, 'merger@example.com');
    const before = keyFetches(entra);

    // Entra sends no Universal Logout: a JWT naming the Entra connection (its issuer and client id)
    // is refused before any Entra key is fetched, even when Entra's own key signed it.
    const asEntra = await logout(await entra.sign(logoutClaims({ issuer: `${entra.issuer}/${TENANT}/v2.0` }, { aud: aud(), sub: 'entra-client-m' })), 'merger@example.com');
    expect(asEntra.status).toBe(401);
    expect(asEntra.json.error?.message).toMatch(/sub/);
    // The Okta org's key naming the Entra connection's client id matches no app of that org.
    expect((await logout(await orgSigned(okta, 'entra-client-m'), 'merger@example.com')).status).toBe(401);
    expect(await active(t.session)).toBe(true);
    expect(keyFetches(entra)).toBe(before);

    const res = await logout(await orgSigned(okta, 'okta-client-m'), 'merger@example.com');
    expect(res.status).toBe(204);
    for (const token of Object.values(t)) expect(await active(token)).toBe(false);
    expect(keyFetches(entra)).toBe(before);
  });

  it('accepts logouts for both an OIDC app and a SAML app of one workspace in the same Okta org, each with its own keys', async () => {
    const w = await workspaceWith('Two apps', [oidc('okta', 'okta', okta.issuer, 'okta-client-two'), saml('saml', okta.issuer, '0oaSAMLtwo')]);
    const viaOidc = await userWithTokens(w, 'oidc-user@example.com');
    const viaSaml = await userWithTokens(w, 'saml-user@example.com');

    expect((await logout(await orgSigned(okta, 'okta-client-two'), 'oidc-user@example.com')).status).toBe(204);
    expect(await active(viaOidc.session)).toBe(false);
    expect(await active(viaSaml.session)).toBe(true);

    expect((await logout(await samlSigned(okta.issuer, '0oaSAMLtwo'), 'saml-user@example.com')).status).toBe(204);
    expect(await active(viaSaml.session)).toBe(false);
    // A SAML app's logout signed by an unrelated key is still refused.
    const stranger = await okta.newKey('RS256', false);
    const forged = await okta.sign(logoutClaims(okta, { aud: aud(), sub: '0oaSAMLtwo' }), { key: stranger });
    expect((await logout(forged, 'saml-user@example.com')).status).toBe(401);
  });

  it('applies the partial-logout switch of the OIDC connection the token names', async () => {
    const w = await workspaceWith('Two OIDC apps', [
      oidc('okta', 'okta', okta.issuer, 'okta-client-full'),
      oidc('cpartial', 'okta', okta.issuer, 'okta-client-partial', { partialLogout: true }),
    ]);
    const viaPartial = await userWithTokens(w, 'p@example.com');
    expect((await logout(await orgSigned(okta, 'okta-client-partial'), 'p@example.com')).status).toBe(204);
    expect(await active(viaPartial['oauth-refresh'])).toBe(false);
    expect(await active(viaPartial.session)).toBe(true);
    expect(await active(viaPartial.api)).toBe(true);

    const viaFull = await userWithTokens(w, 'f@example.com');
    expect((await logout(await orgSigned(okta, 'okta-client-full'), 'f@example.com')).status).toBe(204);
    for (const token of Object.values(viaFull)) expect(await active(token)).toBe(false);
  });
});

describe('Shared Signals over connections', () => {
  const push = (jwt: string) =>
    api(stack.url).post<{ err?: string }>('/api/okta/ssf/events', jwt, { headers: { 'content-type': 'application/secevent+jwt' } });
  const sessionRevoked = (o: LocalOktaOrg, email: string) => {
    const now = Math.floor(Date.now() / 1000);
    return o.sign(
      {
        iss: o.issuer,
        aud: aud('ssf/events'),
        jti: randomUUID(),
        iat: now,
        events: { 'https://schemas.openid.net/secevent/caep/event-type/session-revoked': { subject: { format: 'email', email }, event_timestamp: now } },
      },
      { typ: 'secevent+jwt' },
    );
  };

  it('acts on a session-revoked SET through the OIDC connection that has Shared Signals on, beside an Entra connection', async () => {
    const transmitter = await startLocalOktaOrg();
    try {
      const w = await workspaceWith('SSF', [
        oidc('okta', 'okta', transmitter.issuer, 'okta-client-ssf', { sharedSignalsEnabled: true }),
        oidc('centra', 'entra', `${entra.issuer}/${TENANT}/v2.0`, 'entra-client-ssf'),
      ]);
      const t = await userWithTokens(w, 'ssf@example.com');
      expect((await push(await sessionRevoked(transmitter, 'ssf@example.com'))).status).toBe(202);
      expect(await active(t.session)).toBe(false);
      expect(await active(t.api)).toBe(true);
    } finally {
      await transmitter.close();
    }
  });

  it('refuses a SET from an issuer whose connections have Shared Signals off (access_denied)', async () => {
    const quiet = await startLocalOktaOrg();
    try {
      await workspaceWith('SSF off', [oidc('okta', 'okta', quiet.issuer, 'okta-client-quiet')]);
      const res = await push(await sessionRevoked(quiet, 'x@example.com'));
      expect(res.status).toBe(400);
      expect(res.json.err).toBe('access_denied');
    } finally {
      await quiet.close();
    }
  });
});
