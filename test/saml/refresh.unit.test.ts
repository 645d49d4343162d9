/**
 * The pure part of the periodic SAML refresh (lambdas/saml/refresh.ts `planRefresh`, `dueNotice`):
 * what one run changes on one connection, with real certificates and a moved clock.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, type SigningKeyPair } from '../../dev/saml-idp/index.js';
import type { SamlConnection } from '../../lambdas/core/model/connection.js';
import { CONFIRM_EVERY_MS, dueNotice, planRefresh } from '../../lambdas/saml/refresh.js';

const DAY = 86_400_000;
const NOW = new Date();
const local = { local: false };

let short: SigningKeyPair;
let long: SigningKeyPair;
let conn: SamlConnection;

beforeAll(async () => {
  [short, long] = await Promise.all([generateSigningKeyPair('short', 100), generateSigningKeyPair('long', 400)]);
  conn = {
    id: 'centra1',
    name: 'Contoso',
    preset: 'entra',
    protocol: 'saml',
    emailDomains: [],
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    idpSsoUrl: 'https://login.microsoftonline.com/t/saml2',
    idpEntityId: 'https://sts.windows.net/3f0c8a52-6d1e-4c52-9a51-2f4f8d3c1b7e/',
    idpCertificates: [short.certificatePem],
    metadataUrl: 'https://login.microsoftonline.com/t/federationmetadata/2007-06/federationmetadata.xml',
    metadataRefreshedAt: NOW.toISOString(),
    allowIdpInitiated: true,
    signInEnabled: true,
    jitEnabled: false,
  };
});

const metadata = (over: Partial<{ entityId: string; ssoUrl: string; certificates: string[] }> = {}) => ({
  metadata: { entityId: conn.idpEntityId, ssoUrl: conn.idpSsoUrl, certificates: [short.certificatePem], ...over },
});

describe('planRefresh', () => {
  it('writes nothing for unchanged metadata confirmed within the day', () => {
    expect(planRefresh(conn, metadata(), NOW, local)).toMatchObject({ action: undefined, changed: [], notices: [] });
  });

  it('records a successful refresh once a day even when nothing changed', () => {
    const later = new Date(NOW.getTime() + CONFIRM_EVERY_MS);
    const plan = planRefresh(conn, metadata(), later, local);
    expect(plan).toMatchObject({ action: 'connection.metadata_refreshed', changed: [] });
    expect(plan.next.metadataRefreshedAt).toBe(later.toISOString());
    // The connection's own updatedAt moves only with its values.
    expect(plan.next.updatedAt).toBe(conn.updatedAt);
  });

  it('takes new certificates and a new SSO URL, in the metadata’s order', () => {
    const plan = planRefresh(conn, metadata({ ssoUrl: 'https://login.microsoftonline.com/t/saml2/v2', certificates: [long.certificatePem, short.certificatePem] }), NOW, local);
    expect(plan.action).toBe('connection.metadata_refreshed');
    expect(plan.changed).toEqual(['idpSsoUrl', 'idpCertificates']);
    expect(plan.next.idpCertificates).toEqual([long.certificatePem, short.certificatePem]);
  });

  it('keeps the last good values on a fetch failure, records the error once, and clears it on success', () => {
    const failed = planRefresh(conn, { error: 'the metadata could not be fetched: the server answered HTTP 500' }, NOW, local);
    expect(failed.action).toBe('connection.metadata_refresh_failed');
    expect(failed.next).toMatchObject({ idpCertificates: conn.idpCertificates, idpSsoUrl: conn.idpSsoUrl, metadataRefreshedAt: conn.metadataRefreshedAt });
    expect(planRefresh(failed.next, { error: failed.next.metadataError! }, NOW, local).action).toBeUndefined();
    const healed = planRefresh(failed.next, metadata(), NOW, local);
    expect(healed).toMatchObject({ action: 'connection.metadata_refreshed', changed: ['metadataError'] });
    expect(healed.next.metadataError).toBeUndefined();
  });

  it('refuses metadata that names another entity id, an http SSO URL or no certificate', () => {
    const other = planRefresh(conn, metadata({ entityId: 'https://sts.windows.net/other/' }), NOW, local);
    expect(other.next.metadataError).toContain('now names entity id https://sts.windows.net/other/');
    expect(other.next.idpEntityId).toBe(conn.idpEntityId);
    expect(planRefresh(conn, metadata({ ssoUrl: 'http://idp.example/sso' }), NOW, local).next.metadataError).toContain('not https://');
    expect(planRefresh(conn, metadata({ ssoUrl: 'http://127.0.0.1:9/sso' }), NOW, { local: true }).next.metadataError).toBeUndefined();
    expect(planRefresh(conn, metadata({ certificates: [] }), NOW, local).next.metadataError).toContain('no signing certificate');
  });
});

describe('certificate-expiry notices', () => {
  it('announces 90, 30 and 7 days ahead, each once, remembering the threshold on the connection', () => {
    let c = conn;
    const thresholds: number[] = [];
    for (const days of [0, 15, 16, 71, 72, 95, 96]) {
      const plan = planRefresh(c, undefined, new Date(NOW.getTime() + days * DAY), local);
      thresholds.push(...plan.notices.map((n) => n.threshold));
      if (plan.notices.length > 0) expect(plan.action).toBe('connection.certificate_expiring');
      c = plan.next;
    }
    expect(thresholds).toEqual([90, 30, 7]);
    expect(c.certificateWarningsSent).toEqual([{ fingerprint: expect.any(String), threshold: 7 }]);
  });

  it('sends only the smallest threshold reached when the first run is late', () => {
    expect(dueNotice(conn, new Date(NOW.getTime() + 95 * DAY))?.threshold).toBe(7);
  });

  it('warns about the latest-expiring certificate only: an old one expiring during a rotation is expected', () => {
    const rotating = { ...conn, idpCertificates: [short.certificatePem, long.certificatePem] };
    expect(dueNotice(rotating, new Date(NOW.getTime() + 95 * DAY))).toBeUndefined();
  });

  it('forgets the thresholds of certificates the connection no longer holds', () => {
    const warned = planRefresh(conn, undefined, new Date(NOW.getTime() + 15 * DAY), local).next;
    const rotated = planRefresh(warned, metadata({ certificates: [long.certificatePem] }), new Date(NOW.getTime() + 15 * DAY), local);
    expect(rotated.changed).toEqual(['idpCertificates']);
    expect(rotated.next.certificateWarningsSent).toBeUndefined();
  });
});
