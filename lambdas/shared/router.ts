import { MethodNotAllowed, NotFound } from './errors.js';
import type { HttpRequest, HttpResponse } from './http.js';

export type RouteHandler = (req: HttpRequest, params: Record<string, string>) => Promise<HttpResponse>;

/**
 * A small in-Lambda router: `'/api/admin/workspaces/:teamId/okta'` style patterns. A known path
 * with an unknown method answers 405, an unknown path 404 (both in the caller's envelope).
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
    let pathMatched = false;
    for (const r of compiled) {
      const m = r.re.exec(req.path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1]!);
      });
      return r.handler(req, params);
    }
    if (pathMatched) throw new MethodNotAllowed();
    throw new NotFound(`No route for ${req.method} ${req.path}.`);
  };
}
