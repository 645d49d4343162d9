/**
 * The per-workspace signature step (review #1): each claimant verifies with its own key sources,
 * separately; the token acts only where its own keys verified it. Real JWTs signed with jose, keys
 * from local key sets: no network, no database.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CompactVerifyGetKey, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeySetUnavailable } from '../../lambdas/platform/jwks.js';
import type { OidcConnection, SamlConnection, Workspace } from '../../lambdas/core/model/workspace.js';
import { TokenCheckFailed } from '../../lambdas/universal-logout/checks/errors.js';
import { checkSignatureOfClaimants } from '../../lambdas/universal-logout/checks/signature.js';
import { keySourceId, setClaimants, type Claimant, type KeySource } from '../../lambdas/universal-logout/checks/subject.js';

const ISSUER = 'https://acme.okta.com';

function ws(id: string, over: Partial<Workspace> = {}): Workspace {
  return { id, name: id, region: 'us', createdAt: '', updatedAt: '', connections: [], roles: [], defaultRole: 'member', roleMappings: { groups: [], roleValues: [] }, emailDomains: [], ...over };
}

let mine: { privateKey: CryptoKey; jwk: JWK };
let theirs: { privateKey: CryptoKey; jwk: JWK };

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' } };
}

const sign = (key: { privateKey: CryptoKey; jwk: JWK }, claims: Record<string, unknown> = { sub: 'app' }) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid!, typ: 'global-token-revocation+jwt' }).sign(key.privateKey);

/** Key sources by id: a local JWKS, or an unreachable one. Counts how often each is resolved. */
function keysOf(sets: Record<string, JWK[] | 'unreachable'>, calls: Map<string, number> = new Map()) {
  return async (source: KeySource): Promise<CompactVerifyGetKey> => {
    const id = keySourceId(source);
    calls.set(id, (calls.get(id) ?? 0) + 1);
    const set = sets[id];
    if (set === undefined || set === 'unreachable') throw new KeySetUnavailable(`The key set of ${id} is unavailable.`);
    return createLocalJWKSet({ keys: set });
  };
}

const saml = (teamId: string): KeySource => ({ kind: 'saml-certificates', teamId, certificates: [] });
const claimant = (id: string, ...keys: KeySource[]): Claimant => ({ workspace: ws(id), keys, connections: [] });

beforeAll(async () => {
  mine = await keyPair('mine');
  theirs = await keyPair('theirs');
});

describe('checkSignatureOfClaimants', () => {
  it('acts only in the claimants whose own keys verified the token', async () => {
    const jwt = await sign(mine);
    const out = await checkSignatureOfClaimants(jwt, [claimant('victim', saml('victim')), claimant('attacker', saml('attacker'))], keysOf({ 'saml:victim': [mine.jwk], 'saml:attacker': [theirs.jwk] }));
    expect(out.workspaces.map((w) => w.id)).toEqual(['victim']);
    expect(out.claims.sub).toBe('app');
  });

  it('refuses with checkSignature (401) when no claimant’s own keys verify it, whatever the others hold', async () => {
    const jwt = await sign(theirs);
    const err = await checkSignatureOfClaimants(jwt, [claimant('victim', saml('victim'))], keysOf({ 'saml:victim': [mine.jwk] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenCheckFailed);
    expect((err as TokenCheckFailed).check).toBe('checkSignature');
  });

  it('keeps a verified claimant when another claimant’s key set is unreachable, and reports that one', async () => {
    const jwt = await sign(mine);
    const out = await checkSignatureOfClaimants(
      jwt,
      [claimant('broken', { kind: 'org-jwks', issuer: 'https://down.okta.com' }), claimant('victim', saml('victim'))],
      keysOf({ 'saml:victim': [mine.jwk], 'jwks:https://down.okta.com': 'unreachable' }),
    );
    expect(out.workspaces.map((w) => w.id)).toEqual(['victim']);
    expect(out.unavailable.map((u) => u.teamId)).toEqual(['broken']);
  });

  it('answers 503 (KeySetUnavailable) when nobody verified and a claimant’s keys were unreachable', async () => {
    const jwt = await sign(theirs);
    const err = await checkSignatureOfClaimants(
      jwt,
      [claimant('victim', saml('victim')), claimant('down', { kind: 'org-jwks', issuer: ISSUER })],
      keysOf({ 'saml:victim': [mine.jwk], [`jwks:${ISSUER}`]: 'unreachable' }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeySetUnavailable);
  });

  it('verifies once per shared key source (one org JWKS, several workspaces) and accepts a workspace by any of its own sources', async () => {
    const jwt = await sign(mine);
    const calls = new Map<string, number>();
    const org: KeySource = { kind: 'org-jwks', issuer: ISSUER };
    const out = await checkSignatureOfClaimants(jwt, [claimant('a', org), claimant('b', org), claimant('both', saml('both'), org)], keysOf({ [`jwks:${ISSUER}`]: [mine.jwk], 'saml:both': [theirs.jwk] }, calls));
    expect(out.workspaces.map((w) => w.id)).toEqual(['a', 'b', 'both']);
    expect(calls.get(`jwks:${ISSUER}`)).toBe(1);
  });
});

describe('setClaimants', () => {
  it('names the workspaces whose own OIDC connection is to the org, each trusting that org’s JWKS; SAML-only workspaces are not claimants', () => {
    const okta: OidcConnection = {
      id: 'okta',
      name: 'Okta',
      preset: 'okta',
      protocol: 'oidc',
      emailDomains: [],
      domain: 'acme.okta.com',
      issuer: `${ISSUER}/`,
      clientId: 'c',
      clientSecretName: 'x',
      signInEnabled: true,
      jitEnabled: false,
      partialLogout: false,
      sharedSignalsEnabled: true,
      createdAt: '',
      updatedAt: '',
    };
    const saml: SamlConnection = {
      id: 'saml',
      name: 'Okta SAML',
      preset: 'okta',
      protocol: 'saml',
      emailDomains: [],
      idpSsoUrl: 'https://x',
      idpEntityId: 'e',
      idpCertificates: ['pem'],
      allowIdpInitiated: true,
      oktaOrgUrl: ISSUER,
      appInstanceId: '0oa',
      createdAt: '',
      updatedAt: '',
    };
    const samlOnly = ws('s', { connections: [saml] });
    const out = setClaimants(ISSUER, [ws('o', { connections: [okta] }), samlOnly, ws('elsewhere', { connections: [{ ...okta, issuer: 'https://other.okta.com' }] })]);
    expect(out.map((c) => [c.workspace.id, c.keys])).toEqual([['o', [{ kind: 'org-jwks', issuer: ISSUER }]]]);
  });
});
