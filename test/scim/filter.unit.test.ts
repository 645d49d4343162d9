/** The filter grammar (RFC 7644 §3.4.2.2) and its evaluation, without storage. */
import { describe, expect, it } from 'vitest';
import { InvalidFilter } from '../../lambdas/core/scim/errors.js';
import { checkFilter, matches } from '../../lambdas/core/scim/evaluate.js';
import { formatFilter, parseFilter, parsePatchPath } from '../../lambdas/core/scim/filter.js';
import { GROUP_SCHEMA, USER_SCHEMA } from '../../lambdas/core/scim/schema.js';

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'bjensen',
  userName: 'Bjensen@example.com',
  name: { familyName: 'Jensen', givenName: 'Barbara' },
  title: 'Tour Guide',
  userType: 'Employee',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '701984', department: 'Tour Operations' },
  meta: { resourceType: 'User', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z', version: 'W/"3"' },
};

const ok = (f: string) => matches(parseFilter(f), user, USER_SCHEMA);

describe('parseFilter', () => {
  it('parses every operator into a typed tree', () => {
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']) {
      expect(parseFilter(`title ${op} "x"`)).toEqual({ kind: 'compare', path: { attr: 'title' }, op, value: 'x' });
    }
    expect(parseFilter('title pr')).toEqual({ kind: 'present', path: { attr: 'title' } });
  });

  it('gives not > and > or precedence and honours grouping', () => {
    expect(formatFilter(parseFilter('a eq 1 or b eq 2 and c eq 3'))).toBe('(a eq 1 or (b eq 2 and c eq 3))');
    expect(formatFilter(parseFilter('(a eq 1 or b eq 2) and not (c eq 3)'))).toBe('((a eq 1 or b eq 2) and not (c eq 3))');
  });

  it('parses URN-qualified paths, sub-attributes and value paths', () => {
    expect(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"')).toMatchObject({
      path: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attr: 'employeeNumber' },
    });
    expect(parseFilter('name.familyName co "O\'Malley"')).toMatchObject({ path: { attr: 'name', sub: 'familyName' } });
    expect(parseFilter('emails[type eq "work" and value co "@example.com"]')).toMatchObject({ kind: 'valuePath', path: { attr: 'emails' } });
  });

  it('accepts case-insensitive operators, literals and Entra quirks', () => {
    expect(parseFilter('userName EQ "x" AND active Eq TRUE')).toMatchObject({ kind: 'and' });
    expect(parseFilter('externalId eq jyoung')).toMatchObject({ value: 'jyoung' });
    expect(parseFilter('emails[type eq "work"].value eq "a@b.c"')).toMatchObject({ kind: 'valuePath' });
  });

  it.each([
    ['', 'empty'],
    ['userName', 'missing operator'],
    ['userName eq', 'missing value'],
    ['userName zz "x"', 'unknown operator'],
    ['(userName eq "x"', 'unclosed paren'],
    ['userName eq "x")', 'trailing paren'],
    ['userName eq "x', 'unterminated string'],
    ['emails[type eq "work"', 'unclosed bracket'],
    ['emails[type[value eq 1]]', 'nested value path'],
    ['not userName eq "x"', 'not without parens'],
    ['1abc eq "x"', 'bad attribute name'],
    ['a.b.c eq "x"', 'too deep'],
    ['"x" eq userName', 'value first'],
  ])('refuses %j (%s) with invalidFilter', (f) => {
    expect(() => parseFilter(f)).toThrow(InvalidFilter);
  });

  it('refuses absurdly nested and over-long filters', () => {
    expect(() => parseFilter(`${'('.repeat(200)}a eq 1${')'.repeat(200)}`)).toThrow(InvalidFilter);
    expect(() => parseFilter(`userName eq "${'x'.repeat(5000)}"`)).toThrow(InvalidFilter);
  });
});

describe('matches', () => {
  it('compares userName case-insensitively and id / externalId case-sensitively (caseExact)', () => {
    expect(ok('username eq "BJENSEN@example.com"')).toBe(true);
    expect(ok('externalId eq "BJENSEN"')).toBe(false);
    expect(ok('externalId eq "bjensen"')).toBe(true);
    expect(ok('id eq "2819C223-7F76-453A-919D-413861904646"')).toBe(false);
  });

  it('evaluates co, sw, ew, pr, ne, not, and, or', () => {
    expect(ok('title co "tour"')).toBe(true);
    expect(ok('userName sw "bjen"')).toBe(true);
    expect(ok('userName ew "EXAMPLE.COM"')).toBe(true);
    expect(ok('title pr and nickName pr')).toBe(false);
    expect(ok('title pr or nickName pr')).toBe(true);
    expect(ok('userType ne "Employee"')).toBe(false);
    expect(ok('nickName ne "x"')).toBe(true);
    expect(ok('not (userType eq "Employee")')).toBe(false);
  });

  it('compares dateTimes as instants and booleans only with eq/ne', () => {
    expect(ok('meta.lastModified gt "2011-05-13T04:42:34.000Z"')).toBe(false);
    expect(ok('meta.lastModified ge "2011-05-13T04:42:34Z"')).toBe(true);
    expect(ok('meta.created lt "2011-01-01T00:00:00Z"')).toBe(true);
    expect(ok('active eq true')).toBe(true);
    expect(() => checkFilter(parseFilter('active gt true'), USER_SCHEMA)).toThrow(InvalidFilter);
    expect(() => checkFilter(parseFilter('meta.created gt "yesterday"'), USER_SCHEMA)).toThrow(InvalidFilter);
  });

  it('evaluates multi-valued attributes, value paths and extension attributes', () => {
    expect(ok('emails eq "babs@jensen.org"')).toBe(true);
    expect(ok('emails.value ew "@jensen.org"')).toBe(true);
    expect(ok('emails[type eq "work" and value co "@example.com"]')).toBe(true);
    expect(ok('emails[type eq "home" and value co "@example.com"]')).toBe(false);
    expect(ok('emails[type eq "work"].value eq "BJENSEN@example.com"')).toBe(true);
    expect(ok('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations"')).toBe(true);
    expect(ok('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com"')).toBe(true);
    expect(ok('name.givenName eq "barbara" and title pr')).toBe(true);
  });

  it('treats unknown attributes as unassigned', () => {
    expect(ok('shoeSize eq "9"')).toBe(false);
    expect(ok('shoeSize eq null')).toBe(true);
    expect(matches(parseFilter('displayName eq "x"'), { displayName: 'X' }, GROUP_SCHEMA)).toBe(true);
  });
});

describe('parsePatchPath', () => {
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  it('parses attribute, sub-attribute, URN and value-filter paths', () => {
    expect(parsePatchPath('active', fail)).toEqual({ attr: 'active' });
    expect(parsePatchPath('name.familyName', fail)).toEqual({ attr: 'name', sub: 'familyName' });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', fail)).toEqual({
      uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      attr: 'employeeNumber',
    });
    expect(parsePatchPath('members[value eq "2819c223"]', fail)).toMatchObject({ attr: 'members', filter: { kind: 'compare' } });
    expect(parsePatchPath('emails[type eq "work"].value', fail)).toMatchObject({ attr: 'emails', sub: 'value' });
    expect(parsePatchPath('members[value eq "a]b"]', fail)).toMatchObject({ filter: { value: 'a]b' } });
  });
  it('refuses malformed paths', () => {
    for (const p of ['', 'emails[type eq "work"', 'emails[type eq "work"]x', 'name.a.b', 'emails[]']) expect(() => parsePatchPath(p, fail)).toThrow();
  });
});
