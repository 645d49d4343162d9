/**
 * Okta's import (docs/reference/okta-protocols.md §2): `startIndex=1,101,201,…` with `count=100`, numbers as JSON
 * numbers, stable order, and page k costing what page 1 costs (remembered cursors).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import { oktaUser, scimWorkspace, type ScimWorkspace } from './helpers.js';

let stack: TestStack;
let ws: ScimWorkspace;
let deps: Deps;
const N = 330;
let all: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  ws = await scimWorkspace(stack);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  for (let i = 0; i < N; i += 16) {
    const batch = await Promise.all(Array.from({ length: Math.min(16, N - i) }, (_, j) => ws.scim.post('/Users', oktaUser(`import.${i + j}@example.com`))));
    all.push(...batch.map((r) => String(r.json.id)));
  }
  all = all.sort();
});
afterAll(async () => stack?.close());

async function roundTrips(fn: () => Promise<unknown>): Promise<number> {
  await new Promise((r) => setTimeout(r, 50));
  const before = deps.db.roundTrips;
  await fn();
  return deps.db.roundTrips - before;
}

describe('Okta-style import', () => {
  it('pages through every user once, in a stable order, with numeric paging fields', async () => {
    const seen: string[] = [];
    for (let start = 1; start <= N; start += 100) {
      const res = await ws.scim.get(`/Users?startIndex=${start}&count=100`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ totalResults: N, startIndex: start, itemsPerPage: Math.min(100, N - start + 1) });
      seen.push(...res.json.Resources.map((u: { id: string }) => u.id));
    }
    expect(seen).toEqual(all);
    const past = await ws.scim.get(`/Users?startIndex=${N + 1}&count=100`);
    expect(past.json).toMatchObject({ totalResults: N, itemsPerPage: 0, Resources: [] });
  });

  it('serves page 3 for the round trips of page 1', async () => {
    const first = await roundTrips(() => ws.scim.get('/Users?startIndex=1&count=100'));
    await ws.scim.get('/Users?startIndex=101&count=100');
    const third = await roundTrips(() => ws.scim.get('/Users?startIndex=201&count=100'));
    expect(third).toBe(first);
  });

  it('serves a page whose start was never served (nearest remembered cursor, then a key-only walk)', async () => {
    const res = await ws.scim.get('/Users?startIndex=151&count=20');
    expect(res.json.Resources.map((u: { id: string }) => u.id)).toEqual(all.slice(150, 170));
    const cold = await ws.scim.get('/Groups?startIndex=5&count=2');
    expect(cold.json).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('answers count=0 with the total only and caps startIndex below 1 to 1 (RFC 7644 §3.4.2.4)', async () => {
    expect((await ws.scim.get('/Users?count=0')).json).toMatchObject({ totalResults: N, itemsPerPage: 0, Resources: [] });
    expect((await ws.scim.get('/Users?startIndex=-5&count=1')).json.Resources[0].id).toBe(all[0]);
  });

  it('sorts a bounded result set by sortBy and sortOrder', async () => {
    const res = await ws.scim.get(`/Users?filter=${encodeURIComponent('userName sw "import.1"')}&sortBy=userName&sortOrder=descending&count=3`);
    const names = Array.from({ length: N }, (_, i) => `import.${i}@example.com`).filter((n) => n.startsWith('import.1'));
    const expected = names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, 3);
    expect(res.json.Resources.map((u: { userName: string }) => u.userName)).toEqual(expected);
    expect(res.json.totalResults).toBe(111);
  });

  it('pages the admin listing with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; json: { users: { id: string }[]; nextCursor: string | null } } = await ws.admin.get(`/api/admin/workspaces/${ws.teamId}/users?limit=150${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.json.users.map((u: { id: string }) => u.id));
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
    const groups = await ws.admin.get<{ groups: unknown[]; nextCursor: string | null }>(`/api/admin/workspaces/${ws.teamId}/groups`);
    expect(groups.json).toEqual({ groups: [], nextCursor: null });
  });
});
