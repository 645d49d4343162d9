/**
 * SAML sign-in end to end over HTTP on the local stack: SP metadata, SP- and IdP-initiated flows
 * that end in a session the host app introspects, the test-login report, and the audit export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamlIdp, generateSigningKeyPair, type SamlIdp } from '../../dev/saml-idp/index.js';
import { startSamlIdpServer } from '../../dev/saml-idp/server.js';
import { api } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { codeFrom, configureSaml, exchangeAndIntrospect, postAcs, samlWorkspace, type SamlWorkspace } from './support.js';

let stack: TestStack;
let idp: SamlIdp;
let ws: SamlWorkspace;

const ROLE_MAPPINGS = {
  groups: [
    { group: 'claresia-admins', role: 'admin' },
    { group: 'claresia-eng-pilot', role: 'member', grants: ['archetype-eng'] },
  ],
};

beforeAll(async () => {
  [stack, idp] = await Promise.all([startTestStack(), createSamlIdp()]);
  ws = await samlWorkspace(stack, idp, { groupPrefix: 'claresia-', roleMappings: ROLE_MAPPINGS });
});
afterAll(() => stack?.close());

const user = (email: string, groups: string[] = []) => ({
  audience: ws.audience,
  nameId: email,
  attributes: { email, firstName: 'Ada', lastName: 'Lovelace', groups },
});

describe('GET /api/saml/{team_id}/metadata', () => {
  it('describes the SP: entity id = metadata URL, HTTP-POST ACS, emailAddress NameID, signed assertions wanted', async () => {
    const res = await api(stack.url).get(new URL(ws.metadataUrl).pathname);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml');
    expect(res.text).toContain(`entityID="${ws.audience}"`);
    expect(ws.audience).toBe(ws.metadataUrl);
    expect(res.text).toMatch(new RegExp(`AssertionConsumerService[^>]*Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"[^>]*Location="${ws.acsUrl}"`));
    expect(res.text).toContain('<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>');
    expect(res.text).toContain('WantAssertionsSigned="true"');
  });

  it('returns 404 workspace_not_found for an unknown workspace', async () => {
    const res = await api(stack.url).get('/api/saml/00000000-0000-4000-8000-000000000000/metadata');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-idpb-error')).toBe('workspace_not_found');
  });
});

describe('SP-initiated sign-in', () => {
  it('sends an AuthnRequest to the IdP and ends in a session the host app introspects, with roles from prefixed groups', async () => {
    const start = await api(stack.url).get(`${new URL(ws.loginUrl).pathname}?return_to=/projects/42`);
    expect(start.status).toBe(302);
    const location = start.headers.get('location')!;
    expect(location.startsWith(idp.ssoUrl)).toBe(true);
    const request = idp.parseAuthnRequest(location);
    expect(request).toMatchObject({ issuer: ws.audience, acsUrl: ws.acsUrl, nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', forceAuthn: false });
    expect(request.relayState).toBe('/projects/42');

    const { acsUrl, form } = idp.respondTo(location, user('ada@example.com', ['claresia-admins', 'claresia-eng-pilot', 'Everyone']));
    expect(acsUrl).toBe(ws.acsUrl);
    const done = await postAcs(stack, acsUrl, form);
    const { exchanged, introspected } = await exchangeAndIntrospect(stack, codeFrom(done));
    expect(exchanged.user).toMatchObject({ username: 'ada@example.com', given_name: 'Ada' });
    expect(exchanged.roles).toEqual(expect.arrayContaining(['admin', 'member']));
    expect(introspected).toMatchObject({ active: true, token_type: 'session', team_id: ws.teamId, username: 'ada@example.com' });
  });

  it('lands on the bridge admin page with a session cookie when return_to is /admin', async () => {
    const start = await api(stack.url).get(`${new URL(ws.loginUrl).pathname}?return_to=/admin`);
    const { acsUrl, form } = idp.respondTo(start.headers.get('location')!, user('grace@example.com', ['claresia-admins']));
    const done = await postAcs(stack, acsUrl, form);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe(`${stack.url}/admin`);
    expect(done.headers.get('set-cookie')).toMatch(/^idpb_session=idpb_us_session_/);
  });
});

describe('IdP-initiated sign-in', () => {
  it('accepts an unsolicited response from the Okta dashboard and records (IdP entity id, NameID) for Universal Logout', async () => {
    const res = await postAcs(stack, ws.acsUrl, {
      SAMLResponse: idp.buildResponse({ ...user('linus@example.com', ['claresia-eng-pilot']), acsUrl: ws.acsUrl, sign: 'assertion' }),
    });
    const { exchanged, introspected } = await exchangeAndIntrospect(stack, codeFrom(res));
    expect(exchanged.user.username).toBe('linus@example.com');
    expect(introspected).toMatchObject({ active: true, token_type: 'session', username: 'linus@example.com' });

    const audit = await exportAudit();
    const signedIn = audit.find((r) => r.action === 'sso.signed_in' && r.after?.subject === 'linus@example.com');
    expect(signedIn?.after).toMatchObject({ protocol: 'saml', issuer: idp.entityId, subject: 'linus@example.com', groups: ['claresia-eng-pilot'] });
    expect(audit.some((r) => r.action === 'user.subject_linked' && r.after?.issuer === idp.entityId && r.after?.subject === 'linus@example.com')).toBe(true);
  });

  it('accepts a Response signed only on the Response element', async () => {
    const res = await postAcs(stack, ws.acsUrl, {
      SAMLResponse: idp.buildResponse({ ...user('margaret@example.com'), acsUrl: ws.acsUrl, sign: 'response' }),
    });
    expect((await exchangeAndIntrospect(stack, codeFrom(res))).exchanged.user.username).toBe('margaret@example.com');
  });
});

describe('through the local IdP over HTTP (what the browser does)', () => {
  /** The action and hidden fields of an auto-posting HTTP-POST binding form. */
  function readForm(page: string): { action: string; fields: URLSearchParams } {
    const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const action = unescape(/<form method="post" action="([^"]*)"/.exec(page)![1]!);
    const fields = new URLSearchParams();
    for (const m of page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.set(unescape(m[1]!), unescape(m[2]!));
    return { action, fields };
  }

  it('follows login → IdP /sso → auto-posted form → ACS → app callback, and IdP-initiated from the dashboard tile', async () => {
    const target = await samlWorkspace(stack, idp);
    const server = await startSamlIdpServer({
      user: { nameId: 'tile@example.com', attributes: { email: 'tile@example.com', groups: ['claresia-admins'] } },
      audience: target.audience,
      acsUrl: target.acsUrl,
    });
    try {
      await configureSaml(target.admin, target.teamId, server.idp);
      const start = await api(stack.url).get(new URL(target.loginUrl).pathname);
      const atIdp = await fetch(start.headers.get('location')!);
      expect(atIdp.status).toBe(200);
      const sp = readForm(await atIdp.text());
      expect(sp.action).toBe(target.acsUrl);
      codeFrom(await postAcs(stack, sp.action, sp.fields));

      const tile = await fetch(`${server.url}/init?RelayState=${encodeURIComponent('/projects/7')}`);
      const idpInitiated = readForm(await tile.text());
      expect(idpInitiated.fields.get('RelayState')).toBe('/projects/7');
      const { exchanged } = await exchangeAndIntrospect(stack, codeFrom(await postAcs(stack, idpInitiated.action, idpInitiated.fields)));
      expect(exchanged.user.username).toBe('tile@example.com');
    } finally {
      await server.close();
    }
  });
});

describe('test login (seed 001 step 8)', () => {
  it('reports every check with a green check, the groups after the prefix filter and the user it maps to, without a session', async () => {
    const start = await api(stack.url).get(`${new URL(ws.loginUrl).pathname}?test=1`);
    const location = start.headers.get('location')!;
    expect(idp.parseAuthnRequest(location).forceAuthn).toBe(true);
    const { acsUrl, form } = idp.respondTo(location, user('admin.tester@example.com', ['claresia-admins', 'Everyone']));
    const res = await postAcs(stack, acsUrl, form);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-idpb-test-login')).toBe('passed');
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.text).toContain('✓ Test login succeeded');
    for (const check of ['signature', 'audience', 'recipient', 'time_window', 'in_response_to', 'one_time_use']) {
      expect(res.text).toContain(`data-check="${check}" data-status="passed"`);
    }
    expect(res.text).toMatch(/After filter[^<]*starts with claresia-[^<]*<\/dt><dd>claresia-admins<\/dd>/);
    expect(res.text).toContain('Everyone');
    expect(res.text).toContain('data-mapping="ok"');
    expect(res.text).toContain('A new user admin.tester@example.com would be created just in time');

    const audit = await exportAudit();
    expect(audit.some((r) => r.action === 'sso.saml_test_login' && r.after?.passed === true && r.after?.email === 'admin.tester@example.com')).toBe(true);
    expect(audit.some((r) => r.action === 'sso.signed_in' && r.after?.subject === 'admin.tester@example.com')).toBe(false);
  });

  it('shows the failing check and its fix when Okta signed with another certificate', async () => {
    const rotatedAway = await generateSigningKeyPair('rotated');
    const start = await api(stack.url).get(`${new URL(ws.loginUrl).pathname}?test=1`);
    const { acsUrl, form } = idp.respondTo(start.headers.get('location')!, { ...user('ada@example.com'), signingKey: rotatedAway });
    const res = await postAcs(stack, acsUrl, form);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-idpb-test-login')).toBe('failed');
    expect(res.text).toContain('data-check="signature" data-status="failed"');
    expect(res.text).toContain('invalid_signature');
    expect(res.text).toContain('Re-fetch the X.509 certificate from Okta → Sign On tab');
    expect(res.text).toContain('data-check="audience" data-status="skipped"');
    const audit = await exportAudit();
    expect(audit.some((r) => r.action === 'sso.saml_test_login' && r.after?.passed === false && r.after?.error === 'invalid_signature')).toBe(true);
  });
});

interface AuditLine {
  action: string;
  after?: Record<string, unknown> | null;
}

async function exportAudit(): Promise<AuditLine[]> {
  const res = await ws.admin.get(`/api/admin/workspaces/${ws.teamId}/audit-export`);
  expect(res.status).toBe(200);
  return res.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditLine);
}
