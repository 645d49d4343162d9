/**
 * E-mail domains route sign-ins only once their owner proved them (review #4, issue 8 item 5):
 * claims get a per-workspace DNS TXT challenge, verification asks a REAL DNS server on loopback
 * (dns2, test/support/dns-server.ts) through node's resolver, and only the verified owner's
 * claim routes `GET /api/okta/oidc/login?login_hint=…`. No mock of the resolver or of our storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaStandin, type OktaStandin } from '../../dev/okta-standin/index.js';
import { startDnsServer, type DnsTestServer } from '../support/dns-server.js';
import { api, type ApiClient } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { auditExport, connectWorkspace, type Connected } from './support.js';

interface DomainView {
  domain: string;
  status: 'pending' | 'verified';
  routesSignIns: boolean;
  createdAt: string;
  verifiedAt: string | null;
  method: 'dns' | 'platform' | null;
  txtRecord: { name: string; type: 'TXT'; value: string };
}
interface ApiErrorBody {
  error: { code: string; message: string };
}

let dns: DnsTestServer;
let stack: TestStack;
let okta: OktaStandin;
let admin: ApiClient;
/** The customer that owns `demo.example`. */
let demo: Connected;
/** Another tenant that tries to capture demo's sign-ins. */
let attacker: Connected;

const domainsPath = (teamId: string, rest = '') => `/api/admin/workspaces/${teamId}/domains${rest}`;

/** Where `GET /api/okta/oidc/login?login_hint=…` sends the browser: Okta's authorize URL or a refusal page. */
async function loginByEmail(email: string): Promise<{ status: number; clientId: string | null; code: string | null }> {
  const res = await fetch(`${stack.url}/api/okta/oidc/login?${new URLSearchParams({ login_hint: email })}`, { redirect: 'manual' });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  return {
    status: res.status,
    clientId: location && location.startsWith(okta.issuer) ? new URL(location).searchParams.get('client_id') : null,
    code: res.headers.get('x-idpb-error'),
  };
}

async function claim(teamId: string, domain: string): Promise<DomainView> {
  const res = await admin.post<DomainView>(domainsPath(teamId), { domain });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

beforeAll(async () => {
  // The DNS server first: handlers read DNS_SERVERS when they load.
  dns = await startDnsServer();
  okta = await startOktaStandin({ users: [] });
  stack = await startTestStack({ env: { DNS_SERVERS: dns.address } });
  admin = api(stack.url, stack.adminKey);
  [demo, attacker] = await Promise.all([connectWorkspace(stack, okta, { name: 'Demo' }), connectWorkspace(stack, okta, { name: 'Attacker' })]);
});

afterAll(async () => {
  await stack?.close();
  await okta?.close();
  await dns?.close();
});

describe('claiming a domain', () => {
  it('gives a pending claim with a per-workspace TXT challenge, normalising the name', async () => {
    const a = await claim(attacker.teamId, 'Shared.Example.');
    const b = await claim(demo.teamId, 'shared.example');

    expect(a).toMatchObject({ domain: 'shared.example', status: 'pending', routesSignIns: false, verifiedAt: null, method: null });
    expect(a.txtRecord.name).toBe('_idp-bridge-challenge.shared.example');
    expect(a.txtRecord.value).toMatch(/^idp-bridge-verification=[A-Za-z0-9_-]{32}$/);
    // Both workspaces may hold pending claims, each with its own challenge.
    expect(b.txtRecord.value).not.toBe(a.txtRecord.value);
    const listed = await admin.get<{ domains: DomainView[] }>(domainsPath(attacker.teamId));
    expect(listed.json.domains).toEqual([a]);
    // A re-sent claim answers the same claim (same challenge): retries converge.
    const again = await admin.post<DomainView>(domainsPath(attacker.teamId), { domain: 'SHARED.example' });
    expect([again.status, again.json.txtRecord.value]).toEqual([200, a.txtRecord.value]);
  });

  it('accepts several claims sent at once by one workspace (each re-reads the workspace when another won)', async () => {
    const names = ['one.example', 'two.example', 'three.example', 'four.example'];
    const res = await Promise.all(names.map((domain) => admin.post<DomainView>(domainsPath(demo.teamId), { domain })));
    expect(res.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const got = await admin.get<{ emailDomains: string[] }>(`/api/admin/workspaces/${demo.teamId}`);
    expect([...got.json.emailDomains].sort()).toEqual(expect.arrayContaining([...names].sort()));
    const removed = await Promise.all(names.map((d) => admin.delete(domainsPath(demo.teamId, `/${d}`))));
    expect(removed.map((r) => r.status)).toEqual([204, 204, 204, 204]);
  });

  it('normalises internationalised names to punycode', async () => {
    const c = await claim(demo.teamId, 'Bücher.Example');
    expect(c.domain).toBe('xn--bcher-kva.example');
  });

  it.each([['gmail.com'], ['GMAIL.COM.'], ['mail.yahoo.co.uk'], ['eu.outlook.com'], ['proton.me'], ['icloud.com']])(
    'refuses the public mail domain %s with 400 public_mail_domain (review #4)',
    async (domain) => {
      const res = await admin.post<ApiErrorBody>(domainsPath(attacker.teamId), { domain });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('public_mail_domain');
    },
  );

  it.each([['localhost'], ['127.0.0.1'], ['a..example'], [`${'a'.repeat(64)}.example`], [`${'abcdefghi.'.repeat(26)}example`], ['x@y.example'], ['-bad.example']])(
    'refuses %s with 400 invalid_domain',
    async (domain) => {
      const res = await admin.post<ApiErrorBody>(domainsPath(attacker.teamId), { domain });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_domain');
    },
  );

  it('refuses gmail.com even from the platform key (approve) and in PUT …/okta emailDomains', async () => {
    const approve = await admin.post<ApiErrorBody>(domainsPath(attacker.teamId, '/gmail.com/approve'));
    expect([approve.status, approve.json.error.code]).toEqual([400, 'public_mail_domain']);
    const put = await admin.put<ApiErrorBody>(`/api/admin/workspaces/${attacker.teamId}/okta`, {
      domain: okta.issuer,
      clientId: attacker.client.clientId,
      emailDomains: ['attacker.example', 'gmail.com'],
    });
    expect(put.status).toBe(400);
    expect(put.json.error.message).toContain('emailDomains.1');
    expect((await loginByEmail('someone@gmail.com')).code).toBe('unknown_email_domain');
  });
});

describe('routing by work e-mail (review #4)', () => {
  it("keeps another customer's domain pending without its TXT record: it routes nothing and verify is refused", async () => {
    // Prepare: the attacker claims demo's domain; nothing is published in DNS for it.
    const a = await claim(attacker.teamId, 'demo.example');

    // Act
    const verify = await admin.post<ApiErrorBody>(domainsPath(attacker.teamId, '/demo.example/verify'));
    const login = await loginByEmail('alex@demo.example');

    // Assess
    expect(verify.status).toBe(400);
    expect(verify.json.error.code).toBe('domain_not_verified');
    expect(verify.json.error.message).toContain(a.txtRecord.name);
    expect(dns.queries).toContain(`TXT ${a.txtRecord.name}`);
    expect(login).toEqual({ status: 404, clientId: null, code: 'unknown_email_domain' });
    const listed = await admin.get<{ domains: DomainView[] }>(domainsPath(attacker.teamId));
    expect(listed.json.domains.find((d) => d.domain === 'demo.example')?.status).toBe('pending');
  });

  it('refuses a TXT record with another value and keeps the claim pending', async () => {
    const c = await claim(attacker.teamId, 'wrong-value.example');
    dns.setTxt(c.txtRecord.name, ['idp-bridge-verification=not-the-challenge', 'v=spf1 -all']);

    const verify = await admin.post<ApiErrorBody>(domainsPath(attacker.teamId, '/wrong-value.example/verify'));

    expect(verify.status).toBe(400);
    expect(verify.json.error.code).toBe('domain_not_verified');
    expect(verify.json.error.message).not.toContain('not-the-challenge');
    expect((await loginByEmail('x@wrong-value.example')).code).toBe('unknown_email_domain');
  });

  it("verifies the owner's TXT record and then routes its login_hint to the owner's Okta app", async () => {
    // Prepare: demo claims too and publishes its record (a record split into character-strings).
    const c = await claim(demo.teamId, 'demo.example');
    const value = c.txtRecord.value;
    dns.setTxt(c.txtRecord.name, [[value.slice(0, 20), value.slice(20)]]);

    // Act
    const verify = await admin.post<DomainView>(domainsPath(demo.teamId, '/demo.example/verify'));
    const login = await loginByEmail('Alex@Demo.Example');

    // Assess
    expect(verify.status, verify.text).toBe(200);
    expect(verify.json).toMatchObject({ domain: 'demo.example', status: 'verified', routesSignIns: true, method: 'dns' });
    expect(login).toEqual({ status: 302, clientId: demo.client.clientId, code: null });
    const audit = await auditExport(stack, demo.teamId);
    expect(audit.filter((r) => r.target.id === 'demo.example').map((r) => r.action)).toEqual(['domain.claimed', 'domain.verified']);
  });

  it('lets only one workspace verify a domain: the other gets 409 even with its own TXT record published', async () => {
    const mine = await admin.get<{ domains: DomainView[] }>(domainsPath(attacker.teamId));
    const record = mine.json.domains.find((d) => d.domain === 'demo.example')!.txtRecord;
    const demoRecord = (await admin.get<{ domains: DomainView[] }>(domainsPath(demo.teamId))).json.domains.find((d) => d.domain === 'demo.example')!.txtRecord;
    dns.setTxt(record.name, [demoRecord.value, record.value]);

    const verify = await admin.post<ApiErrorBody>(domainsPath(attacker.teamId, '/demo.example/verify'));

    expect(verify.status).toBe(409);
    expect((await loginByEmail('alex@demo.example')).clientId).toBe(demo.client.clientId);
  });

  it('lets exactly one of two workspaces win concurrent verifications of one domain, round after round', async () => {
    for (let round = 0; round < 8; round++) {
      // Prepare: both claim, and DNS holds both workspaces' values (the domain changed hands, say).
      const domain = `race-${round}.example`;
      const [a, b] = await Promise.all([claim(demo.teamId, domain), claim(attacker.teamId, domain)]);
      dns.setTxt(a.txtRecord.name, [a.txtRecord.value, b.txtRecord.value]);

      // Act
      const [ra, rb] = await Promise.all([
        admin.post<DomainView>(domainsPath(demo.teamId, `/${domain}/verify`)),
        admin.post<DomainView>(domainsPath(attacker.teamId, `/${domain}/verify`)),
      ]);

      // Assess: one 200, one 409; the winner routes, the loser's claim stays pending.
      expect([ra.status, rb.status].sort()).toEqual([200, 409]);
      const [winner, loser] = ra.status === 200 ? [demo, attacker] : [attacker, demo];
      expect((await loginByEmail(`x@${domain}`)).clientId).toBe(winner.client.clientId);
      const lost = await admin.get<{ domains: DomainView[] }>(domainsPath(loser.teamId));
      expect(lost.json.domains.find((d) => d.domain === domain)?.status).toBe('pending');
      const audits = (await auditExport(stack, loser.teamId)).filter((r) => r.target.id === domain).map((r) => r.action);
      expect(audits).toEqual(['domain.claimed']);
    }
  });

  it('stops routing when the owner removes its claim, and another workspace may then verify', async () => {
    const removed = await admin.delete(domainsPath(demo.teamId, '/demo.example'));
    expect(removed.status).toBe(204);
    expect((await loginByEmail('alex@demo.example')).code).toBe('unknown_email_domain');

    const verify = await admin.post<DomainView>(domainsPath(attacker.teamId, '/demo.example/verify'));
    expect([verify.status, verify.json.status]).toEqual([200, 'verified']);
    expect((await loginByEmail('alex@demo.example')).clientId).toBe(attacker.client.clientId);
    // Back as it was for the tests below: the attacker lets go.
    expect((await admin.delete(domainsPath(attacker.teamId, '/demo.example'))).status).toBe(204);
    const audit = await auditExport(stack, demo.teamId);
    expect(audit.filter((r) => r.target.id === 'demo.example').map((r) => r.action)).toEqual(['domain.claimed', 'domain.verified', 'domain.removed']);
  });

  it('lets the platform key approve a domain directly, without DNS', async () => {
    const before = dns.queries.length;
    const res = await admin.post<DomainView>(domainsPath(demo.teamId, '/approved.example/approve'));

    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ domain: 'approved.example', status: 'verified', method: 'platform', routesSignIns: true });
    expect(dns.queries.length).toBe(before);
    expect((await loginByEmail('pat@approved.example')).clientId).toBe(demo.client.clientId);
    const audit = await auditExport(stack, demo.teamId);
    expect(audit.find((r) => r.target.id === 'approved.example')).toMatchObject({ action: 'domain.approved', actor: { type: 'admin' } });
  });

  it('keeps PUT …/okta emailDomains working, but as pending claims only (a contract change)', async () => {
    const put = await admin.put<{ emailDomains: string[] }>(`/api/admin/workspaces/${attacker.teamId}/okta`, {
      domain: okta.issuer,
      clientId: attacker.client.clientId,
      emailDomains: ['approved.example', 'attacker-own.example'],
    });

    expect(put.status, put.text).toBe(200);
    expect(put.json.emailDomains).toEqual(['approved.example', 'attacker-own.example']);
    const listed = await admin.get<{ domains: DomainView[] }>(domainsPath(attacker.teamId));
    expect(listed.json.domains.map((d) => [d.domain, d.status])).toEqual([
      ['approved.example', 'pending'],
      ['attacker-own.example', 'pending'],
    ]);
    // The verified owner keeps routing.
    expect((await loginByEmail('pat@approved.example')).clientId).toBe(demo.client.clientId);
    expect((await loginByEmail('me@attacker-own.example')).code).toBe('unknown_email_domain');
  });

  it('answers 503 with Retry-After when the DNS server fails, and changes nothing', async () => {
    const c = await claim(demo.teamId, 'servfail.example');
    dns.fail(c.txtRecord.name);

    const verify = await admin.post<ApiErrorBody>(domainsPath(demo.teamId, '/servfail.example/verify'));

    expect(verify.status).toBe(503);
    expect(verify.headers.get('retry-after')).toBe('30');
    expect(verify.json.error.code).toBe('dns_unavailable');
    const listed = await admin.get<{ domains: DomainView[] }>(domainsPath(demo.teamId));
    expect(listed.json.domains.find((d) => d.domain === 'servfail.example')?.status).toBe('pending');
  });

  it('answers 404 for verifying or removing a domain the workspace never claimed', async () => {
    expect((await admin.post(domainsPath(demo.teamId, '/never.example/verify'))).status).toBe(404);
    expect((await admin.delete(domainsPath(demo.teamId, '/never.example'))).status).toBe(404);
  });

  it('answers 400 for a path domain that is no domain or a malformed escape, never a 5xx', async () => {
    for (const raw of ['%zz', 'a..b', '127.0.0.1', `${'a'.repeat(300)}.example`]) {
      const res = await admin.post<ApiErrorBody>(domainsPath(demo.teamId, `/${raw}/verify`));
      expect(res.status, raw).toBe(400);
    }
  });
});
