/**
 * Okta's OIN "SCIM 2.0 SPEC" and "Entitlements" test suites (docs/reference/okta-protocols.md §2, §4), step by step,
 * against the running local stack, plus the storage round-trip budget of the hot paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import { ERROR_SCHEMA, oktaUser, scimWorkspace, type ScimWorkspace } from './helpers.js';

let stack: TestStack;
let ws: ScimWorkspace;
let deps: Deps;
const accept = { headers: { accept: 'application/scim+json' } };

beforeAll(async () => {
  stack = await startTestStack();
  ws = await scimWorkspace(stack);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  // The SPEC test needs one existing user.
  const seed = await ws.scim.post('/Users', oktaUser('existing.user@atko.com'));
  expect(seed.status).toBe(201);
});
afterAll(async () => stack?.close());

describe('Okta SCIM 2.0 SPEC test', () => {
  let firstId = '';

  it('1. GET /Users?count=1&startIndex=1 returns a non-empty ListResponse with numeric paging and the required attributes', async () => {
    const res = await ws.scim.get('/Users?count=1&startIndex=1', accept);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/scim+json');
    expect(res.json.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    expect(typeof res.json.totalResults).toBe('number');
    expect(res.json.totalResults).toBeGreaterThan(0);
    expect(res.json.startIndex).toBe(1);
    expect(res.json.itemsPerPage).toBe(1);
    const u = res.json.Resources[0];
    expect(u.id).toEqual(expect.any(String));
    expect(u.name.familyName).toEqual(expect.any(String));
    expect(u.name.givenName).toEqual(expect.any(String));
    expect(u.userName).toEqual(expect.any(String));
    expect(u.active).toBe(true);
    expect(u.emails[0].value).toEqual(expect.any(String));
    expect(u.password).toBeUndefined();
    firstId = u.id;
  });

  it('2. GET /Users/{id} returns that user', async () => {
    const res = await ws.scim.get(`/Users/${firstId}`, accept);
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(firstId);
    expect(res.headers.get('etag')).toBe(res.json.meta.version);
  });

  it('3. filters on unknown users answer 200 with totalResults 0', async () => {
    for (const userName of ['abcdefgh@atko.com', `${crypto.randomUUID()}@atko.com`]) {
      const res = await ws.scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`, accept);
      expect(res.status).toBe(200);
      expect(res.json.totalResults).toBe(0);
      expect(res.json.Resources).toEqual([]);
    }
  });

  it('4. GET /Users/010101001010101011001010101011 answers 404 with an Error and detail', async () => {
    const res = await ws.scim.get('/Users/010101001010101011001010101011', accept);
    expect(res.status).toBe(404);
    expect(res.json.schemas).toEqual([ERROR_SCHEMA]);
    expect(res.json.status).toBe('404');
    expect(res.json.detail).toEqual(expect.any(String));
  });

  let created: Record<string, unknown> = {};
  const userName = `spec.${Date.now()}@atko.com`;

  it('5. POST /Users (application/json) creates an active user that a GET echoes', async () => {
    const body = oktaUser(userName);
    const res = await ws.scim.post('/Users', body);
    expect(res.status).toBe(201);
    expect(res.json.active).toBe(true);
    expect(res.json.id).toEqual(expect.any(String));
    expect(res.headers.get('location')).toBe(`${stack.url}${ws.base}/Users/${res.json.id}`);
    expect(res.json.password).toBeUndefined();
    created = res.json;
    const got = await ws.scim.get(`/Users/${res.json.id}`, accept);
    expect(got.json.userName).toBe(userName);
    expect(got.json.name).toEqual(body.name);
    expect(got.json.emails).toEqual(body.emails);
    expect(got.json.externalId).toBe(body.externalId);
    expect(got.json.displayName).toBe(body.displayName);
    expect(got.json.locale).toBe('en-US');
    expect(got.text).not.toContain('Not-Stored-1!');
  });

  it('6. POST of the same userName again answers 409 uniqueness', async () => {
    const res = await ws.scim.post('/Users', oktaUser(userName));
    expect(res.status).toBe(409);
    expect(res.json.schemas).toEqual([ERROR_SCHEMA]);
    expect(res.json.scimType).toBe('uniqueness');
    expect(res.json.status).toBe('409');
  });

  it('7. an UPPERCASE userName filter answers 200 and finds the user (userName is case-insensitive)', async () => {
    const res = await ws.scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${userName.toUpperCase()}"`)}`, accept);
    expect(res.status).toBe(200);
    expect(res.json.totalResults).toBe(1);
    expect(res.json.Resources[0].id).toBe(created.id);
  });

  it('8. GET /Groups answers 200', async () => {
    const res = await ws.scim.get('/Groups', accept);
    expect(res.status).toBe(200);
    expect(res.json.Resources).toEqual(expect.any(Array));
  });

  it('9. "Authorization: non-token" answers 401 with an Error carrying status "401" and detail', async () => {
    const res = await ws.scim.get('/Users', { headers: { authorization: 'non-token', accept: 'application/scim+json' } });
    expect(res.status).toBe(401);
    expect(res.json.schemas).toEqual([ERROR_SCHEMA]);
    expect(res.json.status).toBe('401');
    expect(res.json.detail).toEqual(expect.any(String));
  });

  it('10. GET /Users/00919288221112222 answers 404 with an Error', async () => {
    const res = await ws.scim.get('/Users/00919288221112222', accept);
    expect(res.status).toBe(404);
    expect(res.json.schemas).toEqual([ERROR_SCHEMA]);
  });
});

describe('Okta Entitlements test', () => {
  it('GET /Roles?count=1&startIndex=1 returns a non-empty ListResponse with itemsPerPage 1', async () => {
    const res = await ws.scim.get('/Roles?count=1&startIndex=1', accept);
    expect(res.status).toBe(200);
    expect(res.json.Resources.length).toBe(1);
    expect(res.json.itemsPerPage).toBe(1);
    expect(res.json.totalResults).toBe(2);
    expect(res.json.Resources[0]).toMatchObject({ id: 'admin', displayName: 'Admin', schemas: ['urn:okta:scim:schemas:core:1.0:Role'] });
  });

  it('discovery lists the Role resource type at /Roles with the Okta Role schema', async () => {
    const res = await ws.scim.get('/ResourceTypes');
    expect(res.status).toBe(200);
    const role = res.json.Resources.find((r: { id: string }) => r.id === 'Role');
    expect(role).toMatchObject({ endpoint: '/Roles', schema: 'urn:okta:scim:schemas:core:1.0:Role' });
    const schema = await ws.scim.get('/Schemas/urn:okta:scim:schemas:core:1.0:Role');
    expect(schema.status).toBe(200);
    expect(schema.json.attributes.map((a: { name: string }) => a.name)).toEqual(['displayName', 'description']);
  });
});

describe('storage round trips', () => {
  async function roundTrips(fn: () => Promise<unknown>): Promise<number> {
    // Let fire-and-forget writes of earlier requests (the token's lastUsedAt) settle first.
    await new Promise((r) => setTimeout(r, 50));
    const before = deps.db.roundTrips;
    await fn();
    return deps.db.roundTrips - before;
  }

  it('GET /Users/{id} costs at most 2 round trips and POST /Users at most 2', async () => {
    const made = await ws.scim.post('/Users', oktaUser(`rt.${Date.now()}@atko.com`));
    const get = await roundTrips(() => ws.scim.get(`/Users/${made.json.id}`));
    const post = await roundTrips(() => ws.scim.post('/Users', oktaUser(`rt2.${Date.now()}@atko.com`)));
    const miss = await roundTrips(() => ws.scim.get(`/Users?filter=${encodeURIComponent('userName eq "nobody@atko.com"')}&startIndex=1&count=100`));
    let found: { json: { totalResults: number; Resources: { id: string }[] } } | undefined;
    const hit = await roundTrips(async () => {
      found = await ws.scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${made.json.userName}"`)}&startIndex=1&count=100`);
    });
    expect(get).toBeLessThanOrEqual(2);
    expect(post).toBeLessThanOrEqual(2);
    expect(miss).toBe(1);
    expect(hit).toBe(1);
    expect(found?.json.Resources[0]?.id).toBe(made.json.id);
  });
});
