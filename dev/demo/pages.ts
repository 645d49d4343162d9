/**
 * The demo's HTML: plain server-rendered pages, no script, every interpolated value escaped.
 */
import type { StandinUser } from '../okta-standin/index.js';
import type { RecordedCall } from './calls.js';
import type { OktaActionName, OktaActionResult } from './okta-actions.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;

/** Pretty JSON for a `<pre>`, escaped. */
const pretty = (v: unknown): string => e(typeof v === 'string' ? v : JSON.stringify(v, null, 2));

const CSS = `body{font-family:system-ui,sans-serif;max-width:48rem;margin:1.5rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
nav{font-size:.9rem;border-bottom:1px solid #ddd;padding-bottom:.5rem;margin-bottom:1rem}nav a{margin-right:1rem}
nav .who{float:right;color:#666}h1{font-size:1.4rem;margin:.5rem 0}h2{font-size:1.1rem;margin:1.25rem 0 .5rem}h3{font-size:1rem;margin:0 0 .25rem}
.card{border:1px solid #ddd;border-radius:.4rem;padding:.75rem 1rem;margin:.75rem 0}.ok{border-left:4px solid #2e7d32}.bad{border-left:4px solid #c62828}
.button,button{font:inherit;padding:.4rem .9rem;border-radius:.3rem;border:1px solid #1a4fa0;background:#1a5fd0;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:#1a4fa0}form{display:inline}.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}
.hint{color:#555;font-size:.9rem}code{font-family:ui-monospace,monospace;font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.25rem 0}dt{color:#555}dd{margin:0;font-family:ui-monospace,monospace;overflow-wrap:anywhere}
pre{background:#f4f6f8;padding:.5rem;overflow:auto;font-size:.8rem;max-height:22rem;margin:.25rem 0}details{margin:.4rem 0}summary{cursor:pointer;font-family:ui-monospace,monospace;font-size:.85rem}
.s2{color:#2e7d32}.s4,.s5{color:#c62828}`;

/** Where the pages link to. */
export interface PageLinks {
  /** The demo app's base URL (`…/demo-app`). */
  readonly app: string;
  /** The bridge's base URL. */
  readonly api: string;
}

function layout(title: string, links: PageLinks, main: string, who = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><style>${CSS}</style></head>
<body><nav><a href="${e(links.app)}/">Demo app</a><a href="${e(links.app)}/okta">Okta stand-in</a><a href="${e(links.api)}/admin">Bridge admin UI</a>${
    who ? `<span class="who">${e(who)}</span>` : ''
  }</nav>
<main>${main}</main></body></html>`;
}

const dl = (rows: readonly (readonly [string, string])[]): string => `<dl>${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>`;

// ---- the demo host app ---------------------------------------------------------------------------

export interface HomeView {
  readonly links: PageLinks;
  readonly workspaceName: string;
  /** The SP-initiated sign-in URL (`/api/okta/oidc/login?team_id=…`). */
  readonly signInUrl: string;
  /** The stand-in's test user login. */
  readonly testLogin: string;
  /** Set when the browser holds a session the bridge still accepts. */
  readonly signedIn?: SignedInView;
  /** The browser holds a session cookie the bridge no longer accepts. */
  readonly sessionEnded?: boolean;
}

export interface SignedInView {
  readonly displayName: string;
  readonly rows: readonly (readonly [string, string])[];
  readonly roles: readonly string[];
}

/** `GET /demo-app/`: the host app's start page. */
export function homePage(v: HomeView): string {
  const signIn = `<a class="button" href="${e(v.signInUrl)}">Sign in with Okta</a>`;
  let state: string;
  if (v.signedIn) {
    state = `<div class="card ok"><h2>Signed in as ${e(v.signedIn.displayName)}</h2>
${dl([...v.signedIn.rows, ['Roles', v.signedIn.roles.join(', ') || '(none)']])}
<div class="actions"><form method="get" action="${e(v.links.app)}/session"><button type="submit">Check my session</button></form>
<form method="post" action="${e(v.links.app)}/logout"><button type="submit" class="secondary">Sign out</button></form></div></div>`;
  } else if (v.sessionEnded) {
    state = `<div class="card bad"><h2>Your session has ended</h2>
<p>The bridge no longer accepts this browser's session token: it was revoked (Universal Logout, deactivation in Okta, sign-out) or it expired.</p>
<div class="actions">${signIn}<form method="get" action="${e(v.links.app)}/session"><button type="submit" class="secondary">Check my session</button></form></div></div>`;
  } else {
    state = `<div class="card"><div class="actions">${signIn}</div>
<p class="hint">At the Okta stand-in's sign-in page, enter <code>${e(v.testLogin)}</code> (no password).</p></div>`;
  }
  return layout(
    `${v.workspaceName} — demo app`,
    v.links,
    `<h1>${e(v.workspaceName)} workspace — demo app</h1>
<p>This page plays your SaaS app (the <em>host app</em>). It signs users in through idp-bridge, which is connected to a local Okta stand-in.</p>
${state}
<h2>The story in four clicks</h2>
<ol>
<li><strong>Sign in with Okta.</strong> Okta lets Alex in, but the bridge refuses: Alex is not provisioned in this workspace and just-in-time provisioning is off.</li>
<li>Open the <a href="${e(v.links.app)}/okta">Okta stand-in</a> and press <strong>Provision via SCIM</strong>: Okta creates the user and pushes the group <code>claresia-admins</code>.</li>
<li><strong>Sign in</strong> again: you come back here as Alex, with the role <code>admin</code> (group <code>claresia-admins</code> → role <code>admin</code>).</li>
<li>In the Okta stand-in press <strong>Universal Logout</strong>, then <strong>Check my session</strong> here: the session is gone.</li>
</ol>`,
    v.signedIn ? v.signedIn.displayName : '',
  );
}

/** `GET /demo-app/session`: what introspection says about this browser's session. */
export function sessionPage(links: PageLinks, active: boolean, hasCookie: boolean, introspection: RecordedCall | undefined): string {
  const verdict = !hasCookie
    ? `<div class="card"><h2>No session</h2><p>This browser holds no session of the demo app. <a href="${e(links.app)}/">Sign in</a> first.</p></div>`
    : active
      ? `<div class="card ok"><h2>Session active</h2><p>The bridge still accepts this session token.</p></div>`
      : `<div class="card bad"><h2>Session inactive</h2><p>The bridge answers <code>{"active": false}</code>: the session was revoked or expired. The host app must treat the user as signed out.</p></div>`;
  return layout(
    'Session check — demo app',
    links,
    `<h1>Check my session</h1>
<p>The demo app's backend asks the bridge about its session token (<code>POST /api/tokens/introspect</code>, RFC 7662, with the platform admin key).</p>
${verdict}
${introspection ? callDetails(introspection, true) : ''}
<div class="actions"><form method="get" action="${e(links.app)}/session"><button type="submit">Check again</button></form><a class="button secondary" href="${e(links.app)}/">Back</a></div>`,
  );
}

/** `GET /demo-app/auth`: the post-logout page (Okta's post-logout redirect URI). */
export function signedOutPage(links: PageLinks, signInUrl: string): string {
  return layout(
    'Signed out — demo app',
    links,
    `<h1>You are signed out</h1><p>The demo app revoked its session at the bridge. This page is the app's post-logout URI (<code>{APP_URL}/auth</code>). Your session at the Okta stand-in lives on, so signing in again skips the Okta form.</p><div class="actions"><a class="button" href="${e(signInUrl)}">Sign in with Okta</a></div>`,
  );
}

/** The code exchange at the bridge failed (expired, replayed, or the user was deactivated meanwhile). */
export function exchangeFailedPage(links: PageLinks, exchange: RecordedCall | undefined, signInUrl: string): string {
  return layout(
    'Sign-in failed — demo app',
    links,
    `<h1>The sign-in could not be completed</h1>
<p>The demo app's backend could not exchange the one-time code at the bridge (<code>POST /api/sso/token</code>). Codes are single use and live 60 seconds.</p>
${exchange ? callDetails(exchange, true) : ''}
<div class="actions"><a class="button" href="${e(signInUrl)}">Sign in again</a></div>`,
  );
}

/** A short page for 403/404/405 answers. */
export function messagePage(links: PageLinks, title: string, text: string): string {
  return layout(`${title} — demo app`, links, `<h1>${e(title)}</h1><p>${e(text)}</p><p><a href="${e(links.app)}/">Back to the demo app</a></p>`);
}

// ---- the Okta stand-in's control page -----------------------------------------------------------

export interface ControlView {
  readonly links: PageLinks;
  readonly issuer: string;
  readonly user: StandinUser;
  readonly clientId: string;
  readonly workspace: { readonly id: string; readonly name: string };
  readonly setup: Readonly<Record<string, unknown>>;
  /** IdP-initiated sign-in: the Okta dashboard tile. */
  readonly tileUrl: string;
  /** Newest first. */
  readonly log: readonly OktaActionResult[];
}

const ACTION_TITLES: Record<OktaActionName, string> = {
  provision: 'Provision via SCIM',
  deactivate: 'Deactivate via SCIM',
  'universal-logout': 'Universal Logout',
};

function callDetails(c: RecordedCall, open: boolean): string {
  const cls = `s${String(c.status).charAt(0)}`;
  return `<details${open ? ' open' : ''}><summary>${e(c.method)} ${e(c.url)} → <span class="${cls}">${c.status}</span></summary>
${c.request !== undefined ? `<pre>${pretty(c.request)}</pre>` : ''}<pre>${c.response === null ? '(no body)' : pretty(c.response)}</pre></details>`;
}

/** `GET /demo-app/okta`: the test user, the app's wiring, the three Okta actions and their log. */
export function controlPage(v: ControlView): string {
  const u = v.user;
  const str = (k: string): string => (typeof v.setup[k] === 'string' ? (v.setup[k] as string) : '');
  const action = (name: OktaActionName, what: string): string =>
    `<div class="card"><form method="post" action="${e(v.links.app)}/okta/${name}"><button type="submit">${e(ACTION_TITLES[name])}</button></form> <span class="hint">${e(what)}</span></div>`;
  const log = v.log
    .map(
      (r) => `<div class="card ${r.ok ? 'ok' : 'bad'}"><h3>${e(ACTION_TITLES[r.action])} <span class="hint">${e(r.at)}</span></h3><p>${e(r.summary)}</p>
${r.calls.map((c, i) => callDetails(c, i === r.calls.length - 1 || c.status >= 400)).join('\n')}</div>`,
    )
    .join('\n');
  return layout(
    'Okta stand-in',
    v.links,
    `<h1>Okta stand-in</h1>
<p>A local Okta org at <code>${e(v.issuer)}</code> (an OpenID provider with Okta's endpoints). Its buttons send what Okta sends when an admin acts.</p>
<div class="card"><h2>Test user</h2>${dl([
      ['Name', u.name ?? [u.givenName, u.familyName].filter(Boolean).join(' ')],
      ['Username', u.login ?? u.email],
      ['Okta user id', u.id],
      ['Groups', (u.groups ?? []).join(', ')],
    ])}</div>
<div class="card"><h2>App wired to workspace "${e(v.workspace.name)}"</h2>${dl([
      ['Workspace id', v.workspace.id],
      ['Client id', v.clientId],
      ['Sign-in redirect URI', str('redirectUri')],
      ['Initiate login URI', str('initiateLoginUri')],
      ['SCIM base URL', str('scimBaseUrl')],
      ['Universal Logout endpoint', str('universalLogoutEndpoint')],
    ])}</div>
<h2>Act as Okta</h2>
${action('provision', 'Assign the app: find the user by userName, create it (with externalId and password), then Push Groups (create the group, add the member).')}
${action('deactivate', 'Unassign the app: PATCH {"active": false} without a path, as Okta does.')}
${action('universal-logout', 'Clear user sessions: a Global Token Revocation request signed with the org key, subject by email.')}
<div class="card"><a class="button secondary" href="${e(v.tileUrl)}">Sign in from the Okta dashboard</a> <span class="hint">IdP-initiated: the app tile sends the browser to the initiate login URI with <code>iss</code>.</span></div>
<h2 id="log">What Okta sent and what the bridge answered</h2>
${log || '<p class="hint">Nothing yet: press a button above.</p>'}`,
  );
}
