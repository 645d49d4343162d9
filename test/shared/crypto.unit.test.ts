import { describe, expect, it } from 'vitest';
import { parseToken, safeEqual, sortableId, timeIdPrefix, TokenHasher } from '../../lambdas/core/crypto.js';

describe('TokenHasher', () => {
  const hasher = new TokenHasher('pepper-one');

  it('mints tokens whose readable prefix names region and kind', () => {
    // Act
    const minted = hasher.mint('eu', 'scim');

    // Assess
    expect(minted.token).toMatch(/^idpb_eu_scim_[0-9a-z]{20}_[A-Za-z0-9_-]{43}$/);
    expect(parseToken(minted.token)).toEqual({ region: 'eu', kind: 'scim', id: minted.id });
  });

  it('stores only a keyed hash that verifies the token and nothing else', () => {
    const minted = hasher.mint('us', 'api');

    expect(minted.hash).not.toContain(minted.token.slice(-43));
    expect(hasher.verify(minted.token, minted.hash)).toBe(true);
    expect(hasher.verify(minted.token + 'x', minted.hash)).toBe(false);
    expect(new TokenHasher('pepper-two').verify(minted.token, minted.hash)).toBe(false);
  });

  it('carries 256 random bits in every token', () => {
    const secrets = new Set(Array.from({ length: 200 }, () => hasher.mint('us', 'session').token.slice(-43)));
    expect(secrets.size).toBe(200);
    expect(Buffer.from([...secrets][0]!, 'base64url')).toHaveLength(32);
  });
});

describe('parseToken', () => {
  it.each([
    ['', 'empty'],
    ['Bearer abc', 'not ours'],
    ['idpb_us_root_aaaaaaaaaaaaaaaaaaaa_' + 'a'.repeat(43), 'unknown kind'],
    ['idpb_us_scim_AAAAAAAAAAAAAAAAAAAA_' + 'a'.repeat(43), 'upper-case id'],
    ['idpb_us_scim_aaaaaaaaaaaaaaaaaaaa_' + 'a'.repeat(42), 'short secret'],
  ])('rejects %j (%s)', (token) => {
    expect(parseToken(token)).toBeUndefined();
  });
});

describe('sortableId', () => {
  it('sorts by creation time, also within one millisecond', () => {
    const ids = [sortableId(1_000), sortableId(1_000), sortableId(1_001), sortableId(2_000_000_000_000)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(4);
  });

  it('starts with the time prefix of its millisecond', () => {
    expect(sortableId(1_700_000_000_123).startsWith(timeIdPrefix(1_700_000_000_123))).toBe(true);
    expect(timeIdPrefix(1_700_000_000_123) < timeIdPrefix(1_700_000_000_124)).toBe(true);
  });
});

describe('safeEqual', () => {
  it('compares equal and unequal strings of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
