/**
 * Hostile-input fuzzing (fast-check) of the SCIM edge (issue 8 item 7; review #8, #10, #14, #19):
 * JSON with prototype member names at any depth, huge strings, deep nesting, users with many
 * e-mail addresses, control and format characters, and `password` members hidden anywhere, thrown
 * at POST/PUT/PATCH /Users and /Groups and at filters. Every answer is a 2xx or a 4xx in the SCIM
 * envelope — never a 5xx — and afterwards no item of the table carries a password.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../dev/dynamodb-local.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { ERROR_SCHEMA, oktaUser, PATCH_OP, scimWorkspace, type ScimWorkspace } from './helpers.js';

/** `FUZZ_SCALE=10 npx vitest run test/scim/hostile-fuzz.test.ts` for a longer hunt than CI's. */
const runs = (n: number) => Math.max(1, Math.round(n * Number(process.env.FUZZ_SCALE ?? 1)));

const PASSWORD_MARK = 'FUZZ-PW-0xDEAD';
const HOSTILE_CHARS = ['\u0000', '\u0001', '\u001f', '\u007f', '\u200b', '\u200c', '\u200d', '\u202e', '\u2066', '\ufeff', '\u00ad', '\n', '\r', '\t', '\ud800', '\udfff', '𝒜', 'é', 'İ', '"', '\\'];

const hostileString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.array(fc.constantFrom(...HOSTILE_CHARS, 'a', 'b', '@', '.'), { maxLength: 30 }).map((a) => a.join('')),
  fc.tuple(fc.constantFrom('a', 'é', '𝒜', '\u200b'), fc.constantFrom(300, 513, 1025, 2100, 5000)).map(([c, n]) => c.repeat(n)),
);
const memberKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'password', 'Password', 'PASSWORD', 'userName', 'emails', 'value', 'displayName', 'members', 'active', 'externalId', 'name', 'toString', 'hasOwnProperty', 'urn:acme:ext:1.0', 'urn:acme:ext:1.0:constructor', ''),
  fc.string({ maxLength: 8 }),
);

/** JSON text (not objects: an object literal cannot hold an own `__proto__` member). */
const json: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString.map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', 'null', '0', '-1', '1e308', '9007199254740993', '3.14'),
    fc.array(tie('v'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(memberKey, tie('v')), { maxLength: 4 }).map(objectText),
  ),
})).v;

/** An object's text; any member named password (in any case) carries the marker. */
function objectText(entries: [string, string][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${k.toLowerCase() === 'password' ? JSON.stringify(PASSWORD_MARK) : v}`).join(',')}}`;
}

const deep = fc.tuple(fc.integer({ min: 1, max: 120 }), fc.constantFrom('arr', 'obj')).map(([n, kind]) => (kind === 'arr' ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`));
const emails = fc.integer({ min: 0, max: 120 }).map((n) => `[${Array.from({ length: n }, (_, i) => `{"value":"m${i}@mail.example","type":"work"}`).join(',')}]`);
const userName = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }).map((i) => `fuzz${i}@x.example`),
  fc.tuple(fc.constantFrom(...HOSTILE_CHARS), fc.integer({ min: 0, max: 1000 })).map(([c, i]) => `fu${c}zz${i}@x.example`),
  hostileString,
);
const extension = fc.tuple(fc.array(fc.tuple(memberKey, fc.oneof(json, deep)), { maxLength: 5 }), fc.boolean()).map(([entries, withPw]) =>
  objectText(withPw ? [...entries, ['password', '""'], ['nested', objectText([['Password', '""'], ['x', '1']])]] : entries),
);

/** A User body: a few known members, hostile extras, an extension object. */
const userBody = fc
  .tuple(userName, fc.option(emails, { nil: undefined }), fc.array(fc.tuple(memberKey, fc.oneof(json, deep)), { maxLength: 4 }), fc.option(extension, { nil: undefined }), fc.boolean())
  .map(([name, mails, extras, ext, corePw]) => {
    const entries: [string, string][] = [['userName', JSON.stringify(name)]];
    if (mails) entries.push(['emails', mails]);
    entries.push(...extras);
    if (ext) entries.push(['urn:acme:custom:2.0:User', ext]);
    if (corePw) entries.push(['password', '""']);
    return objectText(entries);
  });
const groupBody = fc
  .tuple(hostileString, fc.array(fc.tuple(memberKey, fc.oneof(json, deep)), { maxLength: 4 }), fc.option(extension, { nil: undefined }))
  .map(([name, extras, ext]) => objectText([['displayName', JSON.stringify(name)], ...extras, ...(ext ? ([['urn:acme:custom:2.0:Group', ext]] as [string, string][]) : [])]));

const patchPath = fc.oneof(
  fc.constantFrom('userName', 'emails', 'emails[type eq "work"].value', 'name.givenName', 'displayName', 'members', 'urn:acme:custom:2.0:User:password', 'urn:acme:custom:2.0:User:constructor', 'urn:acme:custom:2.0:User:nested.Password', 'constructor', '__proto__', 'name.constructor', 'emails[constructor eq "x"]', 'password'),
  hostileString,
);
const patchBody = fc
  .array(fc.tuple(fc.constantFrom('add', 'replace', 'remove', 'Add'), fc.option(patchPath, { nil: undefined }), fc.oneof(json, deep, emails, extension)), { minLength: 1, maxLength: 4 })
  .map((ops) => `{"schemas":["${PATCH_OP}"],"Operations":[${ops.map(([op, path, value]) => objectText([['op', JSON.stringify(op)], ...(path !== undefined ? ([['path', JSON.stringify(path)]] as [string, string][]) : []), ['value', value]])).join(',')}]}`);

const filterText = fc
  .tuple(
    fc.constantFrom('userName', 'emails.value', 'emails', 'externalId', 'id', 'displayName', 'members.value', 'members', 'constructor', 'toString', 'prototype', 'name.constructor', 'urn:acme:custom:2.0:User:password'),
    fc.constantFrom('eq', 'co', 'sw', 'pr', 'ne', 'gt'),
    hostileString,
  )
  .map(([a, op, v]) => (op === 'pr' ? `${a} pr` : `${a} ${op} ${JSON.stringify(v)}`));

let stack: TestStack;
let ws: ScimWorkspace;
let userId = '';
let groupId = '';

beforeAll(async () => {
  stack = await startTestStack();
  ws = await scimWorkspace(stack);
  userId = String((await ws.scim.post('/Users', oktaUser('hostile.target@example.com'))).json.id);
  groupId = String((await ws.scim.post('/Groups', { displayName: 'hostile-group', members: [{ value: userId }] })).json.id);
});
afterAll(() => stack?.close());

const raw = { headers: { 'content-type': 'application/scim+json' } };
const answered = (res: { status: number; text: string; json: unknown }, what: string) => {
  expect(res.status, `${what} -> ${res.text.slice(0, 500)}`).toBeLessThan(500);
  expect(res.status, what).toBeGreaterThanOrEqual(200);
  // 413/414/431 come from the gateway (body, URL or header limits), before any handler.
  if (res.status >= 400 && ![413, 414, 431].includes(res.status)) expect((res.json as { schemas?: string[] } | undefined)?.schemas, what).toEqual([ERROR_SCHEMA]);
};

/** True when a value holds a member named password (any case) at any depth. */
function holdsPassword(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(holdsPassword);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, e]) => k.toLowerCase() === 'password' || holdsPassword(e));
  return false;
}

describe('hostile JSON at the SCIM edge', () => {
  it('answers 2xx or 4xx, never 5xx, to hostile POST and PUT bodies of Users and Groups (review #8, #19)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(userBody.map((b) => ['user', b] as const), groupBody.map((b) => ['group', b] as const)), fc.boolean(), async ([kind, body], put) => {
        const path = kind === 'user' ? (put ? `/Users/${userId}` : '/Users') : put ? `/Groups/${groupId}` : '/Groups';
        const res = put ? await ws.scim.put(path, body, raw) : await ws.scim.post(path, body, raw);
        answered(res, `${put ? 'PUT' : 'POST'} ${path} ${body.slice(0, 300)}`);
      }),
      { numRuns: runs(150) },
    );
  });

  it('answers 2xx or 4xx, never 5xx, to hostile PATCH operations (review #8)', async () => {
    await fc.assert(
      fc.asyncProperty(patchBody, fc.boolean(), async (body, group) => {
        const res = await ws.scim.patch(group ? `/Groups/${groupId}` : `/Users/${userId}`, body, raw);
        answered(res, `PATCH ${body.slice(0, 300)}`);
      }),
      { numRuns: runs(150) },
    );
  });

  it('answers 2xx or 4xx, never 5xx, to hostile filters, and prototype names match nobody (review #8, #14)', async () => {
    await fc.assert(
      fc.asyncProperty(filterText, fc.constantFrom('/Users', '/Groups'), async (f, resource) => {
        const res = await ws.scim.get(`${resource}?filter=${encodeURIComponent(f)}`);
        answered(res, `${resource} ${f.slice(0, 200)}`);
        if (res.status === 200 && /^(constructor|toString|prototype|name\.constructor) /.test(f) && !f.includes(' ne ')) {
          expect((res.json as { totalResults: number }).totalResults, f).toBe(0);
        }
      }),
      { numRuns: runs(150) },
    );
  });

  it('leaves no item in the table with a password member or value, at any depth (review #10)', async () => {
    // Valid users that do carry passwords at several depths, so the scan has something to find.
    for (const [i, depth] of [[1, 'core'], [2, 'extension'], [3, 'nested']] as const) {
      const pw = `{"password":${JSON.stringify(PASSWORD_MARK)},"keep":"k"}`;
      const ext = depth === 'core' ? '{}' : depth === 'extension' ? pw : `{"list":[${pw}],"inner":{"Password":${JSON.stringify(PASSWORD_MARK)}}}`;
      const body = `{"userName":"pw${i}@x.example","password":${JSON.stringify(PASSWORD_MARK)},"urn:acme:custom:2.0:User":${ext}}`;
      const res = await ws.scim.post('/Users', body, raw);
      expect(res.status, res.text).toBe(201);
      expect(res.text).not.toContain(PASSWORD_MARK);
    }
    const client = localDynamoClient(stack.endpoint);
    try {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await client.send(new ScanCommand({ TableName: stack.tableName, ...(start ? { ExclusiveStartKey: start as never } : {}) }));
        items.push(...(out.Items ?? []).map((i) => unmarshall(i)));
        start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
      } while (start);
      expect(items.length).toBeGreaterThan(5);
      expect(items.filter(holdsPassword)).toEqual([]);
      expect(JSON.stringify(items)).not.toContain(PASSWORD_MARK);
    } finally {
      client.destroy();
    }
  });
});
