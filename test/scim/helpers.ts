/** Shared set-up for the SCIM tests: a workspace, its SCIM token and a client on its base URL. */
import { api, type ApiClient, type ApiResponse, type RequestBody, type RequestOptions } from '../support/http.js';
import type { TestStack } from '../support/stack.js';

export interface ScimWorkspace {
  readonly teamId: string;
  readonly token: string;
  readonly tokenId: string;
  /** Base path of the workspace's SCIM API, e.g. `/api/scim/v2/<team>`. */
  readonly base: string;
  /** Client with the SCIM token; paths are relative to `base` when they start without `/api`. */
  readonly scim: ScimClient;
  readonly admin: ApiClient;
}

export interface ScimClient {
  get<T = ScimJson>(path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  delete<T = ScimJson>(path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  post<T = ScimJson>(path: string, body?: RequestBody, opts?: RequestOptions): Promise<ApiResponse<T>>;
  put<T = ScimJson>(path: string, body?: RequestBody, opts?: RequestOptions): Promise<ApiResponse<T>>;
  patch<T = ScimJson>(path: string, body?: RequestBody, opts?: RequestOptions): Promise<ApiResponse<T>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-side view of arbitrary SCIM JSON
export type ScimJson = Record<string, any>;

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Creates a workspace and a SCIM token through the admin API, as an admin would. */
export async function scimWorkspace(stack: TestStack, name = 'Acme'): Promise<ScimWorkspace> {
  const admin = api(stack.url, stack.adminKey);
  const ws = await admin.post<ScimJson>('/api/admin/workspaces', { name });
  if (ws.status !== 201) throw new Error(`workspace creation failed: ${ws.status} ${ws.text}`);
  const teamId = String(ws.json.id);
  const tok = await admin.post<ScimJson>(`/api/admin/workspaces/${teamId}/scim-tokens`, { label: 'okta-production' });
  if (tok.status !== 201) throw new Error(`token creation failed: ${tok.status} ${tok.text}`);
  const base = `/api/scim/v2/${teamId}`;
  const client = api(stack.url, String(tok.json.token));
  const full = (p: string) => (p.startsWith('/api') ? p : `${base}${p}`);
  const scim: ScimClient = {
    get: (p, o) => client.get(full(p), o),
    delete: (p, o) => client.delete(full(p), o),
    post: (p, b, o) => client.post(full(p), b, o),
    put: (p, b, o) => client.put(full(p), b, o),
    patch: (p, b, o) => client.patch(full(p), b, o),
  };
  return { teamId, token: String(tok.json.token), tokenId: String(tok.json.id), base, scim, admin };
}

/** An Okta-shaped POST /Users body (docs/reference/okta-protocols.md §2 "Create user"). */
export function oktaUser(userName: string, over: ScimJson = {}): ScimJson {
  const [given = 'Test', family = 'User'] = userName.split('@')[0]!.split('.');
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: `00u${Math.random().toString(36).slice(2, 12)}`,
    groups: [],
    password: 'Not-Stored-1!',
    active: true,
    ...over,
  };
}

/** Asserts-free accessor: the RFC 7644 error envelope fields of a response. */
export function envelope(res: ApiResponse<ScimJson>): { status?: string; scimType?: string; detail?: string; schemas?: string[] } {
  return (res.json ?? {}) as { status?: string; scimType?: string; detail?: string; schemas?: string[] };
}
