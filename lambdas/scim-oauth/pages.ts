import { AppError } from '../core/errors.js';
import { errorView, registerEnvelope, renderEnvelope } from '../platform/envelopes.js';
import { escapeHtml as e, html, type HttpResponse } from '../platform/http.js';
import type { ScimScope } from '../core/scim/scopes.js';

/** What each scope lets Okta do, in words an admin approving it understands. */
const SCOPE_TEXT: Record<ScimScope, string> = {
  'scim.read': 'Read the workspace’s users, groups and roles',
  'scim.write': 'Create, update and deactivate users and groups (provisioning)',
  'entitlements.read': 'Read the workspace’s role entitlements (Okta Identity Governance)',
};

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:34rem;margin:3rem auto;background:#fff;border:1px solid #dde1e7;border-radius:10px;padding:2rem}
h1{font-size:1.3rem;margin:0 0 1rem}h2{font-size:1rem;margin:1.5rem 0 .5rem}
ul{padding-left:1.2rem}code{background:#f0f2f5;padding:0 .25rem;border-radius:4px;word-break:break-all}
label{display:block;margin:.6rem 0 .2rem;font-weight:600}input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #c4cad3;border-radius:6px}
.actions{display:flex;gap:.75rem;margin-top:1.25rem}button{padding:.55rem 1.1rem;border-radius:6px;border:1px solid #c4cad3;background:#fff;font:inherit;cursor:pointer}
button.primary{background:#1f5eff;border-color:#1f5eff;color:#fff}.muted{color:#5b6473;font-size:.9rem}.notice{background:#fff6e0;border:1px solid #f0d48a;padding:.6rem .8rem;border-radius:6px}
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="same-origin"><title>${e(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function hidden(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join('');
}

/**
 * CSP for a page whose form ends in a redirect elsewhere: browsers apply `form-action` to the
 * redirects that follow a submission, so the destination's origin must be listed.
 */
function csp(formAction: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'cache-control': 'no-store',
    'referrer-policy': 'same-origin',
  };
}

export interface ConsentView {
  readonly workspaceName: string;
  readonly teamId: string;
  readonly username: string;
  /** Okta's app name (from the callback URI) or the redirect host. */
  readonly requester: string;
  readonly redirectUri: string;
  readonly scopes: readonly ScimScope[];
  /** The authorization request as hidden form fields. */
  readonly params: Readonly<Record<string, string>>;
  readonly csrf: string;
  readonly action: string;
}

/** The consent page a signed-in workspace admin approves or denies (POSTs back with a CSRF token). */
export function consentPage(v: ConsentView): HttpResponse {
  const body = `
<h1>Allow Okta to provision this workspace?</h1>
<p>Okta (${e(v.requester)}) asks for access to the workspace <strong>${e(v.workspaceName)}</strong> <span class="muted">(${e(v.teamId)})</span>.</p>
<h2>It will be able to</h2>
<ul>${v.scopes.map((s) => `<li>${e(SCOPE_TEXT[s])} <span class="muted">(<code>${e(s)}</code>)</span></li>`).join('')}</ul>
<p class="muted">After approval Okta receives a code at <code>${e(v.redirectUri)}</code>. You are signed in as ${e(v.username || 'a workspace admin')}.</p>
<form method="post" action="${e(v.action)}">
${hidden(v.params)}<input type="hidden" name="csrf" value="${e(v.csrf)}">
<div class="actions"><button class="primary" type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="deny">Deny</button></div>
</form>`;
  return html(200, page('Approve Okta SCIM access', body), csp(`'self' ${new URL(v.redirectUri).origin}`));
}

export interface SignInView {
  readonly params: Readonly<Record<string, string>>;
  readonly teamId?: string;
  readonly notice?: string;
  /** `/api/okta/oidc/login`: the bridge's sign-in, which returns here with a session cookie. */
  readonly loginAction: string;
  readonly returnTo: string;
  readonly action: string;
  /** Origins the sign-in may redirect through (the IdP), for `form-action`. */
  readonly formAction: string;
}

/**
 * Shown when no admin session is present: sign in through the workspace's identity provider (the
 * bridge's own sign-in returns here), or — for platform operators — approve with the platform
 * admin key naming the workspace.
 */
export function signInPage(v: SignInView): HttpResponse {
  const body = `
<h1>Approve Okta’s SCIM access</h1>
${v.notice ? `<p class="notice">${e(v.notice)}</p>` : ''}
<p>Okta asks to provision users into one of your workspaces. A workspace admin must approve it.</p>
<h2>Sign in as a workspace admin</h2>
<form method="get" action="${e(v.loginAction)}">
<label for="team_id">Workspace ID</label><input type="text" id="team_id" name="team_id" required pattern="[0-9a-f-]{36}" value="${e(v.teamId ?? '')}" autocomplete="off">
<input type="hidden" name="return_to" value="${e(v.returnTo)}">
<div class="actions"><button class="primary" type="submit">Sign in</button></div>
</form>
<h2>Or approve with the platform admin key</h2>
<form method="post" action="${e(v.action)}">
${hidden(v.params)}
<label for="team_id_key">Workspace ID</label><input type="text" id="team_id_key" name="team_id" required pattern="[0-9a-f-]{36}" value="${e(v.teamId ?? '')}" autocomplete="off">
<label for="admin_key">Platform admin key</label><input type="password" id="admin_key" name="admin_key" required autocomplete="off">
<div class="actions"><button class="primary" type="submit" name="decision" value="approve">Approve</button></div>
</form>`;
  return html(200, page('Approve Okta SCIM access', body), csp(v.formAction));
}

/** A refusal of the consent flow, shown as a page: it has a title as well as a message. */
class PageRefusal extends AppError {
  readonly title: string;
  constructor(status: number, title: string, message: string) {
    super(status, 'consent_refused', message);
    this.title = title;
  }
}

/**
 * The consent flow's HTML envelope (platform/envelopes.ts). Only its own page refusals: anything
 * else thrown by the group keeps the RFC 6749 §5.2 JSON envelope (`fallback: 'oauth'`).
 */
registerEnvelope(
  'scim-oauth.page',
  ({ error: err, message }) => (err instanceof PageRefusal ? html(err.status, page(err.title, `<h1>${e(err.title)}</h1><p>${e(message)}</p>`), csp("'none'")) : undefined),
  { fallback: 'oauth' },
);

/** A refusal shown to the person in the browser (never redirected: RFC 6749 §4.1.2.1). */
export function errorPage(status: number, title: string, message: string): HttpResponse {
  return renderEnvelope('scim-oauth.page', errorView(new PageRefusal(status, title, message)));
}
