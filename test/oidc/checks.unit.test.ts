/**
 * The named ID token checks, one by one, against real JWTs signed by the local Okta stand-in and
 * its JWKS served over HTTP; plus the sign-in core's pure parts (return-to allowlist, sealed SSO
 * codes, the refusal page).
 */
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaStandin, type OktaStandin } from '../../dev/okta-standin/index.js';
import { checkAlg } from '../../lambdas/oidc/checks/alg.js';
import { checkAudience } from '../../lambdas/oidc/checks/audience.js';
import { InvalidIdToken, validateIdToken, type IdTokenCheck } from '../../lambdas/oidc/checks/index.js';
import { checkNonce } from '../../lambdas/oidc/checks/nonce.js';
import { checkSubject } from '../../lambdas/oidc/checks/subject.js';
import { checkTimes, MAX_ID_TOKEN_AGE_SECONDS } from '../../lambdas/oidc/checks/times.js';
import { loadConfig } from '../../lambdas/platform/config.js';
import type { HttpRequest } from '../../lambdas/platform/http.js';
import { IssuerKeySets } from '../../lambdas/platform/jwks.js';
import { refusalPage } from '../../lambdas/signin/page.js';
import { checkReturnTo, openWithCode, sealWithCode, SignInRefused } from '../../lambdas/signin/index.js';
import { TEST_ENV } from '../fixtures/config.js';

const CLIENT = '0oaClientOfThisApp01';
const NONCE = 'nonce-of-this-flow-000000000000000000000000';

let okta: OktaStandin;
const now = () => new Date();

function failsAt(check: IdTokenCheck, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidIdToken);
    expect((err as InvalidIdToken).check).toBe(check);
    expect((err as InvalidIdToken).refusal).toBe('invalid_id_token');
    return;
  }
  throw new Error(`${check} did not fail`);
}

async function failsAtAsync(check: IdTokenCheck, p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidIdToken);
  expect((err as InvalidIdToken).check).toBe(check);
}

const idToken = (over: Record<string, unknown> = {}) => okta.sign({ sub: '00uuser', aud: CLIENT, nonce: NONCE, exp: Math.floor(Date.now() / 1000) + 300, ...over });

beforeAll(async () => {
  okta = await startOktaStandin();
});
afterAll(async () => {
  await okta?.close();
});

describe('validateIdToken (ordered named checks)', () => {
  it('returns the claims of a genuine Okta ID token', async () => {
    const keys = new IssuerKeySets({ allowHttpLoopback: true }).forJwksUri(okta.jwksUri);
    const claims = await validateIdToken(await idToken({ email: 'a@b.test' }), { issuer: okta.issuer, clientId: CLIENT, nonce: NONCE, keys, now: now() });
    expect(claims).toMatchObject({ sub: '00uuser', email: 'a@b.test', iss: okta.issuer });
  });

  it('fails checkSignature for a token signed by another key', async () => {
    const keys = new IssuerKeySets({ allowHttpLoopback: true }).forJwksUri(okta.jwksUri);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'x', aud: CLIENT, nonce: NONCE, iss: okta.issuer })
      .setProtectedHeader({ alg: 'RS256', kid: okta.signingKey.kid! })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await failsAtAsync('checkSignature', validateIdToken(forged, { issuer: okta.issuer, clientId: CLIENT, nonce: NONCE, keys, now: now() }));
  });

  it('fails checkIssuer, checkAudience, checkNonce and checkTimes in that order of concern', async () => {
    const keys = new IssuerKeySets({ allowHttpLoopback: true }).forJwksUri(okta.jwksUri);
    const x = { issuer: okta.issuer, clientId: CLIENT, nonce: NONCE, keys, now: now() };
    await failsAtAsync('checkIssuer', validateIdToken(await idToken({ iss: 'https://evil.okta.com' }), x));
    await failsAtAsync('checkAudience', validateIdToken(await idToken({ aud: 'other' }), x));
    await failsAtAsync('checkTimes', validateIdToken(await idToken({ exp: Math.floor(Date.now() / 1000) - 3600 }), x));
    await failsAtAsync('checkNonce', validateIdToken(await idToken({ nonce: 'another' }), x));
    await failsAtAsync('checkSubject', validateIdToken(await idToken({ sub: '' }), x));
  });

  it('refetches the JWKS once when Okta rotates its key (unknown kid) and caches it otherwise', async () => {
    const org = await startOktaStandin();
    const fetches: string[] = [];
    const sets = new IssuerKeySets({ allowHttpLoopback: true, cooldownMs: 0, fetch: (u, i) => (fetches.push(String(u)), fetch(u, i)) });
    const keys = sets.forJwksUri(org.jwksUri);
    const x = () => ({ issuer: org.issuer, clientId: CLIENT, nonce: NONCE, keys, now: now() });
    const sign = (o: OktaStandin) => o.sign({ sub: '00uuser', aud: CLIENT, nonce: NONCE });
    const oldToken = await sign(org);
    await validateIdToken(oldToken, x());
    await validateIdToken(await sign(org), x());
    expect(fetches).toHaveLength(1);

    // Same org URL, new signing key: what a key rotation looks like from the outside.
    const port = org.port;
    await org.close();
    const rotated = await startOktaStandin({ port });
    try {
      await validateIdToken(await sign(rotated), x());
      expect(fetches).toHaveLength(2);
      await failsAtAsync('checkSignature', validateIdToken(oldToken, x()));
    } finally {
      await rotated.close();
    }
  });
});

describe('single checks', () => {
  it('checkAlg refuses none and HMAC algorithms', async () => {
    failsAt('checkAlg', () => checkAlg(`${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`));
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('client-secret'));
    failsAt('checkAlg', () => checkAlg(hs));
    failsAt('checkAlg', () => checkAlg('not a jwt'));
  });

  it('checkAudience requires azp to be the client when there are several audiences', () => {
    expect(() => checkAudience({ aud: [CLIENT, 'other'], azp: CLIENT }, { clientId: CLIENT })).not.toThrow();
    failsAt('checkAudience', () => checkAudience({ aud: [CLIENT, 'other'] }, { clientId: CLIENT }));
    failsAt('checkAudience', () => checkAudience({}, { clientId: CLIENT }));
  });

  it('checkTimes refuses expired, future and stale tokens within the skew', () => {
    const t = Math.floor(Date.now() / 1000);
    expect(() => checkTimes({ exp: t + 60, iat: t }, { now: new Date() })).not.toThrow();
    failsAt('checkTimes', () => checkTimes({ exp: t - 3600, iat: t - 7200 }, { now: new Date() }));
    failsAt('checkTimes', () => checkTimes({ exp: t + 3600, iat: t + 3600 }, { now: new Date() }));
    failsAt('checkTimes', () => checkTimes({ exp: t + 3600, iat: t - MAX_ID_TOKEN_AGE_SECONDS - 3600 }, { now: new Date() }));
    failsAt('checkTimes', () => checkTimes({ exp: 'soon', iat: t }, { now: new Date() }));
  });

  it('checkNonce and checkSubject refuse missing values', () => {
    failsAt('checkNonce', () => checkNonce({}, { nonce: NONCE }));
    failsAt('checkNonce', () => checkNonce({ nonce: `${NONCE}x` }, { nonce: NONCE }));
    failsAt('checkSubject', () => checkSubject({ sub: 42 }));
    expect(checkSubject({ sub: '00uabc' })).toBe('00uabc');
  });
});

const config = loadConfig({ ...TEST_ENV, PEER_REGIONS: '{"eu":"https://eu.api.example.com"}' });

describe('return-to allowlist', () => {
  it.each([
    ['/admin', '/admin'],
    ['/admin/workspaces/x', '/admin/workspaces/x'],
    ['/api/okta/scim/oauth/authorize?client_id=okta&state=s', '/api/okta/scim/oauth/authorize?client_id=okta&state=s'],
    ['https://api.example.com/admin', '/admin'],
  ])('allows %s', (raw, expected) => {
    expect(checkReturnTo(config, raw)).toBe(expected);
  });

  it.each([
    'https://evil.example/admin',
    '//evil.example/admin',
    '/\\evil.example',
    'https://api.example.com.evil.example/admin',
    'https://user:pw@api.example.com/admin',
    '/api/tokens/revoke',
    '/admin/../api/sso/token',
    '/%2e%2e/api/sso/token',
    'javascript:alert(1)',
    '',
    `/admin\n`,
  ])('refuses %j', (raw) => {
    expect(() => checkReturnTo(config, raw)).toThrow(SignInRefused);
  });
});

describe('sealed SSO codes', () => {
  it('opens only with the code it was sealed with', () => {
    const sealed = sealWithCode('code-a', 'idpb_us_session_secret');
    expect(openWithCode('code-a', sealed)).toBe('idpb_us_session_secret');
    expect(openWithCode('code-b', sealed)).toBeUndefined();
    expect(sealed).not.toContain('idpb_us_session');
    const [v, iv, ct, tag] = sealed.split('.');
    expect(openWithCode('code-a', [v, iv, `${ct![0] === 'A' ? 'B' : 'A'}${ct!.slice(1)}`, tag].join('.'))).toBeUndefined();
  });
});

describe('refusal page', () => {
  const req = { query: { team_id: '<x>' }, requestId: 'req-1' } as unknown as HttpRequest;

  it('names cause, fix, code and request id, escaped, and links the other regions when the region may be wrong', () => {
    const res = refusalPage(config, new SignInRefused('workspace_not_found', 'Workspace <b>x</b> is not here.', { teamId: '"><script>' }), req);
    expect(res.status).toBe(404);
    expect(res.body).toContain('Workspace &lt;b&gt;x&lt;/b&gt; is not here.');
    expect(res.body).toContain('&quot;&gt;&lt;script&gt;');
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain('https://eu.api.example.com/api/okta/oidc/login?team_id=%3Cx%3E');
    expect(res.body).toContain('req-1');
    expect(res.headers?.['x-idpb-error']).toBe('workspace_not_found');
  });

  it('hides the message of internal errors', () => {
    const res = refusalPage(config, new SignInRefused('server_error', 'db password is hunter2'), req);
    expect(res.status).toBe(500);
    expect(res.body).not.toContain('hunter2');
  });
});
