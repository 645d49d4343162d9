/**
 * Helpers for the multi-connection OIDC tests: a workspace with several OIDC connections (Okta,
 * Entra, Google, generic), each registered as an app in its own stand-in, and a verified e-mail
 * domain claim.
 *
 * Connections are made through the admin API (`POST /api/admin/workspaces/{id}/connections`, and
 * `PUT …/okta` for the seeds' `okta` connection); a stack without that endpoint (404/405/501) gets
 * the connection written the way the endpoint does (secret first, then the workspace with its
 * issuer links, in one audited transaction).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { OktaStandin, StandinClient } from '../../dev/okta-standin/index.js';
import type { ProviderPreset } from '../../lambdas/core/model/connection.js';
import { api } from '../support/http.js';
import type { TestStack } from '../support/stack.js';

/** What a test asks for: the admin API's `POST …/connections` body for an OIDC connection. */
export interface OidcConnectionInput {
  readonly preset: ProviderPreset;
  readonly name?: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly signInEnabled?: boolean;
  readonly jitEnabled?: boolean;
  readonly emailDomains?: string[];
  readonly tenantId?: string;
  readonly hostedDomain?: string;
  readonly groupsClaim?: string;
}

/** The redirect URI of a connection (README URL contract: the `okta` preset keeps the seeds' callback). */
export function redirectUriFor(stack: TestStack, preset: ProviderPreset): string {
  return `${stack.url}${preset === 'okta' ? '/api/okta/oidc/callback' : '/api/sso/oidc/callback'}`;
}

/** Creates a workspace through the admin API; returns its id. */
export async function createWorkspace(stack: TestStack, name: string, opts: { roles?: unknown; roleMappings?: unknown; domains?: string[] } = {}): Promise<string> {
  const admin = api(stack.url, stack.adminKey);
  const created = await admin.post<{ id: string }>('/api/admin/workspaces', { name });
  expect(created.status).toBe(201);
  const id = created.json.id;
  if (opts.roles) expect((await admin.put(`/api/admin/workspaces/${id}/roles`, opts.roles)).status).toBe(200);
  if (opts.roleMappings) expect((await admin.put(`/api/admin/workspaces/${id}/role-mappings`, opts.roleMappings)).status).toBe(200);
  for (const domain of opts.domains ?? []) {
    expect((await admin.post(`/api/admin/workspaces/${id}/domains`, { domain })).status).toBe(201);
    // The platform key approves the claim, so it routes sign-ins (test/oidc/domain-routing.test.ts covers DNS proof).
    expect((await admin.post(`/api/admin/workspaces/${id}/domains/${domain}/approve`)).status).toBe(200);
  }
  return id;
}

/** Adds an OIDC connection to a workspace; returns its id. */
export async function addOidcConnection(stack: TestStack, teamId: string, input: OidcConnectionInput, id?: string): Promise<string> {
  const admin = api(stack.url, stack.adminKey);
  const body = { protocol: 'oidc', signInEnabled: true, jitEnabled: false, ...input };
  if (id === 'okta' && input.preset === 'okta') {
    // The seeds' connection: saved through the `…/okta` form, as an admin does.
    const { issuer, clientId, clientSecret, signInEnabled, jitEnabled, emailDomains } = input;
    const form = { domain: issuer, clientId, clientSecret, signInEnabled: signInEnabled ?? true, jitEnabled: jitEnabled ?? false };
    const res = await admin.put(`/api/admin/workspaces/${teamId}/okta`, form);
    expect(res.status, `PUT …/okta answered ${res.status} ${res.text.slice(0, 300)}`).toBe(200);
    // The form's `emailDomains` are the workspace's claims; the connection's own list is set per connection.
    if (emailDomains) await updateConnection(stack, teamId, id, { emailDomains });
    return id;
  }
  if (id === undefined) {
    const res = await admin.post<{ id: string }>(`/api/admin/workspaces/${teamId}/connections`, body);
    if (res.status === 201) return res.json.id;
    // Only a missing endpoint falls back; anything else is a real answer the test must see.
    expect([404, 405, 501], `POST …/connections answered ${res.status} ${res.text.slice(0, 300)}`).toContain(res.status);
  }
  return writeConnection(teamId, id ?? `c${randomBytes(5).toString('hex')}`, input);
}

/** Changes fields of a stored connection (sign-in switch, client id, …) as an admin's PUT would. */
export async function updateConnection(stack: TestStack, teamId: string, connectionId: string, change: Record<string, unknown>): Promise<void> {
  const admin = api(stack.url, stack.adminKey);
  const shown = await admin.get<Record<string, unknown>>(`/api/admin/workspaces/${teamId}/connections/${connectionId}`);
  if (shown.status === 200) {
    // PUT takes the whole connection (the secret may be left out): the shown fields, changed.
    const fields = ['protocol', 'preset', 'name', 'signInEnabled', 'jitEnabled', 'emailDomains', 'issuer', 'clientId', 'tenantId', 'hostedDomain', 'groupsClaim', 'partialLogout', 'sharedSignalsEnabled'];
    const body = Object.fromEntries(fields.filter((k) => shown.json[k] !== undefined && shown.json[k] !== null).map((k) => [k, shown.json[k]]));
    const res = await admin.put(`/api/admin/workspaces/${teamId}/connections/${connectionId}`, { ...body, ...change });
    expect(res.status, `PUT …/connections answered ${res.status} ${res.text.slice(0, 300)}`).toBe(200);
    return;
  }
  expect([404, 405, 501], `GET …/connections/{id} answered ${shown.status} ${shown.text.slice(0, 300)}`).toContain(shown.status);
  const { getDeps } = await import('../../lambdas/platform/deps.js');
  const { WorkspaceRepo } = await import('../../lambdas/store/workspaces.js');
  const { ConnectionItem } = await import('../../lambdas/core/model/connection.js');
  const deps = getDeps();
  const repo = new WorkspaceRepo(deps.db);
  const before = await repo.require(teamId);
  const now = new Date(Math.max(Date.now(), Date.parse(before.updatedAt) + 1)).toISOString();
  const next = {
    ...before,
    updatedAt: now,
    connections: before.connections.map((c) => (c.id === connectionId ? ConnectionItem.parse({ ...c, ...change, updatedAt: now }) : c)),
  };
  await repo.update(setupCtx(teamId), before, next, 'connection.updated', WorkspaceRepo.issuerLinkItems(before, next));
}

const setupCtx = (teamId: string) => ({ teamId, region: 'us', actor: { type: 'test', id: 'setup' }, source: { ip: '127.0.0.1', userAgent: 'vitest' }, requestId: 'setup' });

async function writeConnection(teamId: string, id: string, input: OidcConnectionInput): Promise<string> {
  const { getDeps } = await import('../../lambdas/platform/deps.js');
  const { WorkspaceRepo } = await import('../../lambdas/store/workspaces.js');
  const { OidcConnectionItem } = await import('../../lambdas/core/model/connection.js');
  const deps = getDeps();
  const repo = new WorkspaceRepo(deps.db);
  const before = await repo.require(teamId);
  const secretName = `${deps.config.WORKSPACE_SECRET_PREFIX}/${teamId}/connections/${id}/client-secret`;
  await deps.secrets.put(secretName, input.clientSecret);
  const now = new Date(Math.max(Date.now(), Date.parse(before.updatedAt) + 1)).toISOString();
  const { clientSecret: _s, ...fields } = input;
  const connection = OidcConnectionItem.parse({
    id,
    protocol: 'oidc',
    name: input.name ?? input.preset,
    signInEnabled: true,
    jitEnabled: false,
    ...fields,
    clientSecretName: secretName,
    createdAt: now,
    updatedAt: now,
  });
  const next = { ...before, updatedAt: now, connections: [...before.connections.filter((c) => c.id !== id), connection] };
  await repo.update(setupCtx(teamId), before, next, 'connection.created', WorkspaceRepo.issuerLinkItems(before, next));
  return id;
}

/** Registers an app for a workspace's connection in a stand-in (its redirect URI and initiate login URI). */
export function registerApp(stack: TestStack, standin: OktaStandin, teamId: string, preset: ProviderPreset, extra: Partial<StandinClient> = {}): StandinClient {
  return standin.addClient({
    redirectUris: [redirectUriFor(stack, preset)],
    initiateLoginUri: `${stack.url}/api/okta/oidc/login?team_id=${teamId}`,
    ...extra,
  });
}

/** An app in the stand-in plus the workspace's connection to it, in one step. */
export async function connect(
  stack: TestStack,
  standin: OktaStandin,
  teamId: string,
  input: Omit<OidcConnectionInput, 'issuer' | 'clientId' | 'clientSecret'> & { id?: string; assignedUserIds?: string[] },
): Promise<{ connectionId: string; client: StandinClient }> {
  const { id, assignedUserIds, ...rest } = input;
  const client = registerApp(stack, standin, teamId, input.preset, assignedUserIds ? { assignedUserIds } : {});
  const connectionId = await addOidcConnection(
    stack,
    teamId,
    { ...rest, issuer: standin.issuer, clientId: client.clientId, clientSecret: client.clientSecret, ...(standin.tenantId && input.preset === 'entra' && !rest.tenantId ? { tenantId: standin.tenantId } : {}) },
    id,
  );
  return { connectionId, client };
}
