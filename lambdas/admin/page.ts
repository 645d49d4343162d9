import type { Deps } from '../shared/deps.js';
import { html, type HttpRequest, type HttpResponse } from '../shared/http.js';

/** `GET /admin` — the workspace admin page (built out by a later issue). */
export async function adminPage(_deps: Deps, _req: HttpRequest): Promise<HttpResponse> {
  return html(200, '<!doctype html><html><head><meta charset="utf-8"><title>idp-bridge admin</title></head><body><h1>idp-bridge</h1><p>Admin page.</p></body></html>');
}
