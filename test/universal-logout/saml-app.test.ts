/**
 * Universal Logout for a workspace connected to Okta only through a SAML app: `iss` is the org URL,
 * `sub` the SAML app instance id, and the JWT is signed with the app's SAML signing key (the
 * certificate the admin pasted), so no JWKS exists to fetch.
 */
import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedKeyPair } from '../fixtures/certs.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const ORG = 'https://saml-only.okta.example';
const APP = '0oa-saml-app-1';

let stack: TestStack;
let admin: ApiClient;
let teamId: string;
const current = selfSignedKeyPair('okta-saml-current');
const next = selfSignedKeyPair('okta-saml-next');
const stranger = selfSignedKeyPair('someone-else');

async function logoutJwt(privateKeyPem: string, over: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { jti: randomUUID(), iss: ORG, sub: APP, aud: `${stack.url}/api/okta/universal-logout`, iat: now, nbf: now - 300, exp: now + 300, ...over };
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'global-token-revocation+jwt' }).sign(await importPKCS8(privateKeyPem, 'RS256'));
}

async function signInUserWithSession(email: string): Promise<string> {
  const user = await api(stack.url, (await mintScim())).post<{ id: string }>(`/api/scim/v2/${teamId}/Users`, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: email,
    active: true,
    emails: [{ value: email, primary: true }],
  });
  expect(user.status).toBe(201);
  const minted = await admin.post<{ token: string }>(`/api/workspaces/${teamId}/users/${user.json.id}/tokens`, { kind: 'api' });
  expect(minted.status).toBe(201);
  return minted.json.token;
}

let scimToken: string | undefined;
async function mintScim(): Promise<string> {
  scimToken ??= (await admin.post<{ token: string }>(`/api/admin/workspaces/${teamId}/scim-tokens`, { label: 'okta' })).json.token;
  return scimToken;
}

const active = async (token: string) => (await admin.post<{ active: boolean }>('/api/tokens/introspect', { token })).json.active;
const post = (jwt: string, email: string) =>
  api(stack.url).post('/api/okta/universal-logout', { sub_id: { format: 'email', email } }, { headers: { authorization: `Bearer ${jwt}` } });

beforeAll(async () => {
  stack = await startTestStack();
  admin = api(stack.url, stack.adminKey);
  teamId = (await admin.post<{ id: string }>('/api/admin/workspaces', { name: 'SAML only' })).json.id;
  const saml = await admin.put(`/api/admin/workspaces/${teamId}/saml`, {
    idpSsoUrl: `${ORG}/app/acme/exk1/sso/saml`,
    idpEntityId: 'http://www.okta.com/exk1',
    idpCertificates: [current.certificatePem, next.certificatePem],
    appInstanceId: APP,
    oktaOrgUrl: ORG,
  });
  expect(saml.status).toBe(200);
});

afterAll(async () => {
  await stack?.close();
});

describe('Universal Logout of a SAML app', () => {
  it('accepts a JWT signed with either configured SAML certificate and revokes the user', async () => {
    for (const [i, key] of [current, next].entries()) {
      const token = await signInUserWithSession(`saml-user-${i}@example.com`);
      expect(await active(token)).toBe(true);
      const res = await post(await logoutJwt(key.privateKeyPem), `saml-user-${i}@example.com`);
      expect(res.status).toBe(204);
      expect(await active(token)).toBe(false);
    }
  });

  it('refuses a JWT signed with any other key, and one whose iss is the SAML entity id', async () => {
    const token = await signInUserWithSession('saml-user-x@example.com');
    expect((await post(await logoutJwt(stranger.privateKeyPem), 'saml-user-x@example.com')).status).toBe(401);
    expect((await post(await logoutJwt(current.privateKeyPem, { iss: 'http://www.okta.com/exk1' }), 'saml-user-x@example.com')).status).toBe(401);
    expect((await post(await logoutJwt(current.privateKeyPem, { sub: 'another-app' }), 'saml-user-x@example.com')).status).toBe(401);
    expect(await active(token)).toBe(true);
  });
});
