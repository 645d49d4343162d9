/**
 * The SCIM 2.0 endpoint group: `/api/scim/v2/{team_id}/…` (docs/reference/DESIGN.md). Routing is done here
 * rather than with the shared router because SCIM clients are loose with paths (seed 003's
 * troubleshooting): trailing slashes, doubled slashes, a base URL pasted with an extra `/v2` or
 * `/scim/v2`, and resource names in another case all reach the right endpoint.
 */
import type { Deps } from '../platform/deps.js';
import type { HttpRequest, HttpResponse } from '../platform/http.js';
import type { App } from '../platform/lambda.js';
import { NotSupported, ResourceNotFound } from '../core/scim/errors.js';
import { authenticate } from './auth.js';
import { discoveryEndpoints } from './discovery.js';
import { groupEndpoints } from './groups.js';
import { userEndpoints } from './users.js';

/** Longer than any workspace id (a UUID); such a path answers 404 without a read. */
const MAX_TEAM_ID_LENGTH = 64;

const PREFIX = /^\/api\/scim\/v2\/([^/]+)(\/.*)?$/;

/** The workspace id and the path segments after it, normalised. */
function scimRoute(rawPath: string): { teamId: string; segments: string[] } | undefined {
  const path = rawPath.replace(/\/{2,}/g, '/');
  const m = PREFIX.exec(path);
  if (!m) return undefined;
  let segments = (m[2] ?? '')
    .split('/')
    .filter((s) => s.length > 0)
    .map(decode);
  // A base URL pasted as `…/v2/{team}/scim/v2` or `…/v2/{team}/v2` still works.
  if (segments[0]?.toLowerCase() === 'scim' && segments[1]?.toLowerCase() === 'v2') segments = segments.slice(2);
  else if (segments[0]?.toLowerCase() === 'v2') segments = segments.slice(1);
  return { teamId: decode(m[1]!), segments };
}

/** A path segment, percent-decoded; a malformed escape (`%zz`) is kept as written, never a 500. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Methods each kind of SCIM path serves, for the `Allow` header of a 405 (RFC 9110 §15.5.6). */
const ALLOW = {
  collection: ['GET', 'HEAD', 'POST'],
  resource: ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'],
  readOnly: ['GET', 'HEAD'],
} as const;

export function createScimApp(deps: Deps): App {
  const users = userEndpoints(deps);
  const groups = groupEndpoints(deps);
  const discovery = discoveryEndpoints(deps);

  return async (req: HttpRequest): Promise<HttpResponse> => {
    const route = scimRoute(req.path);
    if (!route) throw new ResourceNotFound(`No SCIM endpoint at ${req.path}.`);
    const { teamId, segments } = route;
    // Workspace ids are UUIDs; a longer one cannot exist and must not reach a storage key (review #8).
    if (teamId.length > MAX_TEAM_ID_LENGTH) throw new ResourceNotFound(`No SCIM endpoint at ${req.path.slice(0, 200)}.`);
    const [resource, id, ...more] = segments;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const unsupported = (allow: readonly string[]) => new NotSupported(405, `${req.method} is not supported on ${req.path}.`, allow);
    if (more.length > 0 || resource === undefined) throw new ResourceNotFound(`No SCIM endpoint at ${req.path}.`);

    switch (resource.toLowerCase()) {
      case 'users':
        if (id === undefined) {
          if (method === 'GET') return users.list(req, teamId);
          if (method === 'POST') return users.create(req, teamId);
          throw unsupported(ALLOW.collection);
        }
        if (id === '.search') throw new NotSupported(501, 'POST /.search is not supported; use GET with a filter.');
        if (method === 'GET') return users.get(req, teamId, id);
        if (method === 'PUT') return users.replace(req, teamId, id);
        if (method === 'PATCH') return users.patch(req, teamId, id);
        if (method === 'DELETE') return users.remove(req, teamId, id);
        throw unsupported(ALLOW.resource);
      case 'groups':
        if (id === undefined) {
          if (method === 'GET') return groups.list(req, teamId);
          if (method === 'POST') return groups.create(req, teamId);
          throw unsupported(ALLOW.collection);
        }
        if (id === '.search') throw new NotSupported(501, 'POST /.search is not supported; use GET with a filter.');
        if (method === 'GET') return groups.get(req, teamId, id);
        if (method === 'PUT') return groups.replace(req, teamId, id);
        if (method === 'PATCH') return groups.patch(req, teamId, id);
        if (method === 'DELETE') return groups.remove(req, teamId, id);
        throw unsupported(ALLOW.resource);
      case 'roles':
        if (method !== 'GET') throw unsupported(ALLOW.readOnly);
        return discovery.roles(req, teamId, id);
      case 'serviceproviderconfig':
      case 'serviceproviderconfigs':
        if (method !== 'GET' || id !== undefined) throw unsupported(ALLOW.readOnly);
        return discovery.serviceProviderConfig(req, teamId);
      case 'resourcetypes':
        if (method !== 'GET') throw unsupported(ALLOW.readOnly);
        return discovery.resourceTypes(req, teamId, id);
      case 'schemas':
        if (method !== 'GET') throw unsupported(ALLOW.readOnly);
        return discovery.schemas(req, teamId, id);
      case 'bulk':
        await authenticate(deps, req, teamId, 'scim.write');
        throw new NotSupported(501, 'Bulk operations are not supported (see /ServiceProviderConfig).');
      case 'me':
        await authenticate(deps, req, teamId, 'scim.read');
        throw new NotSupported(501, '/Me is not supported: SCIM tokens act for the IdP, not for a user.');
      default:
        throw new ResourceNotFound(`No SCIM endpoint at ${req.path}.`);
    }
  };
}
