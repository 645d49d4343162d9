/**
 * `POST /api/okta/ssf/events`: CAEP session-revoked Security Event Tokens pushed per RFC 8935 by a
 * local Okta org, verified and acted on by the real handler.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditContext } from '../../lambdas/core/audit.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { TokenRepo } from '../../lambdas/store/tokens.js';
import type { User } from '../../lambdas/core/model/user.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import { oktaOidcConnection, type Workspace } from '../../lambdas/core/model/workspace.js';
import { fill } from '../fixtures/logout/fixtures.js';
import { startLocalOktaOrg, type LocalOktaOrg, type SignOptions } from '../fixtures/logout/okta-org.js';
import { api, type ApiClient, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

let stack: TestStack;
let org: LocalOktaOrg;
let quietOrg: LocalOktaOrg;
let admin: ApiClient;
let deps: Deps;
let tokens: TokenRepo;
let users: UserRepo;
let AuditRepo: typeof import('../../lambdas/store/audit.js').AuditRepo;
let enabled: Workspace;
let disabled: Workspace;

const ctx = (teamId: string): AuditContext => ({ teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });

async function connect(o: LocalOktaOrg, name: string, sharedSignalsEnabled: boolean): Promise<Workspace> {
  const created = await admin.post<{ id: string }>('/api/admin/workspaces', { name });
  const put = await admin.put(`/api/admin/workspaces/${created.json.id}/okta`, { domain: o.issuer, clientId: `client-${name}`, clientSecret: 's', sharedSignalsEnabled });
  expect(put.status).toBe(200);
  const { WorkspaceRepo } = await import('../../lambdas/store/workspaces.js');
  return new WorkspaceRepo(deps.db).require(created.json.id);
}

async function userWithTokens(w: Workspace, userName: string, externalId: string): Promise<{ user: User; session: string; api: string }> {
  const user = await users.create(ctx(w.id), w, { userName, externalId, active: true, emails: [{ value: userName, primary: true }] }, 'scim');
  const exp = new Date(Date.now() + 3_600_000);
  const session = (await tokens.mint(ctx(w.id), { kind: 'session', teamId: w.id, userId: user.id, expiresAt: exp })).token;
  const apiToken = (await tokens.mint(ctx(w.id), { kind: 'api', teamId: w.id, userId: user.id, expiresAt: exp })).token;
  return { user, session, api: apiToken };
}

/** What the next introspection (RFC 7662) says about the token. */
async function active(token: string): Promise<boolean> {
  const res = await admin.post<{ active: boolean }>('/api/tokens/introspect', new URLSearchParams({ token }));
  expect(res.status).toBe(200);
  return res.json.active;
}

const aud = () => `${stack.url}/api/okta/ssf/events`;

/** Okta's SET for `user.session.end` of the Okta user `oktaUserId`. */
function setClaims(o: LocalOktaOrg, oktaUserId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const claims = fill('okta-caep-session-revoked.json', { issuer: o.issuer, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), aud: aud() }) as {
    events: Record<string, { subject: { sub: string } }>;
  };
  claims.events[SESSION_REVOKED]!.subject.sub = oktaUserId;
  return { ...claims, ...over };
}

function push(set: string, contentType = 'application/secevent+jwt'): Promise<ApiResponse<{ err?: string; description?: string }>> {
  return api(stack.url).post('/api/okta/ssf/events', set, { headers: { 'content-type': contentType, accept: 'application/json' } });
}

const signSet = (o: LocalOktaOrg, claims: Record<string, unknown>, opts: SignOptions = {}) => o.sign(claims, { typ: 'secevent+jwt', ...opts });

beforeAll(async () => {
  org = await startLocalOktaOrg();
  quietOrg = await startLocalOktaOrg();
  stack = await startTestStack();
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  const tokenMod = await import('../../lambdas/store/tokens.js');
  AuditRepo = (await import('../../lambdas/store/audit.js')).AuditRepo;
  tokens = new tokenMod.TokenRepo(deps.db, await deps.hasher(), 'us');
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);
  enabled = await connect(org, 'enabled', true);
  disabled = await connect(quietOrg, 'disabled', false);
});
afterAll(async () => {
  await stack?.close();
  await org?.close();
  await quietOrg?.close();
});

describe('Shared Signals: CAEP session-revoked', () => {
  it('answers 202 and revokes the user’s sessions (not their API tokens), audited as okta:ssf', async () => {
    const { user, session, api: apiToken } = await userWithTokens(enabled, 'set@example.com', '00u-set-1');
    const claims = setClaims(org, '00u-set-1');
    const res = await push(await signSet(org, claims));
    expect(res.status).toBe(202);
    expect(await active(session)).toBe(false);
    expect(await active(apiToken)).toBe(true);

    const { records } = await new AuditRepo(deps.db).page({ teamId: enabled.id, limit: 200 });
    const rec = records.find((r) => r.action === 'session.revoked' && r.actor.id === claims.jti);
    expect(rec).toMatchObject({ actor: { type: 'okta:ssf' }, target: { id: user.id } });
    expect(await stack.events.waitFor((e) => e.detail.sourceId === claims.jti)).toMatchObject({
      eventId: `${rec!.id}.0`,
      type: 'session.revoked',
      detail: { userId: user.id, mode: 'sessions', source: 'okta:ssf' },
    });
  });

  it('acknowledges a duplicate delivery (same jti) again without reprocessing it', async () => {
    const { user } = await userWithTokens(enabled, 'dup@example.com', '00u-dup');
    const set = await signSet(org, setClaims(org, '00u-dup'));
    expect((await push(set)).status).toBe(202);
    const later = (await tokens.mint(ctx(enabled.id), { kind: 'session', teamId: enabled.id, userId: user.id })).token;
    expect((await push(set)).status).toBe(202);
    expect(await active(later)).toBe(true);
  });

  it('accepts the SSF 1.0 shape: sub_id at the top level with a complex subject', async () => {
    const { session } = await userWithTokens(enabled, 'complex@example.com', '00u-complex');
    const claims = setClaims(org, 'ignored', { sub_id: { format: 'complex', user: { format: 'email', email: 'complex@example.com' }, session: { format: 'opaque', id: 's1' } } });
    claims.events = { [SESSION_REVOKED]: { event_timestamp: claims.iat } };
    expect((await push(await signSet(org, claims))).status).toBe(202);
    expect(await active(session)).toBe(false);
  });

  it('acknowledges a SET about an unknown user and other event types', async () => {
    expect((await push(await signSet(org, setClaims(org, '00u-nobody'))))).toMatchObject({ status: 202 });
    const other = setClaims(org, 'x');
    other.events = { 'https://schemas.openid.net/secevent/caep/event-type/credential-change': { subject: { format: 'email', email: 'a@b.c' } } };
    expect((await push(await signSet(org, other))).status).toBe(202);
  });
});

describe('Shared Signals: refusals (RFC 8935 §2.4, 400 {err, description})', () => {
  const expectErr = async (res: ApiResponse<{ err?: string; description?: string }>, err: string) => {
    expect(res.status).toBe(400);
    expect(res.json.err).toBe(err);
    expect(typeof res.json.description).toBe('string');
  };

  it('refuses another content type', async () => {
    await expectErr(await push(await signSet(org, setClaims(org, 'x')), 'application/json'), 'invalid_request');
  });
  it('refuses a SET without typ secevent+jwt', async () => {
    await expectErr(await push(await signSet(org, setClaims(org, 'x'), { typ: 'JWT' })), 'invalid_request');
  });
  it('refuses an issuer that is not connected', async () => {
    await expectErr(await push(await signSet(org, setClaims(org, 'x', { iss: 'https://stranger.okta.com' }))), 'invalid_issuer');
  });
  it('refuses another audience', async () => {
    await expectErr(await push(await signSet(org, setClaims(org, 'x', { aud: `${stack.url}/api/okta/universal-logout` }))), 'invalid_audience');
  });
  it('refuses a bad signature and an unknown key', async () => {
    const [h, p] = (await signSet(org, setClaims(org, 'x'))).split('.');
    const [, , otherSig] = (await signSet(org, setClaims(org, 'y'))).split('.');
    await expectErr(await push(`${h}.${p}.${otherSig}`), 'authentication_failed');
    await expectErr(await push(await signSet(org, setClaims(org, 'x'), { key: await org.newKey('RS256', false) })), 'invalid_key');
  });
  it('refuses an org whose workspaces have not enabled Shared Signals', async () => {
    await expectErr(await push(await signSet(quietOrg, setClaims(quietOrg, 'x'))), 'access_denied');
    expect(oktaOidcConnection(disabled)?.sharedSignalsEnabled).toBe(false);
  });
  it('refuses a SET without events', async () => {
    const claims = setClaims(org, 'x');
    delete claims.events;
    await expectErr(await push(await signSet(org, claims)), 'invalid_request');
  });
});
