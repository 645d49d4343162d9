import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ApiClient, type ApiResponse } from '../support/http.js';
import { startTestStack, type TestStack } from '../support/stack.js';

interface WorkspaceView {
  id: string;
  name: string;
  region: string;
  setup: Record<string, unknown>;
  okta: Record<string, unknown> | null;
  connections: { id: string; protocol: string; preset: string; setup: Record<string, unknown> }[];
  roles: { id: string }[];
  defaultRole: string;
}

interface AuditLine {
  id: string;
  time: string;
  workspace: string;
  region: string;
  actor: { type: string; id: string; label?: string };
  source: { ip: string; userAgent: string };
  action: string;
  target: { type: string; id: string };
  before: unknown;
  after: unknown;
  requestId: string;
}

const OKTA_SECRET = 'okta-client-secret-never-echoed-7f3a9c';

let stack: TestStack;
let admin: ApiClient;
const logs: string[] = [];
let restoreStdout: () => void;

beforeAll(async () => {
  stack = await startTestStack({ regionId: 'eu', logLevel: 'DEBUG', peerRegions: { us: 'https://api.example.com' } });
  admin = api(stack.url, stack.adminKey);
  // Capture everything the handlers log (Powertools writes to stdout) to prove no secret is logged.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logs.push(String(chunk));
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  restoreStdout = () => {
    process.stdout.write = write;
  };
});

afterAll(async () => {
  restoreStdout?.();
  await stack?.close();
});

async function createWorkspace(name = 'Acme'): Promise<WorkspaceView> {
  const res = await admin.post<WorkspaceView>('/api/admin/workspaces', { name });
  expect(res.status).toBe(201);
  return res.json;
}

async function exportAudit(teamId: string, query = ''): Promise<AuditLine[]> {
  const res = await admin.get(`/api/admin/workspaces/${teamId}/audit-export${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/x-ndjson');
  return res.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

describe('health', () => {
  it('answers 200 when storage is reachable', async () => {
    const res = await api(stack.url).get<{ status: string }>('/api/health');
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('ok');
  });
});

describe('authentication', () => {
  it('returns 401 with the admin envelope without a key or with a wrong key', async () => {
    for (const client of [api(stack.url), api(stack.url, 'wrong-key')]) {
      const res = await client.post<{ error: { code: string; message: string } }>('/api/admin/workspaces', { name: 'x' });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('unauthorized');
    }
  });

  it('does not create anything for an unauthenticated request', async () => {
    const before = await admin.get(`/api/admin/workspaces/00000000-0000-4000-8000-000000000000`);
    expect(before.status).toBe(404);
  });
});

describe('workspaces', () => {
  it('creates a workspace whose setup holds every URL of this region', async () => {
    // Act
    const w = await createWorkspace('Acme EU');

    // Assess
    const base = stack.url;
    expect(w.region).toBe('eu');
    expect(w.setup).toMatchObject({
      redirectUri: `${base}/api/okta/oidc/callback`,
      initiateLoginUri: `${base}/api/okta/oidc/login?team_id=${w.id}`,
      postLogoutUri: `${base}/demo-app/auth`,
      universalLogoutEndpoint: `${base}/api/okta/universal-logout`,
      scimBaseUrl: `${base}/api/scim/v2/${w.id}`,
      scimOAuthAuthorizeUrl: `${base}/api/okta/scim/oauth/authorize`,
      scimOAuthTokenUrl: `${base}/api/okta/scim/oauth/token`,
      samlAcsUrl: `${base}/api/saml/${w.id}/acs`,
      samlAudienceUri: `${base}/api/saml/${w.id}/metadata`,
      samlMetadataUrl: `${base}/api/saml/${w.id}/metadata`,
    });
    expect(w.connections).toEqual([]);
    expect(w.roles.map((r) => r.id)).toEqual(['admin', 'member']);
    expect(w.defaultRole).toBe('member');
    const got = await admin.get<WorkspaceView>(`/api/admin/workspaces/${w.id}`);
    expect(got.json).toEqual(w);
  });

  it('answers 400 with the field named for a malformed body, and stores nothing', async () => {
    for (const body of ['{not json', JSON.stringify({}), JSON.stringify({ name: 'x', extra: 1 }), JSON.stringify({ name: '' })]) {
      const res = await admin.post<{ error: { code: string; message: string } }>('/api/admin/workspaces', body, {
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/JSON|name|extra|Unrecognized/i);
    }
  });

  it('answers 404 for unknown and malformed workspace ids', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '..%2F..']) {
      const res = await admin.get<{ error: { code: string } }>(`/api/admin/workspaces/${id}`);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
  });
});

describe('Okta configuration', () => {
  it('derives the issuer, stores the secret out of band and never echoes it', async () => {
    // Prepare
    const w = await createWorkspace();

    // Act
    const res = await admin.put<WorkspaceView>(`/api/admin/workspaces/${w.id}/okta`, {
      domain: 'acme.okta.com',
      clientId: '0oa1client',
      clientSecret: OKTA_SECRET,
      signInEnabled: true,
      jitEnabled: true,
    });

    // Assess
    expect(res.status).toBe(200);
    expect(res.json.okta).toMatchObject({ domain: 'acme.okta.com', issuer: 'https://acme.okta.com', clientId: '0oa1client', clientSecretSet: true, jitEnabled: true });
    expect(res.json.connections).toEqual([
      expect.objectContaining({ id: 'okta', protocol: 'oidc', preset: 'okta', setup: expect.objectContaining({ redirectUri: `${stack.url}/api/okta/oidc/callback` }) }),
    ]);
    expect(res.text).not.toContain(OKTA_SECRET);
    const got = await admin.get(`/api/admin/workspaces/${w.id}`);
    expect(got.text).not.toContain(OKTA_SECRET);
    const audit = await exportAudit(w.id);
    expect(JSON.stringify(audit)).not.toContain(OKTA_SECRET);
    expect(logs.join('')).not.toContain(OKTA_SECRET);
  });

  it('keeps the stored secret when an update omits it, and requires it the first time', async () => {
    const w = await createWorkspace();
    const first = await admin.put<{ error: { message: string } }>(`/api/admin/workspaces/${w.id}/okta`, { domain: 'acme.okta.com', clientId: 'c' });
    expect(first.status).toBe(400);
    expect(first.json.error.message).toContain('clientSecret');
    expect((await admin.put(`/api/admin/workspaces/${w.id}/okta`, { domain: 'acme.okta.com', clientId: 'c', clientSecret: 's' })).status).toBe(200);
    const update = await admin.put<WorkspaceView>(`/api/admin/workspaces/${w.id}/okta`, { domain: 'acme.okta.com', clientId: 'c2', signInEnabled: false });
    expect(update.status).toBe(200);
    expect(update.json.okta).toMatchObject({ clientId: 'c2', signInEnabled: false, clientSecretSet: true });
  });

  it('refuses a plain-HTTP non-loopback issuer and leaves the workspace as it was', async () => {
    const w = await createWorkspace();
    const res = await admin.put<{ error: { message: string } }>(`/api/admin/workspaces/${w.id}/okta`, { domain: 'http://evil.example', clientId: 'c', clientSecret: 's' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('HTTPS');
    expect((await admin.get<WorkspaceView>(`/api/admin/workspaces/${w.id}`)).json.okta).toBeNull();
  });

  it('makes emailDomains pending claims only: two workspaces may both hold one, neither routes until verified (review #4)', async () => {
    const a = await createWorkspace('A');
    const b = await createWorkspace('B');
    const body = { domain: 'acme.okta.com', clientId: 'c', clientSecret: 's', emailDomains: ['claimed.example'] };
    expect((await admin.put(`/api/admin/workspaces/${a.id}/okta`, body)).status).toBe(200);
    const res = await admin.put<{ emailDomains: string[] }>(`/api/admin/workspaces/${b.id}/okta`, body);
    expect(res.status).toBe(200);
    expect(res.json.emailDomains).toEqual(['claimed.example']);
    for (const w of [a, b]) {
      const listed = await admin.get<{ domains: { domain: string; status: string; routesSignIns: boolean }[] }>(`/api/admin/workspaces/${w.id}/domains`);
      expect(listed.json.domains).toEqual([expect.objectContaining({ domain: 'claimed.example', status: 'pending', routesSignIns: false })]);
    }
  });
});

describe('SAML configuration', () => {
  it('stores a valid certificate and refuses one that is not X.509', async () => {
    const { selfSignedCertificatePem } = await import('../fixtures/certs.js');
    const w = await createWorkspace();
    const ok = await admin.put<WorkspaceView & { saml: { idpCertificates: string[] } }>(`/api/admin/workspaces/${w.id}/saml`, {
      idpSsoUrl: 'https://acme.okta.com/app/acme/sso/saml',
      idpEntityId: 'http://www.okta.com/exk1',
      idpCertificate: selfSignedCertificatePem(),
    });
    expect(ok.status).toBe(200);
    expect(ok.json.saml.idpCertificates).toHaveLength(1);
    const bad = await admin.put(`/api/admin/workspaces/${w.id}/saml`, { idpSsoUrl: 'https://acme.okta.com/x', idpEntityId: 'e', idpCertificate: 'garbage' });
    expect(bad.status).toBe(400);
  });
});

describe('roles and role mappings', () => {
  it('stores the role catalogue and mappings, and refuses mappings to unknown roles', async () => {
    const w = await createWorkspace();
    const roles = await admin.put<WorkspaceView>(`/api/admin/workspaces/${w.id}/roles`, {
      roles: [
        { id: 'tenant_admin', displayName: 'Tenant admin', description: 'All of it' },
        { id: 'auditor', displayName: 'Auditor' },
        { id: 'member', displayName: 'Member' },
      ],
      defaultRole: 'member',
    });
    expect(roles.status).toBe(200);
    const mappings = await admin.put<WorkspaceView & { roleMappings: unknown }>(`/api/admin/workspaces/${w.id}/role-mappings`, {
      groups: [
        { group: 'claresia-admins', role: 'tenant_admin' },
        { group: 'claresia-eng-pilot', role: 'member', grants: ['archetype-eng'] },
      ],
      roleValues: [{ value: 'Admin', role: 'tenant_admin' }],
    });
    expect(mappings.status).toBe(200);
    expect(mappings.json.roleMappings).toEqual({
      groups: [
        { group: 'claresia-admins', role: 'tenant_admin' },
        { group: 'claresia-eng-pilot', role: 'member', grants: ['archetype-eng'] },
      ],
      roleValues: [{ value: 'Admin', role: 'tenant_admin' }],
    });
    const bad = await admin.put(`/api/admin/workspaces/${w.id}/role-mappings`, { groups: [{ group: 'x', role: 'ghost' }] });
    expect(bad.status).toBe(400);
    const orphan = await admin.put(`/api/admin/workspaces/${w.id}/roles`, { roles: [{ id: 'member', displayName: 'M' }], defaultRole: 'member' });
    expect(orphan.status).toBe(400);
    const noDefault = await admin.put(`/api/admin/workspaces/${w.id}/roles`, { roles: [{ id: 'member', displayName: 'M' }], defaultRole: 'admin' });
    expect(noDefault.status).toBe(400);
  });
});

describe('SCIM tokens', () => {
  it('shows a token once, lists it without the secret, and refuses it right after revocation', async () => {
    // Prepare
    const w = await createWorkspace();

    // Act
    const minted = await admin.post<{ id: string; label: string; token: string; expiresAt: null }>(`/api/admin/workspaces/${w.id}/scim-tokens`, { label: 'okta-production' });

    // Assess
    expect(minted.status).toBe(201);
    expect(minted.json.token).toMatch(/^idpb_eu_scim_/);
    const list = await admin.get<{ tokens: { id: string; label: string; lastUsedAt: string | null }[] }>(`/api/admin/workspaces/${w.id}/scim-tokens`);
    expect(list.json.tokens).toEqual([expect.objectContaining({ id: minted.json.id, label: 'okta-production', lastUsedAt: null })]);
    expect(list.text).not.toContain(minted.json.token);

    const scim = api(stack.url, minted.json.token);
    expect((await scim.get(`/api/scim/v2/${w.id}/Users?count=1`)).status).toBe(200);

    expect((await admin.delete(`/api/admin/workspaces/${w.id}/scim-tokens/${minted.json.id}`)).status).toBe(204);
    const after = await scim.get<{ status: string; schemas: string[] }>(`/api/scim/v2/${w.id}/Users?count=1`);
    expect(after.status).toBe(401);
    expect(after.json.status).toBe('401');
    expect((await admin.get<{ tokens: unknown[] }>(`/api/admin/workspaces/${w.id}/scim-tokens`)).json.tokens).toEqual([]);
  });

  it('refuses an expired token', async () => {
    const w = await createWorkspace();
    const past = await admin.post(`/api/admin/workspaces/${w.id}/scim-tokens`, { label: 'old', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
  });

  it('does not let a token of one workspace reach another', async () => {
    const a = await createWorkspace('A');
    const b = await createWorkspace('B');
    const minted = await admin.post<{ token: string }>(`/api/admin/workspaces/${a.id}/scim-tokens`, { label: 'a' });
    const res = await api(stack.url, minted.json.token).get(`/api/scim/v2/${b.id}/Users?count=1`);
    expect(res.status).toBe(401);
  });

  it('answers 404 when revoking a token of another workspace', async () => {
    const a = await createWorkspace('A');
    const b = await createWorkspace('B');
    const minted = await admin.post<{ id: string }>(`/api/admin/workspaces/${a.id}/scim-tokens`, { label: 'a' });
    expect((await admin.delete(`/api/admin/workspaces/${b.id}/scim-tokens/${minted.json.id}`)).status).toBe(404);
    expect((await admin.get<{ tokens: unknown[] }>(`/api/admin/workspaces/${a.id}/scim-tokens`)).json.tokens).toHaveLength(1);
  });
});

describe('audit export', () => {
  it('has exactly one record per admin mutation, with before and after, in time order', async () => {
    // Prepare
    const w = await createWorkspace('Audited');
    await admin.put(`/api/admin/workspaces/${w.id}/okta`, { domain: 'acme.okta.com', clientId: 'c', clientSecret: OKTA_SECRET });
    await admin.put(`/api/admin/workspaces/${w.id}/roles`, { roles: [{ id: 'admin', displayName: 'A' }, { id: 'member', displayName: 'M' }], defaultRole: 'admin' });
    const t = await admin.post<{ id: string; token: string }>(`/api/admin/workspaces/${w.id}/scim-tokens`, { label: 'l' });
    await admin.delete(`/api/admin/workspaces/${w.id}/scim-tokens/${t.json.id}`);
    await admin.put(`/api/admin/workspaces/${w.id}/roles`, { roles: [{ id: 'member', displayName: 'M' }], defaultRole: 'nope' }); // refused: no record

    // Act
    const lines = await exportAudit(w.id);

    // Assess
    expect(lines.map((l) => l.action)).toEqual([
      'workspace.created',
      'workspace.okta_configured',
      'workspace.roles_updated',
      'scim_token.created',
      'scim_token.revoked',
    ]);
    const ids = lines.map((l) => l.id);
    expect([...ids].sort()).toEqual(ids);
    for (const l of lines) {
      expect(l).toMatchObject({ workspace: w.id, region: 'eu', actor: { type: 'admin' }, source: { ip: '127.0.0.1' } });
      expect(l.requestId).toBeTruthy();
    }
    const roles = lines[2]!;
    expect(roles.before).toMatchObject({ defaultRole: 'member' });
    expect(roles.after).toMatchObject({ defaultRole: 'admin' });
    expect(JSON.stringify(lines)).not.toContain(t.json.token);
    expect(JSON.stringify(lines)).not.toContain(OKTA_SECRET);
  });

  it('pages with a Link header and honours since/until', async () => {
    const w = await createWorkspace('Paged');
    for (let i = 0; i < 5; i++) await admin.put(`/api/admin/workspaces/${w.id}/role-mappings`, { groups: [{ group: `g${i}`, role: 'member' }] });
    const all = await exportAudit(w.id);
    expect(all).toHaveLength(6);

    const seen: AuditLine[] = [];
    let next: string | undefined = `/api/admin/workspaces/${w.id}/audit-export?limit=2`;
    let pages = 0;
    while (next) {
      const res: ApiResponse = await admin.get(next);
      seen.push(...res.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditLine));
      const link = res.headers.get('link');
      const target = link ? new URL(/<([^>]+)>; rel="next"/.exec(link)![1]!) : undefined;
      next = target ? target.pathname + target.search : undefined;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen.map((l) => l.id)).toEqual(all.map((l) => l.id));

    const since = all[2]!.time;
    const until = new Date(Date.parse(all[4]!.time) + 1).toISOString();
    const window = await exportAudit(w.id, `?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`);
    expect(window.map((l) => l.id)).toEqual(all.filter((l) => l.time >= since && l.time < until).map((l) => l.id));
  });

  it('refuses bad parameters with 400 and other workspaces with 404', async () => {
    const w = await createWorkspace();
    expect((await admin.get(`/api/admin/workspaces/${w.id}/audit-export?since=yesterday`)).status).toBe(400);
    expect((await admin.get(`/api/admin/workspaces/${w.id}/audit-export?cursor=../../x`)).status).toBe(400);
    expect((await admin.get(`/api/admin/workspaces/${w.id}/audit-export?limit=0`)).status).toBe(400);
    expect((await admin.get(`/api/admin/workspaces/00000000-0000-4000-8000-000000000000/audit-export`)).status).toBe(404);
    expect((await api(stack.url).get(`/api/admin/workspaces/${w.id}/audit-export`)).status).toBe(401);
  });
});
