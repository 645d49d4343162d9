/**
 * Helpers for the OIDC and token tests: a headless browser (fetch with manual redirects and a
 * cookie jar, docs/reference/local-emulation.md §4) and the wiring of a workspace to the local Okta stand-in
 * through the real admin API.
 */
import { expect } from 'vitest';
import type { OktaStandin, StandinClient } from '../../dev/okta-standin/index.js';
import { api, type ApiClient } from '../support/http.js';
import type { TestStack } from '../support/stack.js';

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

/** What a browser ends on after following redirects. */
export interface Landing {
  /** Final URL requested (or, when stopped, the URL it was about to request). */
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Every URL visited, in order (for assertions on the path taken). */
  readonly hops: readonly string[];
}

/**
 * A minimal browser: follows redirects by hand, keeps cookies per host (like browsers, ports do
 * not isolate cookies) honouring `Path` and `Max-Age=0`, and signs in at the stand-in's login form
 * with `username` when it lands there.
 */
export class Browser {
  private readonly jar: StoredCookie[] = [];
  /** Every Set-Cookie header received, with the URL that sent it. */
  readonly setCookies: { url: string; value: string }[] = [];

  /** Cookies for a URL, as a Cookie header. */
  cookieHeader(url: string): string {
    const u = new URL(url);
    return this.jar
      .filter((c) => c.host === u.hostname && (u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/'))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** The value of a cookie the browser holds for a URL. */
  cookie(url: string, name: string): string | undefined {
    const u = new URL(url);
    return this.jar.find((c) => c.host === u.hostname && c.name === name)?.value;
  }

  private store(url: string, headers: Headers): void {
    const host = new URL(url).hostname;
    for (const sc of headers.getSetCookie()) {
      this.setCookies.push({ url, value: sc });
      const [pair, ...attrs] = sc.split(';').map((s) => s.trim());
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      const maxAge = attrs.find((a) => /^max-age=/i.test(a));
      const idx = this.jar.findIndex((c) => c.host === host && c.name === name && c.path === path);
      if (idx >= 0) this.jar.splice(idx, 1);
      if (maxAge && Number(maxAge.slice(8)) <= 0) continue;
      this.jar.push({ name, value, host, path });
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = this.cookieHeader(url);
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    this.store(url, res.headers);
    return res;
  }

  /**
   * Opens `url` and follows redirects until a non-redirect answer, or until the next URL starts
   * with `stopAt` (the host app, which does not run here).
   */
  async open(url: string, opts: { stopAt?: string; username?: string; maxHops?: number } = {}): Promise<Landing> {
    const hops: string[] = [];
    let next = url;
    let init: RequestInit = {};
    for (let i = 0; i < (opts.maxHops ?? 15); i++) {
      if (opts.stopAt && next.startsWith(opts.stopAt)) return { url: next, status: 0, headers: new Headers(), text: '', hops };
      hops.push(next);
      const res = await this.request(next, init);
      init = {};
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        next = new URL(location, next).href;
        continue;
      }
      const text = await res.text();
      // The stand-in's form; the Entra flavor serves it below the issuer's path (`/{tid}/v2.0/interaction/…`).
      const form = /<form method="post" action="((?:\/[^"/]+)*\/interaction\/[^"]+\/login)"/.exec(text);
      if (res.status === 200 && form && opts.username) {
        next = new URL(form[1]!, next).href;
        init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: opts.username }).toString() };
        continue;
      }
      return { url: next, status: res.status, headers: res.headers, text, hops };
    }
    throw new Error(`too many redirects from ${url}: ${hops.join(' -> ')}`);
  }
}

/** A workspace wired to a stand-in client through the admin API. */
export interface Connected {
  readonly teamId: string;
  readonly client: StandinClient;
  readonly setup: Record<string, string>;
}

export interface ConnectOptions {
  readonly name?: string;
  readonly signInEnabled?: boolean;
  readonly jitEnabled?: boolean;
  readonly emailDomains?: string[];
  readonly roles?: { roles: { id: string; displayName: string }[]; defaultRole: string };
  readonly roleMappings?: { groups?: { group: string; role: string; grants?: string[] }[]; roleValues?: { value: string; role: string }[] };
  readonly assignedUserIds?: string[];
}

/**
 * Creates a workspace, registers an Okta app for it in the stand-in with the workspace's setup
 * URLs (redirect URI, initiate login URI, post-logout URI), and saves the Okta connection.
 */
export async function connectWorkspace(stack: TestStack, standin: OktaStandin, opts: ConnectOptions = {}): Promise<Connected> {
  const admin: ApiClient = api(stack.url, stack.adminKey);
  const created = await admin.post<{ id: string; setup: Record<string, string> }>('/api/admin/workspaces', { name: opts.name ?? 'Acme' });
  expect(created.status).toBe(201);
  const { id, setup } = created.json;
  const client = standin.addClient({
    redirectUris: [setup.redirectUri!],
    initiateLoginUri: setup.initiateLoginUri!,
    postLogoutRedirectUris: [setup.postLogoutUri!],
    ...(opts.assignedUserIds ? { assignedUserIds: opts.assignedUserIds } : {}),
  });
  if (opts.roles) expect((await admin.put(`/api/admin/workspaces/${id}/roles`, opts.roles)).status).toBe(200);
  if (opts.roleMappings) {
    const put = await admin.put(`/api/admin/workspaces/${id}/role-mappings`, { groups: opts.roleMappings.groups ?? [], roleValues: opts.roleMappings.roleValues ?? [] });
    expect(put.status).toBe(200);
  }
  const okta = await admin.put(`/api/admin/workspaces/${id}/okta`, {
    domain: standin.issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    signInEnabled: opts.signInEnabled ?? true,
    jitEnabled: opts.jitEnabled ?? false,
    ...(opts.emailDomains ? { emailDomains: opts.emailDomains } : {}),
  });
  expect(okta.status).toBe(200);
  // `emailDomains` only makes pending claims (review #4); the platform key approves them so that
  // they route sign-ins as these tests expect (test/oidc/domain-routing.test.ts covers DNS proof).
  for (const d of opts.emailDomains ?? []) expect((await admin.post(`/api/admin/workspaces/${id}/domains/${d}/approve`)).status).toBe(200);
  return { teamId: id, client, setup };
}

/** One audit record as the export serves it. */
export interface ExportedAudit {
  id: string;
  action: string;
  actor: { type: string; id: string; label?: string };
  target: { type: string; id: string };
  before: unknown;
  after: Record<string, unknown> | null;
}

/** Reads a workspace's whole audit export (NDJSON) through the admin API. */
export async function auditExport(stack: TestStack, teamId: string): Promise<ExportedAudit[]> {
  const res = await api(stack.url, stack.adminKey).get(`/api/admin/workspaces/${teamId}/audit-export`);
  expect(res.status).toBe(200);
  return res.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ExportedAudit);
}

/** The stable error code of a refusal page. */
export function refusalCode(l: Landing): string | null {
  return l.headers.get('x-idpb-error');
}
