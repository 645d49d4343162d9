/** The PATCH engine (RFC 7644 §3.5.2) with Okta's and Entra's shapes (docs/reference/okta-protocols.md §2, §7), without storage. */
import { describe, expect, it } from 'vitest';
import { InvalidPath, InvalidSyntax, InvalidValue, Mutability, NoTarget } from '../../lambdas/core/scim/errors.js';
import { applyPatch } from '../../lambdas/core/scim/patch.js';
import { USER_SCHEMA } from '../../lambdas/core/scim/schema.js';
import { netChange, splitGroupOps } from '../../lambdas/scim/groups.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const doc = () => ({
  userName: 'ada@example.com',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  active: true,
  emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
});

describe('applyPatch', () => {
  it("applies Okta's path-less deactivation and reactivation", () => {
    expect(applyPatch(doc(), [{ op: 'replace', value: { active: false } }], USER_SCHEMA).active).toBe(false);
    expect(applyPatch({ ...doc(), active: false }, [{ op: 'replace', value: { active: true } }], USER_SCHEMA).active).toBe(true);
  });

  it('accepts capitalised ops and "False"/"True" strings (Entra)', () => {
    expect(applyPatch(doc(), [{ op: 'Replace', path: 'active', value: 'False' }], USER_SCHEMA).active).toBe(false);
    expect(applyPatch(doc(), [{ op: 'REPLACE', path: 'emails[type eq "work"].primary', value: 'True' }], USER_SCHEMA).emails).toEqual([
      { value: 'ada@example.com', type: 'work', primary: true },
    ]);
  });

  it('reads dotted and URN-qualified keys of a path-less replace as paths (aadOptscim062020)', () => {
    const out = applyPatch(doc(), [{ op: 'replace', value: { 'name.givenName': 'Augusta', [`${ENT}:department`]: 'R&D', displayName: 'A. Lovelace' } }], USER_SCHEMA);
    expect(out.name).toEqual({ givenName: 'Augusta', familyName: 'Lovelace' });
    expect(out[ENT]).toEqual({ department: 'R&D' });
    expect(out.displayName).toBe('A. Lovelace');
  });

  it('replaces a filtered sub-attribute, creating the element the filter describes when none matches (Entra)', () => {
    const out = applyPatch(doc(), [{ op: 'Replace', path: 'emails[type eq "home"].value', value: 'ada@home.org' }], USER_SCHEMA);
    expect(out.emails).toEqual([
      { value: 'ada@example.com', type: 'work', primary: true },
      { type: 'home', value: 'ada@home.org' },
    ]);
    const changed = applyPatch(out, [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'ada@new.example' }], USER_SCHEMA);
    expect((changed.emails as unknown[])[0]).toEqual({ value: 'ada@new.example', type: 'work', primary: true });
  });

  it('adds to multi-valued attributes without duplicates and keeps a single primary', () => {
    const out = applyPatch(
      doc(),
      [
        { op: 'add', path: 'emails', value: [{ value: 'ada@example.com', type: 'work', primary: true }] },
        { op: 'add', path: 'emails', value: [{ value: 'a@b.c', type: 'other', primary: true }] },
      ],
      USER_SCHEMA,
    );
    expect(out.emails).toEqual([
      { value: 'ada@example.com', type: 'work', primary: false },
      { value: 'a@b.c', type: 'other', primary: true },
    ]);
  });

  it('merges complex attributes and extension objects', () => {
    const out = applyPatch(doc(), [{ op: 'add', value: { name: { middleName: 'King' }, [ENT]: { employeeNumber: '42' } } }], USER_SCHEMA);
    expect(out.name).toEqual({ givenName: 'Ada', familyName: 'Lovelace', middleName: 'King' });
    expect(out[ENT]).toEqual({ employeeNumber: '42' });
  });

  it('removes attributes, filtered values and values listed in `value`', () => {
    const base = { ...doc(), emails: [...doc().emails, { value: 'x@y.z', type: 'home' }] };
    expect(applyPatch(base, [{ op: 'remove', path: 'emails[type eq "home"]' }], USER_SCHEMA).emails).toHaveLength(1);
    expect(applyPatch(base, [{ op: 'Remove', path: 'emails', value: [{ value: 'x@y.z' }] }], USER_SCHEMA).emails).toHaveLength(1);
    expect(applyPatch(base, [{ op: 'remove', path: 'name.givenName' }], USER_SCHEMA).name).toEqual({ familyName: 'Lovelace' });
    expect(applyPatch(base, [{ op: 'remove', path: 'emails' }], USER_SCHEMA).emails).toBeUndefined();
  });

  it('ignores the read-only id of a path-less group-style replace', () => {
    expect(applyPatch(doc(), [{ op: 'replace', value: { id: 'x', displayName: 'Ada' } }], USER_SCHEMA)).toMatchObject({ displayName: 'Ada' });
  });

  it('answers the spec errors: noTarget, invalidPath, mutability, invalidValue, invalidSyntax', () => {
    expect(() => applyPatch(doc(), [{ op: 'remove' }], USER_SCHEMA)).toThrow(NoTarget);
    expect(() => applyPatch(doc(), [{ op: 'replace', path: 'emails[type eq "work" or type eq "home"].value', value: 'x' }], USER_SCHEMA)).not.toThrow();
    expect(() => applyPatch(doc(), [{ op: 'replace', path: 'emails[value co "nope"]', value: { value: 'x' } }], USER_SCHEMA)).toThrow(NoTarget);
    expect(() => applyPatch(doc(), [{ op: 'replace', path: 'shoeSize', value: 9 }], USER_SCHEMA)).toThrow(InvalidPath);
    expect(() => applyPatch(doc(), [{ op: 'replace', path: 'name.shoe', value: 9 }], USER_SCHEMA)).toThrow(InvalidPath);
    expect(() => applyPatch(doc(), [{ op: 'replace', path: 'emails[type eq', value: 9 }], USER_SCHEMA)).toThrow(InvalidPath);
    expect(() => applyPatch(doc(), [{ op: 'replace', path: 'groups', value: [] }], USER_SCHEMA)).toThrow(Mutability);
    expect(() => applyPatch(doc(), [{ op: 'replace', path: 'id', value: 'x' }], USER_SCHEMA)).toThrow(Mutability);
    expect(() => applyPatch(doc(), [{ op: 'replace', value: 'x' }], USER_SCHEMA)).toThrow(InvalidValue);
    expect(() => applyPatch(doc(), [{ op: 'merge', path: 'active', value: true }], USER_SCHEMA)).toThrow(InvalidSyntax);
  });

  it('keeps attributes of extensions it has no schema for (custom IdP schemas)', () => {
    const out = applyPatch(doc(), [{ op: 'add', path: 'urn:okta:acme:1.0:user:costTier', value: 'gold' }], USER_SCHEMA);
    expect(out['urn:okta:acme:1.0:user']).toEqual({ costTier: 'gold' });
  });
});

describe('group membership operations', () => {
  it("splits Okta's membership PATCH and rename into steps and attribute ops", () => {
    const { steps, rest } = splitGroupOps([
      { op: 'remove', path: 'members[value eq "u1"]' },
      { op: 'add', path: 'members', value: [{ value: 'u2', display: 'b@x' }] },
      { op: 'replace', value: { id: 'g1', displayName: 'Eng' } },
    ]);
    expect(steps).toEqual([
      { kind: 'remove', ids: ['u1'] },
      { kind: 'add', ids: ['u2'] },
    ]);
    expect(rest).toEqual([{ op: 'replace', value: { id: 'g1', displayName: 'Eng' } }]);
  });

  it("splits Entra's value-array removal and path-less member add", () => {
    const { steps } = splitGroupOps([
      { op: 'Remove', path: 'members', value: [{ value: 'u1' }, { value: 'u3' }] },
      { op: 'Add', value: { members: [{ $ref: null, value: 'u2' }] } },
    ]);
    expect(steps).toEqual([
      { kind: 'remove', ids: ['u1', 'u3'] },
      { kind: 'add', ids: ['u2'] },
    ]);
  });

  it('computes net changes in order, reading current members only for replace', () => {
    expect(netChange([{ kind: 'add', ids: ['a', 'b'] }, { kind: 'remove', ids: ['b'] }])).toEqual({ add: ['a'], remove: ['b'] });
    expect(netChange([{ kind: 'replace', ids: ['a', 'c'] }], ['a', 'b'])).toEqual({ add: ['c'], remove: ['b'] });
    expect(netChange([{ kind: 'removeAll' }, { kind: 'add', ids: ['z'] }], ['a'])).toEqual({ add: ['z'], remove: ['a'] });
  });

  it('refuses member filters that do not select by value, and member sub-attribute paths', () => {
    expect(() => splitGroupOps([{ op: 'remove', path: 'members[display eq "x"]' }])).toThrow(InvalidPath);
    expect(() => splitGroupOps([{ op: 'replace', path: 'members.value', value: 'x' }])).toThrow(InvalidPath);
    expect(() => splitGroupOps([{ op: 'add', path: 'members', value: [{ display: 'no value' }] }])).toThrow(InvalidValue);
  });
});
