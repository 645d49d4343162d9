/**
 * Refusal facts of admin authentication (review #6): a wrong platform key leaves only where it came
 * from — never any part of the presented key, nor a fingerprint of it or of the real key.
 */
import { describe, expect, it } from 'vitest';
import { authenticateAdmin, keyFingerprint } from '../../lambdas/signin/admin-auth.js';
import { loadConfig } from '../../lambdas/platform/config.js';
import { TokenHasher } from '../../lambdas/core/crypto.js';
import { buildDeps } from '../../lambdas/platform/deps.js';
import type { HttpRequest } from '../../lambdas/platform/http.js';
import { refusalOf } from '../../lambdas/core/refusals.js';
import { TEST_ENV } from '../fixtures/config.js';

const REAL_KEY = 'real-platform-key-0123456789abcdefghijklmnopqrstuv';
// Neither the key check nor these refusals touch storage: no DynamoDB is needed.
const deps = buildDeps(loadConfig(TEST_ENV), { adminKey: async () => REAL_KEY });

function request(headers: Record<string, string>): HttpRequest {
  return {
    method: 'POST',
    path: '/api/admin/workspaces',
    routeKey: 'ANY /api/admin/{proxy+}',
    pathParams: {},
    query: {},
    headers,
    cookies: [],
    body: '',
    sourceIp: '203.0.113.7',
    userAgent: 'curl/8.5',
    requestId: 'r1',
  };
}

async function refusal(req: HttpRequest) {
  const err = await authenticateAdmin(deps, req).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ status: 401 });
  return refusalOf(err);
}

/** Every substring of length 6 of `s`: none may appear in a refusal's facts. */
function fragments(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 6 <= s.length; i++) out.push(s.slice(i, i + 6));
  return out;
}

describe('authenticateAdmin refusal facts', () => {
  it.each([
    ['a wrong bearer key', { authorization: 'Bearer wrong-key-nearly-REAL-platform-key-0123456789' }, 'wrong-key-nearly-REAL-platform-key-0123456789'],
    ['a wrong x-api-key', { 'x-api-key': 'real-platform-key-0123456789abcdefghijklmnopqrstuX' }, 'real-platform-key-0123456789abcdefghijklmnopqrstuX'],
  ])('refuses %s as admin.key_wrong with only the source as detail', async (_name, headers, presented) => {
    const facts = await refusal(request(headers));

    expect(facts).toEqual({ cause: 'admin.key_wrong', detail: { source: { ip: '203.0.113.7', userAgent: 'curl/8.5' } } });
    const text = JSON.stringify(facts);
    for (const f of fragments(presented)) expect(text).not.toContain(f);
    expect(text).not.toContain(keyFingerprint(presented));
    expect(text).not.toContain(keyFingerprint(REAL_KEY));
  });

  it('names another kind of our tokens by its kind only (never its id or secret)', async () => {
    const token = new TokenHasher('pepper').mint('us', 'scim').token;

    const facts = await refusal(request({ authorization: `Bearer ${token}` }));

    expect(facts).toEqual({ cause: 'admin.token_kind', detail: { source: { ip: '203.0.113.7', userAgent: 'curl/8.5' }, kind: 'scim' } });
  });

  it('refuses a request without any credential as admin.credentials_missing', async () => {
    expect(await refusal(request({}))).toMatchObject({ cause: 'admin.credentials_missing' });
  });
});
