/**
 * Fuzzing (fast-check) of what IdPs send: filters, PATCH paths and bodies, resource bodies. Any
 * input gives a typed 4xx or a 2xx, never a 5xx; the parser itself only ever throws `InvalidFilter`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';
import { InvalidFilter } from '../../lambdas/core/scim/errors.js';
import { formatFilter, parseFilter } from '../../lambdas/core/scim/filter.js';
import { oktaUser, PATCH_OP, scimWorkspace, type ScimWorkspace } from './helpers.js';

/** `FUZZ_SCALE=10 npx vitest run test/scim/fuzz.test.ts` for a longer hunt than CI's. */
const runs = (n: number) => Math.round(n * Number(process.env.FUZZ_SCALE ?? 1));

const attrs = ['userName', 'externalId', 'id', 'active', 'displayName', 'name.givenName', 'emails', 'emails.value', 'emails.type', 'meta.lastModified', 'title', 'members', 'members.value', 'groups', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', 'urn:ietf:params:scim:schemas:core:2.0:User:userName', 'shoeSize', '$ref'];
const ops = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Sw'];
const value = fc.oneof(
  fc.string().map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null', 'True', '42', '-1.5e3', '"2020-01-01T00:00:00Z"', 'bare'),
);

/** Grammar-shaped filters (valid and nearly valid). */
const filterArb: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.constantFrom(...attrs), fc.constantFrom(...ops), value).map(([a, o, v]) => `${a} ${o} ${v}`),
    fc.constantFrom(...attrs).map((a) => `${a} pr`),
    fc.tuple(tie('f'), fc.constantFrom('and', 'or', 'AND'), tie('f')).map(([l, o, r]) => `${l} ${o} ${r}`),
    tie('f').map((f) => `not (${f})`),
    tie('f').map((f) => `(${f})`),
    fc.tuple(fc.constantFrom('emails', 'members', 'roles', 'name'), tie('f')).map(([a, f]) => `${a}[${f}]`),
  ),
})).f;

/** Noise built from the grammar's own characters, plus arbitrary strings. */
const noiseArb = fc.oneof(
  fc.string(),
  fc.array(fc.constantFrom('(', ')', '[', ']', '"', ' ', 'eq', 'and', 'not', 'pr', 'userName', '.', ':', 'urn:', '\\', 'x'), { maxLength: 20 }).map((a) => a.join('')),
);

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const pathArb = fc.oneof(
  fc.constantFrom('active', 'userName', 'displayName', 'name.givenName', 'name', 'emails', 'emails[type eq "work"].value', 'emails[value co "@"]', 'members', 'members[value eq "x"]', 'members.value', 'groups', 'id', 'meta', 'externalId', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', 'urn:x:y:z', 'roles[primary eq true].value', ''),
  filterArb,
  noiseArb,
);
const opArb = fc.record(
  { op: fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'REMOVE'), fc.string()), path: pathArb, value: fc.oneof(jsonValue, fc.dictionary(fc.constantFrom('active', 'displayName', 'name.givenName', 'members', 'id', 'emails', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'x.y.z'), jsonValue)) },
  { requiredKeys: ['op'] },
);

describe('parseFilter', () => {
  it('returns a tree or throws InvalidFilter for any string', () => {
    fc.assert(
      fc.property(fc.oneof(filterArb, noiseArb), (s) => {
        try {
          parseFilter(s);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidFilter);
        }
      }),
      { numRuns: runs(3000) },
    );
  });

  it('parses its own canonical rendering back to the same tree', () => {
    fc.assert(
      fc.property(filterArb, (s) => {
        let tree;
        try {
          tree = parseFilter(s);
        } catch {
          return;
        }
        expect(parseFilter(formatFilter(tree))).toEqual(parseFilter(formatFilter(parseFilter(formatFilter(tree)))));
      }),
      { numRuns: runs(1000) },
    );
  });
});

describe('against the running stack', () => {
  let stack: TestStack;
  let ws: ScimWorkspace;
  let userId = '';
  let groupId = '';

  beforeAll(async () => {
    stack = await startTestStack();
    ws = await scimWorkspace(stack);
    userId = String((await ws.scim.post('/Users', oktaUser('fuzz.target@example.com'))).json.id);
    groupId = String((await ws.scim.post('/Groups', { displayName: 'fuzz-group', members: [{ value: userId }] })).json.id);
  });
  afterAll(async () => stack?.close());

  const no5xx = (status: number, text: string) => expect(status, text).toBeLessThan(500);

  it('never answers 5xx to a filter on Users or Groups', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(filterArb, noiseArb), fc.constantFrom('/Users', '/Groups', '/Roles'), async (f, res) => {
        const r = await ws.scim.get(`${res}?filter=${encodeURIComponent(f)}&sortBy=${encodeURIComponent('userName')}`);
        no5xx(r.status, r.text);
        if (r.status >= 400) expect(r.json.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      }),
      { numRuns: runs(150) },
    );
  });

  it('never answers 5xx to a PATCH of a user or a group', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 4 }), fc.boolean(), async (operations, group) => {
        const r = await ws.scim.patch(group ? `/Groups/${groupId}` : `/Users/${userId}`, { schemas: [PATCH_OP], Operations: operations });
        no5xx(r.status, `${JSON.stringify(operations)} -> ${r.text}`);
      }),
      { numRuns: runs(200) },
    );
  });

  it('never answers 5xx to a POST or PUT body', async () => {
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom('userName', 'displayName', 'active', 'emails', 'name', 'members', 'externalId', 'schemas', 'roles', 'groups', 'password', 'urn:x:y', 'id'), jsonValue),
      jsonValue,
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('POST /Users', 'POST /Groups', `PUT /Users`, `PUT /Groups`), async (b, target) => {
        const [method, res] = target.split(' ') as ['POST' | 'PUT', string];
        const path = method === 'PUT' ? `${res}/${res === '/Users' ? userId : groupId}` : res;
        const r = method === 'POST' ? await ws.scim.post(path, JSON.stringify(b), { headers: { 'content-type': 'application/json' } }) : await ws.scim.put(path, JSON.stringify(b), { headers: { 'content-type': 'application/json' } });
        no5xx(r.status, `${JSON.stringify(b)} -> ${r.text}`);
      }),
      { numRuns: runs(150) },
    );
  });
});
