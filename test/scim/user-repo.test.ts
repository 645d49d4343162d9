/**
 * The user repository other issues build on (SSO JIT, Universal Logout): lookups, JIT creation,
 * subject links and effective roles, against the real local stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { Workspace } from '../../lambdas/core/model/workspace.js';
import type { AuditContext } from '../../lambdas/core/audit.js';

let stack: TestStack;
let deps: Deps;
let repoMod: typeof import('../../lambdas/store/users.js');
let rolesMod: typeof import('../../lambdas/core/roles.js');

const ctx = (teamId: string): AuditContext => ({
  teamId,
  region: 'us',
  actor: { type: 'okta:jit', id: 'test' },
  source: { ip: '127.0.0.1', userAgent: 'vitest' },
  requestId: 'r1',
});

function workspace(over: Partial<Workspace> = {}): Workspace {
  const now = new Date().toISOString();
  return {
    id: crypto.randomUUID(),
    name: 'Acme',
    region: 'us',
    createdAt: now,
    updatedAt: now,
    roles: [
      { id: 'admin', displayName: 'Admin' },
      { id: 'tenant_admin', displayName: 'Tenant admin' },
      { id: 'auditor', displayName: 'Auditor' },
      { id: 'member', displayName: 'Member' },
    ],
    defaultRole: 'member',
    roleMappings: {
      groups: [
        { group: 'claresia-admins', role: 'tenant_admin' },
        { group: 'claresia-eng-pilot', role: 'member', grants: ['archetype-eng'] },
      ],
      roleValues: [{ value: 'Admin', role: 'admin' }],
    },
    emailDomains: [],
    ...over,
    connections: over.connections ?? [],
  };
}

beforeAll(async () => {
  stack = await startTestStack();
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  repoMod = await import('../../lambdas/store/users.js');
  rolesMod = await import('../../lambdas/core/roles.js');
});
afterAll(async () => stack?.close());

describe('UserRepo', () => {
  it('creates a JIT user with the default role and finds it by userName, e-mail and subject', async () => {
    const w = workspace();
    const repo = new repoMod.UserRepo(deps.db);
    const u = await repo.createJit(ctx(w.id), w, { userName: 'Ada@Example.com', email: 'ada@example.com', givenName: 'Ada' });
    expect(u.active).toBe(true);
    expect(u.roles).toEqual(['member']);
    expect(u.source).toBe('jit');
    expect((await repo.findByUserName(w.id, 'ada@EXAMPLE.com'))?.id).toBe(u.id);
    expect((await repo.findByEmail(w.id, 'ADA@example.com'))?.id).toBe(u.id);
    expect(await repo.findByEmail(w.id, 'nobody@example.com')).toBeUndefined();
    await repo.linkSubject(ctx(w.id), w.id, u.id, 'https://acme.okta.com', '00u1');
    await repo.linkSubject(ctx(w.id), w.id, u.id, 'https://acme.okta.com', '00u1');
    expect((await repo.findBySubject(w.id, 'https://acme.okta.com', '00u1'))?.id).toBe(u.id);
    expect(await repo.findBySubject(w.id, 'https://acme.okta.com', '00u2')).toBeUndefined();
  });

  it('returns the existing user when a JIT creation races a duplicate userName', async () => {
    const w = workspace();
    const repo = new repoMod.UserRepo(deps.db);
    const [a, b] = await Promise.all([
      repo.createJit(ctx(w.id), w, { userName: 'bob@example.com', email: 'bob@example.com' }),
      repo.createJit(ctx(w.id), w, { userName: 'BOB@example.com', email: 'bob@example.com' }),
    ]);
    expect(a.id).toBe(b.id);
    expect(await repo.count(w.id)).toBe(1);
  });

  it('maps assertion groups and role values to roles and grants (seeds 001 and 004)', async () => {
    const w = workspace();
    const repo = new repoMod.UserRepo(deps.db);
    const u = await repo.createJit(ctx(w.id), w, { userName: 'c@example.com', email: 'c@example.com', groups: ['Claresia-Admins', 'claresia-eng-pilot'] });
    expect(u.roles).toEqual(['tenant_admin', 'member']);
    expect(u.grants).toEqual(['archetype-eng']);
    expect(rolesMod.effectiveRoles(w, { scimRoles: [{ value: 'Admin', primary: true }] })).toEqual(['admin']);
    expect(rolesMod.effectiveRoles(w, { scimRoles: [{ value: 'auditor' }] })).toEqual(['auditor']);
    expect(rolesMod.effectiveRoles(w, { scimRoles: [{ value: 'admin ' }] })).toEqual(['member']);
    expect(rolesMod.effectiveRoles(w, u, [])).toEqual(['member']);
  });

  it('finds a user by externalId and a secondary e-mail', async () => {
    const w = workspace();
    const repo = new repoMod.UserRepo(deps.db);
    const u = await repo.create(ctx(w.id), w, {
      userName: 'dora',
      externalId: '00uDora',
      active: true,
      emails: [{ value: 'Dora@Example.com', primary: true }],
    }, 'scim');
    expect((await repo.findByExternalId(w.id, '00uDora'))?.id).toBe(u.id);
    expect(await repo.findByExternalId(w.id, '00udora')).toBeUndefined();
    expect((await repo.findByEmail(w.id, 'dora@example.com'))?.id).toBe(u.id);
    await expect(repo.create(ctx(w.id), w, { userName: 'DORA', active: true, emails: [] }, 'scim')).rejects.toBeInstanceOf(repoMod.DuplicateUser);
  });
});
