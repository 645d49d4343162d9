import { authenticateAdmin, requirePlatform, type AdminPrincipal } from '../signin/admin-auth.js';
import { auditContextFrom } from '../platform/http.js';
import { randomUUID } from 'node:crypto';
import type { Deps } from '../platform/deps.js';
import { ConditionFailed } from '../store/client.js';
import { BadRequest, Conflict, NotFound, StorageUnavailable } from '../core/errors.js';
import { json, type HttpRequest, type HttpResponse } from '../platform/http.js';
import type { App } from '../platform/lambda.js';
import { DEFAULT_ROLES, type Workspace } from '../core/model/workspace.js';
import {
  OKTA_OIDC_CONNECTION_ID,
  OKTA_SAML_CONNECTION_ID,
  oktaOidcConnection,
  oktaSamlConnection,
  type OidcConnection,
  type SamlConnection,
} from '../core/model/connection.js';
import { normaliseCertificate } from '../core/connections/certificates.js';
import { issuerFromDomain } from '../core/connections/presets.js';
import { clientSecretName, connectionRoutes, connectionView, oidcIssuerOf, withConnection, type SaveWorkspace } from './connections.js';
import { WorkspaceRepo } from '../store/workspaces.js';
import { router } from '../platform/router.js';
import { setupUrls } from '../platform/setup-urls.js';
import { parseJsonBody } from '../platform/validate.js';
import { listGroups, listUsers } from './directory.js';
import { domainRoutes, planOktaDomains } from './domains.js';
import { adminPage } from './page.js';
import { CreateWorkspaceBody, OktaBody, RoleMappingsBody, RolesBody, samlBodyFor, ScimTokenBody } from './schemas.js';

const TEAM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The `okta` connection in the shape `PUT …/okta` has always answered (`workspaceView().okta`). */
function legacyOktaView(c: OidcConnection | undefined) {
  if (!c) return null;
  return {
    domain: c.domain ?? new URL(c.issuer).host,
    issuer: c.issuer,
    clientId: c.clientId,
    clientSecretSet: true,
    signInEnabled: c.signInEnabled,
    jitEnabled: c.jitEnabled,
    partialLogout: c.partialLogout,
    sharedSignalsEnabled: c.sharedSignalsEnabled,
    updatedAt: c.updatedAt,
  };
}

/** The `saml` connection in the shape `PUT …/saml` has always answered (`workspaceView().saml`). */
function legacySamlView(c: SamlConnection | undefined) {
  if (!c) return null;
  return {
    idpSsoUrl: c.idpSsoUrl,
    idpEntityId: c.idpEntityId,
    idpCertificates: c.idpCertificates,
    allowIdpInitiated: c.allowIdpInitiated,
    ...(c.groupPrefix !== undefined ? { groupPrefix: c.groupPrefix } : {}),
    ...(c.appInstanceId !== undefined ? { appInstanceId: c.appInstanceId } : {}),
    ...(c.oktaOrgUrl !== undefined ? { oktaOrgUrl: c.oktaOrgUrl } : {}),
    ...(c.signInEnabled !== undefined ? { signInEnabled: c.signInEnabled } : {}),
    ...(c.jitEnabled !== undefined ? { jitEnabled: c.jitEnabled } : {}),
    updatedAt: c.updatedAt,
  };
}

/**
 * What the admin API shows of a workspace: never a secret, always this region's setup URLs; `okta`
 * and `saml` are the views of the `okta` and `saml` connections the legacy forms address.
 */
export function workspaceView(deps: Deps, w: Workspace) {
  return {
    id: w.id,
    name: w.name,
    region: w.region,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    setup: setupUrls(deps.config, w.id),
    okta: legacyOktaView(oktaOidcConnection(w)),
    saml: legacySamlView(oktaSamlConnection(w)),
    connections: w.connections.map((c) => connectionView(deps.config, w.id, c, deps.now())),
    emailDomains: w.emailDomains,
    roles: w.roles,
    defaultRole: w.defaultRole,
    roleMappings: w.roleMappings,
  };
}

export function createAdminApp(deps: Deps): App {
  const { workspaces } = deps.repos;
  const tokens = () => deps.repos.tokens();

  /** Authenticates and loads the workspace a request names. */
  async function scoped(req: HttpRequest, teamId: string): Promise<{ p: AdminPrincipal; w: Workspace }> {
    const p = await authenticateAdmin(deps, req, teamId);
    if (!TEAM_ID.test(teamId)) throw new NotFound(`Workspace ${teamId} does not exist in this region.`);
    return { p, w: await workspaces.require(teamId) };
  }

  const saveWorkspace: SaveWorkspace = async (req, p, before, next, action, extra = [], subject) => {
    try {
      await workspaces.update(auditContextFrom(req, before.id, deps.config.REGION_ID, p.actor), before, next, action, extra, subject);
    } catch (err) {
      if (err instanceof ConditionFailed) {
        if (err.failedIndexes.includes(0)) throw new Conflict('The workspace changed concurrently; reload and retry.');
        throw new Conflict('A domain claim or issuer link changed concurrently; reload and retry.');
      }
      throw err;
    }
  };

  /**
   * Members of the mapped groups (before and after the change) get their stored roles recomputed
   * (each change audited as `role.changed` with its event in the outbox), so listings and lifecycle
   * events match the new mappings. Every mapped group is walked, not only the changed ones: the
   * mapping change and the recompute are separate writes, so a re-sent PUT after a failure in
   * between must still complete the recompute (it writes only users whose roles differ). Sign-in
   * and introspection compute roles afresh anyway. Role-value and default-role changes are not
   * walked here: they would touch every user of the workspace.
   */
  async function recomputeMappedGroups(req: HttpRequest, p: AdminPrincipal, before: Workspace, after: Workspace): Promise<void> {
    const changed = [...new Set([...before.roleMappings.groups, ...after.roleMappings.groups].map((m) => m.group.trim().toLowerCase()))];
    if (changed.length === 0) return;
    const { groups } = deps.repos;
    const found = await Promise.all(changed.map((name) => groups.findByDisplayName(after.id, name)));
    const members = new Set<string>();
    for (const g of found) if (g) for (const id of await groups.allMemberIds(after.id, g.id)) members.add(id);
    if (members.size === 0) return;
    const ctx = auditContextFrom(req, after.id, deps.config.REGION_ID, p.actor);
    await groups.recompute(ctx, after, [...members], (c) => [
      { type: 'role.changed', teamId: after.id, detail: { userId: c.userId, before: c.before, after: c.after, grants: c.grants, source: 'role-mappings' } },
    ]);
  }

  return router([
    [
      'GET',
      '/api/health',
      async () => {
        try {
          await deps.repos.reads.probe();
        } catch (err) {
          // Any failure to read the table (unreachable, missing, throttled) is "not healthy":
          // 503 + Retry-After for monitors and load balancers, never a 500 (review #9).
          throw err instanceof StorageUnavailable ? err : new StorageUnavailable({ cause: err });
        }
        return json(200, { status: 'ok', region: deps.config.REGION_ID });
      },
    ],
    ['GET', '/admin', async (req) => adminPage(deps, req)],
    ['GET', '/admin/app.js', async (req) => adminPage(deps, req)],
    ['GET', '/admin/app.css', async (req) => adminPage(deps, req)],
    [
      'POST',
      '/api/admin/workspaces',
      async (req) => {
        const p = await authenticateAdmin(deps, req);
        requirePlatform(p);
        const body = parseJsonBody(CreateWorkspaceBody, req.body);
        const now = deps.now().toISOString();
        const w: Workspace = {
          id: randomUUID(),
          name: body.name,
          region: deps.config.REGION_ID,
          createdAt: now,
          updatedAt: now,
          roles: DEFAULT_ROLES,
          defaultRole: 'member',
          roleMappings: { groups: [], roleValues: [] },
          emailDomains: [],
          connections: [],
        };
        await workspaces.create(auditContextFrom(req, w.id, deps.config.REGION_ID, p.actor), w);
        return json(201, workspaceView(deps, w), { location: `${deps.config.API_URL}/api/admin/workspaces/${w.id}` });
      },
    ],
    [
      'GET',
      '/api/admin/workspaces/:teamId',
      async (req, { teamId }) => {
        const { w } = await scoped(req, teamId!);
        return json(200, workspaceView(deps, w));
      },
    ],
    [
      'PUT',
      '/api/admin/workspaces/:teamId/okta',
      async (req, { teamId }) => {
        const { p, w } = await scoped(req, teamId!);
        const body = parseJsonBody(OktaBody, req.body);
        const existing = oktaOidcConnection(w);
        const { domain, issuer } = oidcIssuerOf({ preset: 'okta', issuer: body.issuer, domain: body.domain }, existing, deps.config.LOCAL_MODE);
        if (!body.clientSecret && !existing) throw new BadRequest('clientSecret: required when Okta is first configured.', { code: 'validation_failed' });
        const secretName = clientSecretName(deps.config, w.id, OKTA_OIDC_CONNECTION_ID);
        // The secret goes to the secret store first: a workspace never points at a secret that is not there.
        if (body.clientSecret) await deps.secrets.put(secretName, body.clientSecret);
        const now = deps.now().toISOString();
        // `emailDomains` only makes PENDING claims now (review #4); they route once verified.
        const domains = body.emailDomains
          ? await planOktaDomains(deps, auditContextFrom(req, w.id, deps.config.REGION_ID, p.actor), w, body.emailDomains)
          : { emailDomains: w.emailDomains, items: [] };
        const connection: OidcConnection = {
          id: OKTA_OIDC_CONNECTION_ID,
          name: existing?.name ?? 'Okta',
          preset: 'okta',
          protocol: 'oidc',
          emailDomains: body.emailDomains ? domains.emailDomains : (existing?.emailDomains ?? []),
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          ...(domain !== undefined ? { domain } : {}),
          issuer,
          clientId: body.clientId,
          clientSecretName: secretName,
          signInEnabled: body.signInEnabled,
          jitEnabled: body.jitEnabled,
          partialLogout: body.partialLogout,
          sharedSignalsEnabled: body.sharedSignalsEnabled,
          ...(existing?.groupsClaim !== undefined ? { groupsClaim: existing.groupsClaim } : {}),
        };
        const next = withConnection(w, connection, domains.emailDomains, now);
        await saveWorkspace(req, p, w, next, 'workspace.okta_configured', [
          ...WorkspaceRepo.issuerLinkItems(w, next),
          ...domains.items,
        ]);
        return json(200, workspaceView(deps, next));
      },
    ],
    [
      'PUT',
      '/api/admin/workspaces/:teamId/saml',
      async (req, { teamId }) => {
        const { p, w } = await scoped(req, teamId!);
        const body = parseJsonBody(samlBodyFor(deps.config.LOCAL_MODE), req.body);
        const existing = oktaSamlConnection(w);
        const certs = (body.idpCertificates ?? [body.idpCertificate!]).map((c) => normaliseCertificate(c));
        const now = deps.now().toISOString();
        const connection: SamlConnection = {
          id: OKTA_SAML_CONNECTION_ID,
          name: existing?.name ?? 'Okta SAML',
          preset: existing?.preset ?? 'okta',
          protocol: 'saml',
          emailDomains: existing?.emailDomains ?? [],
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          idpSsoUrl: body.idpSsoUrl,
          idpEntityId: body.idpEntityId,
          idpCertificates: certs,
          allowIdpInitiated: body.allowIdpInitiated,
          ...(body.groupPrefix !== undefined ? { groupPrefix: body.groupPrefix } : {}),
          ...(body.appInstanceId !== undefined ? { appInstanceId: body.appInstanceId } : {}),
          ...(body.oktaOrgUrl !== undefined ? { oktaOrgUrl: issuerFromDomain(body.oktaOrgUrl, deps.config.LOCAL_MODE).issuer } : {}),
          ...(body.signInEnabled !== undefined ? { signInEnabled: body.signInEnabled } : {}),
          ...(body.jitEnabled !== undefined ? { jitEnabled: body.jitEnabled } : {}),
        };
        const next = withConnection(w, connection, w.emailDomains, now);
        await saveWorkspace(req, p, w, next, 'workspace.saml_configured', WorkspaceRepo.issuerLinkItems(w, next));
        return json(200, workspaceView(deps, next));
      },
    ],
    [
      'PUT',
      '/api/admin/workspaces/:teamId/roles',
      async (req, { teamId }) => {
        const { p, w } = await scoped(req, teamId!);
        const body = parseJsonBody(RolesBody, req.body);
        const ids = body.roles.map((r) => r.id);
        if (new Set(ids).size !== ids.length) throw new BadRequest('roles: role ids must be unique.', { code: 'validation_failed' });
        if (!ids.includes(body.defaultRole)) throw new BadRequest('defaultRole: must be one of the roles.', { code: 'validation_failed' });
        const orphan = [...w.roleMappings.groups, ...w.roleMappings.roleValues].find((m) => !ids.includes(m.role));
        if (orphan) throw new BadRequest(`roles: role ${orphan.role} is still used by a role mapping; change the mappings first.`, { code: 'validation_failed' });
        const next: Workspace = { ...w, updatedAt: deps.now().toISOString(), roles: body.roles, defaultRole: body.defaultRole };
        await saveWorkspace(req, p, w, next, 'workspace.roles_updated');
        return json(200, workspaceView(deps, next));
      },
    ],
    [
      'PUT',
      '/api/admin/workspaces/:teamId/role-mappings',
      async (req, { teamId }) => {
        const { p, w } = await scoped(req, teamId!);
        const body = parseJsonBody(RoleMappingsBody, req.body);
        const ids = new Set(w.roles.map((r) => r.id));
        const unknown = [...body.groups, ...body.roleValues].find((m) => !ids.has(m.role));
        if (unknown) throw new BadRequest(`role ${unknown.role} is not in the workspace's role catalogue.`, { code: 'validation_failed' });
        const next: Workspace = { ...w, updatedAt: deps.now().toISOString(), roleMappings: { groups: body.groups, roleValues: body.roleValues } };
        await saveWorkspace(req, p, w, next, 'workspace.role_mappings_updated');
        await recomputeMappedGroups(req, p, w, next);
        return json(200, workspaceView(deps, next));
      },
    ],
    [
      'POST',
      '/api/admin/workspaces/:teamId/scim-tokens',
      async (req, { teamId }) => {
        const { p, w } = await scoped(req, teamId!);
        const body = parseJsonBody(ScimTokenBody, req.body);
        const expiresAt = body.expiresAt ? new Date(body.expiresAt) : undefined;
        if (expiresAt && expiresAt.getTime() <= deps.now().getTime()) throw new BadRequest('expiresAt: must be in the future.', { code: 'validation_failed' });
        const repo = await tokens();
        const { token, record } = await repo.mint(auditContextFrom(req, w.id, deps.config.REGION_ID, p.actor), {
          kind: 'scim',
          teamId: w.id,
          label: body.label,
          ...(expiresAt ? { expiresAt } : {}),
        });
        return json(201, { id: record.id, label: record.label, token, createdAt: record.createdAt, expiresAt: record.expiresAt ?? null, lastUsedAt: null });
      },
    ],
    [
      'GET',
      '/api/admin/workspaces/:teamId/scim-tokens',
      async (req, { teamId }) => {
        const { w } = await scoped(req, teamId!);
        const list = await (await tokens()).listForWorkspace(w.id, 'scim');
        const now = deps.now().getTime();
        return json(200, {
          tokens: list.map((t) => ({
            id: t.id,
            label: t.label ?? null,
            createdAt: t.createdAt,
            expiresAt: t.expiresAt ?? null,
            lastUsedAt: t.lastUsedAt ?? null,
            expired: t.expiresAt ? Date.parse(t.expiresAt) <= now : false,
          })),
        });
      },
    ],
    [
      'DELETE',
      '/api/admin/workspaces/:teamId/scim-tokens/:tokenId',
      async (req, { teamId, tokenId }) => {
        const { p, w } = await scoped(req, teamId!);
        const repo = await tokens();
        const existing = await repo.get(tokenId!);
        if (!existing || existing.teamId !== w.id || existing.kind !== 'scim') throw new NotFound(`SCIM token ${tokenId} does not exist in this workspace.`);
        await repo.revoke(auditContextFrom(req, w.id, deps.config.REGION_ID, p.actor), tokenId!, w.id);
        return { status: 204, headers: {}, body: '' };
      },
    ],
    ...domainRoutes(deps, scoped),
    ...connectionRoutes(deps, scoped, saveWorkspace),
    [
      'GET',
      '/api/admin/workspaces/:teamId/users',
      async (req, { teamId }) => {
        const { w } = await scoped(req, teamId!);
        return listUsers(deps, req, w.id);
      },
    ],
    [
      'GET',
      '/api/admin/workspaces/:teamId/groups',
      async (req, { teamId }) => {
        const { w } = await scoped(req, teamId!);
        return listGroups(deps, req, w.id);
      },
    ],
  ]);
}

export type { HttpResponse };
