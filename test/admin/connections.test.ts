import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db } from '../../lambdas/store/client.js';
import { keys } from '../../lambdas/store/keys.js';
import { WorkspaceRepo } from '../../lambdas/store/workspaces.js';
import { selfSignedCertificatePem } from '../fixtures/certs.js';
import { idpMetadataXml } from '../fixtures/saml/metadata.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

interface Setup {
  protocol: 'oidc' | 'saml';
  redirectUri?: string;
  initiateLoginUri?: string;
  loginUrl: string;
  acsUrl?: string;
  entityId?: string;
  metadataUrl?: string;
  scimBaseUrl: string;
  entraScim?: { tenantUrl: string; tenantUrlAadOptscim062020: string };
  notes: string[];
}

interface ConnectionView {
  id: string;
  name: string;
  protocol: 'oidc' | 'saml';
  preset: string;
  emailDomains: string[];
  createdAt: string;
  issuer?: string;
  domain?: string;
  tenantId?: string;
  hostedDomain?: string;
  clientId?: string;
  clientSecretSet?: boolean;
  clientSecretName?: string;
  signInEnabled?: boolean;
  jitEnabled?: boolean;
  idpSsoUrl?: string;
  idpEntityId?: string;
  idpCertificates?: string[];
  metadataUrl?: string | null;
  metadataRefreshedAt?: string | null;
  metadataError?: string | null;
  certificates?: { subject: string; notAfter: string; daysLeft: number; warning: number | 'expired' | null }[];
  certificateWarning?: boolean;
  setup: Setup;
}

interface WorkspaceView {
  id: string;
  okta: Record<string, unknown> | null;
  saml: Record<string, unknown> | null;
  connections: ConnectionView[];
  emailDomains: string[];
  updatedAt: string;
}

interface ErrorBody {
  error: { code: string; message: string };
}

interface AuditLine {
  action: string;
  target: { type: string; id: string };
  before: unknown;
  after: unknown;
}

const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const SECRET = 'connection-client-secret-never-echoed-51c2e8';

let stack: TestStack;
let admin: ApiClient;
let db: Db;
let idp: Server;
let idpUrl: string;
const signingPem = selfSignedCertificatePem('metadata-signing');
let metadata = idpMetadataXml({ entityId: 'https://idp.example.com/saml/acme', signing: [signingPem] });

beforeAll(async () => {
  stack = await startTestStack({ regionId: 'eu' });
  admin = api(stack.url, stack.adminKey);
  db = new Db({ tableName: stack.tableName, endpoint: stack.endpoint });
  // A SAML IdP's metadata endpoint, on loopback HTTP (accepted in local mode only).
  idp = createServer((req, res) => {
    if (req.url === '/metadata') return void res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(metadata);
    if (req.url === '/doctype') return void res.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
});

afterAll(async () => {
  idp?.closeAllConnections();
  await new Promise((r) => idp?.close(r));
  await stack?.close();
});

async function createWorkspace(name = 'Acme'): Promise<WorkspaceView> {
  const res = await admin.post<WorkspaceView>('/api/admin/workspaces', { name });
  expect(res.status).toBe(201);
  return res.json;
}

const connectionsOf = (teamId: string) => `/api/admin/workspaces/${teamId}/connections`;

async function create(teamId: string, body: object): Promise<ConnectionView> {
  const res = await admin.post<ConnectionView>(connectionsOf(teamId), body);
  expect(res.status, res.text).toBe(201);
  expect(res.headers.get('location')).toBe(`${stack.url}${connectionsOf(teamId)}/${res.json.id}`);
  return res.json;
}

async function auditOf(teamId: string): Promise<AuditLine[]> {
  const res = await admin.get(`/api/admin/workspaces/${teamId}/audit-export`);
  return res.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

async function storedSecrets(): Promise<Record<string, string>> {
  return JSON.parse(await readFile(stack.env.SECRETS_FILE!, 'utf8')) as Record<string, string>;
}

describe('presets', () => {
  it('lists the six presets with their defaults, help texts and notes', async () => {
    const res = await admin.get<{ presets: { id: string; label: string; protocols: string[]; defaults: { issuer?: string }; notes: string[] }[] }>('/api/admin/presets');
    expect(res.status).toBe(200);
    expect(res.json.presets.map((p) => p.id)).toEqual(['okta', 'entra', 'google', 'onelogin', 'jumpcloud', 'generic']);
    expect(res.json.presets.find((p) => p.id === 'entra')!.defaults.issuer).toBe('https://login.microsoftonline.com/{tenantId}/v2.0');
    expect((await api(stack.url).get('/api/admin/presets')).status).toBe(401);
  });
});

describe('OIDC connections', () => {
  it('creates an Entra connection from a tenant id, with its own setup values, the Entra SCIM URLs and what revokes access', async () => {
    // Prepare
    const w = await createWorkspace();

    // Act
    const c = await create(w.id, { protocol: 'oidc', preset: 'entra', tenantId: TENANT, clientId: 'entra-app', clientSecret: SECRET });

    // Assess
    expect(c.id).toMatch(/^c[a-z2-7]{10}$/);
    expect(c).toMatchObject({
      protocol: 'oidc',
      preset: 'entra',
      name: 'Microsoft Entra ID',
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      tenantId: TENANT,
      clientId: 'entra-app',
      clientSecretSet: true,
      signInEnabled: true,
      jitEnabled: false,
    });
    expect(c).not.toHaveProperty('clientSecretName');
    const scim = `${stack.url}/api/scim/v2/${w.id}`;
    expect(c.setup).toMatchObject({
      redirectUri: `${stack.url}/api/sso/oidc/callback`,
      initiateLoginUri: `${stack.url}/api/sso/oidc/login?team_id=${w.id}&connection=${c.id}`,
      loginUrl: `${stack.url}/api/sso/oidc/login?team_id=${w.id}&connection=${c.id}`,
      entraScim: { tenantUrl: scim, tenantUrlAadOptscim062020: `${scim}?aadOptscim062020` },
    });
    expect(c.setup.notes.join('\n')).toMatch(/SCIM deactivation/);
    expect(c.setup.notes.join('\n')).toMatch(/no Universal Logout/);
    // Entra's provisioning appends the resource path before the query: both Tenant URL forms answer.
    const token = (await admin.post<{ token: string }>(`/api/admin/workspaces/${w.id}/scim-tokens`, { label: 'entra' })).json.token;
    for (const tenantUrl of [c.setup.entraScim!.tenantUrl, c.setup.entraScim!.tenantUrlAadOptscim062020]) {
      const u = new URL(tenantUrl);
      const probe = `${u.pathname}/Users${u.search ? `${u.search}&` : '?'}filter=${encodeURIComponent('userName eq "nobody@contoso.example"')}`;
      const res = await api(stack.url, token).get<{ totalResults: number }>(probe);
      expect(res.status, probe).toBe(200);
      expect(res.json.totalResults).toBe(0);
    }
    expect(await new WorkspaceRepo(db).findByIssuer(c.issuer!)).toEqual([w.id]);
    const secrets = await storedSecrets();
    expect(Object.entries(secrets).find(([, v]) => v === SECRET)?.[0]).toContain(`${w.id}/connections/${c.id}/`);
  });

  it.each([
    [{ preset: 'okta', domain: 'acme.okta.com' }, { issuer: 'https://acme.okta.com', domain: 'acme.okta.com' }],
    [{ preset: 'google', hostedDomain: 'Acme.example' }, { issuer: 'https://accounts.google.com', hostedDomain: 'acme.example' }],
    [{ preset: 'onelogin', domain: 'acme' }, { issuer: 'https://acme.onelogin.com/oidc/2' }],
    [{ preset: 'jumpcloud' }, { issuer: 'https://oauth.id.jumpcloud.com/' }],
    [{ preset: 'generic', issuer: 'https://auth.example.com/realms/acme/' }, { issuer: 'https://auth.example.com/realms/acme/' }],
    [{ preset: 'generic', issuer: 'http://127.0.0.1:9555/local' }, { issuer: 'http://127.0.0.1:9555/local' }],
  ])('creates %j with %j', async (input, expected) => {
    const w = await createWorkspace();
    const c = await create(w.id, { protocol: 'oidc', clientId: 'app', clientSecret: 's', ...input });
    expect(c).toMatchObject(expected);
    const okta = input.preset === 'okta';
    expect(c.setup.redirectUri).toBe(`${stack.url}/api/${okta ? 'okta' : 'sso'}/oidc/callback`);
    expect(c.setup.initiateLoginUri).toBe(`${stack.url}/api/${okta ? 'okta' : 'sso'}/oidc/login?team_id=${w.id}&connection=${c.id}`);
    expect(c.setup.entraScim).toBeUndefined();
  });

  it('lists, reads, replaces (keeping the secret) and deletes a connection, auditing each change without the secret', async () => {
    // Prepare
    const w = await createWorkspace();
    const c = await create(w.id, { protocol: 'oidc', preset: 'generic', name: 'Keycloak', issuer: 'https://kc.example.com/realms/a', clientId: 'a', clientSecret: SECRET });

    // Act
    const list = await admin.get<{ connections: ConnectionView[] }>(connectionsOf(w.id));
    const got = await admin.get<ConnectionView>(`${connectionsOf(w.id)}/${c.id}`);
    const put = await admin.put<ConnectionView>(`${connectionsOf(w.id)}/${c.id}`, {
      protocol: 'oidc',
      preset: 'generic',
      name: 'Keycloak EU',
      issuer: 'https://kc.example.com/realms/b',
      clientId: 'b',
      jitEnabled: true,
    });
    const afterPut = await new WorkspaceRepo(db).require(w.id);
    const del = await admin.delete(`${connectionsOf(w.id)}/${c.id}`);

    // Assess
    expect(list.json.connections).toEqual([c]);
    expect(got.json).toEqual(c);
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ id: c.id, name: 'Keycloak EU', issuer: 'https://kc.example.com/realms/b', clientId: 'b', jitEnabled: true, clientSecretSet: true, createdAt: c.createdAt });
    const stored = afterPut.connections[0]!;
    expect(stored.protocol === 'oidc' && (await storedSecrets())[stored.clientSecretName]).toBe(SECRET);
    expect(await new WorkspaceRepo(db).findByIssuer('https://kc.example.com/realms/a')).toEqual([]);
    expect(del.status).toBe(204);
    expect((await admin.get<ErrorBody>(`${connectionsOf(w.id)}/${c.id}`)).status).toBe(404);
    expect((await admin.get<{ connections: unknown[] }>(connectionsOf(w.id))).json.connections).toEqual([]);
    expect(await new WorkspaceRepo(db).findByIssuer('https://kc.example.com/realms/b')).toEqual([]);
    const audit = await auditOf(w.id);
    expect(audit.map((l) => `${l.action} ${l.target.type}:${l.target.id}`)).toEqual([
      `workspace.created workspace:${w.id}`,
      `connection.created connection:${c.id}`,
      `connection.updated connection:${c.id}`,
      `connection.deleted connection:${c.id}`,
    ]);
    expect(audit[2]!.before).toMatchObject({ name: 'Keycloak' });
    expect(audit[2]!.after).toMatchObject({ name: 'Keycloak EU' });
    expect(audit[3]!.after ?? null).toBeNull();
    for (const text of [JSON.stringify(audit), list.text, got.text, put.text]) expect(text).not.toContain(SECRET);
  });

  it('makes e-mail domains pending claims of the workspace, which route nothing until verified', async () => {
    const w = await createWorkspace();
    const c = await create(w.id, { protocol: 'oidc', preset: 'entra', tenantId: TENANT, clientId: 'a', clientSecret: 's', emailDomains: ['Contoso.example'] });
    expect(c.emailDomains).toEqual(['contoso.example']);
    const domains = await admin.get<{ domains: { domain: string; status: string; routesSignIns: boolean }[] }>(`/api/admin/workspaces/${w.id}/domains`);
    expect(domains.json.domains).toEqual([expect.objectContaining({ domain: 'contoso.example', status: 'pending', routesSignIns: false })]);
    const ws = await admin.get<WorkspaceView>(`/api/admin/workspaces/${w.id}`);
    expect(ws.json.emailDomains).toEqual(['contoso.example']);
    const public_ = await admin.post<ErrorBody>(connectionsOf(w.id), { protocol: 'oidc', preset: 'google', clientId: 'a', clientSecret: 's', emailDomains: ['gmail.com'] });
    expect(public_.status).toBe(400);
    expect(public_.json.error.code).toBe('public_mail_domain');
  });

  it('lets two live connections share a workspace (Okta and Entra) and shows both in the workspace view', async () => {
    const w = await createWorkspace();
    expect((await admin.put(`/api/admin/workspaces/${w.id}/okta`, { domain: 'acme.okta.com', clientId: 'o', clientSecret: 's' })).status).toBe(200);
    const entra = await create(w.id, { protocol: 'oidc', preset: 'entra', tenantId: TENANT, clientId: 'e', clientSecret: 's' });
    const view = await admin.get<WorkspaceView>(`/api/admin/workspaces/${w.id}`);
    expect(view.json.connections.map((c) => c.id)).toEqual(['okta', entra.id]);
    expect(view.json.connections[0]!.setup.initiateLoginUri).toBe(`${stack.url}/api/okta/oidc/login?team_id=${w.id}`);
    expect(view.json.okta).toMatchObject({ issuer: 'https://acme.okta.com', clientId: 'o' });
    expect((await new WorkspaceRepo(db).findByIssuer(entra.issuer!)).includes(w.id)).toBe(true);
  });
});

describe('SAML connections', () => {
  it('creates a connection from a metadata URL, reading the entity id, SSO URL and certificates, with their expiry', async () => {
    const w = await createWorkspace();
    const c = await create(w.id, { protocol: 'saml', preset: 'entra', metadataUrl: `${idpUrl}/metadata`, groupPrefix: 'app-' });
    expect(c).toMatchObject({
      name: 'Microsoft Entra ID SAML',
      idpEntityId: 'https://idp.example.com/saml/acme',
      idpSsoUrl: 'https://idp.example.com/sso/redirect',
      metadataUrl: `${idpUrl}/metadata`,
      metadataError: null,
      groupPrefix: 'app-',
      signInEnabled: true,
      jitEnabled: false,
      allowIdpInitiated: true,
    });
    expect(c.idpCertificates).toHaveLength(1);
    expect(c.metadataRefreshedAt).toBeTruthy();
    // The fixture certificate is valid for two days: inside every warning window.
    expect(c.certificates).toEqual([expect.objectContaining({ subject: 'CN=metadata-signing', warning: 7 })]);
    expect(c.certificateWarning).toBe(true);
    const base = `${stack.url}/api/sso/saml/${w.id}/${c.id}`;
    expect(c.setup).toMatchObject({ protocol: 'saml', acsUrl: `${base}/acs`, entityId: `${base}/metadata`, metadataUrl: `${base}/metadata`, loginUrl: `${base}/login` });
    expect(c.setup.entraScim?.tenantUrl).toBe(`${stack.url}/api/scim/v2/${w.id}`);
    expect(await new WorkspaceRepo(db).findByIssuer('https://idp.example.com/saml/acme')).toEqual([w.id]);
  });

  it('re-reads the metadata when a connection is saved again (a rotated certificate)', async () => {
    const w = await createWorkspace();
    const c = await create(w.id, { protocol: 'saml', preset: 'generic', name: 'Shibboleth', metadataUrl: `${idpUrl}/metadata` });
    const rotated = selfSignedCertificatePem('metadata-next');
    const before = metadata;
    metadata = idpMetadataXml({ entityId: 'https://idp.example.com/saml/acme', signing: [signingPem, rotated] });
    try {
      const put = await admin.put<ConnectionView>(`${connectionsOf(w.id)}/${c.id}`, { protocol: 'saml', preset: 'generic', name: 'Shibboleth', metadataUrl: `${idpUrl}/metadata` });
      expect(put.status).toBe(200);
      expect(put.json.certificates!.map((x) => x.subject)).toEqual(['CN=metadata-signing', 'CN=metadata-next']);
    } finally {
      metadata = before;
    }
  });

  it('creates a connection from explicit IdP values', async () => {
    const w = await createWorkspace();
    const c = await create(w.id, {
      protocol: 'saml',
      preset: 'onelogin',
      idpSsoUrl: 'https://acme.onelogin.com/trust/saml2/http-redirect/sso/1',
      idpEntityId: 'https://app.onelogin.com/saml/metadata/1',
      idpCertificate: signingPem,
      allowIdpInitiated: false,
    });
    expect(c).toMatchObject({ allowIdpInitiated: false, metadataUrl: null, metadataRefreshedAt: null, idpEntityId: 'https://app.onelogin.com/saml/metadata/1' });
  });

  it('refuses metadata it cannot fetch or use, and stores nothing', async () => {
    const w = await createWorkspace();
    for (const [url, message] of [
      [`${idpUrl}/missing`, /HTTP 404/],
      [`${idpUrl}/doctype`, /DOCTYPE/],
      ['ftp://idp.example.com/metadata', /https/],
    ] as const) {
      const res = await admin.post<ErrorBody>(connectionsOf(w.id), { protocol: 'saml', preset: 'generic', metadataUrl: url });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(message) });
    }
    const mixed = await admin.post<ErrorBody>(connectionsOf(w.id), { protocol: 'saml', preset: 'generic', metadataUrl: `${idpUrl}/metadata`, idpEntityId: 'x' });
    expect(mixed.status).toBe(400);
    expect((await admin.get<{ connections: unknown[] }>(connectionsOf(w.id))).json.connections).toEqual([]);
  });
});

describe('validation', () => {
  it.each([
    ['no protocol', { preset: 'okta', domain: 'acme.okta.com', clientId: 'a', clientSecret: 's' }],
    ['an unknown preset', { protocol: 'oidc', preset: 'auth0', issuer: 'https://a.example', clientId: 'a', clientSecret: 's' }],
    ['an unknown field', { protocol: 'oidc', preset: 'generic', issuer: 'https://a.example', clientId: 'a', clientSecret: 's', extra: 1 }],
    ['no client id', { protocol: 'oidc', preset: 'generic', issuer: 'https://a.example', clientSecret: 's' }],
    ['no client secret on create', { protocol: 'oidc', preset: 'generic', issuer: 'https://a.example', clientId: 'a' }],
    ['a generic connection without issuer', { protocol: 'oidc', preset: 'generic', clientId: 'a', clientSecret: 's' }],
    ['a plain-HTTP issuer off loopback', { protocol: 'oidc', preset: 'generic', issuer: 'http://a.example', clientId: 'a', clientSecret: 's' }],
    ['an issuer with a query', { protocol: 'oidc', preset: 'generic', issuer: 'https://a.example/?x=1', clientId: 'a', clientSecret: 's' }],
    ['an Entra tenant that is not a GUID', { protocol: 'oidc', preset: 'entra', tenantId: 'contoso.onmicrosoft.com', clientId: 'a', clientSecret: 's' }],
    ['a tenant id on another preset', { protocol: 'oidc', preset: 'okta', domain: 'acme.okta.com', tenantId: TENANT, clientId: 'a', clientSecret: 's' }],
    ['a SAML connection without IdP values', { protocol: 'saml', preset: 'generic' }],
    ['a javascript: SSO URL', { protocol: 'saml', preset: 'generic', idpSsoUrl: 'javascript:alert(1)', idpEntityId: 'e', idpCertificate: 'x' }],
    ['a certificate that is not X.509', { protocol: 'saml', preset: 'generic', idpSsoUrl: 'https://idp.example/sso', idpEntityId: 'e', idpCertificate: 'garbage' }],
  ])('answers 400 validation_failed for %s', async (_, body) => {
    const w = await createWorkspace();
    const res = await admin.post<ErrorBody>(connectionsOf(w.id), body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect((await admin.get<{ connections: unknown[] }>(connectionsOf(w.id))).json.connections).toEqual([]);
  });

  it('refuses one app twice (same issuer and client id) and a change of protocol, but allows two apps of one tenant', async () => {
    const w = await createWorkspace();
    const body = { protocol: 'oidc', preset: 'entra', tenantId: TENANT, clientId: 'a', clientSecret: 's' };
    const c = await create(w.id, body);
    const dup = await admin.post<ErrorBody>(connectionsOf(w.id), { ...body, name: 'again' });
    expect(dup.status).toBe(400);
    expect(dup.json.error.message).toContain(c.id);
    await create(w.id, { ...body, clientId: 'b', name: 'Second app' });
    const toSaml = await admin.put<ErrorBody>(`${connectionsOf(w.id)}/${c.id}`, { protocol: 'saml', preset: 'entra', metadataUrl: `${idpUrl}/metadata` });
    expect(toSaml.status).toBe(400);
    expect(toSaml.json.error.message).toContain('protocol');
  });

  it(`holds at most 20 connections`, async () => {
    const w = await createWorkspace();
    for (let i = 0; i < 20; i++) await create(w.id, { protocol: 'oidc', preset: 'generic', issuer: `https://idp${i}.example.com`, clientId: 'a', clientSecret: 's' });
    const res = await admin.post<ErrorBody>(connectionsOf(w.id), { protocol: 'oidc', preset: 'generic', issuer: 'https://idp-extra.example.com', clientId: 'a', clientSecret: 's' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('at most 20');
  });

  it('answers 404 for unknown connections, and for a connection of another workspace', async () => {
    const a = await createWorkspace('A');
    const b = await createWorkspace('B');
    const c = await create(a.id, { protocol: 'oidc', preset: 'google', clientId: 'a', clientSecret: 's' });
    const put = { protocol: 'oidc', preset: 'google', clientId: 'x' };
    for (const res of [
      await admin.get<ErrorBody>(`${connectionsOf(b.id)}/${c.id}`),
      await admin.put<ErrorBody>(`${connectionsOf(b.id)}/${c.id}`, put),
      await admin.delete<ErrorBody>(`${connectionsOf(b.id)}/${c.id}`),
      await admin.get<ErrorBody>(`${connectionsOf(a.id)}/cnothere0000`),
      await admin.get<ErrorBody>(`${connectionsOf('00000000-0000-4000-8000-000000000000')}/${c.id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
    expect((await admin.get<ConnectionView>(`${connectionsOf(a.id)}/${c.id}`)).json.clientId).toBe('a');
    expect((await api(stack.url).get(connectionsOf(a.id))).status).toBe(401);
  });

  it('answers 409 to a save that lost a race, and loses no connection that was answered 201', async () => {
    const w = await createWorkspace();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        admin.post<ConnectionView & ErrorBody>(connectionsOf(w.id), { protocol: 'oidc', preset: 'generic', issuer: `https://race${i}.example.com`, clientId: 'a', clientSecret: 's' }),
      ),
    );
    for (const r of results) expect([201, 409]).toContain(r.status);
    const created = results.filter((r) => r.status === 201).map((r) => r.json.id);
    expect(created.length).toBeGreaterThan(0);
    for (const r of results.filter((x) => x.status === 409)) expect(r.json.error.code).toBe('conflict');
    const stored = (await admin.get<{ connections: ConnectionView[] }>(connectionsOf(w.id))).json.connections.map((c) => c.id);
    expect(stored.sort()).toEqual(created.sort());
  });
});

describe('the legacy …/okta and …/saml forms', () => {
  it('write the okta and saml connections, which the connections API lists and updates', async () => {
    const w = await createWorkspace();
    const okta = await admin.put<WorkspaceView>(`/api/admin/workspaces/${w.id}/okta`, { domain: 'acme.okta.com', clientId: 'o', clientSecret: SECRET });
    expect(okta.status).toBe(200);
    const saml = await admin.put<WorkspaceView>(`/api/admin/workspaces/${w.id}/saml`, {
      idpSsoUrl: 'https://acme.okta.com/app/acme/sso/saml',
      idpEntityId: 'http://www.okta.com/exk1',
      idpCertificate: signingPem,
      oktaOrgUrl: 'acme.okta.com',
    });
    expect(saml.status).toBe(200);
    expect(saml.json.saml).toMatchObject({ idpEntityId: 'http://www.okta.com/exk1', oktaOrgUrl: 'https://acme.okta.com', allowIdpInitiated: true });
    expect(saml.json.saml).not.toHaveProperty('signInEnabled');

    const list = await admin.get<{ connections: ConnectionView[] }>(connectionsOf(w.id));
    expect(list.json.connections.map((c) => [c.id, c.protocol, c.preset])).toEqual([
      ['okta', 'oidc', 'okta'],
      ['saml', 'saml', 'okta'],
    ]);
    const [o, s] = list.json.connections as [ConnectionView, ConnectionView];
    expect(o.setup).toMatchObject({ redirectUri: `${stack.url}/api/okta/oidc/callback`, initiateLoginUri: `${stack.url}/api/okta/oidc/login?team_id=${w.id}` });
    expect(s.setup).toMatchObject({ acsUrl: `${stack.url}/api/saml/${w.id}/acs`, entityId: `${stack.url}/api/saml/${w.id}/metadata`, loginUrl: `${stack.url}/api/saml/${w.id}/login` });
    expect(list.text).not.toContain(SECRET);

    const put = await admin.put<ConnectionView>(`${connectionsOf(w.id)}/okta`, { protocol: 'oidc', preset: 'okta', domain: 'acme.okta.com', clientId: 'o2', jitEnabled: true });
    expect(put.status).toBe(200);
    expect((await admin.get<WorkspaceView>(`/api/admin/workspaces/${w.id}`)).json.okta).toMatchObject({ clientId: 'o2', jitEnabled: true, clientSecretSet: true });
    const wrong = await admin.put<ErrorBody>(`${connectionsOf(w.id)}/okta`, { protocol: 'oidc', preset: 'entra', tenantId: TENANT, clientId: 'x' });
    expect(wrong.status).toBe(400);
    expect((await admin.delete(`${connectionsOf(w.id)}/saml`)).status).toBe(204);
    expect((await admin.get<WorkspaceView>(`/api/admin/workspaces/${w.id}`)).json.saml).toBeNull();
    expect(await new WorkspaceRepo(db).findByIssuer('http://www.okta.com/exk1')).toEqual([]);
  });

  it('keeps the local stand-in’s http:// issuer when the Okta form is saved again with only an e-mail domain added', async () => {
    // Prepare: the local demo's Okta stand-in is a plain-HTTP loopback issuer.
    const w = await createWorkspace();
    const first = await admin.put<WorkspaceView>(`/api/admin/workspaces/${w.id}/okta`, { domain: 'http://127.0.0.1:9000', clientId: 'c', clientSecret: 's' });
    expect(first.json.okta).toMatchObject({ domain: '127.0.0.1:9000', issuer: 'http://127.0.0.1:9000' });

    // Act: the form sends back the domain it shows, plus an e-mail domain.
    const again = await admin.put<WorkspaceView>(`/api/admin/workspaces/${w.id}/okta`, { domain: '127.0.0.1:9000', clientId: 'c', emailDomains: ['acme.example'] });

    // Assess
    expect(again.status).toBe(200);
    expect(again.json.okta).toMatchObject({ issuer: 'http://127.0.0.1:9000' });
    expect(await new WorkspaceRepo(db).findByIssuer('http://127.0.0.1:9000')).toEqual([w.id]);
    expect(await new WorkspaceRepo(db).findByIssuer('https://127.0.0.1:9000')).toEqual([]);
    // A domain typed with its scheme is taken as typed.
    const typed = await admin.put<WorkspaceView>(`/api/admin/workspaces/${w.id}/okta`, { domain: 'https://127.0.0.1:9000', clientId: 'c' });
    expect(typed.json.okta).toMatchObject({ issuer: 'https://127.0.0.1:9000' });
  });

  it('accepts a full issuer on …/okta, kept exactly as entered', async () => {
    const w = await createWorkspace();
    const res = await admin.put<WorkspaceView>(`/api/admin/workspaces/${w.id}/okta`, { issuer: 'https://acme.okta.com/oauth2/default', clientId: 'c', clientSecret: 's' });
    expect(res.status).toBe(200);
    expect(res.json.okta).toMatchObject({ issuer: 'https://acme.okta.com/oauth2/default', domain: 'acme.okta.com' });
    expect((await admin.put(`/api/admin/workspaces/${w.id}/okta`, { clientId: 'c' })).status).toBe(400);
  });

  it('reads workspaces stored before connections existed (okta and saml attributes) as the okta and saml connections', async () => {
    // Prepare: an item as the pre-connection code wrote it.
    const teamId = '3b0c5d2e-8f4a-4c1b-9e6d-7a2f1c0b9d8e';
    const at = '2026-01-02T03:04:05.000Z';
    await db.put({
      ...keys.workspace(teamId),
      ...keys.workspaceListing(at, teamId),
      type: 'workspace',
      id: teamId,
      name: 'Legacy',
      region: 'eu',
      createdAt: at,
      updatedAt: at,
      roles: [{ id: 'member', displayName: 'Member' }],
      defaultRole: 'member',
      roleMappings: { groups: [], roleValues: [] },
      emailDomains: [],
      okta: {
        domain: 'legacy.okta.com',
        issuer: 'https://legacy.okta.com',
        clientId: 'legacy-client',
        clientSecretName: `idpb/${teamId}/okta-client-secret`,
        signInEnabled: true,
        jitEnabled: false,
        partialLogout: false,
        sharedSignalsEnabled: false,
        updatedAt: at,
      },
      saml: { idpSsoUrl: 'https://legacy.okta.com/sso', idpEntityId: 'http://www.okta.com/exkLegacy', idpCertificates: [signingPem], allowIdpInitiated: true, updatedAt: at },
    });

    // Act
    const view = await admin.get<WorkspaceView>(`/api/admin/workspaces/${teamId}`);
    const list = await admin.get<{ connections: ConnectionView[] }>(connectionsOf(teamId));

    // Assess
    expect(view.status).toBe(200);
    expect(view.json.okta).toMatchObject({ domain: 'legacy.okta.com', issuer: 'https://legacy.okta.com', clientId: 'legacy-client', clientSecretSet: true });
    expect(view.json.saml).toMatchObject({ idpEntityId: 'http://www.okta.com/exkLegacy', allowIdpInitiated: true });
    expect(list.json.connections).toEqual([
      expect.objectContaining({ id: 'okta', protocol: 'oidc', preset: 'okta', name: 'Okta', createdAt: at }),
      expect.objectContaining({ id: 'saml', protocol: 'saml', preset: 'okta', name: 'Okta SAML', certificates: [expect.objectContaining({ warning: 7 })] }),
    ]);
    expect(list.text).not.toContain('clientSecretName');
  });
});
