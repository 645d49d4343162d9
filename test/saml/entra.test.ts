/**
 * Two live SAML connections in one workspace, end to end over HTTP with real signed responses: the
 * Okta-style `saml` connection at the seeds' `/api/saml/{team_id}/…` URLs, and an Entra-style one
 * (issuer `https://sts.windows.net/{tid}/`, persistent NameID, claim-URI attributes, assertion-only
 * signature) at `/api/sso/saml/{team_id}/{connection_id}/…`. Each accepts only its own IdP's
 * signature and issuer, its own audience, and the requests it started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamlIdp, ENTRA_CLAIM, type BuildResponseOptions, type SamlIdp } from '../../dev/saml-idp/index.js';
import { api, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { codeFrom, errorCode, exchangeAndIntrospect, postAcs, samlWorkspace, type SamlWorkspace } from './support.js';

let stack: TestStack;
let okta: SamlIdp;
let entra: SamlIdp;
let ws: SamlWorkspace;
/** The Entra connection's id and its own SP URLs, as the admin API shows them. */
let entraConn: { id: string; setup: { acsUrl: string; entityId: string; metadataUrl: string; loginUrl: string } };

const ADMINS_GROUP = '5f2c1a8e-4b7d-4c1e-9a3b-2d6e8f0a1b2c';

beforeAll(async () => {
  [stack, okta, entra] = await Promise.all([startTestStack(), createSamlIdp(), createSamlIdp({ flavor: 'entra' })]);
  ws = await samlWorkspace(stack, okta, { roleMappings: { groups: [{ group: ADMINS_GROUP, role: 'admin' }] } });
  const created = await ws.admin.post<typeof entraConn>(`/api/admin/workspaces/${ws.teamId}/connections`, {
    protocol: 'saml',
    preset: 'entra',
    name: 'Contoso Entra ID',
    idpSsoUrl: entra.ssoUrl,
    idpEntityId: entra.entityId,
    idpCertificate: entra.certificatePem,
    signInEnabled: true,
    jitEnabled: true,
  });
  expect(created.status, created.text).toBe(201);
  entraConn = created.json;
});
afterAll(() => stack?.close());

const path = (url: string) => new URL(url).pathname;

/** An IdP-initiated Entra response for the Entra connection, with overrides. */
function entraResponse(user: Parameters<SamlIdp['entraUser']>[0], over: Partial<BuildResponseOptions> = {}): string {
  return entra.buildResponse({
    acsUrl: entraConn.setup.acsUrl,
    audience: entraConn.setup.entityId,
    ...entra.entraUser(user),
    sign: 'assertion',
    ...over,
  });
}

/** An IdP-initiated Okta response for the `saml` connection, with overrides. */
function oktaResponse(email: string, over: Partial<BuildResponseOptions> = {}): string {
  return okta.buildResponse({ acsUrl: ws.acsUrl, audience: ws.audience, nameId: email, attributes: { email }, sign: 'assertion', ...over });
}

function expectRefused(res: ApiResponse, status: number, code: string): void {
  expect(res.status, res.text).toBe(status);
  expect(errorCode(res)).toBe(code);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('set-cookie')).toBeNull();
}

interface AuditLine {
  action: string;
  after?: Record<string, unknown> | null;
}

async function trail(): Promise<AuditLine[]> {
  const res = await ws.admin.get(`/api/admin/workspaces/${ws.teamId}/audit-export`);
  expect(res.status).toBe(200);
  return res.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditLine);
}

describe('the Entra connection’s own SP', () => {
  it('has its own entity id (= its metadata URL) and ACS URL, both distinct from the saml connection’s', async () => {
    const { setup } = entraConn;
    expect(setup.acsUrl).toBe(`${stack.url}/api/sso/saml/${ws.teamId}/${entraConn.id}/acs`);
    expect(setup.entityId).toBe(setup.metadataUrl);
    expect(setup.entityId).not.toBe(ws.audience);
    const res = await api(stack.url).get(path(setup.metadataUrl));
    expect(res.status).toBe(200);
    expect(res.text).toContain(`entityID="${setup.entityId}"`);
    expect(res.text).toMatch(new RegExp(`AssertionConsumerService[^>]*Location="${setup.acsUrl}"`));
  });

  it('returns 404 connection_not_found for an unknown connection id and for an OIDC connection’s id', async () => {
    expectRefused(await api(stack.url).get(`/api/sso/saml/${ws.teamId}/cnothere/login`), 404, 'connection_not_found');
    expectRefused(await api(stack.url).get(`/api/sso/saml/${ws.teamId}/okta/metadata`), 404, 'connection_not_found');
    expectRefused(await postAcs(stack, `${stack.url}/api/sso/saml/${ws.teamId}/Not%20An%20Id/acs`, { SAMLResponse: entraResponse({ email: 'x@contoso.example' }) }), 404, 'connection_not_found');
  });
});

describe('sign-in through both connections of one workspace', () => {
  it('signs in SP-initiated through Entra: persistent NameID as subject, e-mail, names and groups from claim URIs', async () => {
    const start = await api(stack.url).get(`${path(entraConn.setup.loginUrl)}?return_to=/projects/7`);
    expect(start.status).toBe(302);
    const location = start.headers.get('location')!;
    expect(location.startsWith(entra.ssoUrl)).toBe(true);
    const request = entra.parseAuthnRequest(location);
    expect(request.issuer).toBe(entraConn.setup.entityId);
    expect(request.acsUrl).toBe(entraConn.setup.acsUrl);

    const claims = entra.entraUser({ email: 'megan@contoso.example', givenName: 'Megan', surname: 'Bowen', displayName: 'Megan Bowen', groups: [ADMINS_GROUP] });
    expect(claims.nameId).not.toContain('@');
    const { acsUrl, form } = entra.respondTo(location, { audience: entraConn.setup.entityId, ...claims });
    expect(acsUrl).toBe(entraConn.setup.acsUrl);
    const done = await postAcs(stack, acsUrl, form);
    const code = codeFrom(done);
    expect(new URL(done.headers.get('location')!).searchParams.get('next')).toBe('/projects/7');
    const { exchanged, introspected } = await exchangeAndIntrospect(stack, code);
    expect(exchanged.user.username).toBe('megan@contoso.example');
    expect(exchanged.user.given_name).toBe('Megan');
    expect(exchanged.roles).toContain('admin');
    expect(introspected.active).toBe(true);

    const signedIn = (await trail()).filter((r) => r.action === 'sso.signed_in' && r.after?.email === 'megan@contoso.example');
    expect(signedIn).toHaveLength(1);
    expect(signedIn[0]!.after).toMatchObject({ protocol: 'saml', connectionId: entraConn.id, issuer: entra.entityId, subject: claims.nameId });
  });

  it('takes the e-mail from the name claim (the UPN) when neither the NameID nor an emailaddress claim holds one', async () => {
    const code = codeFrom(await postAcs(stack, entraConn.setup.acsUrl, { SAMLResponse: entraResponse({ upn: 'adele@contoso.example', givenName: 'Adele' }) }));
    const { exchanged } = await exchangeAndIntrospect(stack, code);
    expect(exchanged.user.username).toBe('adele@contoso.example');
  });

  it('still signs in through the Okta saml connection at the seeds’ URLs, in the same workspace', async () => {
    const code = codeFrom(await postAcs(stack, ws.acsUrl, { SAMLResponse: oktaResponse('ada@acme.example') }));
    const { exchanged } = await exchangeAndIntrospect(stack, code);
    expect(exchanged.user.username).toBe('ada@acme.example');
    const signedIn = (await trail()).find((r) => r.action === 'sso.signed_in' && r.after?.email === 'ada@acme.example');
    expect(signedIn?.after).toMatchObject({ connectionId: 'saml', issuer: okta.entityId });
  });
});

describe('each connection accepts only its own IdP, audience and requests', () => {
  it('refuses an Entra-signed response at the Okta connection’s ACS (invalid_signature), even addressed to it', async () => {
    const res = await postAcs(stack, ws.acsUrl, {
      SAMLResponse: entra.buildResponse({ acsUrl: ws.acsUrl, audience: ws.audience, ...entra.entraUser({ email: 'eve@contoso.example' }), sign: 'assertion' }),
    });
    expectRefused(res, 403, 'invalid_signature');
  });

  it('refuses an Okta-signed response at the Entra connection’s ACS (invalid_signature), even addressed to it', async () => {
    const res = await postAcs(stack, entraConn.setup.acsUrl, {
      SAMLResponse: okta.buildResponse({ acsUrl: entraConn.setup.acsUrl, audience: entraConn.setup.entityId, nameId: 'eve@acme.example', attributes: { email: 'eve@acme.example' }, sign: 'assertion' }),
    });
    expectRefused(res, 403, 'invalid_signature');
    // Entra's words in the fix: the connection's preset shapes it.
    expect(res.text).toContain('SAML Certificates');
  });

  it('refuses an Entra response meant for the saml connection’s audience at the Entra ACS (audience_mismatch), naming this connection’s entity id', async () => {
    const res = await postAcs(stack, entraConn.setup.acsUrl, { SAMLResponse: entraResponse({ email: 'megan@contoso.example' }, { audience: ws.audience }) });
    expectRefused(res, 403, 'audience_mismatch');
    expect(res.text).toContain(`set Identifier (Entity ID) to ${entraConn.setup.entityId}`);
  });

  it('refuses an Entra-signed response that names another issuer (issuer_mismatch)', async () => {
    const res = await postAcs(stack, entraConn.setup.acsUrl, { SAMLResponse: entraResponse({ email: 'megan@contoso.example' }, { issuer: okta.entityId }) });
    expectRefused(res, 403, 'issuer_mismatch');
  });

  it('refuses a response at the saml ACS that answers a request the Entra connection started (unknown_request)', async () => {
    const start = await api(stack.url).get(path(entraConn.setup.loginUrl));
    const { form } = okta.respondTo(start.headers.get('location')!, { acsUrl: ws.acsUrl, audience: ws.audience, nameId: 'ada@acme.example', attributes: { email: 'ada@acme.example' } });
    expectRefused(await postAcs(stack, ws.acsUrl, form), 403, 'unknown_request');
  });

  it('refuses a persistent NameID without an e-mail at the Okta connection (unsupported_name_id_format, seed 001)', async () => {
    const res = await postAcs(stack, ws.acsUrl, {
      SAMLResponse: oktaResponse('ada@acme.example', { nameId: '00u1abcdEFGH', nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', attributes: {} }),
    });
    expectRefused(res, 403, 'unsupported_name_id_format');
  });
});

describe('test login through the Entra connection (seed 001 step 8)', () => {
  it('reports every check of the Entra response, the persistent NameID and the claims received, without a session', async () => {
    const start = await api(stack.url).get(`${path(entraConn.setup.loginUrl)}?test=1`);
    const claims = entra.entraUser({ email: 'tester@contoso.example', groups: [ADMINS_GROUP] });
    const { acsUrl, form } = entra.respondTo(start.headers.get('location')!, { audience: entraConn.setup.entityId, ...claims });
    const res = await postAcs(stack, acsUrl, form);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-idpb-test-login')).toBe('passed');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.text).toContain('data-check="name_id" data-status="passed"');
    expect(res.text).toContain(`${claims.nameId} (persistent)`);
    expect(res.text).toContain(ENTRA_CLAIM.tenantId);
  });

  it('shows the failing check with the fix in Entra’s words', async () => {
    const start = await api(stack.url).get(`${path(entraConn.setup.loginUrl)}?test=1`);
    const { acsUrl, form } = entra.respondTo(start.headers.get('location')!, { audience: ws.audience, ...entra.entraUser({ email: 'tester@contoso.example' }) });
    const res = await postAcs(stack, acsUrl, form);
    expect(res.headers.get('x-idpb-test-login')).toBe('failed');
    expect(res.text).toContain('data-check="audience" data-status="failed"');
    expect(res.text).toContain(`set Identifier (Entity ID) to ${entraConn.setup.entityId}`);
  });
});

describe('Entra-specific refusals', () => {
  it('returns 403 tenant_mismatch when the tenantid claim names another tenant than the issuer', async () => {
    const claims = entra.entraUser({ email: 'megan@contoso.example' });
    const attributes = { ...claims.attributes, [ENTRA_CLAIM.tenantId]: '00000000-0000-4000-8000-00000000beef' };
    expectRefused(await postAcs(stack, entraConn.setup.acsUrl, { SAMLResponse: entraResponse({ email: 'megan@contoso.example' }, { attributes }) }), 403, 'tenant_mismatch');
  });

  it('returns 403 groups_overage when Entra sends groups.link instead of the groups', async () => {
    expectRefused(await postAcs(stack, entraConn.setup.acsUrl, { SAMLResponse: entraResponse({ email: 'many@contoso.example', groupsOverage: true }) }), 403, 'groups_overage');
  });

  it('returns 403 connection_disabled once the Entra connection’s sign-in is turned off, and audits it with the IdP', async () => {
    const off = await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/connections/${entraConn.id}`, {
      protocol: 'saml',
      preset: 'entra',
      name: 'Contoso Entra ID',
      idpSsoUrl: entra.ssoUrl,
      idpEntityId: entra.entityId,
      idpCertificate: entra.certificatePem,
      signInEnabled: false,
      jitEnabled: true,
    });
    expect(off.status, off.text).toBe(200);
    expectRefused(await postAcs(stack, entraConn.setup.acsUrl, { SAMLResponse: entraResponse({ email: 'megan@contoso.example' }) }), 403, 'connection_disabled');
    const refused = (await trail()).filter((r) => r.action === 'sso.sign_in_refused' && r.after?.refusal === 'connection_disabled');
    expect(refused.at(-1)?.after).toMatchObject({ protocol: 'saml', issuer: entra.entityId });
    // The Okta connection is unaffected.
    codeFrom(await postAcs(stack, ws.acsUrl, { SAMLResponse: oktaResponse('ada@acme.example') }));
  });
});
