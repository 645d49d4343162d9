/**
 * The pure parts of OIDC sign-in through connections: which connection a login picks
 * (`lambdas/oidc/resolve.ts` `resolveConnection`) and the provider claim rules
 * (`lambdas/oidc/provider-claims.ts`).
 */
import { describe, expect, it } from 'vitest';
import type { OidcConnection, SamlConnection } from '../../lambdas/core/model/connection.js';
import type { Workspace } from '../../lambdas/core/model/workspace.js';
import { checkProviderClaims, checkProviderProfile, profileFrom } from '../../lambdas/oidc/provider-claims.js';
import { resolveConnection } from '../../lambdas/oidc/resolve.js';
import { SignInRefused } from '../../lambdas/signin/index.js';

const at = '2026-11-30T00:00:00.000Z';
const TID = '11111111-2222-4333-8444-555555555555';

const oidcConn = (id: string, over: Partial<OidcConnection> = {}): OidcConnection => ({
  id,
  name: id,
  preset: 'generic',
  protocol: 'oidc',
  issuer: `https://${id}.idp.test`,
  clientId: `client-${id}`,
  clientSecretName: `secret-${id}`,
  emailDomains: [],
  signInEnabled: true,
  jitEnabled: false,
  partialLogout: false,
  sharedSignalsEnabled: false,
  createdAt: at,
  updatedAt: at,
  ...over,
});

const saml: SamlConnection = {
  id: 'saml',
  name: 'Okta SAML',
  preset: 'okta',
  protocol: 'saml',
  idpSsoUrl: 'https://acme.okta.test/sso',
  idpEntityId: 'http://www.okta.com/exk1',
  idpCertificates: ['MIIB'],
  allowIdpInitiated: false,
  emailDomains: [],
  createdAt: at,
  updatedAt: at,
};

const okta = oidcConn('okta', { preset: 'okta', issuer: 'https://acme.okta.test', emailDomains: ['acme.test'] });
const entra = oidcConn('centra', { preset: 'entra', issuer: `https://login.microsoftonline.com/${TID}/v2.0`, tenantId: TID, emailDomains: ['contoso.test'] });
const off = oidcConn('coff', { signInEnabled: false });

const workspace = (connections: Workspace['connections']): Workspace => ({
  id: '6f1c2d4e-0000-4000-8000-000000000001',
  name: 'Merger',
  region: 'us',
  createdAt: at,
  updatedAt: at,
  connections,
  roles: [],
  defaultRole: 'member',
  roleMappings: { groups: [], roleValues: [] },
  emailDomains: [],
});

const picked = (c: ReturnType<typeof resolveConnection>) => ('connection' in c ? c.connection.id : c.choices.map((x) => x.id));
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof SignInRefused) return err.refusal;
    throw err;
  }
  return 'none';
};

describe('resolveConnection', () => {
  const w = workspace([okta, entra, off, saml]);

  it('takes the connection named by id, and refuses unknown, SAML and switched-off ones', () => {
    expect(picked(resolveConnection(w, { connection: 'centra' }, 'sso'))).toBe('centra');
    expect(refusal(() => resolveConnection(w, { connection: 'nope' }, 'sso'))).toBe('connection_not_found');
    expect(refusal(() => resolveConnection(w, { connection: 'saml' }, 'sso'))).toBe('connection_not_found');
    expect(refusal(() => resolveConnection(w, { connection: 'coff' }, 'sso'))).toBe('connection_disabled');
    expect(refusal(() => resolveConnection(workspace([{ ...okta, signInEnabled: false }]), { connection: 'okta' }, 'okta'))).toBe('sign_in_disabled');
  });

  it('takes the connection of an iss, trailing slash aside', () => {
    expect(picked(resolveConnection(w, { iss: `${entra.issuer}/` }, 'okta'))).toBe('centra');
  });

  it('takes the connection listing the e-mail domain, case aside', () => {
    expect(picked(resolveConnection(w, { login_hint: 'Adele@Contoso.TEST' }, 'sso'))).toBe('centra');
    expect(picked(resolveConnection(w, { email: 'jane@acme.test' }, 'sso'))).toBe('okta');
  });

  it('keeps /api/okta/oidc/login on the okta connection and offers the live ones elsewhere', () => {
    expect(picked(resolveConnection(w, {}, 'okta'))).toBe('okta');
    expect(picked(resolveConnection(w, {}, 'sso'))).toEqual(['okta', 'centra']);
    expect(picked(resolveConnection(w, { login_hint: 'x@unlisted.test' }, 'sso'))).toEqual(['okta', 'centra']);
  });

  it('takes the only live connection, and refuses a workspace without OIDC connections', () => {
    expect(picked(resolveConnection(workspace([entra, off]), {}, 'sso'))).toBe('centra');
    expect(picked(resolveConnection(workspace([entra, off]), {}, 'okta'))).toBe('centra');
    expect(refusal(() => resolveConnection(workspace([saml]), {}, 'okta'))).toBe('okta_not_configured');
    expect(refusal(() => resolveConnection(workspace([off]), {}, 'sso'))).toBe('connection_disabled');
  });
});

describe('provider claims', () => {
  it('refuses an Entra token of another tenant, or without tid', () => {
    expect(refusal(() => checkProviderClaims(entra, { tid: TID.toUpperCase() }))).toBe('none');
    expect(refusal(() => checkProviderClaims(entra, { tid: '99999999-2222-4333-8444-555555555555' }))).toBe('tenant_mismatch');
    expect(refusal(() => checkProviderClaims(entra, {}))).toBe('tenant_mismatch');
    // The tenant of the issuer's path when the connection names none.
    const { tenantId: _t, ...noTenant } = entra;
    expect(refusal(() => checkProviderClaims(noTenant, { tid: 'other' }))).toBe('tenant_mismatch');
  });

  it('reads the Entra e-mail from email, preferred_username, then upn, and the object id as externalId', () => {
    expect(profileFrom(entra, { sub: 's', oid: 'o1', email: 'a@contoso.test', preferred_username: 'b@contoso.test' })).toMatchObject({ email: 'a@contoso.test', externalId: 'o1' });
    expect(profileFrom(entra, { sub: 's', preferred_username: 'b@contoso.test', upn: 'c@contoso.test' }).email).toBe('b@contoso.test');
    expect(profileFrom(entra, { sub: 's', preferred_username: 'bob', upn: 'c@contoso.test' }).email).toBe('c@contoso.test');
    expect(profileFrom(entra, { sub: 's', preferred_username: 'bob' }).email).toBeUndefined();
    // Other presets use `email` only, and `sub` as externalId.
    expect(profileFrom(okta, { sub: '00u1', preferred_username: 'b@acme.test' })).toEqual({ externalId: '00u1' });
  });

  it('recognises the groups overage forms and reads groups from the configured claim', () => {
    expect(profileFrom(entra, { sub: 's', _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph' } } }).groupsOverage).toBe(true);
    expect(profileFrom(entra, { sub: 's', hasgroups: true }).groupsOverage).toBe(true);
    expect(profileFrom(entra, { sub: 's', groups: ['g1', 2, 'g2'] })).toMatchObject({ groups: ['g1', 'g2'] });
    expect(profileFrom({ ...okta, groupsClaim: 'roles' }, { sub: 's', roles: ['r'], groups: ['g'] }).groups).toEqual(['r']);
  });

  it("refuses a Google account outside the hosted domain, and an unverified Google e-mail", () => {
    const google = oidcConn('cg', { preset: 'google', issuer: 'https://accounts.google.com', hostedDomain: 'example.com' });
    expect(refusal(() => checkProviderClaims(google, { hd: 'EXAMPLE.com' }))).toBe('none');
    expect(refusal(() => checkProviderClaims(google, { hd: 'other.com' }))).toBe('hosted_domain_mismatch');
    expect(refusal(() => checkProviderClaims(google, {}))).toBe('hosted_domain_mismatch');
    expect(refusal(() => checkProviderClaims({ ...google, hostedDomain: undefined }, {}))).toBe('none');
    expect(refusal(() => checkProviderProfile(google, { email: 'a@example.com', emailVerified: false }))).toBe('email_missing');
    expect(refusal(() => checkProviderProfile(google, { email: 'a@example.com', emailVerified: true }))).toBe('none');
  });
});
