import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../lambdas/platform/deps.js';
import type { TokenRepo } from '../../../lambdas/store/tokens.js';
import type { AuditContext } from '../../../lambdas/core/audit.js';
import { startTestStack, type TestStack } from '../../support/stack.js';

let stack: TestStack;
let deps: Deps;
let tokens: TokenRepo;
let TokenRejected: typeof import('../../../lambdas/store/tokens.js').TokenRejected;

const ctx = (teamId: string): AuditContext => ({
  teamId,
  region: 'us',
  actor: { type: 'system', id: 'test' },
  source: { ip: '127.0.0.1', userAgent: 'vitest' },
  requestId: 'r',
});

beforeAll(async () => {
  stack = await startTestStack();
  // Handlers and deps read the environment the stack set: import them only now.
  deps = (await import('../../../lambdas/platform/deps.js')).getDeps();
  const mod = await import('../../../lambdas/store/tokens.js');
  TokenRejected = mod.TokenRejected;
  tokens = new mod.TokenRepo(deps.db, await deps.hasher(), deps.config.REGION_ID, deps.now);
});

afterAll(async () => {
  await stack?.close();
});

const existing = new Set<string>();

/** A user-bound token commits only for an existing, active user: the fixture writes a minimal one first. */
async function mint(teamId: string, userId: string, kind: 'session' | 'api' | 'mcp' | 'oauth-refresh') {
  if (!existing.has(`${teamId}/${userId}`)) {
    const { keys } = await import('../../../lambdas/store/keys.js');
    await deps.db.put({ ...keys.user(teamId, userId), type: 'user', id: userId, teamId, userName: `${userId}@example.com`, active: true, version: 1 });
    existing.add(`${teamId}/${userId}`);
  }
  return (await tokens.mint(ctx(teamId), { kind, teamId, userId })).token;
}

describe('TokenRepo.mint', () => {
  it('commits a user-bound token only while the user exists and is active (review #2)', async () => {
    const { UserNotActive } = await import('../../../lambdas/store/tokens.js');
    await expect(tokens.mint(ctx('t6'), { kind: 'api', teamId: 't6', userId: 'nobody' })).rejects.toBeInstanceOf(UserNotActive);
    await mint('t6', 'leaver', 'api');
    const { keys } = await import('../../../lambdas/store/keys.js');
    await deps.db.update(keys.user('t6', 'leaver'), { UpdateExpression: 'SET active = :f', ExpressionAttributeValues: { ':f': false } });
    await expect(tokens.mint(ctx('t6'), { kind: 'session', teamId: 't6', userId: 'leaver' })).rejects.toBeInstanceOf(UserNotActive);
  });
});

describe('TokenRepo.revokeAllForUser', () => {
  it('kills every token minted before it, costs the same for 1 or 60 tokens, and spares later tokens', async () => {
    // Prepare
    const few = [await mint('t1', 'u-few', 'session')];
    const many = await Promise.all(Array.from({ length: 60 }, (_, i) => mint('t1', 'u-many', i % 2 ? 'api' : 'session')));

    // Act
    let before = deps.db.roundTrips;
    const revokedFew = await tokens.revokeAllForUser(ctx('t1'), 't1', 'u-few');
    const fewTrips = deps.db.roundTrips - before;
    before = deps.db.roundTrips;
    const revokedMany = await tokens.revokeAllForUser(ctx('t1'), 't1', 'u-many');
    const manyTrips = deps.db.roundTrips - before;

    // Assess
    expect(revokedFew).toHaveLength(1);
    expect(revokedMany).toHaveLength(60);
    expect(manyTrips).toBe(fewTrips);
    for (const t of [...few, ...many.slice(0, 5)]) {
      await expect(tokens.authenticate(t, ['session', 'api'])).rejects.toBeInstanceOf(TokenRejected);
    }
    await new Promise((r) => setTimeout(r, 2));
    const fresh = await mint('t1', 'u-many', 'session');
    expect((await tokens.authenticate(fresh, ['session'])).userId).toBe('u-many');
    expect(await tokens.listForUser('t1', 'u-many')).toHaveLength(1);
  });

  it('revokes only the kinds it is given (partial Universal Logout)', async () => {
    const session = await mint('t2', 'u', 'session');
    const refresh = await mint('t2', 'u', 'oauth-refresh');
    const revoked = await tokens.revokeAllForUser(ctx('t2'), 't2', 'u', { kinds: ['oauth-refresh'] });
    expect(revoked.map((t) => t.kind)).toEqual(['oauth-refresh']);
    await expect(tokens.authenticate(refresh, ['oauth-refresh'])).rejects.toBeInstanceOf(TokenRejected);
    expect((await tokens.authenticate(session, ['session'])).kind).toBe('session');
  });

  it('does not reach another workspace or another user', async () => {
    const other = await mint('t3', 'same-user-id', 'session');
    const neighbour = await mint('t4', 'neighbour', 'session');
    await tokens.revokeAllForUser(ctx('t4'), 't4', 'same-user-id');
    expect((await tokens.authenticate(other, ['session'])).teamId).toBe('t3');
    expect((await tokens.authenticate(neighbour, ['session'])).userId).toBe('neighbour');
  });

  it('refuses to check a user-bound token without its revocation marker', async () => {
    const t = await mint('t5', 'u', 'session');
    const item = await deps.db.get(tokens.keyOf(t));
    expect(() => tokens.check(t, item, ['session'])).toThrow(/revocation marker/);
    expect(tokens.check(t, item, ['session'], null).userId).toBe('u');
  });
});
