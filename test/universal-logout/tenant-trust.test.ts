/**
 * Trust bound to the tenant (review #1, docs/reference/DESIGN.md invariants): a Universal Logout JWT is matched to
 * its workspace(s) by (issuer, app id) first and verified only with keys that workspace itself
 * trusts. One workspace's configuration — an attacker's certificate, a claimed org, a failing
 * discovery — never changes the outcome for another. Real signed JWTs, the real handler behind the
 * local API, DynamoDB Local, local Okta orgs serving discovery and JWKS.
 */
import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditContext } from '../../lambdas/core/audit.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { HttpRequest } from '../../lambdas/platform/http.js';
import type { TokenRepo } from '../../lambdas/store/tokens.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import type { Workspace } from '../../lambdas/core/model/workspace.js';
import type { WorkspaceRepo } from '../../lambdas/store/workspaces.js';
import { selfSignedKeyPair } from '../fixtures/certs.js';
import { logoutClaims, startLocalOktaOrg, type LocalOktaOrg } from '../fixtures/logout/okta-org.js';
import { api, type ApiClient, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let admin: ApiClient;
let deps: Deps;
let tokens: TokenRepo;
let users: UserRepo;
let workspaces: WorkspaceRepo;
let AuditRepo: typeof import('../../lambdas/store/audit.js').AuditRepo;
/** An org with discovery and JWKS, shared by workspaces in several tests. */
let liveOrg: LocalOktaOrg;
/** An org URL where nothing answers: discovery fails (the review's 503 variant). */
let deadOrgUrl: string;

/** B's SAML app signing key (Okta's, in real life) and an attacker's own key pair. */
const bKey = selfSignedKeyPair('okta-b-saml');
const attackerKey = selfSignedKeyPair('attacker');
const otherBKey = selfSignedKeyPair('okta-b2-saml');

const ctx = (teamId: string): AuditContext => ({ teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });
const aud = () => `${stack.url}/api/okta/universal-logout`;

async function newWorkspace(name: string): Promise<string> {
  const created = await admin.post<{ id: string }>('/api/admin/workspaces', { name });
  expect(created.status).toBe(201);
  return created.json.id;
}

/** A workspace connected to Okta only through a SAML app (`oktaOrgUrl` + `appInstanceId`). */
async function samlOnly(teamId: string, orgUrl: string, appInstanceId: string, certificatePem: string): Promise<void> {
  const res = await admin.put(`/api/admin/workspaces/${teamId}/saml`, {
    idpSsoUrl: 'https://idp.example/sso',
    idpEntityId: `http://www.okta.com/${appInstanceId}`,
    idpCertificate: certificatePem,
    oktaOrgUrl: orgUrl,
    appInstanceId,
  });
  expect(res.status).toBe(200);
}

async function oidc(teamId: string, orgUrl: string, clientId: string): Promise<void> {
  const res = await admin.put(`/api/admin/workspaces/${teamId}/okta`, { domain: orgUrl, clientId, clientSecret: 's3cret' });
  expect(res.status).toBe(200);
}

/** A provisioned user of the workspace holding a live API token; returns the token. */
async function userWithToken(teamId: string, email: string): Promise<string> {
  const w: Workspace = await workspaces.require(teamId);
  const user = await users.create(ctx(teamId), w, { userName: email, active: true, emails: [{ value: email, primary: true }] }, 'scim');
  return (await tokens.mint(ctx(teamId), { kind: 'api', teamId, userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) })).token;
}

async function active(token: string): Promise<boolean> {
  const res = await admin.post<{ active: boolean }>('/api/tokens/introspect', new URLSearchParams({ token }));
  expect(res.status).toBe(200);
  return res.json.active;
}

/** A GTR JWT signed with a SAML certificate's private key (as Okta signs a SAML app's logout). */
async function samlSigned(privateKeyPem: string, iss: string, sub: string, jti = randomUUID()): Promise<string> {
  return new SignJWT(logoutClaims({ issuer: iss }, { aud: aud(), sub, jti }))
    .setProtectedHeader({ alg: 'RS256', typ: 'global-token-revocation+jwt' })
    .sign(await importPKCS8(privateKeyPem, 'RS256'));
}

function logout(jwt: string, email: string): Promise<ApiResponse<{ error?: { code: string; message: string } }>> {
  return api(stack.url).post('/api/okta/universal-logout', { sub_id: { format: 'email', email } }, { headers: { authorization: `Bearer ${jwt}` } });
}

/** The workspace's `session.revoked` audit records. */
async function revocations(teamId: string) {
  const { records } = await new AuditRepo(deps.db).page({ teamId, limit: 500 });
  return records.filter((r) => r.action === 'session.revoked');
}

beforeAll(async () => {
  liveOrg = await startLocalOktaOrg();
  const dead = await startLocalOktaOrg();
  deadOrgUrl = dead.issuer;
  await dead.close();
  stack = await startTestStack();
  admin = api(stack.url, stack.adminKey);
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  tokens = new (await import('../../lambdas/store/tokens.js')).TokenRepo(deps.db, await deps.hasher(), 'us');
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);
  workspaces = new (await import('../../lambdas/store/workspaces.js')).WorkspaceRepo(deps.db);
  AuditRepo = (await import('../../lambdas/store/audit.js')).AuditRepo;
});
afterAll(async () => {
  await stack?.close();
  await liveOrg?.close();
});

describe('Universal Logout: a workspace cannot forge or break another workspace’s logouts (review #1)', () => {
  it('refuses with 401 a JWT for B’s SAML app signed with A’s certificate after A configured B’s org URL, and B keeps its sessions', async () => {
    const b = await newWorkspace('B (victim)');
    await samlOnly(b, deadOrgUrl, '0oaSAMLAPP', bKey.certificatePem);
    const bob = await userWithToken(b, 'bob@b.example');
    // The attack: A's own SAML app "in" B's org, with A's certificate.
    const a = await newWorkspace('A (attacker)');
    await samlOnly(a, deadOrgUrl, '0oaATTACKER', attackerKey.certificatePem);

    const jti = randomUUID();
    const res = await logout(await samlSigned(attackerKey.privateKeyPem, deadOrgUrl, '0oaSAMLAPP', jti), 'bob@b.example');
    expect(res.status).toBe(401);
    expect(await active(bob)).toBe(true);
    expect((await revocations(b)).filter((r) => r.actor.id === jti)).toEqual([]);

    // B's genuine logout still works.
    expect((await logout(await samlSigned(bKey.privateKeyPem, deadOrgUrl, '0oaSAMLAPP'), 'bob@b.example')).status).toBe(204);
    expect(await active(bob)).toBe(false);
  });

  it('refuses with 401 and leaves B untouched when A copies B’s org URL AND app instance id with its own certificate; A’s forgery acts only in A', async () => {
    const b = await newWorkspace('B2 (victim)');
    await samlOnly(b, deadOrgUrl, '0oaCOPIED', bKey.certificatePem);
    const bob = await userWithToken(b, 'bob2@b.example');
    const a = await newWorkspace('A2 (attacker)');
    await samlOnly(a, deadOrgUrl, '0oaCOPIED', attackerKey.certificatePem);
    const mallory = await userWithToken(a, 'bob2@b.example');

    // Signed with A's key: only A's own keys verify it, so it acts in A (A attacking itself) and never in B.
    expect((await logout(await samlSigned(attackerKey.privateKeyPem, deadOrgUrl, '0oaCOPIED'), 'bob2@b.example')).status).toBe(204);
    expect(await active(bob)).toBe(true);
    expect(await active(mallory)).toBe(false);
    expect(await revocations(b)).toEqual([]);

    // B's genuine logout acts in B only; A's certificate does not verify it, so A is not touched.
    const mallory2 = await userWithToken(a, 'bob2-second@b.example');
    const bob2 = await userWithToken(b, 'bob2-second@b.example');
    expect((await logout(await samlSigned(bKey.privateKeyPem, deadOrgUrl, '0oaCOPIED'), 'bob2-second@b.example')).status).toBe(204);
    expect(await active(bob2)).toBe(false);
    expect(await active(mallory2)).toBe(true);
  });

  it('keeps answering 204 to B’s genuine logouts when A claims B’s org as its OIDC domain and that org’s discovery fails (was 503)', async () => {
    const b = await newWorkspace('B3 (victim)');
    await samlOnly(b, deadOrgUrl, '0oaSAMLAPP3', otherBKey.certificatePem);
    const bob = await userWithToken(b, 'bob3@b.example');
    const a = await newWorkspace('A3 (attacker)');
    await oidc(a, deadOrgUrl, 'client-attacker');

    expect((await logout(await samlSigned(otherBKey.privateKeyPem, deadOrgUrl, '0oaSAMLAPP3'), 'bob3@b.example')).status).toBe(204);
    expect(await active(bob)).toBe(false);
  });

  it('keeps answering 204 to B’s genuine logouts when A claims B’s live org as OIDC domain with B’s app id as client id (was 401); A is not acted in', async () => {
    const b = await newWorkspace('B4 (victim)');
    await samlOnly(b, liveOrg.issuer, '0oaSAMLAPP4', bKey.certificatePem);
    const bob = await userWithToken(b, 'bob4@b.example');
    const a = await newWorkspace('A4 (attacker)');
    await oidc(a, liveOrg.issuer, '0oaSAMLAPP4');
    const mallory = await userWithToken(a, 'bob4@b.example');

    expect((await logout(await samlSigned(bKey.privateKeyPem, liveOrg.issuer, '0oaSAMLAPP4'), 'bob4@b.example')).status).toBe(204);
    expect(await active(bob)).toBe(false);
    // The org's JWKS (A's trust) does not hold B's SAML key: A did not verify the token.
    expect(await active(mallory)).toBe(true);
  });

  it('acts in no workspace (retryable 503) when B’s certificate refuses a forgery and the other claimant’s org is unreachable', async () => {
    // B's certificate refuses the forgery; the attacker's claimed OIDC org cannot be reached. No
    // workspace acts. The answer is 503 because a claimant's keys were unreachable (a genuine token
    // for that claimant might be among them, and Okta should retry it), but B is untouched.
    const b = await newWorkspace('B5 (victim)');
    await samlOnly(b, deadOrgUrl, 'shared-app-5', bKey.certificatePem);
    const bob = await userWithToken(b, 'bob5@b.example');
    const a = await newWorkspace('A5 (attacker)');
    await oidc(a, deadOrgUrl, 'shared-app-5');
    const res = await logout(await samlSigned(attackerKey.privateKeyPem, deadOrgUrl, 'shared-app-5'), 'bob5@b.example');
    expect(res.status).toBe(503);
    expect(await active(bob)).toBe(true);
    expect(await revocations(b)).toEqual([]);
  });
});

describe('Universal Logout: one issuer shared by honest workspaces', () => {
  it('logs out only in the workspace whose OIDC client id is the sub', async () => {
    const h1 = await newWorkspace('H1');
    const h2 = await newWorkspace('H2');
    await oidc(h1, liveOrg.issuer, 'client-h1');
    await oidc(h2, liveOrg.issuer, 'client-h2');
    const t1 = await userWithToken(h1, 'same@h.example');
    const t2 = await userWithToken(h2, 'same@h.example');

    expect((await logout(await liveOrg.sign(logoutClaims(liveOrg, { aud: aud(), sub: 'client-h1' })), 'same@h.example')).status).toBe(204);
    expect([await active(t1), await active(t2)]).toEqual([false, true]);
    expect((await logout(await liveOrg.sign(logoutClaims(liveOrg, { aud: aud(), sub: 'client-h2' })), 'same@h.example')).status).toBe(204);
    expect(await active(t2)).toBe(false);
  });

  it('logs out only in the workspace whose SAML app instance id is the sub, each verified with its own certificate', async () => {
    const s1 = await newWorkspace('S1');
    const s2 = await newWorkspace('S2');
    await samlOnly(s1, liveOrg.issuer, '0oa-s1', bKey.certificatePem);
    await samlOnly(s2, liveOrg.issuer, '0oa-s2', otherBKey.certificatePem);
    const t1 = await userWithToken(s1, 'same@s.example');
    const t2 = await userWithToken(s2, 'same@s.example');

    // S2's key naming S1's app: S1's certificate refuses it.
    expect((await logout(await samlSigned(otherBKey.privateKeyPem, liveOrg.issuer, '0oa-s1'), 'same@s.example')).status).toBe(401);
    expect([await active(t1), await active(t2)]).toEqual([true, true]);
    expect((await logout(await samlSigned(bKey.privateKeyPem, liveOrg.issuer, '0oa-s1'), 'same@s.example')).status).toBe(204);
    expect([await active(t1), await active(t2)]).toEqual([false, true]);
    expect((await logout(await samlSigned(otherBKey.privateKeyPem, liveOrg.issuer, '0oa-s2'), 'same@s.example')).status).toBe(204);
    expect(await active(t2)).toBe(false);
  });
});

describe('Universal Logout: refusal facts (review #6)', () => {
  /** Calls the logout core directly (the same app the handler wraps) and returns what it threw. */
  async function thrownBy(jwt: string, email: string): Promise<unknown> {
    const { createUniversalLogoutApp } = await import('../../lambdas/universal-logout/app.js');
    const app = createUniversalLogoutApp(deps);
    const req: HttpRequest = {
      method: 'POST',
      path: '/api/okta/universal-logout',
      routeKey: 'POST /api/okta/universal-logout',
      pathParams: {},
      query: {},
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      cookies: [],
      body: JSON.stringify({ sub_id: { format: 'email', email } }),
      sourceIp: '127.0.0.1',
      userAgent: 'vitest',
      requestId: randomUUID(),
    };
    try {
      await app(req);
    } catch (err) {
      return err;
    }
    throw new Error('expected a refusal');
  }

  it('names the matched workspace, the cause and the claimed issuer, sub and jti of a forged JWT', async () => {
    const { refusalOf } = await import('../../lambdas/core/refusals.js');
    const b = await newWorkspace('B6');
    await samlOnly(b, deadOrgUrl, '0oa-facts', bKey.certificatePem);
    const jti = randomUUID();
    const err = await thrownBy(await samlSigned(attackerKey.privateKeyPem, deadOrgUrl, '0oa-facts', jti), 'x@b.example');
    expect(refusalOf(err)).toEqual({ teamId: b, cause: 'logout.signature_invalid', detail: { issuer: deadOrgUrl, sub: '0oa-facts', jti } });
  });

  it('records logout.refused in the targeted workspace’s own audit trail for a forged logout, and nothing in the attacker’s', async () => {
    const b = await newWorkspace('B8');
    await samlOnly(b, deadOrgUrl, '0oa-audit-8', bKey.certificatePem);
    const a = await newWorkspace('A8 (attacker)');
    await samlOnly(a, deadOrgUrl, '0oa-attacker-8', attackerKey.certificatePem);
    const jti = randomUUID();
    expect((await logout(await samlSigned(attackerKey.privateKeyPem, deadOrgUrl, '0oa-audit-8', jti), 'x@b.example')).status).toBe(401);

    const trail = async (teamId: string) => (await new AuditRepo(deps.db).page({ teamId, limit: 500 })).records.filter((r) => r.action === 'logout.refused');
    const [rec] = await trail(b);
    expect(rec?.after).toMatchObject({ cause: 'logout.signature_invalid', issuer: deadOrgUrl, sub: '0oa-audit-8', jti, status: 401 });
    expect(await trail(a)).toEqual([]);
  });

  it('names no workspace for an unknown issuer, and the workspace for an unknown user', async () => {
    const { refusalOf } = await import('../../lambdas/core/refusals.js');
    const unknown = await thrownBy(await samlSigned(attackerKey.privateKeyPem, 'https://nobody.okta.example', 'x'), 'x@b.example');
    expect(refusalOf(unknown)).toMatchObject({ cause: 'logout.issuer_unknown', detail: { issuer: 'https://nobody.okta.example', sub: 'x' } });
    expect(refusalOf(unknown)?.teamId).toBeUndefined();

    const b = await newWorkspace('B7');
    await samlOnly(b, deadOrgUrl, '0oa-facts-7', bKey.certificatePem);
    const noUser = await thrownBy(await samlSigned(bKey.privateKeyPem, deadOrgUrl, '0oa-facts-7'), 'nobody@b.example');
    expect(refusalOf(noUser)).toMatchObject({ teamId: b, cause: 'logout.user_unknown' });
  });
});
