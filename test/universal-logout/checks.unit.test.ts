/**
 * Each named check of a signed Universal Logout / SET request, on its own (no stack, no storage):
 * the order and the wiring are covered by `logout.test.ts`.
 */
import { createLocalJWKSet, decodeProtectedHeader, exportSPKI, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAlg } from '../../lambdas/universal-logout/checks/alg.js';
import { checkAudience } from '../../lambdas/universal-logout/checks/audience.js';
import { TokenCheckFailed, type CheckName } from '../../lambdas/universal-logout/checks/errors.js';
import { checkIssuer } from '../../lambdas/universal-logout/checks/issuer.js';
import { checkSignature } from '../../lambdas/universal-logout/checks/signature.js';
import { checkSubject } from '../../lambdas/universal-logout/checks/subject.js';
import { CLOCK_SKEW_SECONDS, checkTimes } from '../../lambdas/universal-logout/checks/times.js';
import { checkTyp, GTR_TYP, SET_TYP } from '../../lambdas/universal-logout/checks/typ.js';
import type { OidcConnection, SamlConnection, Workspace } from '../../lambdas/core/model/workspace.js';
import { b64json, startLocalOktaOrg, type LocalOktaOrg } from '../fixtures/logout/okta-org.js';

/** Runs `fn` and returns the check that refused it. */
async function refusedBy(fn: () => unknown): Promise<{ check: CheckName; setError: string; status: number }> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof TokenCheckFailed) return { check: err.check, setError: err.setError, status: err.status };
    throw err;
  }
  throw new Error('expected the check to refuse');
}

const ISSUER = 'https://acme.okta.com';

function ws(over: Partial<Workspace> & { id: string }): Workspace {
  const now = new Date().toISOString();
  return {
    name: over.id,
    region: 'us',
    createdAt: now,
    updatedAt: now,
    connections: [],
    roles: [],
    defaultRole: 'member',
    roleMappings: { groups: [], roleValues: [] },
    emailDomains: [],
    ...over,
  };
}

const okta = (clientId: string, issuer = ISSUER): OidcConnection => ({
  id: 'okta',
  name: 'Okta',
  preset: 'okta',
  protocol: 'oidc',
  emailDomains: [],
  domain: new URL(issuer).host,
  issuer,
  clientId,
  clientSecretName: 'x',
  signInEnabled: true,
  jitEnabled: false,
  partialLogout: false,
  sharedSignalsEnabled: false,
  createdAt: '',
  updatedAt: '',
});

describe('checkTyp', () => {
  it('accepts global-token-revocation+jwt, case-insensitively and with the application/ prefix', () => {
    expect(() => checkTyp({ alg: 'RS256', typ: 'global-token-revocation+jwt' }, GTR_TYP)).not.toThrow();
    expect(() => checkTyp({ alg: 'RS256', typ: 'application/Global-Token-Revocation+JWT' }, GTR_TYP)).not.toThrow();
  });
  it('refuses a missing typ, a plain JWT and an ID token', async () => {
    for (const typ of [undefined, 'JWT', 'at+jwt', SET_TYP]) {
      expect(await refusedBy(() => checkTyp({ alg: 'RS256', ...(typ ? { typ } : {}) }, GTR_TYP))).toMatchObject({ check: 'checkTyp', status: 401 });
    }
  });
  it('accepts secevent+jwt for SETs', () => {
    expect(() => checkTyp({ alg: 'RS256', typ: 'secevent+jwt' }, SET_TYP)).not.toThrow();
  });
});

describe('checkAlg', () => {
  it('accepts the asymmetric algorithms Okta signs with', () => {
    for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA']) expect(checkAlg({ alg })).toBe(alg);
  });
  it('refuses none, HMAC and a missing alg', async () => {
    for (const alg of ['none', 'HS256', 'HS512', undefined]) {
      expect(await refusedBy(() => checkAlg(alg ? { alg } : {}))).toMatchObject({ check: 'checkAlg', setError: 'invalid_key' });
    }
  });
});

describe('checkIssuer', () => {
  const a = ws({ id: 'a', connections: [okta('client-a')] });
  const load = async (iss: string) => (iss === ISSUER ? [a] : []);

  it('returns the connected workspaces, ignoring a trailing slash', async () => {
    expect((await checkIssuer(`${ISSUER}/`, load)).workspaces.map((w) => w.id)).toEqual(['a']);
  });
  it('refuses an unknown issuer and a missing one', async () => {
    expect(await refusedBy(() => checkIssuer('https://evil.okta.com', load))).toMatchObject({ check: 'checkIssuer', setError: 'invalid_issuer' });
    expect(await refusedBy(() => checkIssuer(undefined, load))).toMatchObject({ check: 'checkIssuer' });
  });
  it('refuses a lookup hit whose workspace no longer trusts the issuer (stale lookup item)', async () => {
    const moved = ws({ id: 'b', connections: [okta('client-b', 'https://other.okta.com')] });
    expect(await refusedBy(() => checkIssuer(ISSUER, async () => [moved]))).toMatchObject({ check: 'checkIssuer' });
  });
});

describe('checkSubject', () => {
  const a = ws({ id: 'a', connections: [okta('client-a')] });
  const b = ws({ id: 'b', connections: [okta('client-b')] });
  const saml: SamlConnection = {
    id: 'saml',
    name: 'Okta SAML',
    preset: 'okta',
    protocol: 'saml',
    emailDomains: [],
    idpSsoUrl: 'https://x',
    idpEntityId: 'http://www.okta.com/exk1',
    idpCertificates: ['pem-s'],
    allowIdpInitiated: true,
    appInstanceId: '0oa-saml',
    createdAt: '',
    updatedAt: '',
  };
  const s = ws({ id: 's', connections: [{ ...saml, oktaOrgUrl: ISSUER }] });
  const ids = (cs: { workspace: Workspace }[]) => cs.map((c) => c.workspace.id);

  it('picks the workspace whose OIDC client id is the sub (one org, several workspaces), trusting the org JWKS', () => {
    const picked = checkSubject('client-b', { issuer: ISSUER, workspaces: [a, b, s] });
    expect(ids(picked)).toEqual(['b']);
    expect(picked[0]!.keys).toEqual([{ kind: 'org-jwks', issuer: ISSUER }]);
  });
  it('matches a SAML app instance id, trusting only that workspace’s own certificates (review #1)', () => {
    const picked = checkSubject('0oa-saml', { issuer: `${ISSUER}/`, workspaces: [a, b, s] });
    expect(ids(picked)).toEqual(['s']);
    expect(picked[0]!.keys).toEqual([{ kind: 'saml-certificates', teamId: 's', certificates: ['pem-s'] }]);
  });
  it('needs the app to live in the token’s org: a SAML app of another org or a client id of another org does not match', async () => {
    const elsewhere = ws({ id: 'e', connections: [{ ...saml, oktaOrgUrl: 'https://other.okta.com' }, okta('client-e', 'https://other.okta.com')] });
    expect(await refusedBy(() => checkSubject('0oa-saml', { issuer: ISSUER, workspaces: [elsewhere] }))).toMatchObject({ check: 'checkSubject' });
    expect(await refusedBy(() => checkSubject('client-e', { issuer: ISSUER, workspaces: [elsewhere] }))).toMatchObject({ check: 'checkSubject' });
  });
  it('refuses an unknown or missing sub', async () => {
    expect(await refusedBy(() => checkSubject('client-z', { issuer: ISSUER, workspaces: [a, b] }))).toMatchObject({ check: 'checkSubject' });
    expect(await refusedBy(() => checkSubject(undefined, { issuer: ISSUER, workspaces: [a] }))).toMatchObject({ check: 'checkSubject' });
  });
});

describe('checkAudience', () => {
  const url = 'https://api.example.com/api/okta/universal-logout';
  it('accepts the endpoint URL as a string or in an array', () => {
    expect(() => checkAudience(url, url)).not.toThrow();
    expect(() => checkAudience(['x', url], url)).not.toThrow();
  });
  it('refuses another endpoint, another region and a missing aud', async () => {
    for (const aud of ['https://api.example.com/api/okta/ssf/events', 'https://eu.api.example.com/api/okta/universal-logout', undefined, 42]) {
      expect(await refusedBy(() => checkAudience(aud, url))).toMatchObject({ check: 'checkAudience', setError: 'invalid_audience' });
    }
  });
});

describe('checkTimes', () => {
  const now = 1_800_000_000;
  const rules = { requireExp: true, maxLifetimeSeconds: 3600 };
  const claims = (over: JWTPayload): JWTPayload => ({ iat: now, nbf: now - 300, exp: now + 300, ...over });

  it('accepts Okta’s ±5 minutes and returns exp plus skew as the replay horizon', () => {
    expect(checkTimes(claims({}), { nowSeconds: now, rules })).toBe(now + 300 + CLOCK_SKEW_SECONDS);
  });
  it('tolerates 5 minutes of clock skew on exp, nbf and iat', () => {
    expect(() => checkTimes(claims({ exp: now - 299 }), { nowSeconds: now, rules })).not.toThrow();
    expect(() => checkTimes(claims({ nbf: now + 299, iat: now + 299 }), { nowSeconds: now, rules })).not.toThrow();
  });
  it('refuses an expired token, a future nbf or iat beyond the skew, and missing exp or iat', async () => {
    for (const c of [claims({ exp: now - 301 }), claims({ nbf: now + 301 }), claims({ iat: now + 301 }), claims({ exp: undefined }), claims({ iat: undefined })]) {
      expect(await refusedBy(() => checkTimes(c, { nowSeconds: now, rules }))).toMatchObject({ check: 'checkTimes' });
    }
  });
  it('refuses a token that claims to live longer than allowed (the replay guard must outlive it)', async () => {
    expect(await refusedBy(() => checkTimes(claims({ exp: now + 7200 }), { nowSeconds: now, rules }))).toMatchObject({ check: 'checkTimes' });
  });
  it('bounds a SET without exp by its iat', async () => {
    const set = { requireExp: false, maxLifetimeSeconds: 600 };
    expect(checkTimes({ iat: now - 10 }, { nowSeconds: now, rules: set })).toBe(now - 10 + 600 + CLOCK_SKEW_SECONDS);
    expect(await refusedBy(() => checkTimes({ iat: now - 1000 }, { nowSeconds: now, rules: set }))).toMatchObject({ check: 'checkTimes' });
  });
});

describe('checkSignature', () => {
  let org: LocalOktaOrg;
  let keys: ReturnType<typeof createLocalJWKSet>;
  beforeAll(async () => {
    org = await startLocalOktaOrg();
    await org.newKey('ES256', true);
    keys = createLocalJWKSet({ keys: org.keys.map((k) => k.publicJwk) });
    return () => org.close();
  });

  it('returns the claims of a token signed by an org key (RS256 and ES256)', async () => {
    for (const key of org.keys) {
      const jwt = await org.sign({ iss: org.issuer, jti: key.kid }, { key });
      expect((await checkSignature(jwt, keys)).jti).toBe(key.kid);
    }
  });
  it('tries every key when the token names no kid', async () => {
    const jwt = await org.sign({ jti: 'no-kid' }, { kid: null, key: org.keys[0]! });
    expect((await checkSignature(jwt, keys)).jti).toBe('no-kid');
  });
  it('refuses a tampered payload', async () => {
    const [h, , s] = (await org.sign({ sub: 'client-a' })).split('.');
    expect(await refusedBy(() => checkSignature(`${h}.${b64json({ sub: 'client-b' })}.${s}`, keys))).toMatchObject({
      check: 'checkSignature',
      setError: 'authentication_failed',
    });
  });
  it('refuses a key the org does not publish (unknown kid)', async () => {
    const stranger = await org.newKey('RS256', false);
    expect(await refusedBy(async () => checkSignature(await org.sign({}, { key: stranger }), keys))).toMatchObject({
      check: 'checkSignature',
      setError: 'invalid_key',
    });
  });
  it('refuses HS256 signed with the org public key even if alg checking were skipped', async () => {
    const spki = await exportSPKI(await crypto.subtle.importKey('jwk', org.keys[0]!.publicJwk as JsonWebKey, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']));
    const forged = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256', kid: org.keys[0]!.kid }).sign(new TextEncoder().encode(spki));
    expect(decodeProtectedHeader(forged).alg).toBe('HS256');
    expect(await refusedBy(() => checkSignature(forged, keys))).toMatchObject({ check: 'checkSignature' });
  });
});
