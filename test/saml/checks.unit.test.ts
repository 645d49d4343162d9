/**
 * The ACS checks one by one, as pure functions (no storage, no HTTP). The signature check runs
 * node-saml on real responses signed by the local IdP.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSamlIdp, generateSigningKeyPair, type SamlIdp, type SigningKeyPair } from '../../dev/saml-idp/index.js';
import type { SubjectConfirmationData, VerifiedAssertion } from '../../lambdas/saml/assertion.js';
import { checkSignatureAlgorithm } from '../../lambdas/saml/checks/algorithm.js';
import { filterGroups, readProfile } from '../../lambdas/saml/checks/attributes.js';
import { checkAudience } from '../../lambdas/saml/checks/audience.js';
import { checkDestination } from '../../lambdas/saml/checks/destination.js';
import { checkFormat } from '../../lambdas/saml/checks/format.js';
import { checkIssuer } from '../../lambdas/saml/checks/issuer.js';
import { checkNameId, NAMEID_EMAIL } from '../../lambdas/saml/checks/name-id.js';
import { checkRecipient } from '../../lambdas/saml/checks/recipient.js';
import { checkRelayState } from '../../lambdas/saml/checks/relay-state.js';
import { checkSignature, refusalFromNodeSaml } from '../../lambdas/saml/checks/signature.js';
import { checkSolicitation } from '../../lambdas/saml/checks/solicitation.js';
import { checkStatus } from '../../lambdas/saml/checks/status.js';
import { checkTimeWindow, CLOCK_SKEW_MS } from '../../lambdas/saml/checks/time-window.js';
import { readEnvelope, type ResponseEnvelope } from '../../lambdas/saml/envelope.js';
import { SignInRefused as SamlRefusal } from '../../lambdas/signin/refusals.js';
import { appPathFrom, resolveDestination } from '../../lambdas/saml/relay-state.js';
import type { SamlRequestRecord } from '../../lambdas/store/saml-requests.js';
import { loadConfig } from '../../lambdas/platform/config.js';
import {
  b64,
  injectCommentInNameId,
  tamper,
  wrapForgedAssertionBefore,
  wrapGenuineInsideForged,
  wrapSignedResponse,
  wrapWithDuplicateId,
} from './support.js';
import { TEST_ENV } from '../fixtures/config.js';

const ACS = 'https://api.example.com/api/saml/7d1c1f0e-0000-4000-8000-000000000001/acs';
const AUDIENCE = 'https://api.example.com/api/saml/7d1c1f0e-0000-4000-8000-000000000001/metadata';
const SP = { entityId: AUDIENCE, acsUrl: ACS };
const NOW = new Date('2026-01-15T12:00:00.000Z');

const config = loadConfig({ ...TEST_ENV });

/** Code of the refusal `fn` throws. */
async function refusalOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof SamlRefusal) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

function assertion(over: Partial<VerifiedAssertion> = {}): VerifiedAssertion {
  return {
    id: 'id123',
    issueInstant: NOW.toISOString(),
    issuer: 'http://www.okta.com/exk1',
    nameId: { value: 'ada@example.com', format: NAMEID_EMAIL },
    bearer: [{ recipient: ACS, notBefore: undefined, notOnOrAfter: '2026-01-15T12:05:00.000Z', inResponseTo: undefined }],
    conditions: { notBefore: '2026-01-15T11:59:00.000Z', notOnOrAfter: '2026-01-15T12:05:00.000Z', audienceRestrictions: [[AUDIENCE]] },
    sessionIndex: 's1',
    attributes: {},
    ...over,
  };
}

function envelope(over: Partial<ResponseEnvelope> = {}): ResponseEnvelope {
  return {
    xml: '<x/>',
    responseId: 'r1',
    destination: ACS,
    inResponseTo: undefined,
    requestIdHint: undefined,
    status: { code: 'urn:oasis:names:tc:SAML:2.0:status:Success', subCode: undefined, message: undefined },
    assertionCount: 1,
    encryptedAssertionCount: 0,
    signatures: [{ on: 'assertion', signatureMethod: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', digestMethods: ['http://www.w3.org/2001/04/xmlenc#sha256'] }],
    ...over,
  };
}

const pending = (requestId: string): SamlRequestRecord => ({
  requestId,
  teamId: 't',
  test: false,
  createdAt: NOW.toISOString(),
  expiresAt: NOW.toISOString(),
});

const confirmation = (over: Partial<SubjectConfirmationData> = {}): SubjectConfirmationData => ({
  recipient: ACS,
  notBefore: undefined,
  notOnOrAfter: '2026-01-15T12:05:00.000Z',
  inResponseTo: undefined,
  ...over,
});

describe('readEnvelope', () => {
  it('reads the routing facts of a response without trusting them', async () => {
    const idp = await createSamlIdp();
    const e = readEnvelope(idp.buildResponse({ acsUrl: ACS, audience: AUDIENCE, nameId: 'a@b.co', inResponseTo: '_req1', sign: 'both' }));
    expect(e).toMatchObject({ destination: ACS, inResponseTo: '_req1', requestIdHint: '_req1', assertionCount: 1 });
    expect(e.signatures.map((s) => s.on).sort()).toEqual(['assertion', 'response']);
  });

  it('returns malformed_response for non-base64, non-XML, a DOCTYPE, or another root element', async () => {
    expect(await refusalOf(() => readEnvelope('%%%'))).toBe('malformed_response');
    expect(await refusalOf(() => readEnvelope(b64('not xml <')))).toBe('malformed_response');
    expect(await refusalOf(() => readEnvelope(b64('<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>')))).toBe('malformed_response');
    expect(await refusalOf(() => readEnvelope(b64('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>')))).toBe(
      'malformed_response',
    );
  });
});

describe('checkStatus', () => {
  it('passes Success', () => expect(checkStatus(envelope())).toBe('Success'));
  it('returns idp_error naming the IdP status and message', async () => {
    const e = envelope({ status: { code: 'urn:oasis:names:tc:SAML:2.0:status:Responder', subCode: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed', message: 'nope' } });
    expect(await refusalOf(() => checkStatus(e))).toBe('idp_error');
  });
});

describe('checkFormat', () => {
  it('passes exactly one plain assertion', () => expect(checkFormat(envelope())).toContain('one assertion'));
  it('returns signature_wrapping for several assertions', async () => {
    expect(await refusalOf(() => checkFormat(envelope({ assertionCount: 2 })))).toBe('signature_wrapping');
  });
  it('returns malformed_response for no assertion or an encrypted one', async () => {
    expect(await refusalOf(() => checkFormat(envelope({ assertionCount: 0 })))).toBe('malformed_response');
    expect(await refusalOf(() => checkFormat(envelope({ assertionCount: 0, encryptedAssertionCount: 1 })))).toBe('malformed_response');
  });
});

describe('checkSignature', () => {
  let idp: SamlIdp;
  let other: SigningKeyPair;
  const build = (sign: 'assertion' | 'response' | 'both' | 'none', nameId = 'ada@example.com') =>
    idp.buildResponseXml({ acsUrl: ACS, audience: AUDIENCE, nameId, sign, attributes: { email: nameId } });
  const verify = (xml: string, certs = [idp.certificatePem]) => checkSignature(readEnvelope(b64(xml)), certs, SP);

  beforeAll(async () => {
    [idp, other] = await Promise.all([createSamlIdp(), generateSigningKeyPair('someone-else')]);
  });

  it.each(['assertion', 'response', 'both'] as const)('accepts a response whose %s is signed', async (sign) => {
    const out = await verify(build(sign));
    expect(out.assertion.nameId?.value).toBe('ada@example.com');
    expect(out.signed).toContain(sign === 'both' ? 'response' : sign);
  });

  it('returns unsigned_response when nothing is signed', async () => {
    expect(await refusalOf(() => verify(build('none')))).toBe('unsigned_response');
  });

  it('returns invalid_signature for a tampered assertion', async () => {
    expect(await refusalOf(() => verify(tamper(build('assertion'), 'ada@example.com</saml2:NameID>', 'eve@example.com</saml2:NameID>')))).toBe(
      'invalid_signature',
    );
  });

  it('returns invalid_signature when the Response signature is broken even though the assertion signature holds', async () => {
    const xml = tamper(build('both'), `Destination="${ACS}"`, 'Destination="https://elsewhere.example/acs"');
    expect(await refusalOf(() => verify(xml))).toBe('invalid_signature');
  });

  it('returns invalid_signature for another key, and accepts either certificate during a rotation', async () => {
    const signedByOther = idp.buildResponseXml({ acsUrl: ACS, audience: AUDIENCE, nameId: 'a@b.co', sign: 'both', signingKey: other });
    expect(await refusalOf(() => verify(signedByOther))).toBe('invalid_signature');
    const rotated = await verify(signedByOther, [idp.certificatePem, other.certificatePem]);
    expect(rotated.certificateIndex).toBe(1);
    expect((await verify(build('assertion'), [other.certificatePem, idp.certificatePem])).certificateIndex).toBe(1);
  });

  it('returns signature_wrapping for a forged assertion placed before the signed one (XSW3)', async () => {
    expect(await refusalOf(() => verify(wrapForgedAssertionBefore(build('assertion'), 'eve@example.com')))).toBe('signature_wrapping');
  });

  it('refuses a forged assertion that wraps the signed one and carries its signature (XSW4)', async () => {
    expect(await refusalOf(() => verify(wrapGenuineInsideForged(build('assertion'), 'eve@example.com')))).toBe('signature_wrapping');
  });

  it('refuses a forged Response wrapping the signed Response (XSW1)', async () => {
    expect(await refusalOf(() => verify(wrapSignedResponse(build('response'), 'eve@example.com')))).toBe('signature_wrapping');
  });

  it('refuses a forged assertion that reuses the signed assertion id (duplicate ID)', async () => {
    expect(await refusalOf(() => verify(wrapWithDuplicateId(build('assertion'), 'eve@example.com')))).toBe('signature_wrapping');
  });

  it('reads the NameID from the signed bytes: a comment cannot truncate it', async () => {
    const out = await verify(injectCommentInNameId(build('assertion', 'ada@example.com.evil.test'), 'ada@example.com'.length));
    expect(out.assertion.nameId?.value).toBe('ada@example.com.evil.test');
  });

  it('maps node-saml messages to causes', () => {
    expect(refusalFromNodeSaml(new Error('Invalid signature: multiple assertions')).code).toBe('signature_wrapping');
    expect(refusalFromNodeSaml(new Error('Invalid document signature')).code).toBe('invalid_signature');
    expect(refusalFromNodeSaml(new Error('Unable to process multiple conditions in SAML assertion')).code).toBe('malformed_response');
  });
});

describe('checkSignatureAlgorithm', () => {
  it('passes RSA-SHA256 with SHA-256 digests', () => expect(checkSignatureAlgorithm(envelope().signatures)).toBe('RSA-SHA256'));
  it('returns weak_signature_algorithm for RSA-SHA1 or a SHA-1 digest', async () => {
    const sha1 = { on: 'assertion' as const, signatureMethod: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digestMethods: ['http://www.w3.org/2000/09/xmldsig#sha1'] };
    expect(await refusalOf(() => checkSignatureAlgorithm([sha1]))).toBe('weak_signature_algorithm');
    const digest = { ...envelope().signatures[0]!, digestMethods: ['http://www.w3.org/2000/09/xmldsig#sha1'] };
    expect(await refusalOf(() => checkSignatureAlgorithm([digest]))).toBe('weak_signature_algorithm');
  });
});

describe('checkIssuer', () => {
  it('passes the configured entity id', () => expect(checkIssuer(assertion(), 'http://www.okta.com/exk1')).toBe('http://www.okta.com/exk1'));
  it('returns issuer_mismatch for another IdP', async () => {
    expect(await refusalOf(() => checkIssuer(assertion(), 'http://www.okta.com/exk2'))).toBe('issuer_mismatch');
  });
});

describe('checkDestination', () => {
  it('passes this ACS URL or an absent Destination', () => {
    expect(checkDestination(envelope(), ACS)).toBe(ACS);
    expect(checkDestination(envelope({ destination: undefined }), ACS)).toBe('(not present)');
  });
  it('returns destination_mismatch for another URL', async () => {
    expect(await refusalOf(() => checkDestination(envelope({ destination: 'https://eu.api.example.com/x' }), ACS))).toBe('destination_mismatch');
  });
});

describe('checkRecipient', () => {
  it('returns the bearer confirmation addressed to this ACS', () => expect(checkRecipient(assertion(), ACS).recipient).toBe(ACS));
  it('returns recipient_mismatch for another recipient or no bearer confirmation', async () => {
    expect(await refusalOf(() => checkRecipient(assertion({ bearer: [confirmation({ recipient: 'https://other/acs' })] }), ACS))).toBe(
      'recipient_mismatch',
    );
    expect(await refusalOf(() => checkRecipient(assertion({ bearer: [] }), ACS))).toBe('recipient_mismatch');
  });
});

describe('checkAudience', () => {
  it('passes when every restriction names this SP', () => {
    expect(checkAudience(assertion({ conditions: { ...assertion().conditions, audienceRestrictions: [[AUDIENCE, 'x'], [AUDIENCE]] } }), AUDIENCE)).toBe(
      AUDIENCE,
    );
  });
  it('returns audience_mismatch for another audience, a restriction without us, or none', async () => {
    const withAudiences = (r: string[][]) => assertion({ conditions: { ...assertion().conditions, audienceRestrictions: r } });
    expect(await refusalOf(() => checkAudience(withAudiences([['https://other.example']]), AUDIENCE))).toBe('audience_mismatch');
    expect(await refusalOf(() => checkAudience(withAudiences([[AUDIENCE], ['https://other.example']]), AUDIENCE))).toBe('audience_mismatch');
    expect(await refusalOf(() => checkAudience(withAudiences([]), AUDIENCE))).toBe('audience_mismatch');
  });
});

describe('checkTimeWindow', () => {
  const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
  it('passes inside the window and within the skew on either side', () => {
    expect(checkTimeWindow(assertion(), confirmation(), NOW).acceptableUntil.toISOString()).toBe(new Date(Date.parse('2026-01-15T12:05:00.000Z') + CLOCK_SKEW_MS).toISOString());
    expect(() => checkTimeWindow(assertion(), confirmation(), at(5 * 60_000 + CLOCK_SKEW_MS - 1))).not.toThrow();
    expect(() => checkTimeWindow(assertion(), confirmation(), at(-60_000 - CLOCK_SKEW_MS + 1))).not.toThrow();
  });
  it('returns expired past NotOnOrAfter plus the skew', async () => {
    expect(await refusalOf(() => checkTimeWindow(assertion(), confirmation(), at(5 * 60_000 + CLOCK_SKEW_MS)))).toBe('expired');
  });
  it('returns expired when only the bearer confirmation has expired', async () => {
    expect(await refusalOf(() => checkTimeWindow(assertion(), confirmation({ notOnOrAfter: '2026-01-15T11:50:00.000Z' }), NOW))).toBe('expired');
  });
  it('returns not_yet_valid before NotBefore minus the skew', async () => {
    expect(await refusalOf(() => checkTimeWindow(assertion(), confirmation(), at(-60_000 - CLOCK_SKEW_MS - 1)))).toBe('not_yet_valid');
  });
  it('returns malformed_response when the bearer confirmation has no NotOnOrAfter', async () => {
    expect(await refusalOf(() => checkTimeWindow(assertion(), confirmation({ notOnOrAfter: undefined }), NOW))).toBe('malformed_response');
  });
});

describe('checkSolicitation', () => {
  it('matches an SP-initiated response to its pending request', () => {
    const s = checkSolicitation(envelope({ inResponseTo: '_r1' }), confirmation({ inResponseTo: '_r1' }), pending('_r1'), false);
    expect(s.kind).toBe('sp-initiated');
  });
  it('returns unknown_request when no pending request has that id', async () => {
    expect(await refusalOf(() => checkSolicitation(envelope(), confirmation({ inResponseTo: '_r9' }), undefined, true))).toBe('unknown_request');
    expect(await refusalOf(() => checkSolicitation(envelope(), confirmation({ inResponseTo: '_r9' }), pending('_r1'), true))).toBe(
      'unknown_request',
    );
  });
  it('returns in_response_to_mismatch when the unsigned Response names another request', async () => {
    expect(await refusalOf(() => checkSolicitation(envelope({ inResponseTo: '_r2' }), confirmation({ inResponseTo: '_r1' }), pending('_r1'), true))).toBe(
      'in_response_to_mismatch',
    );
    expect(await refusalOf(() => checkSolicitation(envelope({ inResponseTo: '_r1' }), confirmation(), pending('_r1'), true))).toBe(
      'in_response_to_mismatch',
    );
  });
  it('accepts an IdP-initiated response only when allowed', async () => {
    expect(checkSolicitation(envelope(), confirmation(), undefined, true).kind).toBe('idp-initiated');
    expect(await refusalOf(() => checkSolicitation(envelope(), confirmation(), undefined, false))).toBe('idp_initiated_disabled');
  });
});

describe('RelayState and return_to', () => {
  it('keeps paths of the app, relative or absolute under APP_URL', () => {
    expect(appPathFrom('/projects/42?tab=1#x', 'https://app.example.com')).toBe('/projects/42?tab=1#x');
    expect(appPathFrom('https://app.example.com/p', 'https://app.example.com')).toBe('/p');
    expect(appPathFrom('/p', 'https://app.example.com/base')).toBe('/p');
    expect(appPathFrom('https://app.example.com/base/p', 'https://app.example.com/base')).toBe('/p');
    expect(appPathFrom('', 'https://app.example.com')).toBeUndefined();
  });

  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil',
    '\\\\evil.example',
    'javascript:alert(1)',
    '/p\n/x',
    ' /p',
    'https://app.example.com.evil.example/',
    'https://user@app.example.com/',
    'http://app.example.com/',
    'x'.repeat(2000),
  ].map((v) => [v.length > 40 ? `${v.slice(0, 10)}… (${v.length} characters)` : JSON.stringify(v), v]))('refuses %s', (_label, input) => {
    expect(appPathFrom(input, 'https://app.example.com/base')).toBeNull();
    expect(resolveDestination(input, config)).toBeNull();
  });

  it('refuses `..` segments that climb out of the app base path', () => {
    expect(appPathFrom('/../../other', 'https://app.example.com/base')).toBeNull();
  });

  it('sends bridge pages (the admin page) to the bridge, and app paths to the app', () => {
    expect(resolveDestination('/admin', config)).toEqual({ kind: 'bridge', path: '/admin' });
    expect(resolveDestination('/projects/1', config)).toEqual({ kind: 'app', path: '/projects/1' });
  });

  it('prefers the stored destination of an SP-initiated request and refuses a bad posted RelayState', async () => {
    const sp = { kind: 'sp-initiated' as const, request: { ...pending('_r'), destination: { kind: 'app' as const, path: '/stored' } } };
    expect(checkRelayState('/posted', sp, config)).toEqual({ kind: 'app', path: '/stored' });
    expect(checkRelayState('/posted', { kind: 'idp-initiated' }, config)).toEqual({ kind: 'app', path: '/posted' });
    expect(await refusalOf(() => checkRelayState('https://evil.example', sp, config))).toBe('invalid_relay_state');
  });
});

describe('checkNameId', () => {
  it('accepts an EmailAddress NameID, and an Unspecified one holding an email', () => {
    expect(checkNameId(assertion()).value).toBe('ada@example.com');
    expect(checkNameId(assertion({ nameId: { value: 'ada@example.com', format: undefined } })).value).toBe('ada@example.com');
  });
  it('returns unsupported_name_id_format for a persistent id, a non-email value, or no NameID', async () => {
    const persistent = { value: '00u1abc', format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' };
    expect(await refusalOf(() => checkNameId(assertion({ nameId: persistent })))).toBe('unsupported_name_id_format');
    expect(await refusalOf(() => checkNameId(assertion({ nameId: { value: 'ada', format: NAMEID_EMAIL } })))).toBe('unsupported_name_id_format');
    expect(await refusalOf(() => checkNameId(assertion({ nameId: undefined })))).toBe('unsupported_name_id_format');
  });
});

describe('readProfile', () => {
  const attrs = {
    email: ['ada@example.com'],
    firstName: ['Ada'],
    lastName: ['Lovelace'],
    groups: ['claresia-admins', 'Everyone', 'CLARESIA-users', 'claresia-admins'],
  };
  it('reads seed 001 attribute statements and filters groups by prefix, ignoring case', () => {
    expect(readProfile(assertion({ attributes: attrs }), 'ada@example.com', 'claresia-')).toEqual({
      email: 'ada@example.com',
      givenName: 'Ada',
      familyName: 'Lovelace',
      groups: ['claresia-admins', 'CLARESIA-users'],
      groupsReceived: ['claresia-admins', 'Everyone', 'CLARESIA-users'],
    });
  });
  it('keeps every group without a prefix, and falls back to the NameID for the email', () => {
    const p = readProfile(assertion({ attributes: { groups: ['a', 'b'] } }), 'ada@example.com', undefined);
    expect(p).toMatchObject({ email: 'ada@example.com', groups: ['a', 'b'] });
    expect(filterGroups(['x'], '  ')).toEqual(['x']);
  });
  it('returns missing_email when the email attribute is not an email', async () => {
    expect(await refusalOf(() => readProfile(assertion({ attributes: { email: ['nope'] } }), 'nope', undefined))).toBe('missing_email');
  });
});

describe('an Okta-shaped SP-initiated response (test/fixtures/saml)', () => {
  const fixture = (name: string) => readFileSync(new URL(`../fixtures/saml/${name}`, import.meta.url), 'utf8');
  const team = '3f0c8a52-6d1e-4c52-9a51-2f4f8d3c1b7e';
  const sp = { entityId: `https://api.example.com/api/saml/${team}/metadata`, acsUrl: `https://api.example.com/api/saml/${team}/acs` };

  it('passes every pure check at its issue time and yields the seed 001 profile', async () => {
    const env = readEnvelope(b64(fixture('okta-sp-initiated-response.xml')));
    checkStatus(env);
    checkFormat(env);
    const { assertion: a } = await checkSignature(env, [fixture('okta-signing-cert.pem')], sp);
    checkSignatureAlgorithm(env.signatures);
    checkIssuer(a, 'http://www.okta.com/exk1fixture0000000001');
    checkDestination(env, sp.acsUrl);
    const scd = checkRecipient(a, sp.acsUrl);
    checkAudience(a, sp.entityId);
    checkTimeWindow(a, scd, NOW);
    const request = pending('_5b1c0d6e2f3a4b5c6d7e8f90a1b2c3d4e5f60718');
    expect(checkSolicitation(env, scd, request, false).kind).toBe('sp-initiated');
    const nameId = checkNameId(a);
    expect(readProfile(a, nameId.value, 'claresia-')).toEqual({
      email: 'ada.lovelace@acme.example',
      givenName: 'Ada',
      familyName: 'Lovelace',
      groups: ['claresia-admins', 'claresia-eng-pilot'],
      groupsReceived: ['claresia-admins', 'claresia-eng-pilot', 'Everyone'],
    });
  });
});

describe('parser robustness (fast-check)', () => {
  let idp: SamlIdp;
  let valid: string;
  beforeAll(async () => {
    idp = await createSamlIdp();
    valid = idp.buildResponseXml({ acsUrl: ACS, audience: AUDIENCE, nameId: 'ada@example.com', sign: 'both', attributes: { groups: ['a', 'b'] } });
  });

  /** Anything but a SamlRefusal escaping a check would be a 500 at the ACS. */
  async function outcome(samlResponse: string): Promise<VerifiedAssertion | 'refused'> {
    try {
      return (await checkSignature(readEnvelope(samlResponse), [idp.certificatePem], SP)).assertion;
    } catch (err) {
      if (err instanceof SamlRefusal) return 'refused';
      throw err;
    }
  }

  it('answers any SAMLResponse string with a refusal, never an unexpected error', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string(), fc.base64String(), fc.string().map(b64)), async (s) => {
      expect(await outcome(s)).toBe('refused');
    }), { numRuns: 200 });
  });

  it('never lets a corruption of a signed response change the identity read from it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 12 }), async (at, cut, insert) => {
        const i = at % valid.length;
        const result = await outcome(b64(valid.slice(0, i) + insert + valid.slice(i + cut)));
        // A harmless change (in the XML declaration, say) may pass; what is read must not change.
        if (result !== 'refused') {
          expect(result.nameId?.value).toBe('ada@example.com');
          expect(result.attributes.groups).toEqual(['a', 'b']);
        }
      }),
      { numRuns: 150 },
    );
  });
});
