/**
 * Every way the ACS refuses a SAML response, over HTTP on the local stack, with real responses
 * signed by the local IdP: the page names the cause (`x-idpb-error`) and the fix, no session is
 * created, and the refusal is in the audit export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamlIdp, generateSigningKeyPair, type BuildResponseOptions, type SamlIdp, type SigningKeyPair } from '../../dev/saml-idp/index.js';
import { api, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import {
  b64,
  codeFrom,
  configureSaml,
  errorCode,
  postAcs,
  samlWorkspace,
  tamper,
  wrapForgedAssertionBefore,
  wrapGenuineInsideForged,
  type SamlWorkspace,
} from './support.js';

let stack: TestStack;
let idp: SamlIdp;
let rotated: SigningKeyPair;
let ws: SamlWorkspace;
let spOnly: SamlWorkspace;

beforeAll(async () => {
  [stack, idp, rotated] = await Promise.all([startTestStack(), createSamlIdp(), generateSigningKeyPair('okta-next')]);
  // Sequential: the local secret store writes one file per stack (concurrent writes race on its temp file).
  ws = await samlWorkspace(stack, idp);
  spOnly = await samlWorkspace(stack, idp, { allowIdpInitiated: false });
});
afterAll(() => stack?.close());

const MIN = 60_000;

/** An IdP-initiated response for `ws`, with overrides. */
function response(over: Partial<BuildResponseOptions> = {}, target: SamlWorkspace = ws): string {
  return idp.buildResponse({
    acsUrl: target.acsUrl,
    audience: target.audience,
    nameId: 'ada@example.com',
    attributes: { email: 'ada@example.com' },
    sign: 'assertion',
    ...over,
  });
}

function expectRefused(res: ApiResponse, status: number, code: string): void {
  expect(res.status, res.text).toBe(status);
  expect(errorCode(res)).toBe(code);
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('set-cookie')).toBeNull();
}

const post = (SAMLResponse: string, extra: Record<string, string> = {}, target: SamlWorkspace = ws) =>
  postAcs(stack, target.acsUrl, { SAMLResponse, ...extra });

describe('signatures', () => {
  it('returns 403 unsigned_response for an unsigned response', async () => {
    expectRefused(await post(response({ sign: 'none' })), 403, 'unsigned_response');
  });

  it('returns 403 invalid_signature for a tampered assertion', async () => {
    const xml = idp.buildResponseXml({ acsUrl: ws.acsUrl, audience: ws.audience, nameId: 'ada@example.com', sign: 'assertion' });
    expectRefused(await post(b64(tamper(xml, '>ada@example.com<', '>eve@example.com<'))), 403, 'invalid_signature');
  });

  it("returns 403 invalid_signature with seed 001's fix when Okta signs with a certificate the workspace does not have", async () => {
    const res = await post(response({ signingKey: rotated }));
    expectRefused(res, 403, 'invalid_signature');
    expect(res.text).toContain('Re-fetch the X.509 certificate from Okta → Sign On tab');
  });

  it('returns 403 weak_signature_algorithm for RSA-SHA1', async () => {
    expectRefused(await post(response({ signatureAlgorithm: 'sha1' })), 403, 'weak_signature_algorithm');
  });

  it('accepts the old and the new certificate during a rotation, and refuses the old one once removed', async () => {
    const rotating = await samlWorkspace(stack, idp, { certificates: [idp.certificatePem, rotated.certificatePem] });
    codeFrom(await post(response({}, rotating), {}, rotating));
    codeFrom(await post(response({ signingKey: rotated }, rotating), {}, rotating));
    await configureSaml(rotating.admin, rotating.teamId, idp, { certificates: [rotated.certificatePem] });
    codeFrom(await post(response({ signingKey: rotated }, rotating), {}, rotating));
    expectRefused(await post(response({}, rotating), {}, rotating), 403, 'invalid_signature');
  });

  it('returns 403 signature_wrapping for a forged assertion placed before the signed one', async () => {
    const xml = idp.buildResponseXml({ acsUrl: ws.acsUrl, audience: ws.audience, nameId: 'ada@example.com', sign: 'assertion' });
    expectRefused(await post(b64(wrapForgedAssertionBefore(xml, 'eve@example.com'))), 403, 'signature_wrapping');
  });

  it('returns 403 signature_wrapping for a forged assertion wrapping the signed one', async () => {
    const xml = idp.buildResponseXml({ acsUrl: ws.acsUrl, audience: ws.audience, nameId: 'ada@example.com', sign: 'assertion' });
    expectRefused(await post(b64(wrapGenuineInsideForged(xml, 'eve@example.com'))), 403, 'signature_wrapping');
  });
});

describe('addressing and time', () => {
  it('returns 403 audience_mismatch for an assertion meant for another SP', async () => {
    const res = await post(response({ audience: 'https://other-sp.example/metadata' }));
    expectRefused(res, 403, 'audience_mismatch');
    expect(res.text).toContain(`set Audience URI (SP Entity ID) to ${ws.audience}`);
  });

  it('returns 403 recipient_mismatch for a bearer confirmation addressed elsewhere', async () => {
    expectRefused(await post(response({ recipient: 'https://other-sp.example/acs', destination: null })), 403, 'recipient_mismatch');
  });

  it('returns 403 destination_mismatch for a Response sent to another ACS', async () => {
    expectRefused(await post(response({ destination: 'https://eu.api.example.com/api/saml/x/acs' })), 403, 'destination_mismatch');
  });

  it('returns 403 issuer_mismatch for an assertion from another IdP signed with a trusted key', async () => {
    expectRefused(await post(response({ issuer: 'http://www.okta.com/exkOTHER' })), 403, 'issuer_mismatch');
  });

  it('returns 403 expired past NotOnOrAfter plus the 3-minute skew, and accepts within it', async () => {
    const now = Date.now();
    expectRefused(await post(response({ notBefore: new Date(now - 20 * MIN), notOnOrAfter: new Date(now - 4 * MIN) })), 403, 'expired');
    codeFrom(await post(response({ notBefore: new Date(now - 20 * MIN), notOnOrAfter: new Date(now - 2 * MIN) })));
  });

  it('returns 403 not_yet_valid before NotBefore minus the skew', async () => {
    const now = Date.now();
    expectRefused(await post(response({ notBefore: new Date(now + 4 * MIN), notOnOrAfter: new Date(now + 10 * MIN) })), 403, 'not_yet_valid');
  });

  it('returns 403 idp_error when Okta answers with an error status', async () => {
    const res = await post(response({ statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Responder', statusMessage: 'User is not assigned' }));
    expectRefused(res, 403, 'idp_error');
    expect(res.text).toContain('User is not assigned');
  });
});

describe('one-time use and solicitation', () => {
  it('returns 403 replayed_assertion for the second post of the same response', async () => {
    const samlResponse = response({ nameId: 'replay@example.com', attributes: { email: 'replay@example.com' } });
    codeFrom(await post(samlResponse));
    expectRefused(await post(samlResponse), 403, 'replayed_assertion');
  });

  it('lets exactly one of two concurrent posts of the same response through (conditional write)', async () => {
    const samlResponse = response({ nameId: 'race@example.com', attributes: { email: 'race@example.com' } });
    const results = await Promise.all([post(samlResponse), post(samlResponse), post(samlResponse)]);
    expect(results.filter((r) => r.status === 302)).toHaveLength(1);
    expect(results.filter((r) => errorCode(r) === 'replayed_assertion')).toHaveLength(2);
  });

  it('returns 403 unknown_request for a response to a request this workspace never sent', async () => {
    expectRefused(await post(response({ inResponseTo: '_neverSent' })), 403, 'unknown_request');
  });

  it('returns 403 unknown_request (not a storage error) for a 5 KB InResponseTo', async () => {
    expectRefused(await post(response({ inResponseTo: `_${'f'.repeat(5000)}` })), 403, 'unknown_request');
  });

  it('returns 403 unknown_request when an SP-initiated response is posted again (the request is spent)', async () => {
    const start = await api(stack.url).get(new URL(ws.loginUrl).pathname);
    const { acsUrl, form } = idp.respondTo(start.headers.get('location')!, { audience: ws.audience, nameId: 'sp@example.com', attributes: { email: 'sp@example.com' } });
    codeFrom(await postAcs(stack, acsUrl, form));
    const again = idp.respondTo(start.headers.get('location')!, { audience: ws.audience, nameId: 'sp@example.com', attributes: { email: 'sp@example.com' } });
    expectRefused(await postAcs(stack, acsUrl, again.form), 403, 'unknown_request');
  });

  it('returns 403 idp_initiated_disabled for an unsolicited response where only SP-initiated sign-in is allowed', async () => {
    expectRefused(await post(response({}, spOnly), {}, spOnly), 403, 'idp_initiated_disabled');
  });

  it('still accepts SP-initiated sign-in where IdP-initiated is disabled', async () => {
    const start = await api(stack.url).get(new URL(spOnly.loginUrl).pathname);
    const { acsUrl, form } = idp.respondTo(start.headers.get('location')!, { audience: spOnly.audience, nameId: 'ada@example.com', attributes: { email: 'ada@example.com' } });
    codeFrom(await postAcs(stack, acsUrl, form));
  });
});

describe('redirects and request shape', () => {
  it.each(['https://evil.example', '//evil.example', '/\\evil'])('returns 400 invalid_relay_state for RelayState %s', async (relayState) => {
    const res = await post(response({ nameId: 'relay@example.com', attributes: { email: 'relay@example.com' } }), { RelayState: relayState });
    expectRefused(res, 400, 'invalid_relay_state');
    expect(res.text).not.toContain('href="https://evil');
  });

  it.each(['https://evil.example', '//evil.example', '/\\evil'])('returns 400 invalid_return_to for login return_to %s', async (returnTo) => {
    const res = await api(stack.url).get(`${new URL(ws.loginUrl).pathname}?return_to=${encodeURIComponent(returnTo)}`);
    expectRefused(res, 400, 'invalid_return_to');
  });

  it('returns 400 missing_saml_response for a form without SAMLResponse', async () => {
    expectRefused(await postAcs(stack, ws.acsUrl, { RelayState: '/x' }), 400, 'missing_saml_response');
  });

  it('returns 400 malformed_response for a SAMLResponse that is not a SAML Response', async () => {
    expectRefused(await post(b64('<html>hello</html>')), 400, 'malformed_response');
  });

  it('returns 413 for an oversized body, from the ACS limit and from the platform limit', async () => {
    expectRefused(await post('A'.repeat(300 * 1024)), 413, 'payload_too_large');
    const huge = await post('A'.repeat(1100 * 1024));
    expect(huge.status).toBe(413);
  });

  it('returns 404 workspace_not_found for an ACS of an unknown workspace', async () => {
    const res = await postAcs(stack, `${stack.url}/api/saml/00000000-0000-4000-8000-000000000000/acs`, { SAMLResponse: response() });
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('workspace_not_found');
  });
});

describe('audit', () => {
  it('records every refusal with its cause in the audit export', async () => {
    const res = await ws.admin.get(`/api/admin/workspaces/${ws.teamId}/audit-export`);
    expect(res.status).toBe(200);
    const refused = res.text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { action: string; after?: { error?: string; protocol?: string } })
      .filter((r) => r.action === 'sso.sign_in_refused' && r.after?.protocol === 'saml')
      .map((r) => r.after?.error);
    for (const code of [
      'unsigned_response',
      'invalid_signature',
      'signature_wrapping',
      'audience_mismatch',
      'recipient_mismatch',
      'destination_mismatch',
      'expired',
      'not_yet_valid',
      'replayed_assertion',
      'unknown_request',
      'invalid_relay_state',
      'missing_saml_response',
      'payload_too_large',
    ]) {
      expect(refused, code).toContain(code);
    }
  });
});
