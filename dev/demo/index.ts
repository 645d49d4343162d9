/**
 * The one-minute local demo (DESIGN.md, "Local shape"): a local Okta org (the stand-in, with the
 * test user Alex Demo) and a demo workspace "Demo" wired to it through the real admin API, plus
 * the pages a newcomer clicks through — the demo host app at the local APP_URL (`/demo-app`) and
 * the stand-in's control page (`/demo-app/okta`), which pushes SCIM and sends Universal Logout
 * requests the way Okta does.
 *
 * The workspace is set up so that provisioning matters: Okta sign-in on, just-in-time
 * provisioning off, roles admin/member, group `claresia-admins` → role `admin`. So the first
 * sign-in is refused ("not provisioned"), Provision via SCIM fixes it, and Universal Logout kills
 * the session.
 *
 * Restarts with the same data folder reuse the workspace, the app's credentials, the SCIM token
 * and the org's signing key (`$DATA_DIR/demo.json`), so links, users and JWKS stay valid.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startOktaStandin, type OktaStandin, type StandinUser } from '../okta-standin/index.js';
import { call, type RecordedCall } from './calls.js';
import { demoAppHandler, type DemoRequestHandler } from './app.js';
import { deactivate, provision, universalLogout, type OktaActionContext, type OktaActionName, type OktaActionResult } from './okta-actions.js';
import { demoStatePath, loadDemoState, saveDemoState, type DemoState, type DemoWorkspaceState } from './state.js';

export { DEMO_SESSION_COOKIE, type DemoRequestHandler } from './app.js';
export type { OktaActionName, OktaActionResult } from './okta-actions.js';

/** The stand-in's test user. Its Okta id is fixed, so a restart finds the same SCIM user. */
export const DEMO_USER: StandinUser = {
  id: '00udemoalex000000001',
  email: 'alex@demo.example',
  emailVerified: true,
  givenName: 'Alex',
  familyName: 'Demo',
  name: 'Alex Demo',
  groups: ['claresia-admins'],
};

export const DEMO_WORKSPACE_NAME = 'Demo';

/** The demo workspace's roles: the catalogue and the mapping that makes Alex an admin. */
const ROLES = {
  roles: [
    { id: 'admin', displayName: 'Admin', description: 'Manages the workspace, its members and its integrations.' },
    { id: 'member', displayName: 'Member', description: 'Uses the workspace.' },
  ],
  defaultRole: 'member',
};
const ROLE_MAPPINGS = { groups: [{ group: 'claresia-admins', role: 'admin' }], roleValues: [] };

export interface DemoOptions {
  /** Base URL of the running bridge (its API_URL), no trailing slash. */
  readonly apiUrl: string;
  /** The platform admin key (the demo sets up its workspace and exchanges codes with it). */
  readonly adminKey: string;
  /** The stack's data folder: `demo.json` lives there. */
  readonly dataDir: string;
  /** Where the demo app is served; must be the stack's APP_URL. Default `{apiUrl}/demo-app`. */
  readonly appUrl?: string;
  /** Port of the Okta stand-in on 127.0.0.1; 0 or absent picks a free one; a taken port falls back to a free one. */
  readonly oktaPort?: number;
  /** The stack's region id (`demo.json` keeps one workspace per region); default `us`. */
  readonly regionId?: string;
  /** Where notes go (a fallback port, a renewed SCIM token); default `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** A running demo. */
export interface Demo {
  readonly workspaceId: string;
  /** True when this start created the workspace; false when it reused the one in `demo.json`. */
  readonly created: boolean;
  /** The demo app's start page (`{appUrl}/`). */
  readonly appUrl: string;
  /** The stand-in's control page (`{appUrl}/okta`). */
  readonly controlUrl: string;
  /** SP-initiated sign-in into the demo workspace. */
  readonly signInUrl: string;
  /** The stand-in org. */
  readonly okta: OktaStandin;
  readonly clientId: string;
  readonly user: StandinUser;
  /** Serves the demo app's paths (under `appUrl`'s path); false for any other path. */
  readonly serve: DemoRequestHandler;
  /** Runs one Okta action as the control page's buttons do. */
  runAction(name: OktaActionName): Promise<OktaActionResult>;
  /** Stops the stand-in. Idempotent. */
  close(): Promise<void>;
}

interface WorkspaceAnswer {
  id: string;
  name: string;
  setup: Record<string, unknown>;
  okta?: { issuer?: string; clientId?: string; signInEnabled?: boolean; jitEnabled?: boolean } | null;
}

/** An admin API call that must succeed; the error names the call and the answer. */
async function admin<T>(o: DemoOptions, method: string, path: string, body?: unknown, expected: readonly number[] = [200, 201]): Promise<{ status: number; json: T | undefined; call: RecordedCall }> {
  const r = await call<T>(method, `${o.apiUrl}${path}`, { bearer: o.adminKey, ...(body !== undefined ? { body } : {}) });
  if (!expected.includes(r.status)) {
    throw new Error(`demo setup: ${method} ${path} answered ${r.status}: ${JSON.stringify(r.call.response).slice(0, 500)}`);
  }
  return r;
}

/** Starts the stand-in on the wanted port, or on a free one when that port is taken. */
async function startOrg(port: number, state: DemoState, warn: (m: string) => void): Promise<OktaStandin> {
  const opts = { users: [DEMO_USER], ...(state.signingKey ? { signingKey: state.signingKey } : {}) };
  try {
    return await startOktaStandin({ ...opts, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    warn(`Port ${port} is in use: the Okta stand-in takes a free port instead (set OKTA_PORT to choose one).`);
    return startOktaStandin({ ...opts, port: 0 });
  }
}

const sameIssuer = (a: string | undefined, b: string): boolean => (a ?? '').replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * Starts the stand-in and creates (or reuses) the demo workspace wired to it. The bridge must be
 * running (`startStack`'s `afterStart`, or a test stack) with `appUrl` as its APP_URL.
 */
export async function startDemo(o: DemoOptions): Promise<Demo> {
  const warn = o.warn ?? ((m: string) => console.warn(`[demo] ${m}`));
  const regionId = o.regionId ?? 'us';
  const appUrl = (o.appUrl ?? `${o.apiUrl}/demo-app`).replace(/\/+$/, '');
  const file = demoStatePath(o.dataDir);
  const state = await loadDemoState(file);
  const okta = await startOrg(o.oktaPort ?? 0, state, warn);

  try {
    let entry: DemoWorkspaceState | undefined = state.workspaces[regionId];
    let ws: WorkspaceAnswer | undefined;
    if (entry) {
      // The database may have been reset while demo.json survived: then start over.
      const got = await admin<WorkspaceAnswer>(o, 'GET', `/api/admin/workspaces/${encodeURIComponent(entry.workspaceId)}`, undefined, [200, 404]);
      ws = got.status === 200 ? got.json : undefined;
    }
    const created = !ws || !entry;
    if (!ws || !entry) {
      ws = (await admin<WorkspaceAnswer>(o, 'POST', '/api/admin/workspaces', { name: DEMO_WORKSPACE_NAME })).json!;
      const base = `/api/admin/workspaces/${ws.id}`;
      await admin(o, 'PUT', `${base}/roles`, ROLES);
      await admin(o, 'PUT', `${base}/role-mappings`, ROLE_MAPPINGS);
      const client = okta.addClient(clientFor(ws));
      await admin(o, 'PUT', `${base}/okta`, { domain: okta.issuer, clientId: client.clientId, clientSecret: client.clientSecret, signInEnabled: true, jitEnabled: false });
      const token = (await admin<{ id: string; token: string }>(o, 'POST', `${base}/scim-tokens`, { label: 'Okta stand-in (demo)' })).json!;
      entry = { workspaceId: ws.id, clientId: client.clientId, clientSecret: client.clientSecret, scimToken: token.token, scimTokenId: token.id };
    } else {
      okta.addClient({ ...clientFor(ws), clientId: entry.clientId, clientSecret: entry.clientSecret });
      // A new stand-in port means a new issuer: point the workspace at it, keeping its switches.
      if (!sameIssuer(ws.okta?.issuer, okta.issuer) || ws.okta?.clientId !== entry.clientId) {
        await admin(o, 'PUT', `/api/admin/workspaces/${ws.id}/okta`, {
          domain: okta.issuer,
          clientId: entry.clientId,
          clientSecret: entry.clientSecret,
          signInEnabled: ws.okta?.signInEnabled ?? true,
          jitEnabled: ws.okta?.jitEnabled ?? false,
        });
      }
    }

    let current: DemoWorkspaceState = entry;
    const persist = (next: DemoWorkspaceState) => {
      current = next;
      return saveDemoState(file, { version: 1, signingKey: okta.signingKey, workspaces: { ...state.workspaces, [regionId]: next } });
    };
    await persist(entry);

    const workspace = { id: ws.id, name: ws.name, setup: ws.setup };
    const actionContext: OktaActionContext = {
      apiUrl: o.apiUrl,
      teamId: ws.id,
      clientId: entry.clientId,
      user: DEMO_USER,
      org: okta,
      scimToken: () => current.scimToken,
      async renewScimToken() {
        const r = await call<{ id: string; token: string }>('POST', `${o.apiUrl}/api/admin/workspaces/${ws.id}/scim-tokens`, {
          bearer: o.adminKey,
          body: { label: 'Okta stand-in (demo)' },
        });
        if (r.status === 201 && r.json) {
          warn('The stored SCIM token was refused: minted a new one.');
          await persist({ ...current, scimToken: r.json.token, scimTokenId: r.json.id });
        }
        return r.call;
      },
    };
    const log: OktaActionResult[] = [];
    const runAction = async (name: OktaActionName): Promise<OktaActionResult> => {
      const act = name === 'provision' ? provision : name === 'deactivate' ? deactivate : universalLogout;
      const result = await act(actionContext);
      log.unshift(result);
      log.length = Math.min(log.length, 20);
      return result;
    };

    const handler = demoAppHandler({
      apiUrl: o.apiUrl,
      appUrl,
      adminKey: o.adminKey,
      workspace,
      issuer: okta.issuer,
      clientId: entry.clientId,
      user: DEMO_USER,
      tileUrl: okta.tileUrl(entry.clientId),
      runAction,
      log: () => log,
    });
    const serve: DemoRequestHandler = async (req: IncomingMessage, res: ServerResponse) => {
      try {
        return await handler(req, res);
      } catch (err) {
        console.error(`[demo] ${req.method} ${req.url} failed:`, err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('The demo failed to answer this request; see the npm start output.');
        return true;
      }
    };

    let closed: Promise<void> | undefined;
    return {
      workspaceId: ws.id,
      created,
      appUrl: `${appUrl}/`,
      controlUrl: `${appUrl}/okta`,
      signInUrl: typeof ws.setup.initiateLoginUri === 'string' ? ws.setup.initiateLoginUri : `${o.apiUrl}/api/okta/oidc/login?team_id=${ws.id}`,
      okta,
      clientId: entry.clientId,
      user: DEMO_USER,
      serve,
      runAction,
      close: () => (closed ??= okta.close()),
    };
  } catch (err) {
    await okta.close();
    throw err;
  }
}

/** The stand-in app's URIs, from the workspace's setup URLs (what an admin pastes into Okta). */
function clientFor(ws: WorkspaceAnswer) {
  const s = (k: string): string => {
    const v = ws.setup[k];
    if (typeof v !== 'string') throw new Error(`demo setup: the workspace's setup has no ${k}`);
    return v;
  };
  return { redirectUris: [s('redirectUri')], initiateLoginUri: s('initiateLoginUri'), postLogoutRedirectUris: [s('postLogoutUri')] };
}
