/**
 * The host app's token API over HTTP on the local stack: minting API/MCP tokens, RFC 7662
 * introspection, revocation, and the SSO code exchange's error answers.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../dev/dynamodb-local.js';
import type { AuditContext } from '../../lambdas/core/audit.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { TokenRepo } from '../../lambdas/store/tokens.js';
import type { User } from '../../lambdas/core/model/user.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import type { Workspace } from '../../lambdas/core/model/workspace.js';
import type { WorkspaceRepo } from '../../lambdas/store/workspaces.js';
import { auditExport } from '../oidc/support.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let admin: ApiClient;
let deps: Deps;
let users: UserRepo;
let tokens: TokenRepo;
let workspaces: WorkspaceRepo;
let ws: Workspace;
let alice: User;
let bob: User;
const minted = new Set<string>();

const ctx = (teamId: string): AuditContext => ({ teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });

interface Minted {
  id: string;
  kind: string;
  token: string;
  expiresAt: string | null;
  label: string | null;
}

async function mint(userId: string, body: object, client = admin) {
  const res = await client.post<Minted & { error?: string }>(`/api/workspaces/${ws.id}/users/${userId}/tokens`, body);
  if (res.status === 201) minted.add(res.json.token);
  return res;
}

const introspect = (token: string, client = admin) => client.post<Record<string, unknown>>('/api/tokens/introspect', new URLSearchParams({ token }));

beforeAll(async () => {
  stack = await startTestStack();
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);
  workspaces = new (await import('../../lambdas/store/workspaces.js')).WorkspaceRepo(deps.db);
  tokens = new (await import('../../lambdas/store/tokens.js')).TokenRepo(deps.db, await deps.hasher(), 'us');
  const created = await admin.post<{ id: string }>('/api/admin/workspaces', { name: 'Tokens Inc' });
  ws = await workspaces.require(created.json.id);
  alice = await users.create(ctx(ws.id), ws, { userName: 'alice@tokens.test', active: true, emails: [{ value: 'alice@tokens.test', primary: true }], scimRoles: [{ value: 'admin', primary: true }] }, 'scim');
  bob = await users.create(ctx(ws.id), ws, { userName: 'bob@tokens.test', active: true, emails: [{ value: 'bob@tokens.test', primary: true }] }, 'scim');
});
afterAll(async () => {
  await stack?.close();
});

describe('POST /api/workspaces/{team_id}/users/{user_id}/tokens', () => {
  it('mints an API token shown once, which introspects with the user and their current roles', async () => {
    const res = await mint(alice.id, { kind: 'api', label: 'CI' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ kind: 'api', label: 'CI', expiresAt: null });
    expect(res.json.token).toMatch(/^idpb_us_api_/);
    const info = await introspect(res.json.token);
    expect(info.json).toEqual(expect.objectContaining({ active: true, token_type: 'api', sub: alice.id, team_id: ws.id, username: 'alice@tokens.test', roles: ['admin'], label: 'CI' }));
    expect(info.json.exp).toBeUndefined();
  });

  it('mints an MCP token with an expiry that introspection reports as exp', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const res = await mint(bob.id, { kind: 'mcp', expiresAt });
    expect(res.status).toBe(201);
    const info = await introspect(res.json.token);
    expect(info.json).toMatchObject({ active: true, token_type: 'mcp', sub: bob.id, roles: ['member'], exp: Math.floor(Date.parse(expiresAt) / 1000) });
  });

  it('refuses unknown users (404), deactivated users (409 user_inactive) and bad bodies (400 invalid_request)', async () => {
    expect((await mint('0000000000nosuchuser00', { kind: 'api' })).status).toBe(404);
    const carol = await users.create(ctx(ws.id), ws, { userName: 'carol@tokens.test', active: false, emails: [] }, 'scim');
    const inactive = await mint(carol.id, { kind: 'api' });
    expect([inactive.status, inactive.json.error]).toEqual([409, 'user_inactive']);
    for (const body of [{ kind: 'session' }, { kind: 'api', expiresAt: '2001-01-01T00:00:00Z' }, { kind: 'api', extra: 1 }]) {
      const bad = await mint(alice.id, body);
      expect([bad.status, bad.json.error]).toEqual([400, 'invalid_request']);
    }
  });

  it('requires the platform admin key', async () => {
    expect((await mint(alice.id, { kind: 'api' }, api(stack.url))).status).toBe(401);
    expect((await mint(alice.id, { kind: 'api' }, api(stack.url, 'wrong'))).status).toBe(401);
    const session = await tokens.mint(ctx(ws.id), { kind: 'session', teamId: ws.id, userId: alice.id, meta: { roles: ['admin'], username: 'alice', audience: 'bridge' }, expiresAt: new Date(Date.now() + 60_000) });
    minted.add(session.token);
    const asAdminUser = await mint(alice.id, { kind: 'api' }, api(stack.url, session.token));
    expect([asAdminUser.status, asAdminUser.json.error]).toEqual([403, 'forbidden']);
  });
});

describe('POST /api/tokens/introspect (RFC 7662)', () => {
  it('answers {active:false} for garbage, other-region and revoked tokens', async () => {
    for (const t of ['garbage', 'idpb_eu_api_0123456789abcdefghjk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'idpb_us_api_0123456789abcdefghjk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await introspect(t);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ active: false });
    }
  });

  it('accepts a JSON body and reports session tokens with their sign-in roles', async () => {
    const s = await tokens.mint(ctx(ws.id), {
      kind: 'session',
      teamId: ws.id,
      userId: bob.id,
      expiresAt: new Date(Date.now() + 60_000),
      meta: { roles: ['member', 'auditor'], grants: [], username: 'bob@tokens.test' },
    });
    minted.add(s.token);
    const res = await admin.post<Record<string, unknown>>('/api/tokens/introspect', { token: s.token });
    expect(res.json).toMatchObject({ active: true, token_type: 'session', sub: bob.id, roles: ['member', 'auditor'] });
  });

  it("reports a deactivated user's tokens as inactive", async () => {
    const dave = await users.create(ctx(ws.id), ws, { userName: 'dave@tokens.test', active: true, emails: [] }, 'scim');
    const res = await mint(dave.id, { kind: 'api' });
    expect((await introspect(res.json.token)).json.active).toBe(true);
    await users.replace(ctx(ws.id), ws, dave, { userName: dave.userName, active: false, emails: [] }, 'user.deactivated');
    expect((await introspect(res.json.token)).json).toEqual({ active: false });
  });

  it('requires the platform key and a token parameter', async () => {
    expect((await introspect('x', api(stack.url))).status).toBe(401);
    const res = await admin.post<{ error: string }>('/api/tokens/introspect', new URLSearchParams({}));
    expect([res.status, res.json.error]).toEqual([400, 'invalid_request']);
  });
});

describe('POST /api/tokens/revoke', () => {
  it('revokes a token (200), which then introspects inactive; unknown tokens also answer 200', async () => {
    const t = (await mint(alice.id, { kind: 'mcp' })).json.token;
    const res = await admin.post('/api/tokens/revoke', new URLSearchParams({ token: t }));
    expect(res.status).toBe(200);
    expect((await introspect(t)).json).toEqual({ active: false });
    expect((await admin.post('/api/tokens/revoke', new URLSearchParams({ token: t }))).status).toBe(200);
    expect((await admin.post('/api/tokens/revoke', { token: 'nonsense' })).status).toBe(200);
  });

  it('audits mints and revocations with the platform key as actor', async () => {
    const trail = await auditExport(stack, ws.id);
    const created = trail.filter((r) => r.action === 'api_token.created' || r.action === 'mcp_token.created');
    const revoked = trail.filter((r) => r.action === 'mcp_token.revoked');
    expect(created.length).toBeGreaterThanOrEqual(3);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]!.actor).toMatchObject({ type: 'admin', label: 'platform admin key' });
  });
});

describe('POST /api/sso/token errors', () => {
  it('answers invalid_request without a code, invalid_grant for an unknown one, 401 without the key', async () => {
    const missing = await admin.post<{ error: string }>('/api/sso/token', {});
    expect([missing.status, missing.json.error]).toEqual([400, 'invalid_request']);
    const unknown = await admin.post<{ error: string; error_description: string }>('/api/sso/token', { code: 'A'.repeat(43) });
    expect([unknown.status, unknown.json.error]).toEqual([400, 'invalid_grant']);
    expect((await api(stack.url).post('/api/sso/token', { code: 'A'.repeat(43) })).status).toBe(401);
  });
});

describe('storage', () => {
  it('stores no minted token in clear', async () => {
    expect(minted.size).toBeGreaterThan(4);
    const client = localDynamoClient(stack.endpoint);
    try {
      const out = await client.send(new ScanCommand({ TableName: stack.tableName }));
      const all = (out.Items ?? []).map((i) => JSON.stringify(i)).join('\n');
      for (const t of minted) expect(all.includes(t)).toBe(false);
    } finally {
      client.destroy();
    }
  });
});

describe('roles in introspection follow SCIM groups and the current mappings', () => {
  it('reports a role granted by a SCIM group, and the new role right after the mapping changes', async () => {
    // Prepare: a SCIM-pushed group `claresia-admins` with Bob in it, mapped to `admin` (seed 001).
    const scimToken = (await admin.post<{ token: string }>(`/api/admin/workspaces/${ws.id}/scim-tokens`, { label: 'okta' })).json.token;
    const scim = api(stack.url, scimToken);
    const group = await scim.post<{ id: string }>(`/api/scim/v2/${ws.id}/Groups`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'claresia-admins',
      members: [{ value: bob.id }],
    });
    expect(group.status).toBe(201);
    const token = (await mint(bob.id, { kind: 'api' })).json.token;
    expect((await introspect(token)).json.roles).toEqual(['member']);

    // Act
    const mapped = await admin.put(`/api/admin/workspaces/${ws.id}/role-mappings`, { groups: [{ group: 'claresia-admins', role: 'admin', grants: ['archetype-eng'] }] });

    // Assess
    expect(mapped.status).toBe(200);
    const info = await introspect(token);
    expect(info.json.roles).toEqual(['admin']);
    expect(info.json.grants).toEqual(['archetype-eng']);
    const listed = await admin.get<{ users: { id: string; roles: string[]; grants: string[] }[] }>(`/api/admin/workspaces/${ws.id}/users`);
    expect(listed.json.users.find((u) => u.id === bob.id)).toMatchObject({ roles: ['admin'], grants: ['archetype-eng'] });
    const audit = await auditExport(stack, ws.id);
    expect(audit.filter((r) => r.action === 'role.changed' && r.target.id === bob.id)).toHaveLength(1);
  });
});

describe('introspection cost', () => {
  it('reads a session in two storage calls and an API token in three, the groups query in parallel', async () => {
    const session = (await tokens.mint(ctx(ws.id), { kind: 'session', teamId: ws.id, userId: alice.id, meta: { roles: ['admin'] } })).token;
    const apiToken = (await mint(alice.id, { kind: 'api' })).json.token;
    for (const [token, calls] of [[session, 2], [apiToken, 3]] as const) {
      // The first use also records `lastUsedAt` (at most once a minute); measure a later one.
      await introspect(token);
      while (!(await deps.db.get(tokens.keyOf(token)))?.lastUsedAt) await new Promise((r) => setTimeout(r, 5));
      const before = deps.db.roundTrips;
      expect((await introspect(token)).json.active).toBe(true);
      expect(deps.db.roundTrips - before).toBe(calls);
    }
  });
});
