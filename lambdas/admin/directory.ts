import type { Deps } from '../platform/deps.js';
import { BadRequest } from '../core/errors.js';
import { json, type HttpRequest, type HttpResponse } from '../platform/http.js';
import type { User } from '../core/model/user.js';
import { fullName, primaryEmail } from '../core/scim/user-resource.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** `limit` and `cursor` of an admin listing; the cursor is the last id of the previous page. */
function paging(req: HttpRequest): { limit: number; cursor?: string } {
  const raw = req.query.limit;
  let limit = DEFAULT_LIMIT;
  if (raw !== undefined) {
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new BadRequest('limit: must be a positive integer.', { code: 'validation_failed' });
    limit = Math.min(MAX_LIMIT, Number(raw));
  }
  const cursor = req.query.cursor;
  if (cursor !== undefined && !/^[0-9a-z]{1,64}$/.test(cursor)) throw new BadRequest('cursor: not a cursor of this listing.', { code: 'validation_failed' });
  return { limit, ...(cursor ? { cursor } : {}) };
}

/** What the admin page shows of a user: the seed 000 mapping (e-mail, full name), status, effective roles. */
function userView(u: User) {
  return {
    id: u.id,
    userName: u.userName,
    email: primaryEmail(u) ?? null,
    name: fullName(u),
    displayName: u.displayName ?? null,
    externalId: u.externalId ?? null,
    active: u.active,
    roles: u.roles,
    grants: u.grants,
    source: u.source,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}

/** `GET /api/admin/workspaces/{team_id}/users?limit=&cursor=` → `{users, nextCursor}`, in creation order. */
export async function listUsers(deps: Deps, req: HttpRequest, teamId: string): Promise<HttpResponse> {
  const { limit, cursor } = paging(req);
  const page = await deps.repos.users.page(teamId, cursor, limit);
  return json(200, { users: page.users.map(userView), nextCursor: page.more && page.last ? page.last : null });
}

/** `GET /api/admin/workspaces/{team_id}/groups?limit=&cursor=` → `{groups, nextCursor}`, in creation order. */
export async function listGroups(deps: Deps, req: HttpRequest, teamId: string): Promise<HttpResponse> {
  const { limit, cursor } = paging(req);
  const page = await deps.repos.groups.page(teamId, cursor, limit);
  return json(200, {
    groups: page.groups.map((g) => ({ id: g.id, displayName: g.displayName, externalId: g.externalId ?? null, createdAt: g.createdAt, updatedAt: g.updatedAt })),
    nextCursor: page.more && page.last ? page.last : null,
  });
}
