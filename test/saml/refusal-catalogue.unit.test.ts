/**
 * One refusal catalogue, one page (docs/refusals.md): every SAML refusal is a `SignInRefused` whose
 * status, title and fix come from `lambdas/signin/refusals.ts`, rendered by the one refusal page
 * with the connection's own SP URLs and its preset's words.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/platform/config.js';
import type { HttpRequest } from '../../lambdas/platform/http.js';
import * as saml from '../../lambdas/saml/errors.js';
import { refusalPage } from '../../lambdas/signin/page.js';
import { REFUSALS, SignInRefused } from '../../lambdas/signin/refusals.js';
import { TEST_ENV } from '../fixtures/config.js';

const config = loadConfig({ ...TEST_ENV });
const req = { requestId: 'req-1', query: {}, headers: {}, method: 'POST', path: '/api/saml/t/acs', body: '' } as unknown as HttpRequest;
const ACS = 'https://api.example.com/api/sso/saml/t/centra1/acs';
const ENTITY = 'https://api.example.com/api/sso/saml/t/centra1/metadata';

/** One instance of every SAML refusal class. */
const samples: SignInRefused[] = [
  new saml.WorkspaceNotFound('t'),
  new saml.SamlNotConfigured(),
  new saml.SamlConnectionNotFound('cx'),
  new saml.MissingSamlResponse(),
  new saml.SamlPayloadTooLarge(1),
  new saml.MalformedResponse('x'),
  new saml.IdpError('Responder', 'no'),
  new saml.UnsignedResponse(),
  new saml.InvalidSignature(),
  new saml.SignatureWrapping('x'),
  new saml.WeakSignatureAlgorithm('sha1'),
  new saml.IssuerMismatch('a', 'b'),
  new saml.DestinationMismatch(ACS, 'x'),
  new saml.RecipientMismatch(ACS, ['x']),
  new saml.AudienceMismatch(ENTITY, ['x']),
  new saml.Expired('t'),
  new saml.NotYetValid('t'),
  new saml.UnknownRequest('_r'),
  new saml.InResponseToMismatch(),
  new saml.IdpInitiatedDisabled(),
  new saml.ReplayedAssertion('a'),
  new saml.InvalidRelayState(),
  new saml.UnsolicitedBridgeDestination(),
  new saml.InvalidReturnTo(),
  new saml.UnsupportedNameIdFormat(undefined, undefined),
  new saml.MissingEmail(),
  new saml.TenantMismatch('a', 'b'),
  new saml.GroupsOverage(),
];

describe('the sign-in refusal catalogue', () => {
  it('gives every SAML refusal its status from the one catalogue', () => {
    for (const r of samples) {
      expect(r).toBeInstanceOf(SignInRefused);
      expect(r.code).toBe(r.refusal);
      expect(r.status, r.refusal).toBe(REFUSALS[r.refusal].status);
    }
  });

  it('keeps the statuses the SAML and OIDC pages have always answered with', () => {
    const status = (code: keyof typeof REFUSALS) => REFUSALS[code].status;
    expect([status('invalid_signature'), status('audience_mismatch'), status('replayed_assertion'), status('idp_error')]).toEqual([403, 403, 403, 403]);
    expect([status('invalid_relay_state'), status('missing_saml_response'), status('payload_too_large'), status('workspace_not_found')]).toEqual([400, 400, 413, 404]);
    expect([status('invalid_state'), status('unknown_issuer'), status('server_error'), status('storage_unavailable')]).toEqual([400, 400, 500, 503]);
  });

  it('lists every code in docs/refusals.md', () => {
    const doc = readFileSync(new URL('../../docs/refusals.md', import.meta.url), 'utf8');
    for (const code of Object.keys(REFUSALS)) expect(doc, code).toContain(`| \`${code}\` |`);
  });
});

describe('the one refusal page', () => {
  it('renders a SAML refusal with the catalogue title and a fix naming the connection’s own entity id', () => {
    const res = refusalPage(config, new saml.AudienceMismatch(ENTITY, ['https://other/']).with({ teamId: 't', protocol: 'saml' }), req);
    expect(res.status).toBe(403);
    expect(res.headers?.['x-idpb-error']).toBe('audience_mismatch');
    expect(res.body).toContain(`<h1>${REFUSALS.audience_mismatch.title}</h1>`);
    expect(res.body).toContain(`In Okta, set Audience URI (SP Entity ID) to ${ENTITY}.`);
  });

  it('words the fix for the connection’s preset: Entra’s admin center for an Entra connection', () => {
    const entra = new saml.DestinationMismatch(ACS, 'x').with({}, { preset: 'entra' });
    expect(entra.fix(config)).toContain(`set Reply URL (Assertion Consumer Service URL) to ${ACS}`);
    expect(new saml.DestinationMismatch(ACS, 'x').fix(config)).toContain(`In Okta, set Single sign-on URL to ${ACS}`);
    // Hints the refusing check knows win over the caller's.
    expect(new saml.AudienceMismatch(ENTITY, []).with({}, { entityId: 'https://wrong/' }).fix(config)).toContain(ENTITY);
  });

  it('links the other regions only for OIDC refusals (a SAML connection is set up per region)', () => {
    const peers = loadConfig({ ...TEST_ENV, PEER_REGIONS: JSON.stringify({ eu: 'https://eu.api.example.com' }) });
    const oidc = refusalPage(peers, new SignInRefused('workspace_not_found', 'x', { protocol: 'oidc' }), req);
    const samlPage = refusalPage(peers, new saml.WorkspaceNotFound('t').with({ protocol: 'saml' }), req);
    expect(oidc.body).toContain('Sign in through the EU region');
    expect(samlPage.body).not.toContain('Sign in through the EU region');
  });
});
