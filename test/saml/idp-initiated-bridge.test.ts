/**
 * IdP-initiated SAML stays on by default (Okta's dashboard tile needs it), but an unsolicited
 * response may not land on the bridge's own pages (review #21: login CSRF into the admin portal).
 * Real responses signed by the local SAML IdP, the real ACS behind the local API, DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamlIdp, type SamlIdp } from '../../dev/saml-idp/index.js';
import { api, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { codeFrom, errorCode, postAcs, samlWorkspace, type SamlWorkspace } from './support.js';

let stack: TestStack;
let idp: SamlIdp;
let ws: SamlWorkspace;

beforeAll(async () => {
  [stack, idp] = await Promise.all([startTestStack(), createSamlIdp()]);
  ws = await samlWorkspace(stack, idp);
  // Saved without allowIdpInitiated: the default applies.
  const res = await ws.admin.put(`/api/admin/workspaces/${ws.teamId}/saml`, { idpSsoUrl: idp.ssoUrl, idpEntityId: idp.entityId, idpCertificates: [idp.certificatePem] });
  expect(res.status).toBe(200);
});
afterAll(() => stack?.close());

const unsolicited = (email: string) =>
  idp.buildResponse({ acsUrl: ws.acsUrl, audience: ws.audience, nameId: email, attributes: { email }, sign: 'assertion' });

function expectRefusedWithoutSession(res: ApiResponse): void {
  expect(res.status, res.text).toBe(403);
  expect(errorCode(res)).toBe('unsolicited_bridge_destination');
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('set-cookie')).toBeNull();
}

describe('IdP-initiated SAML and the bridge’s own pages (review #21)', () => {
  it('keeps IdP-initiated sign-in allowed by default: an unsolicited response lands in the host app with its deep link', async () => {
    const shown = await ws.admin.get<{ saml?: { allowIdpInitiated?: boolean } }>(`/api/admin/workspaces/${ws.teamId}`);
    expect(shown.json.saml?.allowIdpInitiated).toBe(true);
    const res = await postAcs(stack, ws.acsUrl, { SAMLResponse: unsolicited('tile@example.com'), RelayState: '/projects/1' });
    codeFrom(res);
    expect(new URL(res.headers.get('location')!).searchParams.get('next')).toBe('/projects/1');
  });

  it.each(['/admin', '/admin/workspaces', 'ABSOLUTE/admin', '/api/okta/scim/oauth/authorize'])(
    'refuses with 403 unsolicited_bridge_destination an unsolicited response whose RelayState is %s, with no session cookie',
    async (target) => {
      const relayState = target.replace('ABSOLUTE', stack.url);
      expectRefusedWithoutSession(await postAcs(stack, ws.acsUrl, { SAMLResponse: unsolicited('csrf@example.com'), RelayState: relayState }));
    },
  );

  it('refuses a bridge page that only the posted RelayState of an SP-initiated response names (its request did not ask for it)', async () => {
    const start = await api(stack.url).get(new URL(ws.loginUrl).pathname);
    const { acsUrl, form } = idp.respondTo(start.headers.get('location')!, { audience: ws.audience, nameId: 'sp@example.com', attributes: { email: 'sp@example.com' } });
    form.set('RelayState', '/admin');
    expectRefusedWithoutSession(await postAcs(stack, acsUrl, form));
  });

  it('still signs in to /admin through an SP-initiated sign-in that asked for it', async () => {
    const start = await api(stack.url).get(`${new URL(ws.loginUrl).pathname}?return_to=/admin`);
    const { acsUrl, form } = idp.respondTo(start.headers.get('location')!, { audience: ws.audience, nameId: 'admin@example.com', attributes: { email: 'admin@example.com' } });
    const done = await postAcs(stack, acsUrl, form);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe(`${stack.url}/admin`);
    expect(done.headers.get('set-cookie')).toMatch(/^idpb_session=/);
  });
});
