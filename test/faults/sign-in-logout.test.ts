/**
 * SSO sign-in (SAML ACS, with just-in-time provisioning) and Okta Universal Logout under storage
 * faults (issue 8 item 8; review #2, #9): 503 with `Retry-After`, nothing half-written (a JIT user
 * with its index and audit, a revocation marker with its audit record), and the retry converges:
 * a new sign-in ends in a session, Okta's re-sent logout ends with every token revoked.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamlIdp, type SamlIdp } from '../../dev/saml-idp/index.js';
import { logoutClaims, startLocalOktaOrg, type LocalOktaOrg } from '../fixtures/logout/okta-org.js';
import { runFaultRounds, type FaultScenario } from '../support/fault-rounds.js';
import { audits, brokenInvariants, userFacts, type StoredItem } from '../support/fault-table.js';
import { api, type ApiResponse } from '../support/http.js';
import { startTestStack, type FaultyTestStack } from '../support/stack.js';
import { oktaUser, scimWorkspace, type ScimWorkspace } from '../scim/helpers.js';
import { codeFrom, configureSaml, postAcs } from '../saml/support.js';

let stack: FaultyTestStack;
let idp: SamlIdp;
let org: LocalOktaOrg;
let ws: ScimWorkspace;
let acsUrl: string;
let audience: string;
const ROUND_TIMEOUT = 600_000;
const CLIENT_ID = 'client-faults';

beforeAll(async () => {
  [stack, idp, org] = await Promise.all([startTestStack({ faults: true }), createSamlIdp(), startLocalOktaOrg()]);
  ws = await scimWorkspace(stack);
  const okta = await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/okta`, { domain: org.issuer, clientId: CLIENT_ID, clientSecret: 's3cret', signInEnabled: true, jitEnabled: true });
  expect(okta.status, okta.text).toBe(200);
  await configureSaml(ws.admin, ws.teamId, idp);
  const got = await ws.admin.get<{ setup: Record<string, string> }>(`/api/admin/workspaces/${ws.teamId}`);
  acsUrl = got.json.setup.samlAcsUrl!;
  audience = got.json.setup.samlAudienceUri!;
});
afterAll(async () => {
  await stack?.close();
  await org?.close();
});

const usersNamed = (items: StoredItem[], userName: string) =>
  items.filter((i) => i.pk === `WS#${ws.teamId}#USERNAME#${userName.toLowerCase()}`).map((i) => String(i.userId));

/** An IdP-initiated SAML sign-in (a fresh signed assertion each time, as a user's new attempt is). */
function signIn(email: string): Promise<ApiResponse> {
  return postAcs(stack, acsUrl, {
    SAMLResponse: idp.buildResponse({ audience, nameId: email, attributes: { email, firstName: 'Fault', lastName: 'Tester', groups: [] }, acsUrl, sign: 'assertion' }),
  });
}

describe('SAML sign-in with JIT provisioning under storage faults', () => {
  it('answers 503 with Retry-After or signs in; a JIT user is never half-created, and the next sign-in ends in a session', async () => {
    const scenario: FaultScenario<{ email: string }> = {
      setup: async () => ({ email: `jit.${randomBytes(4).toString('hex')}@example.com` }),
      act: (c) => signIn(c.email),
      retry: (c) => signIn(c.email),
      ok: [302],
      retryOk: [],
      envelope: 'page',
      invariants: (items, c) => {
        const ids = usersNamed(items, c.email);
        return ids.length > 1 ? [`${ids.length} users for ${c.email}`] : ids.flatMap((id) => brokenInvariants(items, ws.teamId, id));
      },
      converged: (items, c) => {
        const ids = usersNamed(items, c.email);
        if (ids.length !== 1) return [`${ids.length} users for ${c.email}, want 1`];
        const n = userFacts(items, ws.teamId, ids[0]!).audits.filter((a) => a.action === 'user.created').length;
        return n === 1 ? [] : [`${n} user.created records`];
      },
    };
    expect(await runFaultRounds(stack, scenario)).toEqual([]);
    // The retried sign-in's code works (the session is real).
    const res = await signIn(`after.${randomBytes(4).toString('hex')}@example.com`);
    const exchanged = await api(stack.url, stack.adminKey).post('/api/sso/token', { code: codeFrom(res) });
    expect(exchanged.status).toBe(200);
  }, ROUND_TIMEOUT);
});

describe('Universal Logout under storage faults', () => {
  it('answers 503 with Retry-After or 204; a revocation is never without its audit record, and Okta\'s re-sent logout revokes every token', async () => {
    const mods = {
      deps: await import('../../lambdas/platform/deps.js'),
      tokens: await import('../../lambdas/store/tokens.js'),
    };
    const deps = mods.deps.getDeps();
    const tokens = new mods.tokens.TokenRepo(deps.db, await deps.hasher(), 'us');
    const aud = `${stack.url}/api/okta/universal-logout`;
    const introspect = async (token: string) =>
      (await api(stack.url, stack.adminKey).post<{ active: boolean }>('/api/tokens/introspect', new URLSearchParams({ token }))).json.active;

    const scenario: FaultScenario<{ userId: string; email: string; jwt: string; tokens: string[] }> = {
      setup: async () => {
        const email = `logout.${randomBytes(4).toString('hex')}@example.com`;
        const u = await ws.scim.post('/Users', oktaUser(email));
        if (u.status !== 201) throw new Error(`setup user: ${u.status} ${u.text}`);
        const userId = String(u.json.id);
        const ctx = { teamId: ws.teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' };
        const minted: string[] = [];
        for (const kind of ['session', 'api'] as const) {
          minted.push((await tokens.mint(ctx, { kind, teamId: ws.teamId, userId, expiresAt: new Date(Date.now() + 3_600_000) })).token);
        }
        // One JWT per round: Okta re-sends the same request when it got no 2xx.
        const jwt = await org.sign(logoutClaims(org, { aud, sub: CLIENT_ID }));
        return { userId, email, jwt, tokens: minted };
      },
      act: (c) =>
        api(stack.url).post('/api/okta/universal-logout', JSON.stringify({ sub_id: { format: 'email', email: c.email } }), {
          headers: { 'content-type': 'application/json', authorization: `Bearer ${c.jwt}` },
        }),
      ok: [204],
      retryOk: [],
      envelope: 'api',
      invariants: (items, c) => {
        const f = userFacts(items, ws.teamId, c.userId);
        const revoked = audits(items, ws.teamId).filter((a) => a.targetId === c.userId && a.action === 'session.revoked').length;
        const out = brokenInvariants(items, ws.teamId, c.userId);
        if (f.revocation && revoked === 0) out.push('revocation marker without its session.revoked audit record');
        if (!f.revocation && revoked > 0) out.push('session.revoked audit record without a revocation marker');
        return out;
      },
      converged: (items, c) => {
        const f = userFacts(items, ws.teamId, c.userId);
        const out: string[] = [];
        if (!f.revocation) out.push('no revocation marker');
        const n = audits(items, ws.teamId).filter((a) => a.targetId === c.userId && a.action === 'session.revoked').length;
        if (n < 1) out.push('no session.revoked record');
        return out;
      },
    };
    const failures = await runFaultRounds(stack, scenario);
    expect(failures).toEqual([]);
    // And the host app's view agrees: a logged-out user's tokens introspect inactive.
    const c = await scenario.setup();
    expect((await scenario.act(c)).status).toBe(204);
    for (const t of c.tokens) expect(await introspect(t)).toBe(false);
  }, ROUND_TIMEOUT);
});
