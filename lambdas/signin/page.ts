import type { Config } from '../platform/config.js';
import { STORAGE_RETRY_AFTER_SECONDS } from '../core/errors.js';
import { escapeHtml, html, type HttpRequest, type HttpResponse } from '../platform/http.js';
import type { SignInRefused } from './refusals.js';

/** Refusals that often mean "you are in the wrong region": the page links the other regions. */
const REGION_HINTS = new Set(['workspace_not_found', 'unknown_issuer', 'unknown_email_domain', 'invalid_state']);

/**
 * The page a browser sees when a sign-in is refused, OIDC or SAML: what happened, how to fix it
 * (the catalogue of `refusals.ts`, from the seeds' troubleshooting tables), and a stable error
 * code with the request id for support. The only refusal page: every sign-in refusal renders here.
 * Everything interpolated is escaped; the page loads nothing and runs no script (CSP of `html()`).
 */
export function refusalPage(config: Config, err: SignInRefused, req: HttpRequest): HttpResponse {
  const title = err.title;
  const detail = err.expose ? err.message : 'An internal error occurred.';
  const rows: [string, string][] = [
    ['Error code', err.refusal],
    ['Region', config.REGION_ID.toUpperCase()],
    ...(err.about.teamId ? ([['Workspace', err.about.teamId]] as [string, string][]) : []),
    ['Request id', req.requestId],
  ];
  // The other regions' OIDC login takes the same query; a SAML connection is set up per region.
  const peers = REGION_HINTS.has(err.refusal) && err.about.protocol !== 'saml' ? Object.entries(config.PEER_REGIONS) : [];
  const query = new URLSearchParams(req.query).toString();
  const peerLinks = peers
    .map(([region, url]) => {
      const href = `${url.replace(/\/+$/, '')}/api/okta/oidc/login${query ? `?${query}` : ''}`;
      return `<li><a href="${escapeHtml(href)}">Sign in through the ${escapeHtml(region.toUpperCase())} region</a></li>`;
    })
    .join('');
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.4rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;font-size:.9rem;color:#555}
dd{margin:0;font-family:ui-monospace,monospace}.fix{background:#f4f6f8;padding:.75rem 1rem;border-radius:.4rem}dd{word-break:break-all}</style></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(detail)}</p>
<h2>How to fix it</h2>
<p class="fix">${escapeHtml(err.fix(config))}</p>
${peerLinks ? `<ul>${peerLinks}</ul>` : ''}
<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
</main></body></html>`;
  const retry: Record<string, string> = err.status === 503 || err.status === 429 ? { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) } : {};
  return html(err.status, body, { 'cache-control': 'no-store', 'x-idpb-error': err.refusal, ...retry });
}
