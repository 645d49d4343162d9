/**
 * Domain names as claims, challenges and routing compare them (review #4): one spelling per domain,
 * public mail domains (and their subdomains) refused, DNS servers parsed from `DNS_SERVERS`.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/platform/config.js';
import { challengeRecord } from '../../lambdas/platform/dns-challenge.js';
import { emailDomainOf, normalizeDomain } from '../../lambdas/core/domains/normalize.js';
import { isPublicMailDomain } from '../../lambdas/core/domains/public-mail.js';
import { TEST_ENV } from '../fixtures/config.js';

describe('normalizeDomain', () => {
  it.each([
    ['Acme.COM', 'acme.com'],
    [' acme.com. ', 'acme.com'],
    ['Bücher.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['ＡＣＭＥ.com', 'acme.com'],
    ['sub.acme.co.uk', 'sub.acme.co.uk'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([
    [''],
    ['.'],
    ['com'],
    ['localhost'],
    ['127.0.0.1'],
    ['[::1]'],
    ['a..b.example'],
    ['-a.example'],
    ['a-.example'],
    ['a_b.example'],
    ['acme.com/path'],
    ['user@acme.com'],
    ['acme.com:443'],
    [`${'a'.repeat(64)}.example`],
    [`${'abcdefghi.'.repeat(25)}example`],
    ['x'.repeat(2000)],
    ['acme.123'],
  ])('refuses %s', (input) => {
    expect(normalizeDomain(input)).toBeUndefined();
  });

  it('takes the domain after the last @ of an e-mail address', () => {
    expect(emailDomainOf('Alex@Demo.Example.')).toBe('demo.example');
    expect(emailDomainOf('"a@b"@acme.com')).toBe('acme.com');
    expect(emailDomainOf('@acme.com')).toBeUndefined();
    expect(emailDomainOf('no-at-sign')).toBeUndefined();
  });
});

describe('isPublicMailDomain', () => {
  it.each([['gmail.com'], ['outlook.com'], ['hotmail.com'], ['yahoo.com'], ['icloud.com'], ['proton.me'], ['eu.gmail.com'], ['mail.yahoo.co.jp'], ['a.b.outlook.com']])(
    'treats %s as public',
    (d) => {
      expect(isPublicMailDomain(d)).toBe(true);
    },
  );

  it.each([['acme.com'], ['gmail.com.acme.example'], ['notgmail.com'], ['proton.me.example'], ['example.com']])('treats %s as a customer domain', (d) => {
    expect(isPublicMailDomain(d)).toBe(false);
  });
});

describe('challengeRecord', () => {
  it('names the record under the domain and prefixes the token', () => {
    expect(challengeRecord('acme.com', 'tok')).toEqual({ name: '_idp-bridge-challenge.acme.com', type: 'TXT', value: 'idp-bridge-verification=tok' });
  });
});

describe('DNS_SERVERS', () => {
  it('defaults to the system resolver and parses a list of servers with ports', () => {
    expect(loadConfig({ ...TEST_ENV }).DNS_SERVERS).toEqual([]);
    expect(loadConfig({ ...TEST_ENV, DNS_SERVERS: '127.0.0.1:5353, 10.0.0.2,[::1]:53, ::1' }).DNS_SERVERS).toEqual(['127.0.0.1:5353', '10.0.0.2', '[::1]:53', '::1']);
  });

  it.each([['dns.example'], ['127.0.0.1:99999'], ['127.0.0.1:0'], ['1.2.3']])('names DNS_SERVERS when it holds %s', (value) => {
    expect(() => loadConfig({ ...TEST_ENV, DNS_SERVERS: value })).toThrow(/DNS_SERVERS/);
  });
});
