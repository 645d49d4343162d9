/**
 * Storage outages answer 503 with `Retry-After` in every envelope (issue 8 item 7, review #9): the
 * handlers of this file's stack talk to a stand-in "database" on loopback that this test drives —
 * refusing connections, resetting them, answering DynamoDB's 500, or accepting and never answering
 * (a stalled database must not hold a request until the gateway gives up). Nothing shared is
 * stopped; the real handlers run behind the local API Gateway adapter.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { ERROR_SCHEMA } from './helpers.js';

type Mode = 'reset' | 'http500' | 'stall';

/** A TCP endpoint that fails the way a dying database does. */
class BrokenDatabase {
  mode: Mode = 'reset';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async listen(port = 0): Promise<void> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      if (this.mode === 'reset') {
        socket.destroy();
        return;
      }
      socket.on('data', () => {
        if (this.mode !== 'http500') return; // stall: read the request, never answer
        const body = '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}';
        socket.write(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Stops listening and drops every connection: the next connect is refused. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

const db = new BrokenDatabase();
let stack: TestStack;
const TEAM = '7b0c6f0e-8a2f-4c1e-9d3a-5f6b7c8d9e0f';
/** Well-formed, so authentication goes to storage to look it up. */
const SCIM_TOKEN = `idpb_us_scim_${'a'.repeat(20)}_${'A'.repeat(43)}`;

beforeAll(async () => {
  await db.listen();
  stack = await startTestStack({ env: { DYNAMODB_ENDPOINT: `http://127.0.0.1:${db.port}` }, logLevel: 'ERROR' });
});
afterAll(async () => {
  await db.close();
  await stack?.close();
});

const expect503 = (res: ApiResponse, what: string) => {
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(503);
  expect(res.headers.get('retry-after'), what).toMatch(/^[1-9]\d*$/);
  expect(res.text, what).not.toMatch(/at \w+ \(|stack/i);
};

/** One request of each endpoint group, each checked in its own envelope. */
async function everyEnvelope(): Promise<void> {
  const scim = api(stack.url, SCIM_TOKEN);
  const list = await scim.get(`/api/scim/v2/${TEAM}/Users?filter=${encodeURIComponent('userName eq "a@b.example"')}`);
  expect503(list, 'SCIM list');
  expect(list.json).toEqual({ schemas: [ERROR_SCHEMA], status: '503', detail: 'Storage is temporarily unavailable; retry later.' });
  expect503(await scim.post(`/api/scim/v2/${TEAM}/Users`, { userName: 'x@y.example' }), 'SCIM create');
  expect503(await scim.patch(`/api/scim/v2/${TEAM}/Users/u1`, { Operations: [{ op: 'replace', value: { active: false } }] }), 'SCIM deactivate');

  const health = await api(stack.url).get('/api/health');
  expect503(health, 'health');
  expect(health.json).toEqual({ error: { code: 'storage_unavailable', message: 'Storage is temporarily unavailable; retry later.' } });

  const admin = await api(stack.url, stack.adminKey).get(`/api/admin/workspaces/${TEAM}`);
  expect503(admin, 'admin API');
  expect((admin.json as { error: { code: string } }).error.code).toBe('storage_unavailable');

  const introspect = await api(stack.url, stack.adminKey).post('/api/tokens/introspect', new URLSearchParams({ token: `idpb_us_api_${'b'.repeat(20)}_${'B'.repeat(43)}` }));
  expect503(introspect, 'introspection (OAuth)');
  expect(introspect.json).toMatchObject({ error: 'temporarily_unavailable', error_description: 'Storage is temporarily unavailable; retry later.' });

  const { clientId, clientSecret } = stack.secrets.scimOAuthClient;
  const token = await api(stack.url).post('/api/okta/scim/oauth/token', new URLSearchParams({ grant_type: 'refresh_token', refresh_token: `idpb_us_oauth-refresh_${'c'.repeat(20)}_${'C'.repeat(43)}` }), {
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
  });
  expect503(token, 'SCIM OAuth token endpoint');
  expect((token.json as { error: string }).error).toBe('temporarily_unavailable');

  expect503(await api(stack.url).get(`/api/okta/oidc/login?team_id=${TEAM}`), 'OIDC sign-in start');
  expect503(await api(stack.url).get(`/api/saml/${TEAM}/login`), 'SAML sign-in start');
  expect503(await api(stack.url).post(`/api/saml/${TEAM}/acs`, new URLSearchParams({ SAMLResponse: Buffer.from('<x/>').toString('base64') })), 'SAML ACS');
}

describe('storage outages (review #9)', () => {
  it('answers 503 with Retry-After in every envelope when the database resets connections (review #9)', async () => {
    db.mode = 'reset';
    await everyEnvelope();
  });

  it('answers 503 with Retry-After when DynamoDB answers 500 InternalServerError (review #9)', async () => {
    db.mode = 'http500';
    await everyEnvelope();
  });

  it('answers 503 with Retry-After, instead of hanging, when the database accepts and never answers (review #9)', async () => {
    db.mode = 'stall';
    const [scim, health] = await Promise.all([api(stack.url, SCIM_TOKEN).get(`/api/scim/v2/${TEAM}/Users`), api(stack.url).get('/api/health')]);
    expect503(scim, 'SCIM list');
    expect503(health, 'health');
  });

  it('answers 503 with Retry-After in every envelope when connections are refused (review #9)', async () => {
    await db.close();
    await everyEnvelope();
  });
});
