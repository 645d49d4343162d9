/**
 * The pure parts of refusal tracing (review #6): which bucket a refusal is counted in, what its
 * detail may say, and how causes are named.
 */
import { describe, expect, it, vi } from 'vitest';
import { keys } from '../../lambdas/store/keys.js';
import {
  defaultCause,
  redactRefusalDetail,
  redactRefusalString,
  refusalArea,
  refusalBucketName,
  refusalBucketOf,
  refusalOf,
  refusalWindow,
  respondRefused,
  withRefusal,
} from '../../lambdas/core/refusals.js';

const TEAM = '0b7c2e7e-5b7a-4c55-9a43-4c8d3c1c7f10';
const SECRET = 'Zm9yZ2VkLXNlY3JldC1wYXJ0LW9mLWEtdG9rZW4tMDEyMzQ1Njc4OQ';
const TOKEN = `idpb_us_scim_0123456789abcdefghjk_${SECRET}`;
const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6Imdsb2JhbC10b2tlbi1yZXZvY2F0aW9uK2p3dCJ9.eyJpc3MiOiJodHRwczovL2Iub2t0YS5jb20ifQ.c2lnbmF0dXJlLWJ5dGVz';

describe('refusal aggregation key (review #6)', () => {
  it('puts refusals of one workspace, cause and source within one hour in one bucket', () => {
    const a = refusalBucketOf(TEAM, 'scim.token_unknown', '203.0.113.7', Date.parse('2026-11-30T20:00:00.000Z'));
    const b = refusalBucketOf(TEAM, 'scim.token_unknown', '203.0.113.7', Date.parse('2026-11-30T20:59:59.999Z'));
    expect(a).toEqual(b);
    expect(a.hour).toBe('2026-11-30T20');
    expect(keys.refusalBucket(a.teamId, a.hour, a.cause, a.sourceIp)).toEqual(keys.refusalBucket(b.teamId, b.hour, b.cause, b.sourceIp));
  });

  it('starts a new bucket at the next hour, for another source, another cause or another workspace', () => {
    const at = Date.parse('2026-11-30T20:30:00.000Z');
    const base = keys.refusalBucket(TEAM, refusalWindow(at).hour, 'scim.token_unknown', '203.0.113.7');
    const variants = [
      refusalBucketOf(TEAM, 'scim.token_unknown', '203.0.113.7', Date.parse('2026-11-30T21:00:00.000Z')),
      refusalBucketOf(TEAM, 'scim.token_unknown', '203.0.113.8', at),
      refusalBucketOf(TEAM, 'scim.token_expired', '203.0.113.7', at),
      refusalBucketOf('5f0b0c1e-1111-4c55-9a43-4c8d3c1c7f10', 'scim.token_unknown', '203.0.113.7', at),
    ];
    for (const v of variants) expect(keys.refusalBucket(v.teamId, v.hour, v.cause, v.sourceIp)).not.toEqual(base);
  });

  it('keeps every bucket of a workspace inside that workspace’s key space', () => {
    const b = refusalBucketOf(TEAM, 'logout.signature_invalid', '2001:db8::1', Date.parse('2026-11-30T20:30:00.000Z'));
    const k = keys.refusalBucket(b.teamId, b.hour, b.cause, b.sourceIp);
    expect(k.pk.startsWith(`WS#${TEAM}#`)).toBe(true);
    expect(k.pk).toBe(keys.refusalBucketPartition(TEAM, '2026-11-30T20'));
  });

  it('names the window as one hour from its start', () => {
    const w = refusalWindow(Date.parse('2026-11-30T20:17:03.120Z'));
    expect(new Date(w.startMs).toISOString()).toBe('2026-11-30T20:00:00.000Z');
    expect(w.endMs - w.startMs).toBe(3_600_000);
    expect(refusalBucketName(refusalBucketOf(TEAM, 'scim.token_unknown', '203.0.113.7', w.startMs))).toBe('2026-11-30T20/scim.token_unknown/203.0.113.7');
  });
});

describe('refusal detail redaction (review #6: no secret in a log line or audit record)', () => {
  it('drops credential-named keys at any depth and keeps ids', () => {
    const out = redactRefusalDetail({
      token: TOKEN,
      tokenId: '0123456789abcdefghjk',
      nested: { client_secret: 's3cret', password: 'pw', authorization: `Bearer ${TOKEN}`, kid: 'key-1', list: [{ apiKey: 'k', jti: 'j-1' }] },
      issuer: 'https://b.okta.com',
    });
    expect(out).toEqual({ tokenId: '0123456789abcdefghjk', nested: { kid: 'key-1', list: [{ jti: 'j-1' }] }, issuer: 'https://b.okta.com' });
  });

  it('cuts our tokens to their public prefix and removes JWTs wherever they appear in a value', () => {
    const out = redactRefusalDetail({ presented: `Bearer ${TOKEN}`, raw: `jwt=${JWT}&x=1`, arr: [TOKEN] });
    const text = JSON.stringify(out);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(JWT);
    expect(text).not.toContain(JWT.split('.')[2]);
    expect(out.presented).toBe('Bearer idpb_us_scim_0123456789abcdefghjk_…');
    expect(out.raw).toBe('jwt=[jwt]&x=1');
    expect(out.arr).toEqual(['idpb_us_scim_0123456789abcdefghjk_…']);
  });

  it('bounds what a client can make a refusal carry: long strings, many keys, deep nesting, prototype keys', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    const deep = { a: { b: { c: { d: { e: { f: 'deep' } } } } } };
    const hostile = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"x":1},"ok":1}') as Record<string, unknown>;
    expect(redactRefusalString('x'.repeat(5_000)).length).toBeLessThanOrEqual(257);
    expect(Object.keys(redactRefusalDetail(many)).length).toBeLessThanOrEqual(24);
    expect(JSON.stringify(redactRefusalDetail(deep))).not.toContain('deep');
    expect(redactRefusalDetail(hostile)).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives an empty object for no detail', () => {
    expect(redactRefusalDetail(undefined)).toEqual({});
  });
});

describe('refusal causes and facts', () => {
  it('derives the audit area from the cause', () => {
    expect(refusalArea('scim.token_unknown')).toBe('scim');
    expect(refusalArea('scim_oauth.code_reused')).toBe('scim_oauth');
    expect(refusalArea('logout.signature_invalid')).toBe('logout');
  });

  it('names an undescribed refusal after its group and error code, or its status', () => {
    expect(defaultCause('admin', 401, 'unauthorized')).toBe('admin.unauthorized');
    expect(defaultCause('tokens', 401, 'invalid_token')).toBe('token.invalid_token');
    expect(defaultCause('universal-logout', 403)).toBe('logout.http_403');
    expect(defaultCause('scim', 401, 'scim_401')).toBe('scim.scim_401');
    expect(defaultCause('saml', 403, 'Not A Code!')).toBe('sso.http_403');
  });

  it('carries facts on thrown errors and on returned responses alike', () => {
    const err = withRefusal(new Error('x'), { cause: 'admin.key_wrong' });
    const res = respondRefused({ status: 401 }, { cause: 'scim_oauth.admin_key_wrong', teamId: TEAM });
    expect(refusalOf(err)).toEqual({ cause: 'admin.key_wrong' });
    expect(refusalOf(res)).toEqual({ cause: 'scim_oauth.admin_key_wrong', teamId: TEAM });
    // Not enumerable: the facts never leak into a serialized response.
    expect(JSON.stringify(res)).toBe('{"status":401}');
    expect(refusalOf({ status: 401 })).toBeUndefined();
  });
});

describe('the Refusals metric (review #6)', () => {
  async function emitted(localMode: boolean): Promise<{ stdout: string[]; debug: unknown[] }> {
    const { Metrics } = await import('@aws-lambda-powertools/metrics');
    const { Logger } = await import('@aws-lambda-powertools/logger');
    const { emitRefusalMetric } = await import('../../lambdas/platform/lambda.js');
    const logger = new Logger({ serviceName: 'idp-bridge', logLevel: 'DEBUG' });
    const debug: unknown[] = [];
    vi.spyOn(logger, 'debug').mockImplementation((...args: unknown[]) => {
      debug.push(args[1]);
    });
    const metrics = new Metrics({ namespace: 'idp-bridge', serviceName: 'idp-bridge', logger });
    const stdout: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
    try {
      const config = { LOCAL_MODE: localMode } as Parameters<typeof emitRefusalMetric>[0]['config'];
      emitRefusalMetric({ metrics, logger, config }, 'scim', 'scim.token_unknown');
      emitRefusalMetric({ metrics, logger, config }, 'admin', 'admin.key_wrong');
    } finally {
      spy.mockRestore();
      vi.restoreAllMocks();
    }
    return { stdout, debug };
  }

  it('writes one EMF document per refusal to stdout on AWS, each with only its own dimensions', async () => {
    const { stdout, debug } = await emitted(false);
    expect(debug).toEqual([]);
    const docs = stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs).toHaveLength(2);
    expect(docs[0]).toMatchObject({ service: 'idp-bridge', group: 'scim', cause: 'scim.token_unknown', Refusals: 1 });
    expect(docs[1]).toMatchObject({ service: 'idp-bridge', group: 'admin', cause: 'admin.key_wrong', Refusals: 1 });
    expect((docs[0]!._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics).toEqual([
      { Namespace: 'idp-bridge', Dimensions: [['service', 'group', 'cause']], Metrics: [{ Name: 'Refusals', Unit: 'Count' }] },
    ]);
  });

  it('sends the EMF document through the logger at DEBUG in local mode, and nothing to stdout', async () => {
    const { stdout, debug } = await emitted(true);
    expect(stdout).toEqual([]);
    expect(debug).toEqual([
      { emf: expect.objectContaining({ group: 'scim', cause: 'scim.token_unknown', Refusals: 1 }) },
      { emf: expect.objectContaining({ group: 'admin', cause: 'admin.key_wrong', Refusals: 1 }) },
    ]);
  });
});
