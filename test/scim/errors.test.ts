/**
 * What a client sees when something is wrong: every SCIM error envelope (RFC 7644 §3.12) and the
 * seeds' troubleshooting rows (seed 003: 404 on /ServiceProviderConfig, 401 for revoked, expired
 * or truncated tokens, a token of another organization; seed 000: the region's SCIM base URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import { api } from '../support/http.js';
import { ERROR_SCHEMA, oktaUser, PATCH_OP, scimWorkspace, type ScimJson, type ScimWorkspace } from './helpers.js';

let stack: TestStack;
let ws: ScimWorkspace;
let other: ScimWorkspace;
let deps: Deps;
let userId = '';
const EU = 'https://eu.api.example.com';

beforeAll(async () => {
  stack = await startTestStack({ peerRegions: { eu: EU } });
  [ws, other] = await Promise.all([scimWorkspace(stack, 'Acme'), scimWorkspace(stack, 'Globex')]);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  userId = String((await ws.scim.post('/Users', oktaUser('someone@example.com'))).json.id);
});
afterAll(async () => stack?.close());

function expectEnvelope(res: { status: number; json: ScimJson; headers: Headers }, status: number, scimType?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/scim+json');
  expect(res.json.schemas).toEqual([ERROR_SCHEMA]);
  expect(res.json.status).toBe(String(status));
  expect(res.json.detail).toEqual(expect.any(String));
  if (scimType) expect(res.json.scimType).toBe(scimType);
  else expect(res.json.scimType).toBeUndefined();
}

async function mint(kind: 'scim' | 'oauth-access', opts: { scopes?: string[]; expiresAt?: Date; teamId?: string } = {}) {
  const { TokenRepo } = await import('../../lambdas/store/tokens.js');
  const repo = new TokenRepo(deps.db, await deps.hasher(), 'us');
  const { token, put } = repo.prepare({ kind, teamId: opts.teamId ?? ws.teamId, label: `${kind} test`, ...(opts.scopes ? { scopes: opts.scopes } : {}), ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}) });
  await deps.db.transact([put]);
  return token;
}

describe('401 Unauthorized', () => {
  it('without an Authorization header', async () => {
    expectEnvelope(await ws.scim.get('/Users', { headers: { authorization: '' } }), 401);
  });

  it('accepts the bare token of Okta\'s "HTTP Header" mode as well as Bearer', async () => {
    expect((await ws.scim.get('/Users', { headers: { authorization: ws.token } })).status).toBe(200);
  });

  it('for a truncated token (seed 003: "revoked, expired, or truncated")', async () => {
    const res = await ws.scim.get('/Users', { token: ws.token.slice(0, -5) });
    expectEnvelope(res, 401);
  });

  it('for an expired token', async () => {
    // Expired an hour ago; its TTL (a day after expiry) has not removed it yet: the check must.
    const token = await mint('scim', { expiresAt: new Date(Date.now() - 3_600_000) });
    const res = await ws.scim.get('/Users', { token });
    expectEnvelope(res, 401);
    expect(res.json.detail).toContain('expired');
  });

  it('for a revoked token, on the very next request', async () => {
    const tok = await ws.admin.post<ScimJson>(`/api/admin/workspaces/${ws.teamId}/scim-tokens`, { label: 'to revoke' });
    expect((await ws.scim.get('/Users', { token: tok.json.token })).status).toBe(200);
    expect((await ws.admin.delete(`/api/admin/workspaces/${ws.teamId}/scim-tokens/${tok.json.id}`)).status).toBe(204);
    expectEnvelope(await ws.scim.get('/Users', { token: tok.json.token }), 401);
  });

  it("for a token of another workspace (seed 003: the token is scoped to a different organization)", async () => {
    const res = await ws.scim.get('/Users', { token: other.token });
    expectEnvelope(res, 401);
    expect(res.json.detail).toContain('another workspace');
  });

  it("for a token of another region, naming that region's SCIM base URL (seed 000)", async () => {
    const euToken = ws.token.replace(/^idpb_us_/, 'idpb_eu_');
    const res = await ws.scim.get('/Users', { token: euToken });
    expectEnvelope(res, 401);
    expect(res.json.detail).toContain(`${EU}/api/scim/v2/${ws.teamId}`);
  });

  it('for a session token (wrong kind)', async () => {
    const { TokenRepo } = await import('../../lambdas/store/tokens.js');
    const repo = new TokenRepo(deps.db, await deps.hasher(), 'us');
    const { token, put } = repo.prepare({ kind: 'session', teamId: ws.teamId, userId });
    await deps.db.transact([put]);
    expectEnvelope(await ws.scim.get('/Users', { token }), 401);
  });
});

describe('OAuth access tokens and scopes', () => {
  it('needs scim.read to read, scim.write to write and entitlements.read for /Roles (403 otherwise)', async () => {
    const reader = await mint('oauth-access', { scopes: ['scim.read'] });
    expect((await ws.scim.get('/Users', { token: reader })).status).toBe(200);
    expectEnvelope(await ws.scim.post('/Users', oktaUser('nope@example.com'), { token: reader }), 403);
    expectEnvelope(await ws.scim.get('/Roles', { token: reader }), 403);
    const writer = await mint('oauth-access', { scopes: ['scim.write', 'entitlements.read'] });
    expect((await ws.scim.post('/Users', oktaUser('oauth.made@example.com'), { token: writer })).status).toBe(201);
    expect((await ws.scim.get('/Roles', { token: writer })).status).toBe(200);
    expectEnvelope(await ws.scim.get('/Users', { token: writer }), 403);
  });
});

describe('404 and paths', () => {
  it('for unknown and malformed ids, unknown resources and unknown endpoints', async () => {
    expectEnvelope(await ws.scim.get('/Users/does-not-exist'), 404);
    expectEnvelope(await ws.scim.get(`/Users/${'x'.repeat(500)}`), 404);
    expectEnvelope(await ws.scim.patch('/Users/does-not-exist', { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }), 404);
    expectEnvelope(await ws.scim.delete('/Groups/does-not-exist'), 404);
    expectEnvelope(await ws.scim.get('/Roles/superuser'), 404);
    expectEnvelope(await ws.scim.get('/Schemas/urn:nope'), 404);
    expectEnvelope(await ws.scim.get('/Widgets'), 404);
  });

  it('serves discovery through trailing slashes, doubled slashes and a pasted /v2 (seed 003)', async () => {
    for (const p of [`${ws.base}/ServiceProviderConfig`, `${ws.base}/ServiceProviderConfig/`, `${ws.base}//ServiceProviderConfig`, `${ws.base}/v2/ServiceProviderConfig`, `${ws.base}/scim/v2/Users/`]) {
      expect((await ws.scim.get(p)).status).toBe(200);
    }
    const spc = await ws.scim.get('/ServiceProviderConfig');
    expect(spc.json).toMatchObject({ patch: { supported: true }, bulk: { supported: false }, etag: { supported: true }, changePassword: { supported: false } });
  });

  it('405 for a method a resource does not take, 501 for /Bulk and /Me', async () => {
    expectEnvelope(await ws.scim.delete('/Users'), 405);
    expectEnvelope(await ws.scim.post('/Roles', {}), 405);
    expectEnvelope(await ws.scim.post('/Bulk', {}), 501);
    expectEnvelope(await ws.scim.get('/Me'), 501);
  });
});

describe('400 with scimType', () => {
  it('invalidFilter for bad syntax and for operators an attribute does not support', async () => {
    expectEnvelope(await ws.scim.get(`/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter');
    expectEnvelope(await ws.scim.get(`/Users?filter=${encodeURIComponent('active gt true')}`), 400, 'invalidFilter');
    expectEnvelope(await ws.scim.get(`/Groups?filter=${encodeURIComponent('members co "x"')}`), 400, 'invalidFilter');
    expectEnvelope(await ws.scim.get(`/Users?filter=${encodeURIComponent('groups.value eq "x"')}`), 400, 'invalidFilter');
  });

  it('but 401 before invalidFilter when the token is bad', async () => {
    expectEnvelope(await ws.scim.get(`/Users?filter=${encodeURIComponent('userName eq')}`, { token: 'nope' }), 401);
  });

  it('invalidSyntax for a body that is not JSON, and for a PatchOp without Operations or with an unknown op', async () => {
    expectEnvelope(await ws.scim.post('/Users', '{"userName": '), 400, 'invalidSyntax');
    expectEnvelope(await ws.scim.post('/Users', '[1,2]'), 400, 'invalidSyntax');
    expectEnvelope(await ws.scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP] }), 400, 'invalidSyntax');
    expectEnvelope(await ws.scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'merge', path: 'active', value: true }] }), 400, 'invalidSyntax');
  });

  it('invalidValue for a missing userName, an unusable value, and a non-integer startIndex', async () => {
    expectEnvelope(await ws.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], name: { givenName: 'x' } }), 400, 'invalidValue');
    expectEnvelope(await ws.scim.post('/Users', oktaUser('bad.active@example.com', { active: 'maybe' })), 400, 'invalidValue');
    expectEnvelope(await ws.scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'sometimes' }] }), 400, 'invalidValue');
    expectEnvelope(await ws.scim.get('/Users?startIndex=abc'), 400, 'invalidValue');
  });

  it('invalidPath, noTarget and mutability from PATCH', async () => {
    const patch = (op: ScimJson) => ws.scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [op] });
    expectEnvelope(await patch({ op: 'replace', path: 'shoeSize', value: 9 }), 400, 'invalidPath');
    expectEnvelope(await patch({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }), 400, 'invalidPath');
    expectEnvelope(await patch({ op: 'remove' }), 400, 'noTarget');
    expectEnvelope(await patch({ op: 'replace', path: 'emails[value eq "none@x.y" or type eq "fax"]', value: { value: 'x' } }), 400, 'noTarget');
    expectEnvelope(await patch({ op: 'add', path: 'groups', value: [{ value: 'g' }] }), 400, 'mutability');
  });

  it('tooMany when a filter without an index would scan past the bound', async () => {
    const { boundedScan, MAX_SCAN } = await import('../../lambdas/scim/list.js');
    const { UserRepo } = await import('../../lambdas/store/users.js');
    await expect(boundedScan(deps.repos.listings, UserRepo.listing(ws.teamId), MAX_SCAN + 1, 'users')).rejects.toMatchObject({ status: 400, scimType: 'tooMany' });
  });
});

describe('413', () => {
  it('answers 413 in the SCIM envelope for a body over 1 MB', async () => {
    const huge = JSON.stringify(oktaUser('huge@example.com', { title: 'x'.repeat(1_100_000) }));
    const res = await api(stack.url, ws.token).post(`${ws.base}/Users`, huge, { headers: { 'content-type': 'application/scim+json' } });
    expectEnvelope(res as never, 413);
  });
});

describe('429', () => {
  it('answers 429 with an integer Retry-After when DynamoDB still throttles after the SDK retries', async () => {
    const doc = deps.db.doc as unknown as { send: (...args: unknown[]) => Promise<unknown> };
    const original = doc.send;
    // Stands in for AWS: the SDK's own retries are exhausted and it surfaces the throttling error.
    doc.send = async () => {
      throw Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded.'), { name: 'ProvisionedThroughputExceededException' });
    };
    let res;
    try {
      res = await ws.scim.get('/Users');
    } finally {
      doc.send = original;
    }
    expectEnvelope(res, 429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
