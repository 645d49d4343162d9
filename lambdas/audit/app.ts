import { authenticateAdmin } from '../signin/admin-auth.js';
import type { Deps } from '../platform/deps.js';
import { BadRequest, NotFound } from '../core/errors.js';
import type { HttpRequest, HttpResponse } from '../platform/http.js';
import type { App } from '../platform/lambda.js';
import { router } from '../platform/router.js';

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 5000;

function parseTime(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  if (!Number.isFinite(ms)) throw new BadRequest(`${name}: expected an ISO 8601 time or epoch seconds.`, { code: 'validation_failed' });
  return ms;
}

/**
 * `GET /api/admin/workspaces/{team_id}/audit-export?since=&until=&cursor=&limit=` — the audit trail
 * as NDJSON in time order, one bounded page per request; the next page's URL is in a
 * `Link: <…>; rel="next"` header (absent on the last page).
 */
export function createAuditApp(deps: Deps): App {
  const { audit, workspaces } = deps.repos;
  return router([
    [
      'GET',
      '/api/admin/workspaces/:teamId/audit-export',
      async (req: HttpRequest, { teamId }): Promise<HttpResponse> => {
        await authenticateAdmin(deps, req, teamId);
        const w = await workspaces.get(teamId!);
        if (!w) throw new NotFound(`Workspace ${teamId} does not exist in this region.`);
        const sinceMs = parseTime('since', req.query.since);
        const untilMs = parseTime('until', req.query.until);
        if (sinceMs !== undefined && untilMs !== undefined && untilMs < sinceMs) throw new BadRequest('until: must not be before since.', { code: 'validation_failed' });
        const cursor = req.query.cursor;
        if (cursor !== undefined && !/^[0-9a-z]{22}$/.test(cursor)) throw new BadRequest('cursor: malformed.', { code: 'validation_failed' });
        const limitRaw = req.query.limit;
        const limit = limitRaw === undefined ? DEFAULT_PAGE : Number(limitRaw);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new BadRequest(`limit: an integer from 1 to ${MAX_PAGE}.`, { code: 'validation_failed' });

        const page = await audit.page({
          teamId: w.id,
          ...(sinceMs !== undefined ? { sinceMs } : {}),
          ...(untilMs !== undefined ? { untilMs } : {}),
          ...(cursor ? { after: cursor } : {}),
          limit,
        });
        const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' };
        if (page.next) {
          const q = new URLSearchParams();
          if (req.query.since) q.set('since', req.query.since);
          if (req.query.until) q.set('until', req.query.until);
          if (limitRaw) q.set('limit', String(limit));
          q.set('cursor', page.next);
          headers.link = `<${deps.config.API_URL}/api/admin/workspaces/${w.id}/audit-export?${q}>; rel="next"`;
        }
        return { status: 200, headers, body: page.records.map((r) => JSON.stringify(r) + '\n').join('') };
      },
    ],
  ]);
}
