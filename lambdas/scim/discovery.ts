/**
 * Discovery (RFC 7644 §4, RFC 7643 §5–§7) and Okta's `/Roles` entitlement endpoint
 * (docs/reference/okta-protocols.md §4). `/ServiceProviderConfig` advertises only what works here.
 */
import type { Deps } from '../platform/deps.js';
import type { HttpRequest, HttpResponse } from '../platform/http.js';
import type { Role } from '../core/model/workspace.js';
import { ResourceNotFound } from '../core/scim/errors.js';
import { checkFilter, matches, type Json } from '../core/scim/evaluate.js';
import { attributeList, project } from '../core/scim/projection.js';
import { ROLE_SCHEMA, SCHEMA, SCHEMAS, type AttrDef, type SchemaDoc } from '../core/scim/schema.js';
import { authenticate } from './auth.js';
import { baseUrl, scim } from './common.js';
import { deferredListParams, listResponse, MAX_COUNT, sortResources } from './list.js';

/** RFC 7643 §5, with the limits this server enforces. */
function serviceProviderConfig(base: string): Json {
  return {
    schemas: [SCHEMA.serviceProviderConfig],
    documentationUri: 'https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A SCIM token minted in the workspace settings, or an OAuth 2.0 access token (scopes scim.read, scim.write, entitlements.read).',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

function resourceTypes(base: string): Json[] {
  const rt = (id: string, endpoint: string, schema: string, description: string, extensions: Json[] = []): Json => ({
    schemas: [SCHEMA.resourceType],
    id,
    name: id,
    endpoint,
    description,
    schema,
    ...(extensions.length > 0 ? { schemaExtensions: extensions } : {}),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${id}` },
  });
  return [
    rt('User', '/Users', SCHEMA.user, 'Workspace members', [{ schema: SCHEMA.enterpriseUser, required: false }]),
    rt('Group', '/Groups', SCHEMA.group, 'Groups; their names map to workspace roles'),
    rt('Role', '/Roles', SCHEMA.role, 'Workspace roles (entitlements for Okta Identity Governance)'),
  ];
}

function renderAttr(a: AttrDef): Json {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
    ...(a.canonicalValues ? { canonicalValues: a.canonicalValues } : {}),
    ...(a.referenceTypes ? { referenceTypes: a.referenceTypes } : {}),
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(renderAttr) } : {}),
  };
}

function schemaDoc(s: SchemaDoc, base: string): Json {
  return {
    schemas: [SCHEMA.schema],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(renderAttr),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` },
  };
}

function roleResource(r: Role, base: string): Json {
  return {
    schemas: [SCHEMA.role],
    id: r.id,
    displayName: r.displayName,
    // Okta's entitlement import caps descriptions at 1,000 characters (docs/reference/okta-protocols.md §4).
    ...(r.description ? { description: r.description.slice(0, 1000) } : {}),
    meta: { resourceType: 'Role', location: `${base}/Roles/${encodeURIComponent(r.id)}` },
  };
}

/** Serves a small static list as a ListResponse honouring startIndex/count (the entitlements test checks itemsPerPage). */
function staticList(req: HttpRequest, all: Json[]): HttpResponse {
  const q = deferredListParams(req.query)();
  const page = all.slice(q.startIndex - 1, q.startIndex - 1 + q.count);
  return scim(200, listResponse(page, all.length, q.startIndex));
}

export function discoveryEndpoints(deps: Deps) {
  return {
    async serviceProviderConfig(req: HttpRequest, teamId: string): Promise<HttpResponse> {
      await authenticate(deps, req, teamId, 'scim.read');
      return scim(200, serviceProviderConfig(baseUrl(deps, teamId)));
    },

    async resourceTypes(req: HttpRequest, teamId: string, id?: string): Promise<HttpResponse> {
      await authenticate(deps, req, teamId, 'scim.read');
      const all = resourceTypes(baseUrl(deps, teamId));
      if (id === undefined) return staticList(req, all);
      const one = all.find((r) => String(r.id).toLowerCase() === id.toLowerCase());
      if (!one) throw new ResourceNotFound(`Resource type ${id} not found.`);
      return scim(200, one);
    },

    async schemas(req: HttpRequest, teamId: string, id?: string): Promise<HttpResponse> {
      await authenticate(deps, req, teamId, 'scim.read');
      const base = baseUrl(deps, teamId);
      const all = SCHEMAS.map((s) => schemaDoc(s, base));
      if (id === undefined) return staticList(req, all);
      const one = all.find((s) => String(s.id).toLowerCase() === id.toLowerCase());
      if (!one) throw new ResourceNotFound(`Schema ${id} not found.`);
      return scim(200, one);
    },

    /** `/Roles`: the workspace's role catalogue as Okta Role entitlements, paged and filterable. */
    async roles(req: HttpRequest, teamId: string, id?: string): Promise<HttpResponse> {
      const params = deferredListParams(req.query);
      const { principal } = await authenticate(deps, req, teamId, 'entitlements.read');
      const base = baseUrl(deps, teamId);
      const all = principal.workspace.roles.map((r) => roleResource(r, base));
      const attrs = attributeList(req.query.attributes);
      const excluded = attributeList(req.query.excludedAttributes);
      if (id !== undefined) {
        const one = all.find((r) => r.id === id);
        if (!one) throw new ResourceNotFound(`Role ${id} not found.`);
        return scim(200, project(one, ROLE_SCHEMA, attrs, excluded));
      }
      const q = params();
      let list = all;
      if (q.filter) {
        checkFilter(q.filter, ROLE_SCHEMA);
        list = list.filter((r) => matches(q.filter!, r, ROLE_SCHEMA));
      }
      if (q.sortBy) list = sortResources(list, ROLE_SCHEMA, q.sortBy, q.descending);
      const page = list.slice(q.startIndex - 1, q.startIndex - 1 + q.count).map((r) => project(r, ROLE_SCHEMA, q.attributes, q.excluded));
      return scim(200, listResponse(page, list.length, q.startIndex));
    },
  };
}
