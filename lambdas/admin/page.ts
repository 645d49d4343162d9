import { createHash } from 'node:crypto';
import type { Deps } from '../platform/deps.js';
import { NotFound } from '../core/errors.js';
import type { HttpRequest, HttpResponse } from '../platform/http.js';
import { APP_CSS } from './assets/app-css.js';
import { APP_JS } from './assets/app-js.js';

/**
 * The admin page's Content Security Policy: no inline script or style at all, so an injected
 * string can never run; the page only talks to its own origin (the admin API).
 */
export const ADMIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Headers every admin page response carries. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': ADMIN_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

interface Asset {
  readonly body: string;
  readonly type: string;
  /** Content hash: the page links `?v=<hash>`, so a new deployment busts every cache. */
  readonly hash: string;
  readonly etag: string;
}

function asset(body: string, type: string): Asset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return { body, type, hash, etag: `"${hash}"` };
}

/** Built once per cold start; the bundle carries the sources as strings (no runtime file reads). */
const ASSETS: Readonly<Record<string, Asset>> = {
  '/admin/app.js': asset(APP_JS, 'text/javascript; charset=utf-8'),
  '/admin/app.css': asset(APP_CSS, 'text/css; charset=utf-8'),
};

const JS = ASSETS['/admin/app.js']!;
const CSS = ASSETS['/admin/app.css']!;

/** The static shell; `app.js` builds everything else with DOM APIs (never `innerHTML`). */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>idp-bridge admin</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/app.css?v=${CSS.hash}">
<script src="/admin/app.js?v=${JS.hash}" defer></script>
</head>
<body>
<a class="skip-link" href="#main" id="skip-link">Skip to content</a>
<header class="topbar" id="top">
<div class="brand"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">idp-bridge</span><span class="brand-sub">Workspace admin</span></div>
<div class="top-actions" id="top-actions"></div>
</header>
<div id="app" class="app"><noscript><p class="noscript">The admin page needs JavaScript.</p></noscript></div>
<div id="announcer" class="sr-only" role="status" aria-live="polite"></div>
</body>
</html>
`;

/** True when the request's `If-None-Match` names this entity tag (RFC 9110 §13.1.2, weak comparison). */
function notModified(req: HttpRequest, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (!inm) return false;
  return inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/**
 * `GET /admin` — the workspace admin page — and its two assets, `GET /admin/app.js` and
 * `GET /admin/app.css`. The page is a plain client of the admin API (docs/reference/DESIGN.md); it holds no data.
 * Assets linked with the current content hash are immutable; any other request revalidates.
 */
export async function adminPage(_deps: Deps, req: HttpRequest): Promise<HttpResponse> {
  if (req.path === '/admin' || req.path === '/admin/') {
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...SECURITY_HEADERS },
      body: PAGE,
    };
  }
  const a = ASSETS[req.path];
  if (!a) throw new NotFound(`No route for ${req.method} ${req.path}.`);
  const headers: Record<string, string> = {
    'content-type': a.type,
    etag: a.etag,
    'cache-control': req.query.v === a.hash ? 'public, max-age=31536000, immutable' : 'public, max-age=300, must-revalidate',
    ...SECURITY_HEADERS,
  };
  if (notModified(req, a.etag)) return { status: 304, headers, body: '' };
  return { status: 200, headers, body: req.method === 'HEAD' ? '' : a.body };
}
