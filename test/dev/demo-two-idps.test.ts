/**
 * The local demo's two IdPs: `startDemo` wires the demo workspace to an Okta stand-in (`okta`
 * connection) and an Entra stand-in (a second live connection); both sign users into the one
 * workspace, the neutral login without a connection offers both, and a restart keeps the Entra
 * tenant, keys and connection.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENTRA_CONNECTION_NAME, DEMO_ENTRA_USER, startDemo, type Demo } from '../../dev/demo/index.js';
import { Browser, refusalCode } from '../oidc/support.js';
import { api } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let demo: Demo | undefined;
let appServer: Server;
let appUrl: string;
let dataDir: string;

beforeAll(async () => {
  appServer = createServer((req, res) => {
    void (demo ? demo.serve(req, res) : Promise.resolve(false)).then((served) => {
      if (!served) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => appServer.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}/demo-app`;
  stack = await startTestStack({ appUrl });
  dataDir = await mkdtemp(join(tmpdir(), 'idp-bridge-demo2-'));
  demo = await startDemo({ apiUrl: stack.url, adminKey: stack.adminKey, dataDir, appUrl, warn: () => undefined });
});

afterAll(async () => {
  await demo?.close();
  await new Promise<void>((r) => {
    appServer?.close(() => r());
    appServer?.closeAllConnections();
  });
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the demo with two IdPs', () => {
  it('gives the demo workspace two live OIDC connections: okta and the Entra stand-in', async () => {
    const res = await api(stack.url, stack.adminKey).get<{ connections: { id: string; preset: string; issuer?: string; signInEnabled?: boolean; name: string }[] }>(
      `/api/admin/workspaces/${demo!.workspaceId}/connections`,
    );
    expect(res.status).toBe(200);
    const byId = new Map(res.json.connections.map((c) => [c.id, c]));
    expect(byId.get('okta')).toMatchObject({ preset: 'okta', signInEnabled: true });
    expect(byId.get(demo!.entraConnectionId)).toMatchObject({ preset: 'entra', name: DEMO_ENTRA_CONNECTION_NAME, issuer: demo!.entra.issuer, signInEnabled: true });
    expect(demo!.entra.issuer).toMatch(/\/[0-9a-f-]{36}\/v2\.0$/);
  });

  it('signs the Entra user in (no email claim: preferred_username) just in time, into the demo app', async () => {
    const browser = new Browser();
    const landed = await browser.open(demo!.entraSignInUrl, { username: DEMO_ENTRA_USER.email });
    expect(landed.url, `${refusalCode(landed)} ${landed.text.slice(0, 300)}`).toBe(`${appUrl}/`);
    expect(landed.text).toContain('Megan Entra');
  });

  it('offers both connections when the login names none', async () => {
    const page = await new Browser().open(demo!.chooserUrl);
    expect(page.headers.get('x-idpb-chooser')).toBe('2');
    expect(page.text).toContain(DEMO_ENTRA_CONNECTION_NAME);
    expect(page.text).toContain('Okta');
  });

  it('keeps the Entra tenant, signing key and connection across a restart', async () => {
    const first = demo!;
    const { issuer, signingKey } = first.entra;
    await first.close();
    demo = await startDemo({ apiUrl: stack.url, adminKey: stack.adminKey, dataDir, appUrl, warn: () => undefined });
    expect(demo.created).toBe(false);
    expect(demo.entraConnectionId).toBe(first.entraConnectionId);
    expect(demo.entra.tenantId).toBe(first.entra.tenantId);
    expect(demo.entra.signingKey.kid).toBe(signingKey.kid);
    // A free port each start here, so the issuer moved: the connection follows it.
    const shown = await api(stack.url, stack.adminKey).get<{ issuer: string }>(`/api/admin/workspaces/${demo.workspaceId}/connections/${demo.entraConnectionId}`);
    expect(shown.json.issuer).toBe(demo.entra.issuer);
    expect(issuer).toMatch(/\/v2\.0$/);
    const landed = await new Browser().open(demo.entraSignInUrl, { username: DEMO_ENTRA_USER.email });
    expect(landed.url).toBe(`${appUrl}/`);
  });
});
