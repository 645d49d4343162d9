/**
 * Forged ID tokens through the whole flow: the stand-in's token endpoint hands out a tampered,
 * wrongly signed or wrongly addressed ID token (its rewriter hook, jose-signed), and the callback
 * must refuse every one of them with `invalid_id_token` and create no session.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOktaStandin, type OktaStandin, type StandinUser } from '../../dev/okta-standin/index.js';
import type { Deps } from '../../lambdas/platform/deps.js';
import type { TokenRepo } from '../../lambdas/store/tokens.js';
import type { UserRepo } from '../../lambdas/store/users.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { auditExport, Browser, connectWorkspace, refusalCode, type Connected } from './support.js';

const JANE: StandinUser = { id: '00ujane00000000002', email: 'jane@forge.test', emailVerified: true, givenName: 'Jane', familyName: 'Doe' };

let stack: TestStack;
let okta: OktaStandin;
let ws: Connected;
let deps: Deps;
let users: UserRepo;
let tokens: TokenRepo;

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function otherKeySign(claims: JWTPayload, kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
}

/** Re-signs the real token's claims with the org key after `change`. */
const resigned = (change: (c: JWTPayload) => JWTPayload) => async (idToken: string) => okta.sign(change(decodeJwt(idToken)));

const FORGERIES: [string, (idToken: string) => Promise<string> | string][] = [
  [
    'a payload changed after signing (another sub)',
    (t) => {
      const [h, p, s] = t.split('.');
      return `${h}.${b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: '00uattacker000001', email: 'attacker@evil.test' })}.${s}`;
    },
  ],
  ['a token signed by another key under the org key id', async (t) => otherKeySign(decodeJwt(t), decodeProtectedHeader(t).kid!)],
  ['a token signed by another key under an unknown key id', async (t) => otherKeySign(decodeJwt(t), `rogue-${randomUUID()}`)],
  ['a token for another client (wrong aud)', resigned((c) => ({ ...c, aud: '0oaSomeOtherApp00001' }))],
  ['a token of another sign-in (wrong nonce)', resigned((c) => ({ ...c, nonce: 'not-the-nonce-of-this-flow' }))],
  ['a token from another issuer (wrong iss)', resigned((c) => ({ ...c, iss: 'https://other-org.okta.com' }))],
  ['an expired token', resigned((c) => ({ ...c, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }))],
  ['an unsigned token (alg none)', (t) => `${b64({ alg: 'none' })}.${t.split('.')[1]}.`],
  [
    'a token HMAC-signed with the client secret (HS256)',
    async (t) => new SignJWT(decodeJwt(t)).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(ws.client.clientSecret)),
  ],
];

beforeAll(async () => {
  okta = await startOktaStandin({ users: [JANE] });
  stack = await startTestStack();
  deps = (await import('../../lambdas/platform/deps.js')).getDeps();
  users = new (await import('../../lambdas/store/users.js')).UserRepo(deps.db);
  tokens = new (await import('../../lambdas/store/tokens.js')).TokenRepo(deps.db, await deps.hasher(), 'us');
  ws = await connectWorkspace(stack, okta, { name: 'Forge', jitEnabled: true });
});
afterEach(() => okta.setIdTokenRewriter(undefined));
afterAll(async () => {
  await stack?.close();
  await okta?.close();
});

const signIn = () => new Browser().open(`${stack.url}/api/okta/oidc/login?team_id=${ws.teamId}`, { stopAt: stack.env.APP_URL!, username: JANE.email });

describe('ID token validation in the callback', () => {
  it('accepts the genuine token (control)', async () => {
    const l = await signIn();
    expect(l.url.startsWith(`${stack.env.APP_URL}/auth/callback?code=`)).toBe(true);
  });

  it.each(FORGERIES)('refuses %s with invalid_id_token and creates no session', async (_name, forge) => {
    okta.setIdTokenRewriter(forge);
    const user = await users.findByUserName(ws.teamId, JANE.email);
    const before = user ? (await tokens.listForUser(ws.teamId, user.id)).length : 0;
    const l = await signIn();
    expect(l.status, l.text.slice(l.text.indexOf('<p>'), l.text.indexOf('<p>') + 300)).toBe(502);
    expect(refusalCode(l)).toBe('invalid_id_token');
    expect(l.text).toContain('The ID token from Okta failed validation');
    const after = user ? (await tokens.listForUser(ws.teamId, user.id)).length : 0;
    expect(after).toBe(before);
    expect(await users.findByUserName(ws.teamId, 'attacker@evil.test')).toBeUndefined();
  });

  it('audits each refused token with the reason', async () => {
    const trail = await auditExport(stack, ws.teamId);
    const refused = trail.filter((r) => r.action === 'sso.sign_in_refused' && r.after?.refusal === 'invalid_id_token');
    expect(refused).toHaveLength(FORGERIES.length);
    expect(refused.map((r) => String(r.after?.reason))).toEqual(expect.arrayContaining([expect.stringContaining('signature')]));
  });
});
