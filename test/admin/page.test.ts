/**
 * The admin web page (`GET /admin`), driven in a real Chromium against the real local stack, the way
 * a workspace admin uses it (seeds 000–004): sign in with the platform key, create a workspace, copy
 * the setup URLs, add an Okta connection, mint and revoke a SCIM token, edit roles and mappings,
 * export the audit log. Screenshots go to the OS temp dir for a human look; they are never committed.
 * The connections list, Entra, certificates and deletion: test/admin/connections-page.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificatePem } from '../fixtures/certs.js';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(tmpdir(), 'idp-bridge-admin-page');
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const WORKSPACE_NAME = 'Acme <b>EU</b> & "Co"';
const CLIENT_SECRET = 'okta-client-secret-Zq81-never-echo';

interface ConnectionView {
  id: string;
  protocol: 'oidc' | 'saml';
  preset: string;
  name: string;
  issuer?: string;
  domain?: string;
  clientId?: string;
  clientSecretSet?: boolean;
  signInEnabled?: boolean;
  jitEnabled?: boolean;
  emailDomains: string[];
  idpSsoUrl?: string;
  idpEntityId?: string;
  idpCertificates?: string[];
  allowIdpInitiated?: boolean;
  groupPrefix?: string;
  setup: Record<string, unknown>;
}

interface WorkspaceView {
  id: string;
  region: string;
  setup: Record<string, unknown> & { oktaTemplates: Record<string, string>; scimOAuthScopes: string[] };
  okta: null | { domain: string; issuer: string; clientId: string; clientSecretSet: boolean; signInEnabled: boolean; jitEnabled: boolean };
  saml: null | { idpSsoUrl: string; idpEntityId: string; idpCertificates: string[]; allowIdpInitiated: boolean; groupPrefix?: string };
  roles: { id: string; displayName: string; description?: string }[];
  defaultRole: string;
  roleMappings: { groups: { group: string; role: string; grants?: string[] }[]; roleValues: { value: string; role: string }[] };
}

let dns: DnsTestServer;
let stack: TestStack;
let admin: ApiClient;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let teamId = '';
/** Console errors other than failed loads (4xx answers the page shows on purpose), and page errors. */
const browserErrors: string[] = [];

/** Waits for the page: playwright-core has no web-first assertions, so these poll (and fail fast). */
const WAIT = { timeout: 5_000 };
const visible = (l: Locator) => l.waitFor({ state: 'visible', ...WAIT });
const textOf = (l: Locator) => expect.poll(() => l.textContent(WAIT), WAIT);
const attrOf = (l: Locator, name: string) => expect.poll(() => l.getAttribute(name, WAIT), WAIT);
const countOf = (l: Locator) => expect.poll(() => l.count(), WAIT);
const focused = (l: Locator) => expect.poll(() => l.evaluate((e) => e === document.activeElement, undefined, WAIT), WAIT);

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

function watch(p: Page): void {
  p.on('pageerror', (e) => browserErrors.push(`pageerror: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) browserErrors.push(`console: ${m.text()}`);
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The admin page test needs Chromium at ${CHROMIUM}; install it with: apt-get update && apt-get install -y chromium`);
  }
  await mkdir(SHOTS, { recursive: true });
  // Domain verification asks this loopback DNS server (read by the handlers when they load).
  dns = await startDnsServer();
  stack = await startTestStack({ env: { DNS_SERVERS: dns.address } });
  admin = api(stack.url, stack.adminKey);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
  context.setDefaultTimeout(WAIT.timeout);
  page = await context.newPage();
  watch(page);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await dns?.close();
});

describe('admin page (GET /admin) in Chromium', () => {
  it('serves the page and its assets with a strict CSP, correct types and cache headers', async () => {
    const res = await fetch(`${stack.url}/admin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const htmlText = await res.text();
    // No inline script or style: every <script> has a src, no style attributes or <style> blocks.
    expect(htmlText).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(htmlText).not.toMatch(/<style|\sstyle=/);
    const js = /src="(\/admin\/app\.js\?v=[\w-]+)"/.exec(htmlText)?.[1];
    const css = /href="(\/admin\/app\.css\?v=[\w-]+)"/.exec(htmlText)?.[1];
    expect(js).toBeDefined();
    expect(css).toBeDefined();

    const jsRes = await fetch(`${stack.url}${js}`);
    expect(jsRes.status).toBe(200);
    expect(jsRes.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(jsRes.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const jsText = await jsRes.text();
    expect(jsText).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);

    const cssRes = await fetch(`${stack.url}${css}`);
    expect(cssRes.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const etag = cssRes.headers.get('etag')!;
    // Unversioned URLs revalidate; a matching ETag answers 304.
    const again = await fetch(`${stack.url}/admin/app.css`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate');
  });

  it('signs in with the platform key from the keyboard and keeps it in sessionStorage only', async () => {
    await page.goto(`${stack.url}/admin`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('adminKey');
    await shot('01-sign-in');

    await page.keyboard.type('not-the-key');
    await page.keyboard.press('Enter');
    const keyForm = page.getByRole('form', { name: 'Sign in with the platform admin key' });
    await textOf(keyForm.getByRole('alert')).toContain('key: this key was not accepted.');
    await attrOf(page.getByLabel('Platform admin key', { exact: true }), 'aria-invalid').toBe('true');

    await page.getByLabel('Platform admin key', { exact: true }).fill(stack.adminKey);
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { level: 1, name: 'Workspaces' }));
    expect(await page.evaluate(() => [sessionStorage.getItem('idpb.adminKey'), localStorage.length])).toEqual([stack.adminKey, 0]);
  });

  it('creates a workspace and renders its name as text, never as markup', async () => {
    await page.getByLabel('Workspace name').fill(WORKSPACE_NAME);
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Setup URLs' }));
    teamId = /#\/w\/([0-9a-f-]{36})\/setup$/.exec(page.url())![1]!;
    await textOf(page.locator('.ws-name')).toBe(WORKSPACE_NAME);
    expect(await page.locator('.ws-name b').count()).toBe(0);
    await visible(page.getByRole('status').filter({ hasText: 'created in region US' }));
    const stored = await admin.get<{ name: string }>(`/api/admin/workspaces/${teamId}`);
    expect(stored.json.name).toBe(WORKSPACE_NAME);
  });

  it('shows every setup URL exactly as the API returns it, with copy buttons', async () => {
    const { json: ws } = await admin.get<WorkspaceView>(`/api/admin/workspaces/${teamId}`);
    const expected: Record<string, string> = {};
    for (const [k, v] of Object.entries(ws.setup)) if (typeof v === 'string') expected[k] = v;
    expected.scimOAuthScopes = ws.setup.scimOAuthScopes.join(', ');
    for (const [k, v] of Object.entries(ws.setup.oktaTemplates)) expected[`oktaTemplates.${k}`] = v;
    const shown = await page.$$eval('[data-setup]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-setup'), e.textContent])));
    expect(shown).toEqual(expected);
    // Seed 000's fixed Universal Logout values sit next to the endpoint.
    const logout = page.getByRole('region', { name: 'Universal Logout' });
    await textOf(logout.getByRole('row', { name: /Authentication method/ })).toContain('SIGNED_JWT');
    await textOf(logout.getByRole('row', { name: /Subject format/ })).toContain('Email');
    await textOf(page.getByRole('region', { name: 'SCIM provisioning' }).getByRole('row', { name: /Okta expression/ })).toContain(`' + app.team_id`);

    await page.getByRole('button', { name: 'Copy Sign-in redirect URI' }).first().click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ws.setup.redirectUri);
    await shot('02-setup-urls');
  });

  it('shows the API validation error next to the connection form for a non-HTTPS issuer', async () => {
    await page.getByRole('link', { name: 'Connections' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Sign-in connections' }));
    await visible(page.getByText('No connections yet.'));
    await page.getByRole('link', { name: 'Add connection' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Add a connection' }));
    await page.getByRole('radio', { name: 'Okta', exact: true }).check();
    const form = page.getByRole('form', { name: 'New connection' });
    await form.getByLabel('Okta domain or issuer').fill('http://evil.example');
    await form.getByLabel('Client ID').fill('0oa1client');
    await form.getByLabel('Client secret').fill(CLIENT_SECRET);
    await form.getByRole('button', { name: 'Create connection' }).click();
    await textOf(form.getByRole('alert')).toContain('issuer: the issuer must use HTTPS');
    await attrOf(form.getByLabel('Okta domain or issuer'), 'aria-invalid').toBe('true');
    await focused(form.getByLabel('Okta domain or issuer')).toBe(true);
    await shot('03-okta-error');
    expect((await admin.get<{ connections: unknown[] }>(`/api/admin/workspaces/${teamId}/connections`)).json.connections).toEqual([]);
  });

  it('creates the Okta connection and never shows or echoes the client secret', async () => {
    const form = page.getByRole('form', { name: 'New connection' });
    await form.getByLabel('Okta domain or issuer').fill('acme.okta.com');
    await form.getByLabel('Just-in-time provisioning').check();
    await form.getByLabel('Email domains').fill('acme.com, acme.io');
    await form.getByRole('button', { name: 'Create connection' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Okta' }));
    await visible(page.getByRole('status').filter({ hasText: 'Connection “Okta” created.' }));
    await textOf(page.locator('.summary [data-conn=issuer]')).toBe('https://acme.okta.com');

    const listed = await admin.get<{ connections: ConnectionView[] }>(`/api/admin/workspaces/${teamId}/connections`);
    expect(listed.text).not.toContain(CLIENT_SECRET);
    expect(listed.json.connections).toHaveLength(1);
    const c = listed.json.connections[0]!;
    expect(c).toMatchObject({ protocol: 'oidc', preset: 'okta', domain: 'acme.okta.com', issuer: 'https://acme.okta.com', clientId: '0oa1client', clientSecretSet: true, signInEnabled: true, jitEnabled: true });
    expect(await page.content()).not.toContain(CLIENT_SECRET);
    // The connection's own setup values, exactly as the API returns them.
    await textOf(page.locator('[data-conn-setup=redirectUri]')).toBe(String(c.setup.redirectUri));
    await textOf(page.locator('[data-conn-setup=initiateLoginUri]')).toBe(String(c.setup.initiateLoginUri));
    await page.getByRole('button', { name: 'Copy Initiate login URI' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(c.setup.initiateLoginUri);

    // Saving again with the secret left blank keeps the stored one.
    const edit = page.getByRole('form', { name: 'Connection settings' });
    await expect.poll(() => edit.getByLabel('Client secret').inputValue(WAIT), WAIT).toBe('');
    await attrOf(edit.getByLabel('Client secret'), 'placeholder').toBe('stored — leave blank to keep');
    await edit.getByLabel('Just-in-time provisioning').uncheck();
    await edit.getByRole('button', { name: 'Save connection' }).click();
    await textOf(edit.getByRole('status')).toBe('Connection saved. Issuer: https://acme.okta.com');
    await textOf(edit.locator('[role=alert]')).toBe('');
    expect((await admin.get<ConnectionView>(`/api/admin/workspaces/${teamId}/connections/${c.id}`)).json).toMatchObject({ clientSecretSet: true, jitEnabled: false, issuer: 'https://acme.okta.com' });
    await shot('04-okta-saved');
  });

  it('claims a domain, shows its TXT record, and verifies it once the record is published (review #4)', async () => {
    await page.getByRole('link', { name: 'Domains', exact: true }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Email domains' }));
    // The connection form's email domains are pending claims.
    const table = page.getByRole('table', { name: 'Claimed domains' });
    await textOf(table.locator('tr[data-domain="acme.com"]')).toContain('Pending');

    const form = page.getByRole('form', { name: 'Claim a domain' });
    await form.getByLabel('Domain', { exact: true }).fill('gmail.com');
    await form.getByRole('button', { name: 'Claim domain' }).click();
    await textOf(form.getByRole('alert')).toContain('gmail.com is a public mail domain');

    await form.getByLabel('Domain', { exact: true }).fill('Page.Example');
    await form.getByRole('button', { name: 'Claim domain' }).click();
    await textOf(form.getByRole('status')).toBe('Claimed page.example. Publish its TXT record, then select Verify.');
    const row = table.locator('tr[data-domain="page.example"]');
    await textOf(row.locator('[data-txt=name]')).toBe('_idp-bridge-challenge.page.example');
    const value = (await row.locator('[data-txt=value]').textContent())!;
    expect(value).toMatch(/^idp-bridge-verification=/);

    // Not published yet: refused, still pending.
    await row.getByRole('button', { name: 'Verify page.example' }).click();
    await textOf(page.getByRole('region', { name: 'Domains', exact: true }).getByRole('alert')).toContain('page.example is not verified');

    dns.setTxt('_idp-bridge-challenge.page.example', [value]);
    await row.getByRole('button', { name: 'Verify page.example' }).click();
    await textOf(row).toContain('Verified');
    const listed = await admin.get<{ domains: { domain: string; status: string }[] }>(`/api/admin/workspaces/${teamId}/domains`);
    expect(listed.json.domains.find((d) => d.domain === 'page.example')?.status).toBe('verified');
    await shot('04b-domains');
  });

  it('rejects a bad certificate inline, saves a SAML connection and opens Test login in a new window', async () => {
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('link', { name: 'Add connection' }).click();
    await page.getByRole('radio', { name: 'SAML 2.0' }).check();
    await page.getByRole('radio', { name: 'Okta', exact: true }).check();
    const form = page.getByRole('form', { name: 'New connection' });
    await form.getByRole('radio', { name: 'Enter the values manually' }).check();
    await form.getByLabel('Identity Provider Single Sign-On URL').fill('https://acme.okta.com/app/acme_idpbridge_1/exk1abc/sso/saml');
    await form.getByLabel('Identity Provider issuer (entity ID)').fill('http://www.okta.com/exk1abc');
    await form.getByLabel('X.509 certificate').fill('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----');
    await form.getByLabel('Group prefix').fill('claresia-');
    await form.getByRole('button', { name: 'Create connection' }).click();
    await textOf(form.getByRole('alert')).toContain('idpCertificate: not a valid X.509 certificate');
    await attrOf(form.getByLabel('X.509 certificate'), 'aria-invalid').toBe('true');

    await form.getByLabel('X.509 certificate').fill(selfSignedCertificatePem('admin-page-test-idp'));
    await form.getByRole('button', { name: 'Create connection' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'Connection “Okta SAML” created.' }));
    const { json: list } = await admin.get<{ connections: ConnectionView[] }>(`/api/admin/workspaces/${teamId}/connections`);
    const saml = list.connections.find((c) => c.protocol === 'saml')!;
    expect(saml).toMatchObject({
      idpSsoUrl: 'https://acme.okta.com/app/acme_idpbridge_1/exk1abc/sso/saml',
      idpEntityId: 'http://www.okta.com/exk1abc',
      allowIdpInitiated: true,
      groupPrefix: 'claresia-',
    });
    expect(saml.idpCertificates).toHaveLength(1);
    await textOf(page.locator('[data-conn-setup=acsUrl]')).toBe(String(saml.setup.acsUrl));
    await shot('05-saml');

    const testLogin = page.getByRole('form', { name: 'Connection settings' }).getByRole('button', { name: 'Test login' });
    const opened = context.waitForEvent('request', (r) => r.url().includes('/login?test=1'));
    const [popup] = await Promise.all([context.waitForEvent('page'), testLogin.click()]);
    expect((await opened).url()).toBe(`${saml.setup.loginUrl}?test=1`);
    expect(popup).not.toBe(page);
    await popup.close();
  });

  it('shows a new SCIM token once; after a reload only its label and "never" used remain', async () => {
    await page.getByRole('link', { name: 'SCIM tokens' }).click();
    await page.getByLabel('Label').fill('okta-production');
    await page.getByRole('button', { name: 'Generate token' }).click();
    const reveal = page.getByRole('region', { name: 'Token shown once' });
    await textOf(reveal).toContain('This is the only time it is shown.');
    const token = await reveal.getByLabel('New SCIM token').inputValue();
    expect(token).toMatch(/^idpb_us_scim_/);
    await reveal.getByRole('button', { name: 'Copy SCIM token' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await visible(page.getByRole('row', { name: /okta-production/ }));
    await shot('06-scim-token-shown-once');

    await page.reload();
    await visible(page.getByRole('heading', { level: 1, name: 'SCIM tokens' }));
    const row = page.getByRole('row', { name: /okta-production/ });
    await visible(row);
    await textOf(row.getByRole('cell').nth(3)).toBe('never');
    expect(await page.content()).not.toContain(token);
    await countOf(page.getByRole('region', { name: 'Token shown once' })).toBe(0);
    const list = await admin.get<{ tokens: { label: string; lastUsedAt: string | null }[] }>(`/api/admin/workspaces/${teamId}/scim-tokens`);
    expect(list.json.tokens).toEqual([expect.objectContaining({ label: 'okta-production', lastUsedAt: null })]);
    expect(list.text).not.toContain(token);
    await shot('07-scim-token-list');
  });

  it('revokes a SCIM token only after confirming in a dialog', async () => {
    const row = page.getByRole('row', { name: /okta-production/ });
    await row.getByRole('button', { name: 'Revoke token okta-production' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “okta-production”?' });
    await visible(dialog);
    await shot('08-scim-revoke-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await countOf(dialog).toBe(0);
    await visible(row);

    await row.getByRole('button', { name: 'Revoke token okta-production' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'Token “okta-production” revoked.' }));
    await visible(page.getByText('No SCIM tokens yet.'));
    expect((await admin.get<{ tokens: unknown[] }>(`/api/admin/workspaces/${teamId}/scim-tokens`)).json.tokens).toEqual([]);
  });

  it('edits the role catalogue, a group mapping and a role value mapping', async () => {
    await page.getByRole('link', { name: 'Roles & mappings' }).click();
    const rolesForm = page.getByRole('form', { name: 'Role catalogue' });
    await rolesForm.getByRole('button', { name: 'Add role' }).click();
    const newRow = rolesForm.getByRole('row').last();
    await newRow.getByLabel('Role ID').fill('tenant_admin');
    await newRow.getByLabel('Display name').fill('Tenant admin');
    await newRow.getByLabel('Description').fill('Administers the tenant');
    await rolesForm.getByRole('button', { name: 'Save roles' }).click();
    await textOf(rolesForm.getByRole('status')).toBe('Roles saved.');

    const mapForm = page.getByRole('form', { name: 'Role mappings' });
    await mapForm.getByRole('button', { name: 'Add group mapping' }).click();
    await mapForm.getByLabel('IdP group').fill('claresia-admins');
    await mapForm.getByLabel('Role', { exact: true }).selectOption('tenant_admin');
    await mapForm.getByLabel('Extra grants').fill('archetype-eng');
    await mapForm.getByRole('button', { name: 'Add role value mapping' }).click();
    await mapForm.getByLabel('IdP Role Value').fill('Admin');
    await mapForm.getByLabel('Organization Role').selectOption('admin');
    await mapForm.getByRole('button', { name: 'Save mappings' }).click();
    await textOf(mapForm.getByRole('status')).toBe('Mappings saved.');
    await shot('09-roles-and-mappings');

    const { json: ws } = await admin.get<WorkspaceView>(`/api/admin/workspaces/${teamId}`);
    expect(ws.roles).toContainEqual({ id: 'tenant_admin', displayName: 'Tenant admin', description: 'Administers the tenant' });
    expect(ws.roleMappings).toEqual({
      groups: [{ group: 'claresia-admins', role: 'tenant_admin', grants: ['archetype-eng'] }],
      roleValues: [{ value: 'Admin', role: 'admin' }],
    });

    // Removing a role that a mapping still uses: the API refuses and the page says why.
    await rolesForm.getByRole('row').last().getByRole('button', { name: 'Remove role' }).click();
    await rolesForm.getByRole('button', { name: 'Save roles' }).click();
    await textOf(rolesForm.getByRole('alert')).toContain('role tenant_admin is still used by a role mapping');
  });

  it('lists the users and groups Okta pushed, or says plainly that the list is not available yet', async () => {
    const probe = await admin.get(`/api/admin/workspaces/${teamId}/users`);
    if (probe.status !== 501) {
      // What Okta does (seed 000): push a user and a group over SCIM with a workspace token.
      const minted = await admin.post<{ token: string }>(`/api/admin/workspaces/${teamId}/scim-tokens`, { label: 'okta-push' });
      const scim = api(stack.url, minted.json.token);
      const headers = { 'content-type': 'application/scim+json' };
      const user = await scim.post(
        `/api/scim/v2/${teamId}/Users`,
        JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'ada@acme.com',
          externalId: '00u1ada',
          name: { givenName: 'Ada', familyName: 'Lovelace' },
          emails: [{ value: 'ada@acme.com', primary: true, type: 'work' }],
          active: true,
        }),
        { headers },
      );
      expect(user.status).toBe(201);
      const group = await scim.post(
        `/api/scim/v2/${teamId}/Groups`,
        JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'claresia-admins', externalId: '00g1admins', members: [] }),
        { headers },
      );
      expect(group.status).toBe(201);
    }
    for (const kind of ['users', 'groups'] as const) {
      await page.getByRole('link', { name: kind === 'users' ? 'Users' : 'Groups', exact: true }).click();
      await visible(page.getByRole('heading', { level: 1, name: kind === 'users' ? 'Users' : 'Groups' }));
      const res = await admin.get<{ error?: { message: string } }>(`/api/admin/workspaces/${teamId}/${kind}`);
      if (res.status === 501) {
        await textOf(page.locator('.notice')).toContain('is not available yet');
        await textOf(page.locator('.notice')).toContain(res.json.error!.message);
      } else {
        expect(res.status).toBe(200);
        const row = page.getByRole('row', { name: kind === 'users' ? /ada@acme\.com/ : /claresia-admins/ });
        await visible(row);
        if (kind === 'users') {
          await textOf(row).toContain('Ada Lovelace');
          await textOf(row).toContain('Active');
          await textOf(row).toContain('00u1ada');
        } else await textOf(row).toContain('00g1admins');
      }
      await shot(`10-${kind}`);
    }
  });

  it('downloads the audit export as NDJSON, following every Link: rel="next" page', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    // Small pages (limit=2) make the page follow several Link headers; the Link keeps the limit.
    const requested: string[] = [];
    await page.route('**/audit-export**', (route) => {
      const url = new URL(route.request().url());
      requested.push(url.search);
      if (!url.searchParams.has('limit')) url.searchParams.set('limit', '2');
      return route.continue({ url: url.toString() });
    });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download NDJSON' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^audit-${teamId}-.*\\.ndjson$`));
    const text = await readFile((await download.path())!, 'utf8');
    const records = text.trim().split('\n').map((l) => JSON.parse(l) as { action: string; workspace: string });
    const actions = records.map((r) => r.action);
    for (const a of ['workspace.created', 'connection.created', 'connection.updated', 'scim_token.created', 'scim_token.revoked', 'workspace.roles_updated', 'workspace.role_mappings_updated']) {
      expect(actions).toContain(a);
    }
    expect(new Set(records.map((r) => r.workspace))).toEqual(new Set([teamId]));
    expect(text).not.toContain(CLIENT_SECRET);
    expect(requested.length).toBeGreaterThanOrEqual(Math.ceil(records.length / 2));
    expect(requested.slice(1).every((q) => q.includes('cursor='))).toBe(true);
    const full = await admin.get(`/api/admin/workspaces/${teamId}/audit-export`);
    expect(text).toBe(full.text);
    await textOf(page.getByRole('form', { name: 'Audit export' }).getByRole('status')).toContain(`Downloaded ${records.length} records`);
    await textOf(page.getByRole('table', { name: 'Latest audit records' })).toContain('workspace.role_mappings_updated');
    await page.unroute('**/audit-export**');
    await shot('11-audit');
  });

  it('without a key, calls the API with cookies only and offers sign-in when there is no SSO session', async () => {
    const fresh = await browser.newContext();
    fresh.setDefaultTimeout(WAIT.timeout);
    const p = await fresh.newPage();
    watch(p);
    const authHeaders: (string | undefined)[] = [];
    p.on('request', (r) => {
      if (r.url().includes('/api/admin/')) authHeaders.push(r.headers().authorization);
    });
    await p.goto(`${stack.url}/admin#/w/${teamId}/okta`);
    await textOf(p.getByRole('alert').first()).toContain('No SSO session was found for this workspace.');
    expect(authHeaders).toEqual([undefined]);
    await fresh.close();
  });

  it('ran without script errors or CSP violations', () => {
    expect(browserErrors).toEqual([]);
  });
});
