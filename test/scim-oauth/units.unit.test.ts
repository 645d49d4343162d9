/** The small pure pieces of SCIM OAuth: redirect URIs, PKCE, scopes, client authentication, the authorization request, CSRF. */
import { describe, expect, it } from 'vitest';
import { TokenHasher } from '../../lambdas/core/crypto.js';
import { InvalidClient, InvalidRequest } from '../../lambdas/core/errors.js';
import type { HttpRequest } from '../../lambdas/platform/http.js';
import { AuthorizationErrorRedirect, parseAuthorizationRequest, redirectWith, UnsafeAuthorizationRequest } from '../../lambdas/scim-oauth/authorize-request.js';
import { authenticateClient } from '../../lambdas/scim-oauth/client.js';
import { consentToken, CONSENT_TTL_SECONDS, verifyConsentToken } from '../../lambdas/scim-oauth/csrf.js';
import { verifyS256 } from '../../lambdas/scim-oauth/pkce.js';
import { isAllowedRedirectUri, oktaCallbackApp, parseRedirectAllowlist } from '../../lambdas/scim-oauth/redirect-uris.js';
import { parseScope } from '../../lambdas/scim-oauth/scopes.js';

const CALLBACK = 'https://system-admin.okta.com/admin/app/cpc/acme_scim/oauth/callback';

describe('redirect URIs', () => {
  it('accepts Okta’s documented SCIM callbacks on every Okta cell', () => {
    for (const host of ['okta.com', 'okta-emea.com', 'oktapreview.com', 'trexcloud.com']) {
      expect(isAllowedRedirectUri(`https://system-admin.${host}/admin/app/cpc/acme_scim/oauth/callback`, [])).toBe(true);
    }
    expect(oktaCallbackApp(CALLBACK)).toBe('acme_scim');
  });
  it('accepts a plain-HTTP redirect URI (Okta’s test cell) only when a local configuration allowlists it (review #16)', () => {
    const testCell = 'http://system-admin.okta1.com:1802/admin/app/cpc/acme_scim/oauth/callback';
    expect(isAllowedRedirectUri(testCell, [])).toBe(false);
    expect(isAllowedRedirectUri(testCell, parseRedirectAllowlist(testCell))).toBe(false);
    expect(isAllowedRedirectUri(testCell, parseRedirectAllowlist(testCell, { allowHttp: true }))).toBe(true);
  });
  it('refuses look-alikes, other paths, plain HTTP and query or fragment additions', () => {
    for (const uri of [
      'https://system-admin.okta.com.evil.com/admin/app/cpc/x/oauth/callback',
      'https://evil.okta.com/admin/app/cpc/x/oauth/callback',
      'http://system-admin.okta.com/admin/app/cpc/x/oauth/callback',
      'https://system-admin.okta.com/admin/app/cpc/x/oauth/callback?next=https://evil.com',
      'https://system-admin.okta.com/admin/app/cpc/x/oauth/callback#x',
      'https://system-admin.okta.com/admin/app/cpc/../oauth/callback',
      'https://system-admin.okta.com@evil.com/admin/app/cpc/x/oauth/callback',
    ]) {
      expect(isAllowedRedirectUri(uri, []), uri).toBe(false);
    }
  });
  it('accepts exactly the platform allowlist, given as JSON or a list', () => {
    const list = parseRedirectAllowlist('https://okta.acme.example/cb, http://127.0.0.1:9999/cb  not-a-url', { allowHttp: true });
    expect(list).toEqual(['https://okta.acme.example/cb', 'http://127.0.0.1:9999/cb']);
    expect(parseRedirectAllowlist('https://okta.acme.example/cb, http://127.0.0.1:9999/cb')).toEqual(['https://okta.acme.example/cb']);
    expect(parseRedirectAllowlist('["https://x.example/cb"]')).toEqual(['https://x.example/cb']);
    expect(isAllowedRedirectUri('https://okta.acme.example/cb', list)).toBe(true);
    expect(isAllowedRedirectUri('https://okta.acme.example/cb/', list)).toBe(false);
  });
});

describe('PKCE', () => {
  it('verifies the RFC 7636 Appendix B example', () => {
    expect(verifyS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
    expect(verifyS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
    expect(verifyS256('short', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
  });
});

describe('scopes', () => {
  it('defaults to every SCIM scope and ignores offline_access', () => {
    expect(parseScope(undefined).scopes).toEqual(['scim.read', 'scim.write', 'entitlements.read']);
    expect(parseScope('offline_access')).toEqual({ scopes: ['scim.read', 'scim.write', 'entitlements.read'], unknown: [] });
    expect(parseScope('scim.read  offline_access')).toEqual({ scopes: ['scim.read'], unknown: [] });
  });
  it('reports unknown scopes', () => {
    expect(parseScope('scim.read admin').unknown).toEqual(['admin']);
  });
});

describe('client authentication', () => {
  const client = { clientId: 'okta-scim', clientSecret: 'a secret with spaces & symbols' };
  const req = (authorization?: string): HttpRequest => ({
    method: 'POST', path: '/', routeKey: '', pathParams: {}, query: {}, cookies: [], body: '', sourceIp: '127.0.0.1', userAgent: '', requestId: 'r',
    headers: authorization ? { authorization } : {},
  });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  it('accepts client_secret_basic with form-encoded credentials and client_secret_post', () => {
    expect(authenticateClient(req(basic(client.clientId, client.clientSecret)), {}, client)).toBe('okta-scim');
    expect(authenticateClient(req(), { client_id: client.clientId, client_secret: client.clientSecret }, client)).toBe('okta-scim');
  });
  it('refuses a wrong secret, a wrong id, no credentials and two methods at once', () => {
    expect(() => authenticateClient(req(basic(client.clientId, 'nope')), {}, client)).toThrow(InvalidClient);
    expect(() => authenticateClient(req(), { client_id: 'other', client_secret: client.clientSecret }, client)).toThrow(InvalidClient);
    expect(() => authenticateClient(req(), {}, client)).toThrow(InvalidClient);
    expect(() => authenticateClient(req(basic(client.clientId, client.clientSecret)), { client_secret: client.clientSecret }, client)).toThrow(InvalidRequest);
  });
});

describe('authorization request', () => {
  const opts = { clientId: 'okta-scim', redirectAllowlist: [] };
  const base = { response_type: 'code', client_id: 'okta-scim', redirect_uri: CALLBACK, state: 's1' };

  it('never redirects for an unknown client or redirect URI', () => {
    expect(() => parseAuthorizationRequest({ ...base, client_id: 'x' }, opts)).toThrow(UnsafeAuthorizationRequest);
    expect(() => parseAuthorizationRequest({ ...base, redirect_uri: 'https://evil.example/cb' }, opts)).toThrow(UnsafeAuthorizationRequest);
    expect(() => parseAuthorizationRequest({ ...base, redirect_uri: undefined }, opts)).toThrow(UnsafeAuthorizationRequest);
  });
  it('redirects other errors with state: response type, scope, PKCE plain', () => {
    const cases: [Record<string, string>, string][] = [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'scim.read root' }, 'invalid_scope'],
      [{ code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' }, 'invalid_request'],
      [{ code_challenge: 'x', code_challenge_method: 'S256' }, 'invalid_request'],
    ];
    for (const [over, code] of cases) {
      try {
        parseAuthorizationRequest({ ...base, ...over }, opts);
        throw new Error('expected a refusal');
      } catch (err) {
        expect(err).toBeInstanceOf(AuthorizationErrorRedirect);
        expect(err).toMatchObject({ code, redirectUri: CALLBACK, state: 's1' });
      }
    }
  });
  it('keeps state, PKCE S256 and scopes', () => {
    expect(parseAuthorizationRequest({ ...base, scope: 'scim.read', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }, opts)).toEqual({
      clientId: 'okta-scim',
      redirectUri: CALLBACK,
      scopes: ['scim.read'],
      state: 's1',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    });
  });
  it('appends response parameters to the redirect URI’s query', () => {
    expect(redirectWith('http://system-admin.okta1.com:1802/cb?x=1', { code: 'c', state: 'a b' })).toBe('http://system-admin.okta1.com:1802/cb?x=1&code=c&state=a+b');
  });
});

describe('consent CSRF token', () => {
  const hasher = new TokenHasher('pepper-for-tests-pepper-for-tests');
  const ar = { clientId: 'okta-scim', redirectUri: CALLBACK, scopes: ['scim.read' as const], state: 's', teamId: '00000000-0000-4000-8000-000000000000' };
  it('is bound to the session, the request and time', () => {
    const now = 1_800_000_000;
    const t = consentToken(hasher, 'session-1', ar, now);
    expect(verifyConsentToken(hasher, t, 'session-1', ar, now)).toBe(true);
    expect(verifyConsentToken(hasher, t, 'session-2', ar, now)).toBe(false);
    expect(verifyConsentToken(hasher, t, 'session-1', { ...ar, scopes: ['scim.read', 'scim.write'] }, now)).toBe(false);
    expect(verifyConsentToken(hasher, t, 'session-1', ar, now + CONSENT_TTL_SECONDS)).toBe(false);
    expect(verifyConsentToken(hasher, undefined, 'session-1', ar, now)).toBe(false);
  });
});
