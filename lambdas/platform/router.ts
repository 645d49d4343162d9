import { BadRequest, MethodNotAllowed, NotFound } from '../core/errors.js';
import type { HttpRequest, HttpResponse } from './http.js';

export type RouteHandler = (req: HttpRequest, params: Record<string, string>) => Promise<HttpResponse>;

/**
 * A small in-Lambda router: `'/api/admin/workspaces/:teamId/okta'` style patterns. A known path
 * with an unknown method answers 405 with `Allow` (RFC 9110 §15.5.6), an unknown path 404, a path
 * parameter with a malformed `%` escape 400 (all in the caller's envelope, never a 500).
 * Trailing slashes are tolerated.
 */
export function router(routes: [method: string, pattern: string, handler: RouteHandler][]): (req: HttpRequest) => Promise<HttpResponse> {
  const compiled = routes.map(([method, pattern, handler]) => {
    const names: string[] = [];
    const re = new RegExp(
      '^' +
        pattern.replace(/:(\w+)/g, (_, n: string) => {
          names.push(n);
          return '([^/]+)';
        }) +
        '/?$',
    );
    return { method, re, names, handler };
  });
  return async (req) => {
    const allowed = new Set<string>();
    for (const r of compiled) {
      const m = r.re.exec(req.path);
      if (!m) continue;
      allowed.add(r.method);
      if (r.method === 'GET') allowed.add('HEAD');
      if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeParam(m[i + 1]!);
      });
      return r.handler(req, params);
    }
    if (allowed.size > 0) throw new MethodNotAllowed([...allowed]);
    throw new NotFound(`No route for ${req.method} ${req.path}.`);
  };
}

/** `decodeURIComponent` that answers 400 instead of throwing `URIError` (a 500) on `%zz` or a lone `%`. */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequest('The path contains a malformed percent-escape.', { code: 'invalid_path' });
  }
}
