/**
 * The periodic refresh of SAML connections (lambdas/saml/refresh.ts) against a local metadata
 * server and DynamoDB Local: certificate rotations are followed, a failing or re-pointed metadata
 * URL keeps the last good values and records `metadataError`, and certificate-expiry warnings go
 * out through the outbox once per threshold (90/30/7 days) per certificate. Sign-ins use real
 * signed responses; the run's clock is the only thing moved (`Deps.now`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamlIdp, generateSigningKeyPair, type SamlIdp, type SigningKeyPair } from '../../dev/saml-idp/index.js';
import { loadConfig } from '../../lambdas/platform/config.js';
import { buildDeps, type Deps } from '../../lambdas/platform/deps.js';
import { refreshSamlConnections } from '../../lambdas/saml/refresh.js';
import { handler as refreshHandler } from '../../lambdas/saml/refresh-handler.js';
import { startSamlRefreshLoop } from '../../dev/saml-refresh.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { codeFrom, errorCode, postAcs } from './support.js';

/** A metadata URL whose answer the test sets. */
interface MetadataServer {
  readonly url: string;
  serve(xml: string): void;
  fail(status: number): void;
  close(): Promise<void>;
}

async function startMetadataServer(): Promise<MetadataServer> {
  let body = '';
  let status = 200;
  const server: Server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/samlmetadata+xml' });
    res.end(status === 200 ? body : 'unavailable');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/federationmetadata.xml`,
    serve: (xml) => {
      body = xml;
      status = 200;
    },
    fail: (s) => {
      status = s;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface View {
  id: string;
  idpCertificates: string[];
  idpSsoUrl: string;
  idpEntityId: string;
  metadataUrl: string | null;
  metadataRefreshedAt: string | null;
  metadataError: string | null;
  certificateWarning: boolean;
  certificates: { warning: number | string | null; daysLeft: number }[];
  setup: { acsUrl: string; entityId: string };
}

const DAY = 86_400_000;

let stack: TestStack;
let admin: ApiClient;
let md: MetadataServer;
let idp: SamlIdp;
let next: SigningKeyPair;
let teamId: string;
let conn: View;
/** The refresh's clock. */
let clock = new Date();
let deps: Deps;

beforeAll(async () => {
  // The IdP's certificate is valid for 100 days: no warning today, each threshold as the clock moves.
  const [s, keys, rotated, server] = await Promise.all([startTestStack(), generateSigningKeyPair('Contoso SAML', 100), generateSigningKeyPair('Contoso SAML next', 400), startMetadataServer()]);
  [stack, next, md] = [s, rotated, server];
  idp = await createSamlIdp({ flavor: 'entra', keys, ssoUrl: 'https://login.microsoftonline.com/contoso/saml2' });
  md.serve(idp.metadataXml());
  admin = api(stack.url, stack.adminKey);
  const created = await admin.post<{ id: string }>('/api/admin/workspaces', { name: 'Metadata refresh' });
  teamId = created.json.id;
  const res = await admin.post<View>(`/api/admin/workspaces/${teamId}/connections`, { protocol: 'saml', preset: 'entra', metadataUrl: md.url, signInEnabled: true, jitEnabled: true });
  expect(res.status, res.text).toBe(201);
  conn = res.json;
  deps = buildDeps(loadConfig(process.env), { now: () => clock });
});
afterAll(async () => {
  await md?.close();
  await stack?.close();
});

const view = async () => (await admin.get<View>(`/api/admin/workspaces/${teamId}/connections/${conn.id}`)).json;
const run = async (at: Date) => {
  clock = at;
  return refreshSamlConnections(deps);
};
const signIn = (key: SigningKeyPair, email: string) =>
  postAcs(stack, conn.setup.acsUrl, {
    SAMLResponse: idp.buildResponse({ acsUrl: conn.setup.acsUrl, audience: conn.setup.entityId, ...idp.entraUser({ email }), sign: 'assertion', signingKey: key }),
  });

async function trail(action: string): Promise<{ action: string; actor: { type: string }; after: Record<string, unknown> }[]> {
  const res = await admin.get(`/api/admin/workspaces/${teamId}/audit-export`);
  return res.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { action: string; actor: { type: string }; after: Record<string, unknown> })
    .filter((r) => r.action === action);
}

describe('metadata refresh', () => {
  it('writes nothing when the metadata is unchanged and was confirmed within the day', async () => {
    const outcomes = await run(new Date());
    expect(outcomes).toEqual([expect.objectContaining({ teamId, connectionId: conn.id, result: 'unchanged', warnings: [] })]);
  });

  it('follows a certificate rotation published in the metadata: both certificates are trusted, then only the new one', async () => {
    expect((await signIn(next, 'before@contoso.example')).headers.get('x-idpb-error')).toBe('invalid_signature');
    md.serve(idp.metadataXml({ certificates: [idp.certificatePem, next.certificatePem] }));
    expect(await run(new Date())).toEqual([expect.objectContaining({ result: 'updated', changed: ['idpCertificates'] })]);
    const v = await view();
    expect(v.idpCertificates).toHaveLength(2);
    expect(v.metadataError).toBeNull();
    codeFrom(await signIn(next, 'rotated@contoso.example'));
    codeFrom(await signIn(idp.keys, 'old-key@contoso.example'));

    md.serve(idp.metadataXml({ certificates: [next.certificatePem] }));
    await run(new Date());
    expect(errorCode(await signIn(idp.keys, 'old-key@contoso.example'))).toBe('invalid_signature');
    codeFrom(await signIn(next, 'rotated@contoso.example'));

    const refreshed = await trail('connection.metadata_refreshed');
    expect(refreshed).toHaveLength(2);
    expect(refreshed[0]!.actor.type).toBe('system');
    expect(refreshed[0]!.after).toMatchObject({ id: conn.id, changed: ['idpCertificates'] });
    // Back to the original certificate for the tests below.
    md.serve(idp.metadataXml());
    await run(new Date());
  });

  it('keeps the last good values and records metadataError when the metadata URL fails, and clears it once it answers again', async () => {
    const before = await view();
    md.fail(503);
    expect(await run(new Date())).toEqual([expect.objectContaining({ result: 'failed', error: expect.stringContaining('HTTP 503') })]);
    const failed = await view();
    expect(failed.metadataError).toContain('HTTP 503');
    expect(failed.idpCertificates).toEqual(before.idpCertificates);
    expect(failed.idpSsoUrl).toBe(before.idpSsoUrl);
    expect(failed.metadataRefreshedAt).toBe(before.metadataRefreshedAt);
    codeFrom(await signIn(idp.keys, 'during-outage@contoso.example'));
    // A second failing run with the same cause writes nothing more.
    expect(await run(new Date())).toEqual([expect.objectContaining({ result: 'unchanged' })]);
    expect(await trail('connection.metadata_refresh_failed')).toHaveLength(1);

    md.serve(idp.metadataXml());
    expect(await run(new Date())).toEqual([expect.objectContaining({ result: 'updated', changed: ['metadataError'] })]);
    expect((await view()).metadataError).toBeNull();
  });

  it('never re-points the connection to another entity id: that is a failure until an admin saves it again', async () => {
    const before = await view();
    const other = await createSamlIdp({ flavor: 'entra', keys: next });
    md.serve(other.metadataXml());
    await run(new Date());
    const v = await view();
    expect(v.metadataError).toContain(`now names entity id ${other.entityId}`);
    expect(v.idpEntityId).toBe(idp.entityId);
    expect(v.idpCertificates).toEqual(before.idpCertificates);
    md.serve(idp.metadataXml());
    await run(new Date());
    expect((await view()).metadataError).toBeNull();
  });

  it('runs as the scheduled Lambda handler, and as the local stack’s loop', async () => {
    const summary = await refreshHandler({ id: 'scheduled-event-1' });
    expect(summary.connections).toBeGreaterThanOrEqual(1);
    md.serve(idp.metadataXml({ certificates: [idp.certificatePem, next.certificatePem] }));
    const loop = startSamlRefreshLoop(deps, 0);
    await loop.runOnce();
    loop.stop();
    expect((await view()).idpCertificates).toHaveLength(2);
    md.serve(idp.metadataXml());
    await run(new Date());
  });
});

describe('certificate-expiry warnings (90/30/7 days)', () => {
  const expiring = () => stack.events.all().filter((e) => e.type === 'connection.certificate_expiring' && e.teamId === teamId);

  it('sends connection.certificate_expiring once per threshold per certificate, through the outbox', async () => {
    const now = Date.now();
    expect((await run(new Date(now + 15 * DAY))).flatMap((o) => o.warnings)).toEqual([90]);
    const first = await stack.events.waitFor((e) => e.type === 'connection.certificate_expiring' && e.teamId === teamId);
    expect(first.detail).toMatchObject({ connectionId: conn.id, threshold: 90, idpEntityId: idp.entityId, metadataUrl: md.url });
    expect(first.detail.daysLeft).toBeLessThanOrEqual(90);

    // The same threshold is not sent again.
    expect((await run(new Date(now + 16 * DAY))).flatMap((o) => o.warnings)).toEqual([]);
    expect((await run(new Date(now + 71 * DAY))).flatMap((o) => o.warnings)).toEqual([30]);
    expect((await run(new Date(now + 95 * DAY))).flatMap((o) => o.warnings)).toEqual([7]);
    expect((await run(new Date(now + 96 * DAY))).flatMap((o) => o.warnings)).toEqual([]);
    await stack.events.waitFor((e) => e.type === 'connection.certificate_expiring' && e.teamId === teamId && e.detail.threshold === 7);
    expect(expiring().map((e) => e.detail.threshold)).toEqual([90, 30, 7]);

    // A new certificate starts its own count: a 400-day one warns at nothing yet.
    md.serve(idp.metadataXml({ certificates: [idp.certificatePem, next.certificatePem] }));
    expect((await run(new Date(now + 97 * DAY))).flatMap((o) => o.warnings)).toEqual([]);
  });

  it('warns about a pasted certificate too (no metadata URL), and the admin API flags it', async () => {
    const shortLived = await generateSigningKeyPair('Okta short', 60);
    const res = await admin.post<View>(`/api/admin/workspaces/${teamId}/connections`, {
      protocol: 'saml',
      preset: 'okta',
      idpSsoUrl: 'https://acme.okta.com/app/acme/exk1/sso/saml',
      idpEntityId: 'http://www.okta.com/exkshortlived',
      idpCertificate: shortLived.certificatePem,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json.certificateWarning).toBe(true);
    expect(res.json.certificates[0]!.warning).toBe(90);
    const outcomes = await run(new Date());
    expect(outcomes.find((o) => o.connectionId === res.json.id)).toMatchObject({ warnings: [90] });
    await stack.events.waitFor((e) => e.type === 'connection.certificate_expiring' && e.detail.connectionId === res.json.id);
  });
});
