import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normaliseCertificate } from '../../lambdas/core/connections/certificates.js';
import { issuerFromDomain } from '../../lambdas/core/connections/presets.js';
import { BadRequest } from '../../lambdas/core/errors.js';

describe('issuerFromDomain', () => {
  it.each([
    ['acme.okta.com', 'https://acme.okta.com'],
    ['https://acme.okta.com/', 'https://acme.okta.com'],
    ['ACME.oktapreview.com', 'https://acme.oktapreview.com'],
    ['login.acme.example', 'https://login.acme.example'],
  ])('derives the org issuer from %s', (domain, issuer) => {
    expect(issuerFromDomain(domain, false).issuer).toBe(issuer);
  });

  it.each(['http://acme.okta.com', 'https://acme.okta.com/oauth2/default', 'https://u:p@acme.okta.com', 'not a domain', 'ftp://x.com'])(
    'refuses %s',
    (domain) => {
      expect(() => issuerFromDomain(domain, false)).toThrow(BadRequest);
    },
  );

  it('accepts a plain-HTTP loopback issuer only in local mode', () => {
    expect(issuerFromDomain('http://127.0.0.1:9000', true).issuer).toBe('http://127.0.0.1:9000');
    expect(() => issuerFromDomain('http://127.0.0.1:9000', false)).toThrow(BadRequest);
    expect(() => issuerFromDomain('http://evil.example', true)).toThrow(BadRequest);
  });
});

describe('normaliseCertificate', () => {
  it('refuses text that is not an X.509 certificate', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => normaliseCertificate(publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(BadRequest);
    expect(() => normaliseCertificate('hello')).toThrow(BadRequest);
  });

  it('turns bare base64 into PEM that parses', async () => {
    const pem = await import('../fixtures/certs.js').then((m) => m.selfSignedCertificatePem());
    const bare = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    expect(new X509Certificate(normaliseCertificate(bare)).subject).toContain('CN=');
  });
});
