import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateInfo } from '../../lambdas/core/connections/certificates.js';
import { entraIssuer, presetCatalogue, resolveOidcIssuer } from '../../lambdas/core/connections/presets.js';
import { InvalidMetadata, parseIdpMetadata } from '../../lambdas/core/connections/saml-metadata.js';
import { BadRequest } from '../../lambdas/core/errors.js';
import { PROVIDER_PRESETS } from '../../lambdas/core/model/connection.js';
import { checkMetadataUrl, fetchMetadata, MetadataFetchFailed } from '../../lambdas/platform/metadata-fetch.js';
import { selfSignedCertificatePem } from '../fixtures/certs.js';
import { idpMetadataXml } from '../fixtures/saml/metadata.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('presets', () => {
  it('lists every preset of the model, each with both protocols, help texts and the groups claim', () => {
    const list = presetCatalogue();
    expect(list.map((p) => p.id)).toEqual([...PROVIDER_PRESETS]);
    for (const p of list) {
      expect(p.protocols).toEqual(['oidc', 'saml']);
      expect(p.defaults.groupsClaim).toBe('groups');
      expect(Object.keys(p.fields).length).toBeGreaterThan(3);
    }
  });

  it('tells what revokes an Entra user access and how to point Entra SCIM at the bridge', () => {
    const entra = presetCatalogue().find((p) => p.id === 'entra')!;
    const notes = entra.notes.join('\n');
    expect(notes).toContain('no Universal Logout');
    expect(notes).toContain('SCIM deactivation');
    expect(notes).toContain('CAEP');
    expect(notes).toContain('aadOptscim062020');
    expect(notes).toContain('"False"');
  });

  it.each([
    ['okta', { domain: 'acme.okta.com' }, 'https://acme.okta.com'],
    ['entra', { tenantId: TENANT.toUpperCase() }, `https://login.microsoftonline.com/${TENANT}/v2.0`],
    ['google', {}, 'https://accounts.google.com'],
    ['onelogin', { domain: 'acme' }, 'https://acme.onelogin.com/oidc/2'],
    ['onelogin', { domain: 'acme.onelogin.com' }, 'https://acme.onelogin.com/oidc/2'],
    ['jumpcloud', {}, 'https://oauth.id.jumpcloud.com/'],
    ['generic', { issuer: 'https://idp.example.com/realms/acme/' }, 'https://idp.example.com/realms/acme/'],
  ] as const)('derives the %s issuer from %j', (preset, input, issuer) => {
    expect(resolveOidcIssuer(preset, input, false).issuer).toBe(issuer);
  });

  it('keeps an explicit issuer exactly as entered, plain HTTP only on loopback in local mode', () => {
    expect(resolveOidcIssuer('okta', { issuer: 'http://127.0.0.1:9000' }, true)).toEqual({ issuer: 'http://127.0.0.1:9000', domain: '127.0.0.1:9000' });
    expect(resolveOidcIssuer('entra', { issuer: `http://localhost:9100/${TENANT}/v2.0` }, true)).toEqual({ issuer: `http://localhost:9100/${TENANT}/v2.0`, tenantId: TENANT });
    expect(() => resolveOidcIssuer('generic', { issuer: 'http://127.0.0.1:9000' }, false)).toThrow(BadRequest);
    expect(() => resolveOidcIssuer('generic', { issuer: 'http://idp.example.com' }, true)).toThrow(BadRequest);
    expect(() => resolveOidcIssuer('generic', { issuer: 'https://idp.example.com/?tenant=1' }, false)).toThrow(BadRequest);
  });

  it('refuses what a preset cannot make an issuer of', () => {
    expect(() => resolveOidcIssuer('generic', {}, false)).toThrow(/issuer: required/);
    expect(() => resolveOidcIssuer('entra', {}, false)).toThrow(/tenantId/);
    expect(() => entraIssuer('contoso.onmicrosoft.com')).toThrow(/GUID/);
    expect(() => resolveOidcIssuer('okta', {}, false)).toThrow(/domain/);
    expect(() => resolveOidcIssuer('onelogin', { domain: 'a b' }, false)).toThrow(/subdomain/);
  });
});

describe('certificateInfo', () => {
  const pem = selfSignedCertificatePem('expiry-test');
  const notAfter = new Date(new X509Certificate(pem).validTo).getTime();
  const daysBefore = (d: number) => new Date(notAfter - d * 86_400_000 - 1000);

  it.each([
    [120, null],
    [91, null],
    [90, 90],
    [31, 90],
    [30, 30],
    [8, 30],
    [7, 7],
    [0, 7],
  ] as const)('with %i days left warns %s', (days, warning) => {
    const info = certificateInfo(pem, daysBefore(days));
    expect(info).toMatchObject({ daysLeft: days, warning, notAfter: new Date(notAfter).toISOString() });
    expect(info.subject).toContain('CN=expiry-test');
  });

  it('says expired once notAfter has passed', () => {
    expect(certificateInfo(pem, new Date(notAfter + 1000)).warning).toBe('expired');
  });
});

describe('parseIdpMetadata', () => {
  const signing = selfSignedCertificatePem('signing');
  const next = selfSignedCertificatePem('next');
  const encryption = selfSignedCertificatePem('encryption');

  it('reads entityID, the HTTP-Redirect SSO URL and the signing certificates (not the encryption one)', () => {
    const md = parseIdpMetadata(idpMetadataXml({ entityId: 'https://sts.windows.net/t/', signing: [signing, next], encryption }));
    expect(md.entityId).toBe('https://sts.windows.net/t/');
    expect(md.ssoUrl).toBe('https://idp.example.com/sso/redirect');
    expect(md.certificates.map((c) => new X509Certificate(c).subject)).toEqual(['CN=signing', 'CN=next']);
  });

  it('falls back to the HTTP-POST binding, and takes a KeyDescriptor without use as signing', () => {
    const xml = idpMetadataXml({ entityId: 'e', signing: [signing], redirect: false, use: null });
    expect(parseIdpMetadata(xml)).toMatchObject({ ssoUrl: 'https://idp.example.com/sso/post', certificates: [expect.stringContaining('BEGIN CERTIFICATE')] });
  });

  it('reads the one IdP of an EntitiesDescriptor', () => {
    const inner = idpMetadataXml({ entityId: 'inner', signing: [signing] }).replace(/^<\?xml[^>]*>/, '');
    const xml = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${inner}</md:EntitiesDescriptor>`;
    expect(parseIdpMetadata(xml).entityId).toBe('inner');
  });

  it.each([
    ['a DOCTYPE', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>`, /DOCTYPE/],
    ['malformed XML', '<md:EntityDescriptor', /well-formed/],
    ['another root', '<html/>', /EntityDescriptor/],
    ['SP metadata', `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="sp"><md:SPSSODescriptor/></md:EntityDescriptor>`, /IDPSSODescriptor/],
  ])('refuses %s', (_, xml, message) => {
    expect(() => parseIdpMetadata(xml)).toThrow(InvalidMetadata);
    expect(() => parseIdpMetadata(xml)).toThrow(message);
  });

  it('answers any input with metadata or InvalidMetadata, never another error (fuzz)', () => {
    const valid = idpMetadataXml({ entityId: 'e', signing: [signing] });
    const mutated = fc.tuple(fc.nat(valid.length), fc.nat(200), fc.string({ maxLength: 40 })).map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutated), (xml) => {
        try {
          parseIdpMetadata(xml);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidMetadata);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses metadata without a signing certificate or SSO URL', () => {
    expect(() => parseIdpMetadata(idpMetadataXml({ entityId: 'e', signing: [], encryption }))).toThrow(/signing certificate/);
    expect(() => parseIdpMetadata(idpMetadataXml({ entityId: 'e', signing: [signing], redirect: false, post: false }))).toThrow(/SingleSignOnService/);
    expect(() => parseIdpMetadata(idpMetadataXml({ entityId: 'e', signing: ['bm90IGEgY2VydA=='] }))).toThrow(/not a valid certificate/);
  });
});

describe('fetchMetadata', () => {
  let server: Server;
  let base: string;
  const pem = selfSignedCertificatePem('fetch');

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/metadata') return void res.writeHead(200, { 'content-type': 'application/xml' }).end(idpMetadataXml({ entityId: 'fetched', signing: [pem] }));
      if (req.url === '/moved') return void res.writeHead(302, { location: '/metadata' }).end();
      if (req.url === '/to-ftp') return void res.writeHead(302, { location: 'ftp://example.com/metadata' }).end();
      if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.write('<x>');
        for (let i = 0; i < 64; i++) res.write('a'.repeat(32 * 1024));
        return void res.end('</x>');
      }
      if (req.url === '/stall') return; // never answers
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('fetches loopback HTTP in local mode and follows a same-rule redirect', async () => {
    expect(parseIdpMetadata(await fetchMetadata(`${base}/metadata`, { local: true })).entityId).toBe('fetched');
    expect(parseIdpMetadata(await fetchMetadata(`${base}/moved`, { local: true })).entityId).toBe('fetched');
  });

  it('refuses plain HTTP when deployed, other schemes, private addresses and credentials', async () => {
    await expect(fetchMetadata(`${base}/metadata`, { local: false })).rejects.toThrow(MetadataFetchFailed);
    await expect(fetchMetadata(`${base}/to-ftp`, { local: true })).rejects.toThrow(/https/);
    expect(() => checkMetadataUrl('https://10.0.0.5/metadata', false)).toThrow(/private/);
    expect(() => checkMetadataUrl('https://[::1]/metadata', false)).toThrow(/private/);
    expect(() => checkMetadataUrl('https://169.254.169.254/latest', false)).toThrow(/private/);
    expect(() => checkMetadataUrl('https://u:p@idp.example.com/metadata', false)).toThrow(/credentials/);
    expect(checkMetadataUrl('https://idp.example.com/metadata', false).hostname).toBe('idp.example.com');
  });

  it('gives up on redirect loops, bodies over the cap, errors and stalls', async () => {
    await expect(fetchMetadata(`${base}/loop`, { local: true })).rejects.toThrow(/redirects/);
    await expect(fetchMetadata(`${base}/big`, { local: true, maxBytes: 1024 * 1024 })).rejects.toThrow(/larger than/);
    await expect(fetchMetadata(`${base}/missing`, { local: true })).rejects.toThrow(/HTTP 404/);
    await expect(fetchMetadata(`${base}/stall`, { local: true, timeoutMs: 200 })).rejects.toThrow(/no answer/);
  });
});
