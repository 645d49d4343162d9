/**
 * The one-minute local demo (docs/reference/DESIGN.md, "Local shape"): a local Okta org (the stand-in, with the
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
 * A second IdP signs into the same workspace: the stand-in in its Entra ID flavor (tenant id in the
 * issuer path, `tid`/`oid`, no `email` claim for Megan, whose e-mail comes from
 * `preferred_username`), as a second live connection with just-in-time provisioning on. The
 * workspace then has two live OIDC connections (Okta `okta` + Entra), and `/api/sso/oidc/login?
 * team_id=…` without a connection shows the chooser.
 *
 * Restarts with the same data folder reuse the workspace, the apps' credentials, the SCIM token,
 * the orgs' signing keys and the Entra tenant id (`$DATA_DIR/demo.json`), so links, users and JWKS
 * stay valid.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startOktaStandin, type OktaStandin, type StandinUser } from '../okta-standin/index.js';
import { call, type RecordedCall } from './calls.js';
import { demoAppHandler, type DemoRequestHandler } from './app.js';
import { deactivate, provision, universalLogout, type OktaActionContext, type OktaActionName, type OktaActionResult } from './okta-actions.js';
import { demoStatePath, loadDemoState, saveDemoState, type DemoEntraState, type DemoState, type DemoWorkspaceState } from './state.js';

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

/**
 * The Entra stand-in's user: an object id as `oid`, no mailbox address (no `email` claim), so the
 * bridge takes the e-mail from `preferred_username` (the UPN).
 */
export const DEMO_ENTRA_USER: StandinUser = {
  id: '6d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a09',
  email: 'megan@demo.example',
  upn: 'megan@demo.example',
  emailClaim: false,
  givenName: 'Megan',
  familyName: 'Entra',
  name: 'Megan Entra',
  groups: ['c0ffee00-0000-4000-8000-00000000a001'],
};

export const DEMO_WORKSPACE_NAME = 'Demo';
/** The name of the demo workspace's Entra connection (shown by the chooser). */
export const DEMO_ENTRA_CONNECTION_NAME = 'Entra ID (local stand-in)';

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
  /** Port of the Entra stand-in, as `oktaPort`. */
  readonly entraPort?: number;
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
  /** The Entra stand-in (the workspace's second live connection). */
  readonly entra: OktaStandin;
  readonly entraConnectionId: string;
  readonly entraUser: StandinUser;
  /** SP-initiated sign-in through the Entra connection. */
  readonly entraSignInUrl: string;
  /** The workspace's neutral login without a connection: the chooser of its two live connections. */
  readonly chooserUrl: string;
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

/** Starts the Entra stand-in (same port fallback), keeping its tenant id and key across restarts. */
async function startEntra(port: number, state: DemoState, warn: (m: string) => void): Promise<OktaStandin> {
  const opts = {
    flavor: 'entra' as const,
    users: [DEMO_ENTRA_USER],
    ...(state.entraSigningKey ? { signingKey: state.entraSigningKey } : {}),
    ...(state.entraTenantId ? { tenantId: state.entraTenantId } : {}),
  };
  try {
    return await startOktaStandin({ ...opts, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    warn(`Port ${port} is in use: the Entra stand-in takes a free port instead (set ENTRA_PORT to choose one).`);
    return startOktaStandin({ ...opts, port: 0 });
  }
}

interface ConnectionAnswer {
  id: string;
  issuer?: string;
  clientId?: string;
}

/**
 * The demo workspace's Entra connection, made (or brought up to date with the stand-in's issuer)
 * through the admin API, and its app registration in the stand-in.
 */
async function wireEntra(o: DemoOptions, teamId: string, entra: OktaStandin, known: DemoEntraState | undefined): Promise<DemoEntraState> {
  const base = `/api/admin/workspaces/${teamId}/connections`;
  const redirectUri = `${o.apiUrl}/api/sso/oidc/callback`;
  const app = entra.addClient({
    redirectUris: [redirectUri],
    ...(known ? { clientId: known.clientId, clientSecret: known.clientSecret } : {}),
  });
  const body = {
    protocol: 'oidc',
    preset: 'entra',
    name: DEMO_ENTRA_CONNECTION_NAME,
    issuer: entra.issuer,
    tenantId: entra.tenantId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    signInEnabled: true,
    jitEnabled: true,
  };
  if (known) {
    const got = await admin<ConnectionAnswer>(o, 'GET', `${base}/${encodeURIComponent(known.connectionId)}`, undefined, [200, 404]);
    if (got.status === 200) {
      if (!sameIssuer(got.json?.issuer, entra.issuer) || got.json?.clientId !== app.clientId) await admin(o, 'PUT', `${base}/${encodeURIComponent(known.connectionId)}`, body);
      return known;
    }
  }
  const made = (await admin<ConnectionAnswer>(o, 'POST', base, body)).json!;
  return { connectionId: made.id, clientId: app.clientId, clientSecret: app.clientSecret };
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
  const [okta, entra] = await Promise.all([startOrg(o.oktaPort ?? 0, state, warn), startEntra(o.entraPort ?? 0, state, warn)]);

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

    entry = { ...entry, entra: await wireEntra(o, ws.id, entra, entry.entra) };

    let current: DemoWorkspaceState = entry;
    const persist = (next: DemoWorkspaceState) => {
      current = next;
      return saveDemoState(file, {
        version: 1,
        signingKey: okta.signingKey,
        entraSigningKey: entra.signingKey,
        ...(entra.tenantId ? { entraTenantId: entra.tenantId } : {}),
        workspaces: { ...state.workspaces, [regionId]: next },
      });
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
    const entraState = entry.entra!;
    return {
      workspaceId: ws.id,
      created,
      appUrl: `${appUrl}/`,
      controlUrl: `${appUrl}/okta`,
      signInUrl: typeof ws.setup.initiateLoginUri === 'string' ? ws.setup.initiateLoginUri : `${o.apiUrl}/api/okta/oidc/login?team_id=${ws.id}`,
      okta,
      clientId: entry.clientId,
      user: DEMO_USER,
      entra,
      entraConnectionId: entraState.connectionId,
      entraUser: DEMO_ENTRA_USER,
      entraSignInUrl: `${o.apiUrl}/api/sso/oidc/login?team_id=${encodeURIComponent(ws.id)}&connection=${encodeURIComponent(entraState.connectionId)}`,
      chooserUrl: `${o.apiUrl}/api/sso/oidc/login?team_id=${encodeURIComponent(ws.id)}`,
      serve,
      runAction,
      close: () => (closed ??= Promise.all([okta.close(), entra.close()]).then(() => undefined)),
    };
  } catch (err) {
    await Promise.all([okta.close(), entra.close()]);
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
