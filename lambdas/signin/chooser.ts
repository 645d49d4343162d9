import { escapeHtml, html, type HttpResponse } from '../platform/http.js';

/** One way to sign in, as the chooser lists it. */
export interface ChooserOption {
  /** What the user sees: the IdP (`signin/idp-label.ts`) and the connection's name. */
  readonly label: string;
  /** The login URL that names the connection. */
  readonly href: string;
}

/**
 * The page a browser sees when a workspace signs in through several live connections and the
 * request named none of them (no `connection`, no `iss`, no e-mail domain that one connection
 * lists): one link per connection. Same look as the refusal page (`page.ts`); everything
 * interpolated is escaped, and the page loads nothing and runs no script (CSP of `html()`).
 */
export function renderChooser(workspaceName: string, options: readonly ChooserOption[]): HttpResponse {
  const title = 'Choose how to sign in';
  const links = options.map((o) => `<li><a href="${escapeHtml(o.href)}">${escapeHtml(o.label)}</a></li>`).join('');
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.4rem}ul{list-style:none;padding:0}li{margin:.5rem 0}
a{display:block;background:#f4f6f8;padding:.75rem 1rem;border-radius:.4rem;color:#1a1a1a;text-decoration:none}a:hover{background:#e6eaee}</style></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
<p>Workspace "${escapeHtml(workspaceName)}" signs in through several identity providers. Choose yours:</p>
<ul>${links}</ul>
</main></body></html>`;
  return html(200, body, { 'cache-control': 'no-store', 'x-idpb-chooser': String(options.length) });
}
