/**
 * The per-request batcher of lambdas/store/client.ts: gets asked of several repositories in one
 * `Promise.all` cost one BatchGetItem (one counted round trip), against DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../lambdas/platform/deps.js';
import { startTestStack, type TestStack } from '../../support/stack.js';

let stack: TestStack;
let deps: Deps;
let keys: typeof import('../../../lambdas/store/keys.js').keys;

beforeAll(async () => {
  stack = await startTestStack();
  deps = (await import('../../../lambdas/platform/deps.js')).getDeps();
  keys = (await import('../../../lambdas/store/keys.js')).keys;
});
afterAll(async () => stack?.close());

describe('Db.load', () => {
  it('reads the loads of one turn in one round trip, each caller getting its own item', async () => {
    const teamId = 'batcher-team';
    await deps.db.put({ ...keys.workspace(teamId), type: 'workspace', id: teamId });
    await deps.db.put({ ...keys.user(teamId, 'u1'), type: 'user', id: 'u1' });
    const before = deps.db.roundTrips;
    const [ws, user, again, absent] = await Promise.all([
      deps.db.load(keys.workspace(teamId)),
      deps.db.load(keys.user(teamId, 'u1')),
      deps.db.load(keys.user(teamId, 'u1')),
      deps.db.load(keys.user(teamId, 'nobody')),
    ]);
    expect(deps.db.roundTrips - before).toBe(1);
    expect(ws?.id).toBe(teamId);
    expect(user?.id).toBe('u1');
    expect(again?.id).toBe('u1');
    expect(absent).toBeUndefined();
  });

  it('keeps a cross-repository read at one round trip (user standing: marker, user, workspace)', async () => {
    const teamId = 'batcher-team-2';
    await deps.db.put({ ...keys.workspace(teamId), type: 'workspace', id: teamId, name: 'B', region: 'us', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', roles: [], defaultRole: 'member', roleMappings: { groups: [], roleValues: [] }, emailDomains: [], connections: [] });
    const before = deps.db.roundTrips;
    const standing = await deps.repos.reads.userStanding(teamId, 'nobody');
    expect(deps.db.roundTrips - before).toBe(1);
    expect(standing.marker).toBeNull();
    expect(standing.user).toBeUndefined();
    expect(standing.workspace?.id).toBe(teamId);
  });

  it('rejects every load of a failed batch', async () => {
    const bad = { pk: '', sk: '' };
    await expect(Promise.all([deps.db.load(bad), deps.db.load(keys.workspace('x'))])).rejects.toBeDefined();
  });
});
