/**
 * The pure pieces of bounded input and storage outages (issue 8 item 7): the JSON body parser, the
 * router's escapes and 405s, outage classification, audit redaction, size estimates, own-property
 * filter reads, SAML attribute records and the SSO URL rule.
 */
import { describe, expect, it } from 'vitest';
import { samlBodyFor } from '../../lambdas/admin/schemas.js';
import { redact } from '../../lambdas/core/audit.js';
import { BadRequest, isStorageOutage, MethodNotAllowed, StorageUnavailable } from '../../lambdas/core/errors.js';
import { MAX_JSON_DEPTH, parseJson, type HttpRequest, type JsonProblem } from '../../lambdas/platform/http.js';
import { router } from '../../lambdas/platform/router.js';
import { lookup } from '../../lambdas/core/scim/evaluate.js';
import { parseFilter } from '../../lambdas/core/scim/filter.js';
import { InvalidFilter } from '../../lambdas/core/scim/errors.js';
import { dynamoSize, withoutPasswords } from '../../lambdas/core/scim/limits.js';
import { assertStorable } from '../../lambdas/core/scim/normalize.js';
import { InvalidValue } from '../../lambdas/core/scim/errors.js';
import { toVerifiedAssertion } from '../../lambdas/saml/assertion.js';
import { readProfile } from '../../lambdas/saml/checks/attributes.js';

const problemOf = (text: string): JsonProblem | 'ok' => {
  try {
    parseJson(text, (_m, problem) => {
      throw new Error(problem);
    });
    return 'ok';
  } catch (err) {
    return (err as Error).message as JsonProblem;
  }
};

describe('parseJson', () => {
  it('refuses __proto__, constructor and prototype members at any depth (review #8)', () => {
    expect(problemOf('{"__proto__":{"a":1}}')).toBe('prototype_key');
    expect(problemOf('{"a":[{"b":{"constructor":1}}]}')).toBe('prototype_key');
    expect(problemOf('{"urn:x:1.0":{"prototype":"x"}}')).toBe('prototype_key');
    expect(problemOf('{"constructorName":1,"proto":2,"__proto":3}')).toBe('ok');
    expect(problemOf('["constructor","__proto__"]')).toBe('ok');
  });

  it('refuses malformed JSON and nesting beyond the bound without overflowing the stack', () => {
    expect(problemOf('{"a":')).toBe('syntax');
    expect(problemOf(`${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}`)).toBe('ok');
    expect(problemOf(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toBe('too_deep');
    expect(problemOf(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)).toBe('too_deep');
  });
});

describe('assertStorable', () => {
  it('refuses numbers DynamoDB cannot store: non-zero magnitudes below 1E-130 and beyond ±2^53 (found by the fuzz test)', () => {
    expect(() => assertStorable({ 'urn:x:y': { ' ': 5e-324 } }, 'Group')).toThrow(InvalidValue);
    expect(() => assertStorable({ n: 2 ** 60 }, 'User')).toThrow(InvalidValue);
    expect(() => assertStorable({ n: 0, m: 1e-129, k: -42.5 }, 'User')).not.toThrow();
  });
});

describe('router', () => {
  const req = (method: string, path: string) => ({ method, path, query: {}, headers: {} }) as unknown as HttpRequest;
  const routes = router([
    ['GET', '/things/:id', async (_r, p) => ({ status: 200, body: p.id })],
    ['PUT', '/things/:id', async () => ({ status: 204 })],
  ]);

  it('answers a malformed percent-escape in a path parameter with 400, not a URIError', async () => {
    await expect(routes(req('GET', '/things/%E0%A4%A'))).rejects.toBeInstanceOf(BadRequest);
    await expect(routes(req('GET', '/things/%zz'))).rejects.toMatchObject({ status: 400 });
    expect((await routes(req('GET', '/things/a%20b'))).body).toBe('a b');
  });

  it('answers 405 with Allow naming the methods the path serves (review #15)', async () => {
    const err = await routes(req('DELETE', '/things/1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MethodNotAllowed);
    expect((err as MethodNotAllowed).headers.allow).toBe('GET, HEAD, PUT');
  });
});

describe('isStorageOutage', () => {
  it('recognises connection failures, time-outs and 5xx answers of DynamoDB (review #9)', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('socket hang up'),
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      Object.assign(new Error('x'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }),
      Object.assign(new Error('x'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
      Object.assign(new Error('Deserialization error'), { name: 'SyntaxError', $metadata: { httpStatusCode: 502 } }),
      new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'EPIPE' }) }),
    ]) {
      expect(isStorageOutage(err), String(err)).toBe(true);
    }
  });

  it('does not take client or programming errors for outages', () => {
    expect(isStorageOutage(Object.assign(new Error('bad key'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }))).toBe(false);
    expect(isStorageOutage(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } }))).toBe(false);
    expect(isStorageOutage(new TypeError('x is undefined'))).toBe(false);
    expect(isStorageOutage(undefined)).toBe(false);
  });

  it('makes StorageUnavailable a 503 with an integer Retry-After and an exposed message', () => {
    const e = new StorageUnavailable();
    expect(e.status).toBe(503);
    expect(e.expose).toBe(true);
    expect(e.headers['retry-after']).toMatch(/^\d+$/);
    expect(e.message).toBe('Storage is temporarily unavailable; retry later.');
  });
});

describe('redact', () => {
  it('drops secret-looking members at any depth, including in custom extensions (review #10)', () => {
    const out = redact({
      userName: 'a@x.example',
      'urn:acme:okta:custom:2.0:User': { apiToken: 't1', api_key: 'k1', nested: [{ userPassword: 'p1', sharedSecret: 's1', id_token: 'i1', keep: 'kept' }] },
      tokens: [{ id: 'tok-id', kind: 'session' }],
      tokenId: 'tid',
      clientSecretSet: true,
    });
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/"t1"|"k1"|"p1"|"s1"|"i1"/);
    expect(text).toContain('"keep":"kept"');
    expect(text).toContain('"tokenId":"tid"');
    expect(text).toContain('"tok-id"');
    expect(text).toContain('"clientSecretSet":true');
  });
});

describe('resource bounds', () => {
  it('drops password members at any depth, whatever their case (review #10)', () => {
    expect(withoutPasswords({ password: 'a', ext: { Password: 'b', list: [{ PASSWORD: 'c', x: 1 }] }, passwordHint: 'h' })).toEqual({ ext: { list: [{ x: 1 }] }, passwordHint: 'h' });
  });

  it('estimates DynamoDB sizes at least as large as DynamoDB counts them', () => {
    expect(dynamoSize('abc')).toBe(3);
    expect(dynamoSize('é')).toBe(2);
    expect(dynamoSize(true)).toBe(1);
    expect(dynamoSize([1, 2])).toBeGreaterThanOrEqual(3 + 2 * 2);
    expect(dynamoSize({ ab: 'cd' })).toBeGreaterThanOrEqual(3 + 2 + 2);
  });

  it('refuses filter values longer than a key may be, in bytes (review #8)', () => {
    expect(() => parseFilter(`userName eq "${'a'.repeat(1024)}"`)).not.toThrow();
    expect(() => parseFilter(`userName eq "${'a'.repeat(1025)}"`)).toThrow(InvalidFilter);
    expect(() => parseFilter(`userName eq "${'é'.repeat(600)}"`)).toThrow(InvalidFilter);
    expect(() => parseFilter(`externalId eq ${'b'.repeat(2000)}`)).toThrow(InvalidFilter);
  });

  it('reads only own properties in filters: constructor and toString are no attributes (review #14)', () => {
    expect(lookup({ userName: 'x' }, 'constructor')).toBeUndefined();
    expect(lookup({ userName: 'x' }, 'toString')).toBeUndefined();
    expect(lookup({ userName: 'x' }, 'USERNAME')).toBe('x');
  });
});

describe('SAML attribute record (review #13)', () => {
  const assertion = (names: string[]) => ({
    Assertion: {
      $: { ID: '_a1' },
      Subject: [{ $: {}, NameID: [{ _: 'ada@example.com', $: {} }] }],
      AttributeStatement: [{ $: {}, Attribute: names.map((n) => ({ $: { Name: n }, AttributeValue: [`${n}-value`] })) }],
    },
  });

  it('keeps attributes named constructor, toString and hasOwnProperty as plain attributes (review #13)', () => {
    const v = toVerifiedAssertion(assertion(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'email', 'email']));
    expect(v.attributes.constructor).toEqual(['constructor-value']);
    expect(v.attributes.toString).toEqual(['toString-value']);
    expect(Object.hasOwn(v.attributes, '__proto__')).toBe(true);
    expect(v.attributes.email).toEqual(['email-value', 'email-value']);
    expect(v.attributes.firstName).toBeUndefined();
    expect(readProfile({ ...v, attributes: { ...v.attributes, email: ['ada@example.com'] } }, 'ada@example.com', undefined).email).toBe('ada@example.com');
  });
});

describe('idpSsoUrl (review #17)', () => {
  const body = (idpSsoUrl: string) => ({ idpSsoUrl, idpEntityId: 'e', idpCertificate: 'c' });

  it('accepts only https, and http to a loopback host only in local mode (review #17)', () => {
    const deployed = samlBodyFor(false);
    const local = samlBodyFor(true);
    expect(deployed.safeParse(body('https://idp.example/sso')).success).toBe(true);
    for (const url of ['javascript:alert(1)//', 'http://127.0.0.1:8080/sso', 'data:text/html,x', 'not a url']) expect(deployed.safeParse(body(url)).success, url).toBe(false);
    expect(local.safeParse(body('http://127.0.0.1:8080/sso')).success).toBe(true);
    expect(local.safeParse(body('http://localhost/sso')).success).toBe(true);
    expect(local.safeParse(body('http://idp.example/sso')).success).toBe(false);
    expect(local.safeParse(body('javascript:alert(1)//')).success).toBe(false);
  });
});
