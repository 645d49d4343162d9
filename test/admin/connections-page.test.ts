/**
 * The admin page's Connections section, driven in a real Chromium against the real local stack, with
 * one workspace holding two live OIDC connections: the local Okta org (a plain `http://` loopback
 * issuer, as in the local demo, docs/local-demo.md) and an Entra tenant (the stand-in's Entra flavor).
 * Covers the list, each connection's own setup values (Entra's SCIM tenant URLs and revocation notes),
 * the issue 9 regression (saving an edit must keep the issuer exactly as stored, and sign-in must
 * still work), SAML certificate-expiry warnings, deletion behind a confirmation, keyboard use and a
 * structural accessibility check. Screenshots go to the OS temp dir; they are never committed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser as Chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaStandin, type OktaStandin, type StandinUser } from '../../dev/okta-standin/index.js';
import { selfSignedCertificatePem } from '../fixtures/certs.js';
import { connect } from '../oidc/connection-support.js';
import { Browser, connectWorkspace, refusalCode, type Landing } from '../oidc/support.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(tmpdir(), 'idp-bridge-admin-page');

const ALEX: StandinUser = { id: '00ualex0000connpage', email: 'alex@demo.example', emailVerified: true, givenName: 'Alex', familyName: 'Demo', groups: ['claresia-admins'] };
const ADELE: StandinUser = { id: randomUUID(), email: 'adele@contoso.test', upn: 'adele@contoso.test', givenName: 'Adele', familyName: 'Entra', groups: [] };

interface CertificateView {
  subject: string;
  notAfter: string;
  daysLeft: number;
  warning: 90 | 30 | 7 | 'expired' | null;
}
interface ConnectionView {
  id: string;
  protocol: 'oidc' | 'saml';
  preset: string;
  name: string;
  issuer?: string;
  domain?: string;
  tenantId?: string;
  emailDomains: string[];
  signInEnabled?: boolean;
  certificates?: CertificateView[];
  certificateWarning?: boolean;
  setup: Record<string, unknown> & { notes?: string[]; entraScim?: Record<string, string> };
}

let okta: OktaStandin;
let entra: OktaStandin;
let stack: TestStack;
let admin: ApiClient;
let browser: Chromium;
let context: BrowserContext;
let page: Page;
let teamId = '';
let entraId = '';
let appUrl = '';
const browserErrors: string[] = [];

const WAIT = { timeout: 5_000 };
const visible = (l: Locator) => l.waitFor({ state: 'visible', ...WAIT });
const textOf = (l: Locator) => expect.poll(() => l.textContent(WAIT), WAIT);
const valueOf = (l: Locator) => expect.poll(() => l.inputValue(WAIT), WAIT);
const countOf = (l: Locator) => expect.poll(() => l.count(), WAIT);
const focused = (l: Locator) => expect.poll(() => l.evaluate((e) => e === document.activeElement, undefined, WAIT), WAIT);

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** A self-signed certificate valid for `days` days (openssl CLI; no key is kept). */
function certificateFor(days: number, cn: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'idpb-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-days', String(days), '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    return readFileSync(join(dir, 'c.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Structural accessibility checks of what is on screen (axe-core is not a dependency of this
 * repository): every visible control has an accessible name, ids are unique, every
 * aria-labelledby / aria-describedby / label[for] points at an element, one h1, and every table
 * has a caption or a name.
 */
async function accessibilityProblems(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const problems: string[] = [];
    const shown = (e: Element) => !!(e as HTMLElement).offsetParent || (e as HTMLElement).getClientRects().length > 0;
    const byIds = (ids: string | null) => (ids ?? '').split(/\s+/).filter(Boolean).map((id) => document.getElementById(id));
    const ids = Array.from(document.querySelectorAll('[id]')).map((e) => e.id);
    for (const id of new Set(ids)) if (ids.filter((x) => x === id).length > 1) problems.push(`duplicate id ${id}`);
    for (const e of Array.from(document.querySelectorAll('[aria-labelledby], [aria-describedby]'))) {
      for (const attr of ['aria-labelledby', 'aria-describedby']) {
        if (byIds(e.getAttribute(attr)).some((t) => !t)) problems.push(`${attr} of ${e.outerHTML.slice(0, 80)} names a missing element`);
      }
    }
    for (const l of Array.from(document.querySelectorAll('label[for]'))) if (!document.getElementById(l.getAttribute('for')!)) problems.push(`label for a missing control: ${l.textContent}`);
    const nameOf = (e: Element): string => {
      const labelled = byIds(e.getAttribute('aria-labelledby')).map((t) => t?.textContent ?? '').join(' ');
      if (labelled.trim()) return labelled;
      if (e.getAttribute('aria-label')?.trim()) return e.getAttribute('aria-label')!;
      const c = e as HTMLInputElement;
      if (c.labels && c.labels.length) return Array.from(c.labels).map((l) => l.textContent ?? '').join(' ');
      if (e.tagName === 'BUTTON' || e.tagName === 'A') return e.textContent ?? '';
      return '';
    };
    for (const e of Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]'))) {
      if (shown(e) && !nameOf(e).trim()) problems.push(`no accessible name: ${e.outerHTML.slice(0, 100)}`);
    }
    const h1s = Array.from(document.querySelectorAll('h1')).filter(shown);
    if (h1s.length !== 1) problems.push(`${h1s.length} visible h1 elements`);
    for (const t of Array.from(document.querySelectorAll('table'))) {
      if (!t.querySelector('caption')?.textContent?.trim() && !t.getAttribute('aria-label')) problems.push('a table without a caption');
    }
    return problems;
  });
}

async function signInFlow(start: string, who: StandinUser): Promise<Landing> {
  return new Browser().open(start, { stopAt: appUrl, username: who.email });
}
function expectAppCallback(l: Landing): void {
  expect(l.url.startsWith(`${appUrl}/auth/callback?code=`), `expected the app callback, got ${l.status} ${refusalCode(l)} ${l.url} ${l.text.slice(0, 400)}`).toBe(true);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The admin page test needs Chromium at ${CHROMIUM}; install it with: apt-get update && apt-get install -y chromium`);
  }
  await mkdir(SHOTS, { recursive: true });
  [okta, entra] = await Promise.all([startOktaStandin({ users: [ALEX] }), startOktaStandin({ flavor: 'entra', users: [ADELE] })]);
  stack = await startTestStack();
  appUrl = stack.env.APP_URL!;
  admin = api(stack.url, stack.adminKey);
  // The local demo's wiring (dev/demo/index.ts): the Okta connection saved through PUT …/okta with
  // the stand-in's plain-HTTP loopback issuer; then an Entra connection beside it.
  ({ teamId } = await connectWorkspace(stack, okta, { name: 'Merger', jitEnabled: true }));
  ({ connectionId: entraId } = await connect(stack, entra, teamId, { preset: 'entra', name: 'Contoso Entra', jitEnabled: true }));

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
  context.setDefaultTimeout(WAIT.timeout);
  page = await context.newPage();
  page.on('pageerror', (e) => browserErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) browserErrors.push(`console: ${m.text()}`);
  });
  await page.goto(`${stack.url}/admin`);
  await page.evaluate((k) => sessionStorage.setItem('idpb.adminKey', k), stack.adminKey);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await Promise.all([okta?.close(), entra?.close()]);
});

describe('admin page: connections (Okta + Entra in one workspace)', () => {
  it('lists both connections with protocol, provider, the issuer exactly as stored and their status', async () => {
    // An old bookmark of the Okta form opens the connections.
    await page.goto(`${stack.url}/admin#/w/${teamId}/okta`);
    await page.reload(); // the page reads the key stored above when it loads
    await visible(page.getByRole('heading', { level: 1, name: 'Sign-in connections' }));
    const table = page.getByRole('table', { name: 'Connections' });
    await countOf(table.locator('tbody tr')).toBe(2);
    const oktaRow = table.locator('tr[data-connection=okta]');
    const entraRow = table.locator(`tr[data-connection=${entraId}]`);
    await textOf(oktaRow.locator('[data-conn=issuer]')).toBe(okta.issuer);
    expect(okta.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await textOf(entraRow.locator('[data-conn=issuer]')).toBe(entra.issuer);
    for (const [row, provider] of [[oktaRow, 'Okta'], [entraRow, 'Microsoft Entra ID']] as const) {
      const cells = row.getByRole('cell');
      await textOf(cells.nth(1)).toBe('OIDC');
      await textOf(cells.nth(2)).toBe(provider);
      await textOf(cells.nth(4)).toBe('Live');
    }
    await textOf(entraRow.getByRole('cell').first()).toContain('Contoso Entra');
    expect(await accessibilityProblems(page)).toEqual([]);
    await shot('20-connections-okta-entra');
  });

  it("shows an Entra connection's own setup values, its SCIM tenant URLs and what revokes access", async () => {
    await page.getByRole('link', { name: 'Edit Contoso Entra' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Contoso Entra' }));
    const { json: c } = await admin.get<ConnectionView>(`/api/admin/workspaces/${teamId}/connections/${entraId}`);
    await textOf(page.locator('[data-conn-setup=redirectUri]')).toBe(`${stack.url}/api/sso/oidc/callback`);
    await textOf(page.locator('[data-conn-setup=initiateLoginUri]')).toBe(String(c.setup.initiateLoginUri));
    const scimBase = `${stack.url}/api/scim/v2/${teamId}`;
    await textOf(page.locator('[data-conn-setup="entraScim.tenantUrl"]')).toBe(scimBase);
    await textOf(page.locator('[data-conn-setup="entraScim.tenantUrlAadOptscim062020"]')).toBe(`${scimBase}?aadOptscim062020`);
    await page.getByRole('button', { name: 'Copy Tenant URL (with ?aadOptscim062020)' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${scimBase}?aadOptscim062020`);
    const notes = page.locator('[data-conn=notes]');
    await textOf(notes).toContain('Global Token Revocation');
    await textOf(notes).toContain('SCIM deactivation revokes access');
    for (const n of c.setup.notes ?? []) await textOf(notes).toContain(n);

    // The form shows the preset's fields with their help texts, filled with what is stored.
    const form = page.getByRole('form', { name: 'Connection settings' });
    await valueOf(form.getByLabel('Directory (tenant) ID')).toBe(entra.tenantId!);
    await valueOf(form.getByLabel('Issuer URL (optional)')).toBe(entra.issuer);
    await textOf(page.locator(`#${await form.getByLabel('Directory (tenant) ID').getAttribute('aria-describedby')}`)).toContain('https://login.microsoftonline.com/{tenantId}/v2.0');
    await countOf(form.getByLabel('Universal Logout partial support')).toBe(0);
    await countOf(form.getByLabel('Shared Signals (CAEP session revoked)')).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);
    await shot('21-connection-entra');
  });

  it('saving an edit of the local http:// Okta connection keeps its issuer, and both connections still sign in (issue 9)', async () => {
    await page.getByRole('link', { name: '← All connections' }).click();
    await page.getByRole('link', { name: 'Edit Okta' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Okta' }));
    const form = page.getByRole('form', { name: 'Connection settings' });
    // Shown exactly as stored, scheme and all.
    await valueOf(form.getByLabel('Okta domain or issuer')).toBe(okta.issuer);
    await form.getByLabel('Email domains').fill('demo.example');
    const sent = page.waitForRequest((r) => r.method() === 'PUT' && r.url().endsWith(`/connections/okta`));
    await form.getByRole('button', { name: 'Save connection' }).click();
    expect((await sent).postDataJSON()).toMatchObject({ protocol: 'oidc', preset: 'okta', issuer: okta.issuer, emailDomains: ['demo.example'] });
    await textOf(form.getByRole('status')).toBe(`Connection saved. Issuer: ${okta.issuer}`);
    await textOf(page.locator('.summary [data-conn=issuer]')).toBe(okta.issuer);

    const { json: stored } = await admin.get<ConnectionView & { okta: { issuer: string } }>(`/api/admin/workspaces/${teamId}/connections/okta`);
    expect(stored).toMatchObject({ issuer: okta.issuer, emailDomains: ['demo.example'] });
    expect((await admin.get<{ okta: { issuer: string } }>(`/api/admin/workspaces/${teamId}`)).json.okta.issuer).toBe(okta.issuer);
    expectAppCallback(await signInFlow(`${stack.url}/api/okta/oidc/login?team_id=${teamId}`, ALEX));

    // The same for Entra: an edit leaves its (stand-in) issuer alone.
    await page.getByRole('link', { name: '← All connections' }).click();
    await page.getByRole('link', { name: 'Edit Contoso Entra' }).click();
    const entraForm = page.getByRole('form', { name: 'Connection settings' });
    await entraForm.getByLabel('Just-in-time provisioning').uncheck();
    await entraForm.getByLabel('Just-in-time provisioning').check();
    await entraForm.getByRole('button', { name: 'Save connection' }).click();
    await textOf(entraForm.getByRole('status')).toBe(`Connection saved. Issuer: ${entra.issuer}`);
    expect((await admin.get<ConnectionView>(`/api/admin/workspaces/${teamId}/connections/${entraId}`)).json.issuer).toBe(entra.issuer);
    expectAppCallback(await signInFlow(`${stack.url}/api/sso/oidc/login?team_id=${teamId}&connection=${entraId}`, ADELE));
  });

  it('adds a SAML connection with the keyboard and flags a certificate about to expire', async () => {
    await page.getByRole('link', { name: '← All connections' }).click();
    await page.getByRole('link', { name: 'Add connection' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Add a connection' }));
    // Native radios: arrow keys move between the protocol tiles, and the provider tiles follow.
    await page.getByRole('radio', { name: 'OpenID Connect' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: 'SAML 2.0' }).isChecked()).toBe(true);
    await page.getByRole('radio', { name: 'Microsoft Entra ID' }).focus();
    await page.keyboard.press('Space');
    const form = page.getByRole('form', { name: 'New connection' });
    await valueOf(form.getByLabel('Name', { exact: true })).toBe('Microsoft Entra ID SAML');
    await shot('22a-add-connection-saml-entra');
    await form.getByRole('radio', { name: 'Enter the values manually' }).check();
    const tid = entra.tenantId!;
    await form.getByLabel('Identity Provider Single Sign-On URL').fill(`https://login.microsoftonline.com/${tid}/saml2`);
    await form.getByLabel('Identity Provider issuer (entity ID)').fill(`https://sts.windows.net/${tid}/`);
    // The fixture certificate lives two days: inside the 7-day warning window.
    await form.getByLabel('X.509 certificate').fill(selfSignedCertificatePem('entra-saml-expiring'));
    await form.getByLabel('Identity Provider issuer (entity ID)').focus();
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { level: 1, name: 'Microsoft Entra ID SAML' }));
    const { json: list } = await admin.get<{ connections: ConnectionView[] }>(`/api/admin/workspaces/${teamId}/connections`);
    const saml = list.connections.find((c) => c.protocol === 'saml')!;
    expect(saml).toMatchObject({ preset: 'entra', certificateWarning: true });
    await textOf(page.locator('.summary')).toMatch(/Certificate expires in \d+ days?/);
    const certs = page.getByRole('table', { name: 'IdP signing certificates' });
    await textOf(certs.locator('tbody tr').first()).toContain('Expires within 7 days');
    await textOf(page.getByRole('note')).toContain('The IdP signing certificate expires soon.');
    await textOf(page.locator('[data-conn-setup=acsUrl]')).toBe(`${stack.url}/api/sso/saml/${teamId}/${saml.id}/acs`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await shot('22-connection-saml-expiring');

    // Rotation: the new certificate beside the old one clears the warning.
    const edit = page.getByRole('form', { name: 'Connection settings' });
    const both = `${selfSignedCertificatePem('entra-saml-expiring')}${certificateFor(400, 'entra-saml-next')}`;
    await edit.getByLabel('X.509 certificate').fill(both);
    await edit.getByRole('button', { name: 'Save connection' }).click();
    await textOf(edit.getByRole('status')).toBe('Connection saved.');
    const after = await admin.get<ConnectionView>(`/api/admin/workspaces/${teamId}/connections/${saml.id}`);
    expect(after.json.certificates).toHaveLength(2);
    expect(after.json.certificateWarning).toBe(false);

    await page.getByRole('link', { name: '← All connections' }).click();
    const row = page.locator(`tr[data-connection=${saml.id}]`);
    await textOf(row.getByRole('cell').nth(1)).toBe('SAML');
    await textOf(row.locator('[data-conn=issuer]')).toBe(`https://sts.windows.net/${tid}/`);
    await textOf(row.getByRole('cell').nth(4)).not.toContain('Certificate');
  });

  it('shows the certificate badge in the list while no certificate outlives the warning window', async () => {
    const created = await admin.post<ConnectionView>(`/api/admin/workspaces/${teamId}/connections`, {
      protocol: 'saml',
      preset: 'generic',
      name: 'Legacy SAML',
      idpSsoUrl: 'https://idp.legacy.example/sso',
      idpEntityId: 'https://idp.legacy.example/entity',
      idpCertificate: certificateFor(20, 'legacy-idp'),
    });
    expect(created.status).toBe(201);
    await page.reload();
    const row = page.locator(`tr[data-connection=${created.json.id}]`);
    await textOf(row.getByRole('cell').nth(4)).toMatch(/Certificate expires in (19|20) days/);
    await shot('23-connections-certificate-badge');
  });

  it('deletes a connection only after confirming in a dialog', async () => {
    const { json: before } = await admin.get<{ connections: ConnectionView[] }>(`/api/admin/workspaces/${teamId}/connections`);
    const legacy = before.connections.find((c) => c.name === 'Legacy SAML')!;
    const del = page.getByRole('button', { name: 'Delete Legacy SAML' });
    await del.click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Legacy SAML”?' });
    await visible(dialog);
    await focused(dialog.getByRole('button', { name: 'Cancel' })).toBe(true);
    await page.keyboard.press('Escape');
    await countOf(dialog).toBe(0);
    await focused(del).toBe(true);
    await countOf(page.locator(`tr[data-connection=${legacy.id}]`)).toBe(1);

    await del.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete connection' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'Connection “Legacy SAML” deleted.' }));
    await countOf(page.locator(`tr[data-connection=${legacy.id}]`)).toBe(0);
    const { json: after } = await admin.get<{ connections: ConnectionView[] }>(`/api/admin/workspaces/${teamId}/connections`);
    expect(after.connections.map((c) => c.id)).toEqual(before.connections.filter((c) => c.id !== legacy.id).map((c) => c.id));
  });

  it("shows each preset's own fields with the preset's help texts, and creates a Google connection", async () => {
    const { json } = await admin.get<{ presets: { id: string; label: string; protocols: string[]; defaults: { issuer?: string }; fields: Record<string, string> }[] }>('/api/admin/presets');
    /** The field that decides each preset's issuer, or its fixed issuer. */
    const issuerField: Record<string, { label: string; help: string[] } | { fixed: string }> = {
      okta: { label: 'Okta domain or issuer', help: ['domain', 'issuer'] },
      entra: { label: 'Directory (tenant) ID', help: ['tenantId'] },
      google: { fixed: 'https://accounts.google.com' },
      onelogin: { label: 'OneLogin subdomain or issuer', help: ['domain', 'issuer'] },
      jumpcloud: { fixed: 'https://oauth.id.jumpcloud.com/' },
      generic: { label: 'Issuer URL', help: ['issuer'] },
    };
    await page.goto(`${stack.url}/admin#/w/${teamId}/connections/new`);
    await visible(page.getByRole('heading', { level: 1, name: 'Add a connection' }));
    for (const preset of json.presets.filter((p) => p.protocols.includes('oidc'))) {
      await page.getByRole('radio', { name: preset.label, exact: true }).check();
      const form = page.getByRole('form', { name: 'New connection' });
      const expected = issuerField[preset.id]!;
      if ('fixed' in expected) {
        await textOf(form.locator('[data-conn=fixed-issuer]')).toBe(expected.fixed);
      } else {
        const control = form.getByLabel(expected.label, { exact: true });
        const hint = page.locator(`#${await control.getAttribute('aria-describedby')}`);
        await textOf(hint).toBe(expected.help.map((k) => preset.fields[k]).join(' '));
      }
      const secretHint = page.locator(`#${await form.getByLabel('Client secret').getAttribute('aria-describedby')}`);
      await textOf(secretHint).toBe(preset.fields.clientSecret!);
      await countOf(form.getByLabel('Hosted domain')).toBe(preset.fields.hostedDomain ? 1 : 0);
      await countOf(form.getByLabel('Universal Logout partial support')).toBe(preset.fields.partialLogout ? 1 : 0);
    }

    await page.getByRole('radio', { name: 'Google Workspace', exact: true }).check();
    const form = page.getByRole('form', { name: 'New connection' });
    await form.getByLabel('Hosted domain').fill('example.com');
    await form.getByLabel('Client ID').fill('123-google.apps.googleusercontent.com');
    await form.getByLabel('Client secret').fill('GOCSPX-connections-page');
    await form.getByRole('button', { name: 'Create connection' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Google Workspace' }));
    const { json: list } = await admin.get<{ connections: (ConnectionView & { hostedDomain?: string })[] }>(`/api/admin/workspaces/${teamId}/connections`);
    const google = list.connections.find((c) => c.preset === 'google')!;
    expect(google).toMatchObject({ issuer: 'https://accounts.google.com', hostedDomain: 'example.com', signInEnabled: true });
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('ran without script errors or CSP violations', () => {
    expect(browserErrors).toEqual([]);
  });
});
