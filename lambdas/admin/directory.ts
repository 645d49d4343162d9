import type { Deps } from '../shared/deps.js';
import { NotImplemented } from '../shared/errors.js';
import type { HttpRequest, HttpResponse } from '../shared/http.js';

/** `GET /api/admin/workspaces/{team_id}/users` — filled in by the SCIM issue (users live there). */
export async function listUsers(_deps: Deps, _req: HttpRequest, _teamId: string): Promise<HttpResponse> {
  throw new NotImplemented('Listing users');
}

/** `GET /api/admin/workspaces/{team_id}/groups` — filled in by the SCIM issue. */
export async function listGroups(_deps: Deps, _req: HttpRequest, _teamId: string): Promise<HttpResponse> {
  throw new NotImplemented('Listing groups');
}
