/**
 * The local demo end to end, as a newcomer clicks through it: the Okta stand-in and the demo
 * workspace set up by `startDemo` against a real local stack, the demo host app served at the
 * stack's APP_URL, and a browser (fetch with manual redirects and a cookie jar).
 *
 * The test stack serves no dev pages, so the demo app runs on its own small server here and the
 * stack's APP_URL points at it; `npm start` mounts the same handler under `{API_URL}/demo-app`.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startDemo, type Demo, type OktaActionResult } from '../../dev/demo/index.js';
import { startLocalServer } from '../../dev/server.js';
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
  dataDir = await mkdtemp(join(tmpdir(), 'idp-bridge-demo-'));
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

/** Presses a button of the stand-in's control page (JSON answer). */
async function press(action: 'provision' | 'deactivate' | 'universal-logout'): Promise<OktaActionResult> {
  const res = await fetch(`${appUrl}/okta/${action}`, { method: 'POST', headers: { accept: 'application/json' } });
  expect(res.status).toBe(200);
  return (await res.json()) as OktaActionResult;
}

/** The demo app's server-side session check for this browser. */
async function sessionCheck(browser: Browser): Promise<{ active: boolean; introspection?: { roles?: string[]; username?: string } }> {
  const res = await browser.request(`${appUrl}/session`, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(200);
  return (await res.json()) as { active: boolean };
}

const statuses = (r: OktaActionResult) => r.calls.map((c) => `${c.method} ${c.status}`);

describe('the local demo', () => {
  it('walks the story: refused until provisioned, signed in as admin, then logged out by Okta', async () => {
    const browser = new Browser();
    const home = await browser.open(`${appUrl}/`);
    expect(home.status).toBe(200);
    expect(home.text).toContain('Sign in with Okta');
    expect(home.text).toContain(demo!.signInUrl.replaceAll('&', '&amp;'));

    // 1. Okta lets Alex in, the bridge refuses: not provisioned, JIT off.
    const refused = await browser.open(demo!.signInUrl, { username: DEMO_USER.email });
    expect(refused.status).toBe(403);
    expect(refusalCode(refused)).toBe('user_not_provisioned');
    expect(refused.text).toContain('not provisioned');

    // 2. Provision via SCIM, as Okta does on assignment.
    const provisioned = await press('provision');
    expect(provisioned.ok).toBe(true);
    expect(statuses(provisioned)).toEqual(['GET 200', 'POST 201', 'GET 200', 'POST 201', 'PATCH 204']);
    const created = provisioned.calls[1]!;
    expect(created.request).toMatchObject({ userName: DEMO_USER.email, externalId: DEMO_USER.id, active: true });
    expect(JSON.stringify(created.request)).not.toMatch(/aA1!/); // the password is masked in the log

    // 3. Sign in again: back in the demo app as Alex, role admin (claresia-admins → admin).
    const signedIn = await browser.open(demo!.signInUrl, { username: DEMO_USER.email });
    expect(signedIn.url).toBe(`${appUrl}/`);
    expect(signedIn.status).toBe(200);
    expect(signedIn.text).toContain('Signed in as Alex Demo');
    expect(signedIn.text).toContain(DEMO_USER.email);
    expect(signedIn.text).toMatch(/<dt>Roles<\/dt><dd>admin<\/dd>/);
    expect(browser.cookie(`${appUrl}/`, 'demo_session')).toMatch(/^idpb_us_session_/);
    const before = await sessionCheck(browser);
    expect(before).toMatchObject({ active: true, introspection: { roles: ['admin'], username: DEMO_USER.email } });

    // 4. Universal Logout from Okta: the session dies.
    const logout = await press('universal-logout');
    expect(statuses(logout)).toEqual(['POST 204']);
    expect(logout.ok).toBe(true);
    expect(await sessionCheck(browser)).toEqual({ active: false, introspection: { active: false } });
    const page = await browser.open(`${appUrl}/session`);
    expect(page.text).toContain('Session inactive');
    expect((await browser.open(`${appUrl}/`)).text).toContain('Your session has ended');
  });

  it('provisions idempotently: a second push finds the user and the group and creates nothing', async () => {
    const again = await press('provision');
    expect(again.ok).toBe(true);
    expect(statuses(again)).toEqual(['GET 200', 'GET 200', 'PATCH 204']);
    const users = await api(stack.url, stack.adminKey).get<{ users: { userName: string }[] }>(`/api/admin/workspaces/${demo!.workspaceId}/users`);
    expect(users.json.users.filter((u) => u.userName === DEMO_USER.email)).toHaveLength(1);
  });

  it('signs in from the Okta dashboard tile (IdP-initiated), and signing out revokes the session', async () => {
    const browser = new Browser();
    const landed = await browser.open(demo!.okta.tileUrl(demo!.clientId), { username: DEMO_USER.email });
    expect(landed.url).toBe(`${appUrl}/`);
    expect(landed.text).toContain('Signed in as Alex Demo');
    const token = browser.cookie(`${appUrl}/`, 'demo_session')!;
    const out = await browser.request(`${appUrl}/logout`, { method: 'POST' });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe(`${appUrl}/auth`);
    expect(browser.cookie(`${appUrl}/`, 'demo_session')).toBeUndefined();
    const introspected = await api(stack.url, stack.adminKey).post<{ active: boolean }>('/api/tokens/introspect', { token });
    expect(introspected.json).toEqual({ active: false });
  });

  it('deactivates with a path-less PATCH, after which sign-in is refused, and reactivates on the next push', async () => {
    const off = await press('deactivate');
    expect(statuses(off)).toEqual(['GET 200', 'PATCH 200']);
    expect(off.calls[1]!.request).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] });
    const refused = await new Browser().open(demo!.signInUrl, { username: DEMO_USER.email });
    expect(refusalCode(refused)).toBe('user_deactivated');
    const on = await press('provision');
    expect(on.ok).toBe(true);
    expect(on.summary).toContain('reactivated');
  });

  it('guards its POSTs against other sites and serves nothing outside its path', async () => {
    const cross = await fetch(`${appUrl}/okta/universal-logout`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(cross.status).toBe(403);
    const sameSite = await fetch(`${appUrl}/okta/universal-logout`, { method: 'POST', headers: { 'sec-fetch-site': 'same-site' } });
    expect(sameSite.status).toBe(403);
    // What a browser sends for the control page's own form.
    const own = await fetch(`${appUrl}/okta/deactivate`, {
      method: 'POST',
      headers: { origin: new URL(appUrl).origin, 'sec-fetch-site': 'same-origin', accept: 'application/json' },
    });
    expect(own.status).toBe(200);
    expect(((await own.json()) as OktaActionResult).action).toBe('deactivate');
    expect((await press('provision')).ok).toBe(true);
    const outside = await fetch(appUrl.replace('/demo-app', '/elsewhere'));
    expect(outside.status).toBe(404);
  });

  it('reuses the workspace, the app, the SCIM token and the org key from demo.json on restart', async () => {
    const file = join(dataDir, 'demo.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const first = demo!;
    const kid = first.okta.signingKey.kid;
    const stored = JSON.parse(await readFile(file, 'utf8')) as { workspaces: { us: { scimToken: string } } };
    await first.close();
    demo = undefined;

    demo = await startDemo({ apiUrl: stack.url, adminKey: stack.adminKey, dataDir, appUrl, warn: () => undefined });
    expect(demo.created).toBe(false);
    expect(demo.workspaceId).toBe(first.workspaceId);
    expect(demo.clientId).toBe(first.clientId);
    expect(demo.okta.signingKey.kid).toBe(kid);
    // A new stand-in port is a new issuer: the workspace follows it, and everything still works.
    const ws = await api(stack.url, stack.adminKey).get<{ okta: { issuer: string } }>(`/api/admin/workspaces/${demo.workspaceId}`);
    expect(ws.json.okta.issuer.replace(/\/$/, '')).toBe(demo.okta.issuer);
    const pushed = await press('provision');
    expect(statuses(pushed)).toEqual(['GET 200', 'GET 200', 'PATCH 204']);
    const after = JSON.parse(await readFile(file, 'utf8')) as { workspaces: { us: { scimToken: string } } };
    expect(after.workspaces.us.scimToken).toBe(stored.workspaces.us.scimToken);

    const browser = new Browser();
    expect((await browser.open(demo.signInUrl, { username: DEMO_USER.email })).text).toContain('Signed in as Alex Demo');
    expect((await press('universal-logout')).calls[0]!.status).toBe(204);
    expect((await sessionCheck(browser)).active).toBe(false);
  });
});

describe('the local server\'s extra routes (how npm start mounts the demo under /demo-app)', () => {
  it('serves only paths the route table does not match, and 404s what it declines', async () => {
    const server = await startLocalServer({
      port: 0,
      loadHandler: async () => async () => ({ statusCode: 200, body: 'handler' }),
      extraRoutes: async (req, res) => {
        if (!req.url?.startsWith('/demo-app') && !req.url?.startsWith('/api/health')) return false;
        res.writeHead(200).end('extra');
        return true;
      },
    });
    try {
      expect(await (await fetch(`${server.url}/demo-app/okta`)).text()).toBe('extra');
      // A route of the public contract is never shadowed.
      expect(await (await fetch(`${server.url}/api/health`)).text()).toBe('handler');
      const declined = await fetch(`${server.url}/elsewhere`);
      expect(declined.status).toBe(404);
      expect(await declined.json()).toEqual({ message: 'Not Found' });
    } finally {
      await server.close();
    }
  });
});
