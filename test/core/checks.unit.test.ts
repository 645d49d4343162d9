/**
 * The shared check pipeline shape and the JWT claim checks every protocol uses
 * (`lambdas/core/checks`): named checks refuse with a code, a group maps the refusal once, a
 * pipeline stops at the first refusal and names it.
 */
import { describe, expect, it } from 'vitest';
import {
  CheckRefusal,
  CheckRun,
  checkFactory,
  requireAlg,
  requireAudience,
  requireIssuer,
  requireTimes,
  runChecks,
  type CheckOutcome,
} from '../../lambdas/core/checks/index.js';

/** A group's own error, as TokenCheckFailed or InvalidIdToken are. */
class GroupError extends Error {
  constructor(
    readonly check: string,
    readonly code: string,
  ) {
    super(`${check}: ${code}`);
  }
}
const check = checkFactory<'first' | 'second' | 'third'>((name, refusal) => new GroupError(name, refusal.code));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CheckRefusal) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

const passes = check('first', (n: number) => n + 1);
const refuses = check('second', (_n: number, x: { code: string }) => {
  throw new CheckRefusal(x.code, 'no');
});

describe('check pipeline', () => {
  const neverRuns = check('third', (_n: number) => {
    throw new Error('must not run after a refusal');
  });

  it('a named check returns what it established and carries its name', () => {
    expect(passes(1)).toBe(2);
    expect(passes.checkName).toBe('first');
  });

  it('maps a refusal to the group’s error naming the check, also outside a pipeline', () => {
    expect(() => refuses(1, { code: 'bad' })).toThrow(GroupError);
    expect(() => refuses(1, { code: 'bad' })).toThrow('second: bad');
  });

  it('maps the refusal of an async check too, and lets other errors through untouched', async () => {
    const later = check('first', async (_n: number) => {
      throw new CheckRefusal('late', 'no');
    });
    await expect(later(1)).rejects.toThrow('first: late');
    const outage = check('first', async (_n: number) => {
      throw new TypeError('fetch failed');
    });
    await expect(outage(1)).rejects.toThrow(TypeError);
  });

  it('runs checks in order, stops at the first refusal and reports each outcome', async () => {
    const seen: CheckOutcome<string>[] = [];
    const err = await runChecks([passes, refuses, neverRuns], 1, { code: 'stop' }, (o) => seen.push(o)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroupError);
    expect((err as GroupError).check).toBe('second');
    expect(seen.map((o) => [o.name, o.status])).toEqual([
      ['first', 'passed'],
      ['second', 'failed'],
    ]);
  });
});

describe('CheckRun (checks that feed each other, reported in full)', () => {
  it('records passed steps with their detail, the first refusal, and later checks as skipped', async () => {
    const run = new CheckRun(['first', 'second', 'third'] as const, (e) => e instanceof GroupError);
    const n = await run.step('first', () => passes(1), (v) => `got ${v}`);
    const err = await run.step('second', () => refuses(n, { code: 'stop' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroupError);
    await expect(run.step('third', () => 'never')).rejects.toBe(err);
    expect(run.failed?.name).toBe('second');
    expect(run.list().map((o) => [o.name, o.status, o.detail])).toEqual([
      ['first', 'passed', 'got 2'],
      ['second', 'failed', 'second: stop'],
      ['third', 'skipped', undefined],
    ]);
  });

  it('rethrows an error that is not a refusal without recording it', async () => {
    const run = new CheckRun(['first'] as const, (e) => e instanceof GroupError);
    await expect(run.step('first', () => Promise.reject(new TypeError('outage')))).rejects.toThrow(TypeError);
    expect(run.failed).toBeUndefined();
    expect(run.list()[0]!.status).toBe('skipped');
  });
});

describe('JWT claim checks', () => {
  it('requireAlg refuses none, HMAC and a missing alg', () => {
    expect(requireAlg('RS256', ['RS256'], 'The JWT')).toBe('RS256');
    for (const alg of ['none', 'HS256', undefined, 42]) expect(codeOf(() => requireAlg(alg, ['RS256', 'ES256'], 'The JWT'))).toBe('alg_not_allowed');
  });

  it('requireIssuer compares issuers without trailing slashes, and exactly otherwise', () => {
    expect(requireIssuer('https://acme.okta.com/', 'https://acme.okta.com', 'The JWT')).toBe('https://acme.okta.com');
    expect(requireIssuer('https://login.microsoftonline.com/tid/v2.0', 'https://login.microsoftonline.com/tid/v2.0/', 'The JWT')).toBe('https://login.microsoftonline.com/tid/v2.0');
    expect(codeOf(() => requireIssuer('http://acme.okta.com', 'https://acme.okta.com', 'The JWT'))).toBe('iss_mismatch');
    expect(codeOf(() => requireIssuer('https://ACME.okta.com', 'https://acme.okta.com', 'The JWT'))).toBe('iss_mismatch');
    expect(codeOf(() => requireIssuer(undefined, 'https://acme.okta.com', 'The JWT'))).toBe('iss_missing');
  });

  it('requireAudience wants the expected value among the audiences: a URL without trailing slash, a client id exactly', () => {
    expect(requireAudience(['x', 'https://api.example.com/a/'], 'https://api.example.com/a', 'The JWT', { url: true })).toHaveLength(2);
    expect(codeOf(() => requireAudience('https://api.example.com/a/', 'https://api.example.com/a', 'The JWT'))).toBe('aud_mismatch');
    expect(codeOf(() => requireAudience(undefined, 'client', 'The JWT'))).toBe('aud_mismatch');
    expect(codeOf(() => requireAudience([42], 'client', 'The JWT'))).toBe('aud_mismatch');
  });

  describe('requireTimes', () => {
    const now = 1_800_000_000;
    const rules = { skewSeconds: 120, requireExp: true };

    it('returns exp plus skew as the instant the token stops being acceptable', () => {
      expect(requireTimes({ iat: now, exp: now + 60 }, now, rules, 'The JWT')).toBe(now + 60 + 120);
    });
    it('tolerates the skew both ways and refuses beyond it', () => {
      expect(() => requireTimes({ iat: now + 119, nbf: now + 119, exp: now - 119 }, now, rules, 'The JWT')).not.toThrow();
      expect(codeOf(() => requireTimes({ iat: now + 121, exp: now + 60 }, now, rules, 'The JWT'))).toBe('iat_in_future');
      expect(codeOf(() => requireTimes({ iat: now, nbf: now + 121, exp: now + 60 }, now, rules, 'The JWT'))).toBe('not_yet_valid');
      expect(codeOf(() => requireTimes({ iat: now - 200, exp: now - 120 }, now, rules, 'The JWT'))).toBe('expired');
    });
    it('names malformed claims apart from refused values', () => {
      expect(codeOf(() => requireTimes({ exp: now + 60 }, now, rules, 'The JWT'))).toBe('iat_missing');
      expect(codeOf(() => requireTimes({ iat: now }, now, rules, 'The JWT'))).toBe('exp_missing');
      expect(codeOf(() => requireTimes({ iat: now, exp: 'soon' }, now, rules, 'The JWT'))).toBe('exp_invalid');
      expect(codeOf(() => requireTimes({ iat: now, nbf: 'now', exp: now + 60 }, now, rules, 'The JWT'))).toBe('nbf_invalid');
    });
    it('bounds the age (maxAgeSeconds) and the remaining lifetime (maxLifetimeSeconds)', () => {
      expect(codeOf(() => requireTimes({ iat: now - 1000, exp: now + 60 }, now, { ...rules, maxAgeSeconds: 600 }, 'The JWT'))).toBe('too_old');
      expect(codeOf(() => requireTimes({ iat: now, exp: now + 7200 }, now, { ...rules, maxLifetimeSeconds: 3600 }, 'The JWT'))).toBe('lifetime_too_long');
    });
    it('accepts a token without exp until iat plus the lifetime when exp is optional (SETs)', () => {
      const set = { skewSeconds: 300, requireExp: false, maxLifetimeSeconds: 600 };
      expect(requireTimes({ iat: now - 10 }, now, set, 'The SET')).toBe(now - 10 + 600 + 300);
      expect(codeOf(() => requireTimes({ iat: now - 1000 }, now, set, 'The SET'))).toBe('too_old');
    });
  });
});
