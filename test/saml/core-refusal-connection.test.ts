/**
 * A refusal of the sign-in core (lambdas/signin/complete.ts: user not provisioned) names the
 * connection the user came through: its id in the `sso.sign_in_refused` audit record, and its
 * preset's words in the fix (lambdas/signin/refusals.ts). End to end over HTTP with real signed
 * responses, through an Entra-style SAML connection and the Okta-style `saml` connection of one
 * workspace, both with just-in-time provisioning off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamlIdp, type SamlIdp } from '../../dev/saml-idp/index.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { errorCode, postAcs, samlWorkspace, type SamlWorkspace } from './support.js';

let stack: TestStack;
let okta: SamlIdp;
let entra: SamlIdp;
let ws: SamlWorkspace;
let entraConn: { id: string; setup: { acsUrl: string; entityId: string } };

beforeAll(async () => {
  [stack, okta, entra] = await Promise.all([startTestStack(), createSamlIdp(), createSamlIdp({ flavor: 'entra' })]);
  ws = await samlWorkspace(stack, okta, { jit: false });
  const created = await ws.admin.post<typeof entraConn>(`/api/admin/workspaces/${ws.teamId}/connections`, {
    protocol: 'saml',
    preset: 'entra',
    name: 'Contoso Entra ID',
    idpSsoUrl: entra.ssoUrl,
    idpEntityId: entra.entityId,
    idpCertificate: entra.certificatePem,
    signInEnabled: true,
    jitEnabled: false,
  });
  expect(created.status, created.text).toBe(201);
  entraConn = created.json;
});
afterAll(() => stack?.close());

interface AuditLine {
  action: string;
  after?: Record<string, unknown> | null;
}

async function refusals(): Promise<Record<string, unknown>[]> {
  const res = await ws.admin.get(`/api/admin/workspaces/${ws.teamId}/audit-export`);
  expect(res.status).toBe(200);
  return res.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditLine)
    .filter((r) => r.action === 'sso.sign_in_refused' && r.after?.refusal === 'user_not_provisioned')
    .map((r) => r.after!);
}

describe('a core refusal names its connection', () => {
  it('audits the Entra connection id and words the fix in Entra terms', async () => {
    const res = await postAcs(stack, entraConn.setup.acsUrl, {
      SAMLResponse: entra.buildResponse({
        acsUrl: entraConn.setup.acsUrl,
        audience: entraConn.setup.entityId,
        ...entra.entraUser({ email: 'nobody@contoso.example' }),
        sign: 'assertion',
      }),
    });
    expect(res.status, res.text).toBe(403);
    expect(errorCode(res)).toBe('user_not_provisioned');
    expect(res.text).toContain('enterprise application in Entra ID');
    const audited = (await refusals()).find((r) => r.email === 'nobody@contoso.example');
    expect(audited).toMatchObject({ protocol: 'saml', connectionId: entraConn.id, issuer: entra.entityId });
    expect(String(audited?.fix)).toContain('Entra ID');
  });

  it('audits the `saml` connection id and keeps the Okta words for the Okta connection', async () => {
    const res = await postAcs(stack, ws.acsUrl, {
      SAMLResponse: okta.buildResponse({ acsUrl: ws.acsUrl, audience: ws.audience, nameId: 'nobody@acme.example', attributes: { email: 'nobody@acme.example' }, sign: 'assertion' }),
    });
    expect(res.status, res.text).toBe(403);
    expect(errorCode(res)).toBe('user_not_provisioned');
    expect(res.text).toContain('Okta');
    const audited = (await refusals()).find((r) => r.email === 'nobody@acme.example');
    expect(audited).toMatchObject({ protocol: 'saml', connectionId: 'saml', issuer: okta.entityId });
    expect(String(audited?.fix)).not.toContain('Entra ID');
  });
});
