/**
 * The demo's HTTP side, served under the local APP_URL (`{API_URL}/demo-app`):
 *
 * - the demo **host app**: `/` (sign in / signed-in user), `/auth/callback?code=…` (the bridge's
 *   redirect after SSO: the code is exchanged server-side at `POST /api/sso/token` with the admin
 *   key and the session token kept in the app's own HttpOnly cookie), `/session` (server-side
 *   introspection: is the session still alive?), `POST /logout` (revoke) and `/auth` (the
 *   post-logout page);
 * - the **Okta stand-in's control page**: `/okta`, and `POST /okta/{provision|deactivate|universal-logout}`.
 *
 * Refusals of sign-in are the bridge's own pages: the browser never comes back here for them.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StandinUser } from '../okta-standin/index.js';
import { call, type RecordedCall } from './calls.js';
import type { OktaActionName, OktaActionResult } from './okta-actions.js';
import { controlPage, exchangeFailedPage, homePage, messagePage, sessionPage, signedOutPage, type PageLinks, type SignedInView } from './pages.js';

/** A request handler for paths the bridge's route table does not serve; false = not ours. */
export type DemoRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Everything the pages need from the running demo. */
export interface DemoAppContext {
  readonly apiUrl: string;
  /** The demo app's base URL, e.g. `http://127.0.0.1:8787/demo-app` (the stack's APP_URL). */
  readonly appUrl: string;
  readonly adminKey: string;
  readonly workspace: { readonly id: string; readonly name: string; readonly setup: Readonly<Record<string, unknown>> };
  readonly issuer: string;
  readonly clientId: string;
  readonly user: StandinUser;
  readonly tileUrl: string;
  runAction(name: OktaActionName): Promise<OktaActionResult>;
  /** Newest first. */
  readonly log: () => readonly OktaActionResult[];
}

/** The demo app's own session cookie (the bridge's cookies are `idpb_*`). */
export const DEMO_SESSION_COOKIE = 'demo_session';

const ACTIONS: readonly OktaActionName[] = ['provision', 'deactivate', 'universal-logout'];

interface ExchangeAnswer {
  user?: { id?: string; username?: string; email?: string | null; display_name?: string | null; given_name?: string | null; family_name?: string | null };
  team_id?: string;
  roles?: string[];
  session_token?: string;
  expires_at?: string | null;
}

interface Introspection {
  active?: boolean;
  sub?: string;
  username?: string;
  roles?: string[];
  exp?: number;
}

const hashToken = (t: string): string => createHash('sha256').update(t).digest('base64url');

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim() || undefined;
  }
  return undefined;
}

const wantsJson = (req: IncomingMessage): boolean => /\bapplication\/json\b/.test(req.headers.accept ?? '');

/** Builds the handler for everything under `appUrl`'s path. */
export function demoAppHandler(ctx: DemoAppContext): DemoRequestHandler {
  const app = new URL(ctx.appUrl);
  const base = app.pathname.replace(/\/+$/, '');
  const links: PageLinks = { app: ctx.appUrl.replace(/\/+$/, ''), api: ctx.apiUrl };
  const signInUrl = typeof ctx.workspace.setup.initiateLoginUri === 'string' ? ctx.workspace.setup.initiateLoginUri : `${ctx.apiUrl}/api/okta/oidc/login?team_id=${encodeURIComponent(ctx.workspace.id)}`;
  const cookie = (value: string, maxAge?: number): string =>
    `${DEMO_SESSION_COOKIE}=${value}; Path=${base || '/'}; HttpOnly; SameSite=Lax${maxAge !== undefined ? `; Max-Age=${maxAge}` : ''}`;
  /** Who signed in with which session (for the name on the page); introspection stays the authority. */
  const people = new Map<string, ExchangeAnswer>();

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): true => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'x-content-type-options': 'nosniff',
      // No Referer to other sites; `no-referrer` would also make browsers send `Origin: null`
      // on our own form posts, which the cross-site guard refuses.
      'referrer-policy': 'same-origin',
      ...headers,
    });
    res.end(body);
    return true;
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown): true => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
    return true;
  };
  const redirect = (res: ServerResponse, to: string, cookies: string[] = []): true => {
    res.writeHead(303, { location: to, 'cache-control': 'no-store', ...(cookies.length ? { 'set-cookie': cookies } : {}) });
    res.end();
    return true;
  };

  const introspect = async (token: string) => {
    const r = await call<Introspection>('POST', `${ctx.apiUrl}/api/tokens/introspect`, { bearer: ctx.adminKey, body: { token } });
    return { active: r.status === 200 && r.json?.active === true, answer: r.json, call: r.call };
  };

  async function home(req: IncomingMessage, res: ServerResponse): Promise<true> {
    const token = readCookie(req, DEMO_SESSION_COOKIE);
    const view = { links, workspaceName: ctx.workspace.name, signInUrl, testLogin: ctx.user.login ?? ctx.user.email };
    if (!token) return send(res, 200, homePage(view));
    const { active, answer } = await introspect(token);
    if (!active || !answer) return send(res, 200, homePage({ ...view, sessionEnded: true }));
    const who = people.get(hashToken(token));
    const u = who?.user;
    const signedIn: SignedInView = {
      displayName: u?.display_name || [u?.given_name, u?.family_name].filter(Boolean).join(' ') || answer.username || 'unknown user',
      rows: [
        ['Username', answer.username ?? ''],
        ...(u?.email ? ([['Email', u.email]] as [string, string][]) : []),
        ['User id', answer.sub ?? ''],
        ['Workspace', `${ctx.workspace.name} (${ctx.workspace.id})`],
        ...(answer.exp ? ([['Session expires', new Date(answer.exp * 1000).toISOString()]] as [string, string][]) : []),
      ],
      roles: answer.roles ?? [],
    };
    return send(res, 200, homePage({ ...view, signedIn }));
  }

  async function callback(url: URL, res: ServerResponse): Promise<true> {
    const code = url.searchParams.get('code');
    if (!code) return send(res, 400, exchangeFailedPage(links, undefined, signInUrl));
    // Server-side, with the platform admin key: the browser never sees the session token.
    const r = await call<ExchangeAnswer>('POST', `${ctx.apiUrl}/api/sso/token`, { bearer: ctx.adminKey, body: { code }, shown: { code: '(one-time code)' } });
    const token = r.json?.session_token;
    if (r.status !== 200 || !token) return send(res, 400, exchangeFailedPage(links, r.call, signInUrl));
    people.set(hashToken(token), r.json!);
    const maxAge = r.json?.expires_at ? Math.max(0, Math.floor((Date.parse(r.json.expires_at) - Date.now()) / 1000)) : undefined;
    // Off the callback URL at once, so that a reload does not replay the (spent) code.
    return redirect(res, `${links.app}/`, [cookie(token, maxAge)]);
  }

  async function session(req: IncomingMessage, res: ServerResponse): Promise<true> {
    const token = readCookie(req, DEMO_SESSION_COOKIE);
    let result: { active: boolean; answer: Introspection | undefined; call: RecordedCall } | undefined;
    if (token) result = await introspect(token);
    const active = result?.active ?? false;
    if (wantsJson(req)) return sendJson(res, 200, { active, ...(result?.answer ? { introspection: result.answer } : {}) });
    return send(res, 200, sessionPage(links, active, token !== undefined, result?.call));
  }

  /** Revokes this browser's session at the bridge, if it has one (the host app's sign-out). */
  async function revoke(req: IncomingMessage): Promise<void> {
    const token = readCookie(req, DEMO_SESSION_COOKIE);
    if (!token) return;
    await call('POST', `${ctx.apiUrl}/api/tokens/revoke`, { bearer: ctx.adminKey, body: { token } });
    people.delete(hashToken(token));
  }

  async function logout(req: IncomingMessage, res: ServerResponse): Promise<true> {
    await revoke(req);
    return redirect(res, `${links.app}/auth`, [cookie('', 0)]);
  }

  /** The post-logout page (also Okta's post-logout redirect URI): nobody is signed in after it. */
  async function signedOut(req: IncomingMessage, res: ServerResponse): Promise<true> {
    await revoke(req);
    return send(res, 200, signedOutPage(links, signInUrl), { 'set-cookie': cookie('', 0) });
  }

  async function action(name: OktaActionName, req: IncomingMessage, res: ServerResponse): Promise<true> {
    const result = await ctx.runAction(name);
    if (wantsJson(req)) return sendJson(res, 200, result);
    // Post/redirect/get: a reload of the page must not push again.
    return redirect(res, `${links.app}/okta#log`);
  }

  /**
   * Forms are posted by our own pages only: a browser's cross-site POST (another tab's page) would
   * otherwise make the stand-in push SCIM or log the user out.
   */
  const crossSite = (req: IncomingMessage): boolean => {
    const site = req.headers['sec-fetch-site'];
    // `same-site` includes other ports of 127.0.0.1 (the stand-in's own pages): not ours either.
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
    const origin = req.headers.origin;
    return origin !== undefined && origin !== app.origin;
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', app.origin);
    const path = url.pathname;
    if (path !== base && !path.startsWith(`${base}/`)) return false;
    const rest = path.slice(base.length) || '';
    const method = (req.method ?? 'GET').toUpperCase();
    // No route takes a body: drain it so the connection can be reused.
    req.resume();

    if (method === 'POST') {
      if (crossSite(req)) return send(res, 403, messagePage(links, 'Forbidden', 'Only the demo pages themselves may post to the demo.'));
      if (rest === '/logout') return logout(req, res);
      const name = /^\/okta\/([a-z-]+)$/.exec(rest)?.[1] as OktaActionName | undefined;
      if (name && ACTIONS.includes(name)) return action(name, req, res);
      return send(res, 404, messagePage(links, 'Not found', 'No such page in the demo app.'));
    }
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, messagePage(links, 'Method not allowed', `${method} is not used here.`), { allow: 'GET, POST' });
    switch (rest) {
      case '':
        return redirect(res, `${links.app}/`);
      case '/':
        return home(req, res);
      case '/auth/callback':
        return callback(url, res);
      case '/auth':
        return signedOut(req, res);
      case '/session':
        return session(req, res);
      case '/okta':
        return send(
          res,
          200,
          controlPage({
            links,
            issuer: ctx.issuer,
            user: ctx.user,
            clientId: ctx.clientId,
            workspace: ctx.workspace,
            setup: ctx.workspace.setup,
            tileUrl: ctx.tileUrl,
            log: ctx.log(),
          }),
        );
      default:
        return send(res, 404, messagePage(links, 'Not found', 'No such page in the demo app.'));
    }
  };
}
