/**
 * Bounded input at the edge (issue 8 item 7): every client value that becomes a DynamoDB key or
 * item is bounded, transactions stay within DynamoDB's limits, prototype member names never get in,
 * `password` is dropped at any depth, and sign-in names carry no invisible characters. Each case was
 * a 5xx (or a silent acceptance) in the review; each now gets the protocol's 4xx.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../dev/dynamodb-local.js';
import { createSamlIdp } from '../../dev/saml-idp/index.js';
import { api } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { codeFrom, postAcs, samlWorkspace } from '../saml/support.js';
import { envelope, ERROR_SCHEMA, oktaUser, PATCH_OP, scimWorkspace, type ScimJson, type ScimWorkspace } from './helpers.js';

let stack: TestStack;
let ws: ScimWorkspace;

beforeAll(async () => {
  stack = await startTestStack();
  ws = await scimWorkspace(stack);
});
afterAll(() => stack?.close());

const raw = { headers: { 'content-type': 'application/scim+json' } };
const expectScim400 = (res: { status: number; json: ScimJson; text: string }, scimType: string) => {
  expect(res.status, res.text).toBe(400);
  expect(envelope(res as never)).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType });
};
const filter = (resource: string, f: string) => ws.scim.get(`${resource}?filter=${encodeURIComponent(f)}`);

/** Every string attribute value of every item of this file's table. */
async function tableText(): Promise<string> {
  const client = localDynamoClient(stack.endpoint);
  try {
    const out = await client.send(new ScanCommand({ TableName: stack.tableName }));
    return JSON.stringify(out.Items ?? []);
  } finally {
    client.destroy();
  }
}

describe('filter values that become keys (review #8a)', () => {
  const long = 'x'.repeat(2000);

  it('refuses over-long equality values on every indexed attribute with 400 invalidFilter (review #8)', async () => {
    for (const [resource, f] of [
      ['/Users', `userName eq "${long}"`],
      ['/Users', `emails.value eq "${long}@example.com"`],
      ['/Users', `emails[type eq "work" and value eq "${long}"]`],
      ['/Users', `externalId eq "${long}"`],
      ['/Users', `id eq "${long}"`],
      ['/Groups', `displayName eq "${long}"`],
      ['/Groups', `externalId eq "${long}"`],
      ['/Groups', `members[value eq "${long}"]`],
      ['/Groups', `members.value eq "${long}"`],
    ] as const) {
      expectScim400(await filter(resource, f), 'invalidFilter');
    }
  });

  it('counts bytes, not characters: 400 four-byte characters are refused as a userName filter value (review #8)', async () => {
    expectScim400(await filter('/Users', `userName eq "${'𝒜'.repeat(400)}"`), 'invalidFilter');
  });

  it('still answers a filter value of the longest storable userName', async () => {
    const userName = `${'a'.repeat(500)}@x.example`;
    const created = await ws.scim.post('/Users', oktaUser(userName, { emails: [] }));
    expect(created.status, created.text).toBe(201);
    const found = await filter('/Users', `userName eq "${userName}"`);
    expect(found.status).toBe(200);
    expect(found.json.totalResults).toBe(1);
  });
});

describe('values stored as keys (review #8a)', () => {
  it('refuses a userName, externalId or e-mail too long for a key with 400 invalidValue (review #8)', async () => {
    for (const body of [
      oktaUser(`${'u'.repeat(513)}@x.example`),
      oktaUser(`${'é'.repeat(500)}@x.example`), // 500 characters, 1,000+ bytes
      oktaUser('ext.long@x.example', { externalId: '𝒜'.repeat(300) }),
      oktaUser('mail.long@x.example', { emails: [{ value: `${'m'.repeat(330)}@x.example` }] }),
    ]) {
      expectScim400(await ws.scim.post('/Users', body), 'invalidValue');
    }
  });

  it('refuses a group displayName or externalId too long for a key with 400 invalidValue (review #8)', async () => {
    expectScim400(await ws.scim.post('/Groups', { displayName: '𝒜'.repeat(300) }), 'invalidValue');
    expectScim400(await ws.scim.post('/Groups', { displayName: 'ok', externalId: 'e'.repeat(600) }), 'invalidValue');
    expectScim400(await ws.scim.post('/Groups', { displayName: 'ok', members: [{ value: 'm'.repeat(300) }] }), 'invalidValue');
  });

  it('answers 404 for an over-long id in a path, without a storage error', async () => {
    const res = await ws.scim.get(`/Users/${'i'.repeat(3000)}`);
    expect(res.status).toBe(404);
    expect((await ws.scim.get(`/api/scim/v2/${'t'.repeat(3000)}/Users`)).status).toBe(404);
    expect((await ws.scim.get(`/api/scim/v2/${'𝒜'.repeat(600)}/Users/${'𝒜'.repeat(190)}`)).status).toBe(404);
    expect((await ws.scim.delete(`/Groups/${'i'.repeat(3000)}`)).status).toBe(404);
  });
});

describe('transaction limits (review #8b)', () => {
  const emails = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ value: `${tag}${i}@mail.example`, type: 'other' }));

  it('refuses 97 e-mail addresses on one user with 400 invalidValue, not 500 (review #8)', async () => {
    const res = await ws.scim.post('/Users', oktaUser('many.mails@x.example', { emails: emails(97, 'a') }));
    expectScim400(res, 'invalidValue');
    expect(envelope(res).detail).toContain('40');
  });

  it('replaces all 40 addresses of a user by 40 others in one PUT (the largest transaction fits)', async () => {
    const created = await ws.scim.post('/Users', oktaUser('forty.mails@x.example', { emails: emails(40, 'before') }));
    expect(created.status, created.text).toBe(201);
    const id = String(created.json.id);
    const replaced = await ws.scim.put(`/Users/${id}`, oktaUser('forty.mails@x.example', { emails: emails(40, 'after'), active: false }));
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.json.emails).toHaveLength(40);
    const byNew = await filter('/Users', 'emails.value eq "after39@mail.example"');
    expect(byNew.json.totalResults).toBe(1);
    const byOld = await filter('/Users', 'emails.value eq "before39@mail.example"');
    expect(byOld.json.totalResults).toBe(0);
    expectScim400(await ws.scim.put(`/Users/${id}`, oktaUser('forty.mails@x.example', { emails: emails(41, 'more') })), 'invalidValue');
  });

  it('bounds the other multi-valued attributes (review #8)', async () => {
    const phones = Array.from({ length: 51 }, (_, i) => ({ value: `+1555000${i}` }));
    expectScim400(await ws.scim.post('/Users', oktaUser('phones@x.example', { phoneNumbers: phones })), 'invalidValue');
  });

  it('refuses a resource too large to store with its audit record with 400 invalidValue (review #8)', async () => {
    const big = { 'urn:acme:custom:2.0:User': { notes: 'n'.repeat(120_000) } };
    const res = await ws.scim.post('/Users', oktaUser('big@x.example', big));
    expectScim400(res, 'invalidValue');
    expect(envelope(res).detail).toContain('100000');
    // Just under the bound is stored, and so are its PUT and the audit record holding it twice.
    const fits = { 'urn:acme:custom:2.0:User': { notes: 'n'.repeat(95_000) } };
    const created = await ws.scim.post('/Users', oktaUser('fits@x.example', fits));
    expect(created.status, created.text).toBe(201);
    const put = await ws.scim.put(`/Users/${created.json.id}`, oktaUser('fits@x.example', { 'urn:acme:custom:2.0:User': { notes: 'm'.repeat(95_000) } }));
    expect(put.status, put.text).toBe(200);
  });
});

describe('prototype member names (review #8c, #8d)', () => {
  it('refuses constructor, __proto__ and prototype anywhere in a SCIM body with 400 (review #8)', async () => {
    for (const body of [
      '{"userName":"p1@x.example","urn:acme:ext:1.0":{"constructor":"x"}}',
      '{"userName":"p2@x.example","constructor":{"a":1}}',
      '{"userName":"p3@x.example","__proto__":{"a":1}}',
      '{"userName":"p4@x.example","emails":[{"value":"p4@x.example","prototype":true}]}',
      '{"userName":"p5@x.example","urn:acme:ext:1.0":{"deep":[{"x":{"__proto__":{"polluted":1}}}]}}',
    ]) {
      const res = await ws.scim.post('/Users', body, raw);
      expectScim400(res, 'invalidSyntax');
    }
    expectScim400(await ws.scim.post('/Groups', '{"displayName":"g","constructor":{"a":1}}', raw), 'invalidSyntax');
    const none = await filter('/Users', 'userName sw "p"');
    expect(none.json.Resources.map((r: ScimJson) => r.userName).filter((u: string) => /^p\d@/.test(u))).toEqual([]);
  });

  it('refuses PATCH paths naming constructor with 400 invalidPath (review #8)', async () => {
    const id = String((await ws.scim.post('/Users', oktaUser('patch.proto@x.example'))).json.id);
    for (const op of [
      { op: 'add', path: 'urn:acme:ext:1.0:constructor', value: { a: 1 } },
      { op: 'add', path: 'name.constructor', value: 'x' },
      { op: 'add', path: 'emails[constructor eq "x"].value', value: 'a@b.example' },
      { op: 'add', path: 'urn:acme:constructor:1.0:x', value: 1 },
    ]) {
      expectScim400(await ws.scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [op] }), 'invalidPath');
    }
    const pathless = await ws.scim.patch(`/Users/${id}`, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":{"urn:acme:ext:1.0":{"__proto__":{"a":1}}}}]}`, raw);
    expectScim400(pathless, 'invalidSyntax');
  });

  it('matches nobody with filter=constructor pr, toString pr or constructor co "native" (review #14)', async () => {
    for (const f of ['constructor pr', 'toString pr', 'constructor co "native"', 'hasOwnProperty pr', 'name.constructor pr']) {
      const res = await filter('/Users', f);
      expect(res.status, `${f}: ${res.text}`).toBe(200);
      expect(res.json.totalResults, f).toBe(0);
    }
    const groups = await filter('/Groups', 'constructor pr');
    expect(groups.json.totalResults).toBe(0);
  });

  it('refuses prototype member names in admin and token API bodies with 400 (review #8)', async () => {
    const admin = api(stack.url, stack.adminKey);
    const res = await admin.post('/api/admin/workspaces', '{"name":"x","__proto__":{"admin":true}}', { headers: { 'content-type': 'application/json' } });
    expect(res.status, res.text).toBe(400);
    expect((res.json as { error: { code: string } }).error.code).toBe('validation_failed');
    const intro = await api(stack.url, stack.adminKey).post('/api/tokens/introspect', '{"token":"x","constructor":"y"}', { headers: { 'content-type': 'application/json' } });
    expect(intro.status, intro.text).toBe(400);
    expect((intro.json as { error: string }).error).toBe('invalid_request');
  });
});

describe('passwords and secrets (review #10)', () => {
  it('drops password at any depth: never stored, echoed or audited (review #10)', async () => {
    const body = {
      ...oktaUser('extpw@x.example', { password: 'CorePw-123!' }),
      'urn:acme:okta:custom:2.0:User': { password: 'ExtPw-123!', apiToken: 'tok-secret-123', nested: { Password: 'NestedPw-123!', keep: 'kept' } },
    };
    const created = await ws.scim.post('/Users', body);
    expect(created.status, created.text).toBe(201);
    expect(created.text).not.toMatch(/Pw-123!/);
    expect(created.json['urn:acme:okta:custom:2.0:User']).toMatchObject({ apiToken: 'tok-secret-123', nested: { keep: 'kept' } });
    const patched = await ws.scim.patch(`/Users/${created.json.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'urn:acme:okta:custom:2.0:User:password', value: 'PatchPw-123!' }],
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.text).not.toContain('PatchPw-123!');
    const stored = await tableText();
    expect(stored).not.toMatch(/Pw-123!/);
    // The audit record keeps the extension but not its secret-looking members.
    const audit = await ws.admin.get(`/api/admin/workspaces/${ws.teamId}/audit-export`);
    expect(audit.text).toContain('extpw@x.example');
    expect(audit.text).not.toContain('tok-secret-123');
  });
});

describe('invisible characters in userName (review #19)', () => {
  it('refuses control and format characters in userName with 400 invalidValue (review #19)', async () => {
    for (const userName of ['ad\u200bmin@a.example', 'nul\u0000@a.example', 'rtl\u202e@a.example', 'line\nbreak@a.example', 'bom\ufeff@a.example', 'soft\u00adhyphen@a.example']) {
      expectScim400(await ws.scim.post('/Users', oktaUser(userName, { emails: [] })), 'invalidValue');
    }
    const id = String((await ws.scim.post('/Users', oktaUser('visible@a.example'))).json.id);
    const patched = await ws.scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'vis\u200cible@a.example' }] });
    expectScim400(patched, 'invalidValue');
  });
});

describe('answers of endpoints SCIM does not serve (review #15)', () => {
  it('answers 501 with its own message for /Bulk, /Me and /.search (review #15)', async () => {
    for (const [method, path] of [
      ['post', '/Bulk'],
      ['get', '/Me'],
      ['post', '/Users/.search'],
      ['post', '/Groups/.search'],
    ] as const) {
      const res = method === 'post' ? await ws.scim.post(path, {}) : await ws.scim.get(path);
      expect(res.status, path).toBe(501);
      expect(envelope(res).detail, path).not.toBe('An internal error occurred.');
      expect(envelope(res).detail, path).toMatch(/not supported/);
    }
  });

  it('answers 405 with an Allow header naming the served methods (review #15)', async () => {
    const res = await ws.scim.delete('/Users');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    const disc = await ws.scim.post('/ServiceProviderConfig', {});
    expect(disc.status).toBe(405);
    expect(disc.headers.get('allow')).toBe('GET, HEAD');
    const admin = await api(stack.url, stack.adminKey).delete('/api/admin/workspaces');
    expect(admin.status).toBe(405);
    expect(admin.headers.get('allow')).toMatch(/\bPOST\b/);
  });
});

describe('malformed percent-escapes in paths', () => {
  it('answers 400 (admin API) or a 4xx (SCIM), never 500, for a malformed % escape', async () => {
    const admin = await api(stack.url, stack.adminKey).get('/api/admin/workspaces/%E0%A4%A');
    expect(admin.status, admin.text).toBe(400);
    const scim = await ws.scim.get('/api/scim/v2/%zz/Users');
    expect(scim.status).toBeGreaterThanOrEqual(400);
    expect(scim.status).toBeLessThan(500);
    const user = await ws.scim.get('/Users/%E0%A4%A');
    expect(user.status).toBeGreaterThanOrEqual(400);
    expect(user.status).toBeLessThan(500);
  });
});

describe('admin API strings (review #17)', () => {
  it('refuses an idpSsoUrl that is not https (javascript:, data:, http to a public host) with 400 (review #17)', async () => {
    const admin = api(stack.url, stack.adminKey);
    const cert = 'MIIBkTCB+wIJAL' + 'A'.repeat(200);
    for (const idpSsoUrl of ['javascript:alert(1)//', 'data:text/html,x', 'http://idp.example.com/sso', 'ftp://idp.example.com/sso']) {
      const res = await admin.put(`/api/admin/workspaces/${ws.teamId}/saml`, { idpSsoUrl, idpEntityId: 'http://idp.example/e', idpCertificate: cert });
      expect(res.status, `${idpSsoUrl}: ${res.text}`).toBe(400);
      expect(res.text).toContain('idpSsoUrl');
    }
  });

  it('refuses role mappings too large for the workspace item with 400', async () => {
    const admin = api(stack.url, stack.adminKey);
    const groups = Array.from({ length: 100 }, (_, i) => ({ group: `g${i}-${'x'.repeat(200)}`, role: 'member', grants: Array.from({ length: 50 }, (_, j) => `grant-${j}-${'y'.repeat(80)}`) }));
    const res = await admin.put(`/api/admin/workspaces/${ws.teamId}/role-mappings`, { groups });
    expect(res.status, res.text.slice(0, 300)).toBe(400);
  });
});

describe('SAML attribute names (review #13)', () => {
  it('signs in with attributes named constructor, toString and hasOwnProperty (review #13)', async () => {
    const idp = await createSamlIdp();
    const saml = await samlWorkspace(stack, idp);
    const res = await postAcs(stack, saml.acsUrl, {
      SAMLResponse: idp.buildResponse({
        audience: saml.audience,
        nameId: 'proto.attrs@example.com',
        attributes: { email: 'proto.attrs@example.com', constructor: 'c', toString: 't', hasOwnProperty: 'h', __proto__x: 'p' },
        acsUrl: saml.acsUrl,
        sign: 'assertion',
      }),
    });
    expect(res.status, res.text.slice(0, 400)).toBe(302);
    expect(codeFrom(res)).toMatch(/.+/);
  });
});
