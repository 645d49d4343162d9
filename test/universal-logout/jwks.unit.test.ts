/**
 * `IssuerKeySets` (lambdas/platform/jwks.ts): discovery of `jwks_uri`, caching, one rate-limited
 * refetch on an unknown `kid` (Okta key rotation), and refusal of what is not a trusted key URL.
 */
import { compactVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuerKeySets, KeySetUnavailable } from '../../lambdas/platform/jwks.js';
import { startLocalOktaOrg, type LocalOktaOrg } from '../fixtures/logout/okta-org.js';

let org: LocalOktaOrg;
beforeAll(async () => {
  org = await startLocalOktaOrg();
});
afterAll(async () => org?.close());

const hits = (path: string) => org.hits.get(path) ?? 0;

describe('IssuerKeySets', () => {
  it('discovers the key set from the issuer’s openid-configuration once and caches the keys', async () => {
    const sets = new IssuerKeySets({ allowHttpLoopback: true });
    const [d0, k0] = [hits('/.well-known/openid-configuration'), hits('/oauth2/v1/keys')];
    for (let i = 0; i < 3; i++) await compactVerify(await org.sign({ i }), await sets.forIssuer(org.issuer));
    expect(hits('/.well-known/openid-configuration') - d0).toBe(1);
    expect(hits('/oauth2/v1/keys') - k0).toBe(1);
  });

  it('refetches once on an unknown kid so a rotated key verifies, and not again within the cooldown', async () => {
    const sets = new IssuerKeySets({ allowHttpLoopback: true, cooldownMs: 0 });
    await compactVerify(await org.sign({}), await sets.forIssuer(org.issuer));
    const rotated = await org.newKey('ES256', true);
    const before = hits('/oauth2/v1/keys');
    await compactVerify(await org.sign({}, { key: rotated }), await sets.forIssuer(org.issuer));
    expect(hits('/oauth2/v1/keys') - before).toBe(1);

    const slow = new IssuerKeySets({ allowHttpLoopback: true, cooldownMs: 60_000 });
    await compactVerify(await org.sign({}), await slow.forIssuer(org.issuer));
    const stranger = await org.newKey('RS256', false);
    const mark = hits('/oauth2/v1/keys');
    for (let i = 0; i < 3; i++) {
      await expect(compactVerify(await org.sign({}, { key: stranger }), await slow.forIssuer(org.issuer))).rejects.toThrow();
    }
    expect(hits('/oauth2/v1/keys') - mark).toBe(0);
  });

  it('refuses plain-HTTP issuers outside local mode', async () => {
    const sets = new IssuerKeySets({ allowHttpLoopback: false });
    await expect(sets.forIssuer(org.issuer)).rejects.toBeInstanceOf(KeySetUnavailable);
  });

  it('refuses a discovery document that names another issuer', async () => {
    const sets = new IssuerKeySets({
      allowHttpLoopback: true,
      fetch: async () => new Response(JSON.stringify({ issuer: 'https://evil.example.com', jwks_uri: `${org.issuer}/oauth2/v1/keys` }), { status: 200 }),
    });
    await expect(sets.forIssuer(org.issuer)).rejects.toThrow(/another issuer/);
  });

  it('reports an unreachable org as unavailable (503) and remembers the failure briefly', async () => {
    let calls = 0;
    const sets = new IssuerKeySets({
      allowHttpLoopback: true,
      fetch: async () => {
        calls++;
        throw new TypeError('fetch failed');
      },
    });
    await expect(sets.forIssuer('http://127.0.0.1:9')).rejects.toMatchObject({ status: 503 });
    await expect(sets.forIssuer('http://127.0.0.1:9')).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(1);
  });
});
