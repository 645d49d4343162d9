/**
 * The admin API of IdP connections (docs/connections.md): the preset catalogue, and list, create,
 * read, replace and delete of a workspace's connections. Each write replaces the workspace item
 * under its `updatedAt` lock with the issuer links, any new e-mail domain claims and the
 * `connection.created|updated|deleted` audit record in one transaction (`WorkspaceRepo.update`).
 * Client secrets go to the secret store, never to the item, a response or an audit record.
 */
import { randomBytes } from 'node:crypto';
import { authenticateAdmin, type AdminPrincipal } from '../signin/admin-auth.js';
import { certificateFingerprint, certificateInfo, normaliseCertificate, type CertificateInfo } from '../core/connections/certificates.js';
import { issuerFromDomain, PRESETS, presetCatalogue, resolveOidcIssuer } from '../core/connections/presets.js';
import { InvalidMetadata, parseIdpMetadata, type IdpMetadata } from '../core/connections/saml-metadata.js';
import { BadRequest, NotFound } from '../core/errors.js';
import {
  connectionById,
  MAX_CONNECTIONS,
  normalizeIssuer,
  OKTA_OIDC_CONNECTION_ID,
  OKTA_SAML_CONNECTION_ID,
  type Connection,
  type OidcConnection,
  type SamlConnection,
} from '../core/model/connection.js';
import type { Workspace } from '../core/model/workspace.js';
import type { Config } from '../platform/config.js';
import type { Deps } from '../platform/deps.js';
import { auditContextFrom, json, type HttpRequest } from '../platform/http.js';
import { fetchMetadata, isAllowedIdpUrl, MetadataFetchFailed } from '../platform/metadata-fetch.js';
import type { RouteHandler } from '../platform/router.js';
import { connectionSetup, type ConnectionSetup } from '../platform/setup-urls.js';
import { parseJsonBody } from '../platform/validate.js';
import type { TransactItem } from '../store/client.js';
import { WorkspaceRepo } from '../store/workspaces.js';
import { planConnectionDomains } from './domains.js';
import { connectionBodyFor, type ConnectionInput } from './schemas.js';

const invalid = (message: string) => new BadRequest(message, { code: 'validation_failed' });

/** A connection as the admin API shows it: no secret, its own setup values, SAML certificate expiry. */
export type ConnectionView =
  | (Omit<OidcConnection, 'clientSecretName'> & { clientSecretSet: true; setup: ConnectionSetup })
  | (Omit<SamlConnection, 'metadataUrl' | 'metadataRefreshedAt' | 'metadataError'> & {
      metadataUrl: string | null;
      metadataRefreshedAt: string | null;
      metadataError: string | null;
      certificates: CertificateInfo[];
      /** True when no certificate outlives the 90-day warning window: a rotation is due. */
      certificateWarning: boolean;
      setup: ConnectionSetup;
    });

export function connectionView(config: Config, teamId: string, c: Connection, now: Date): ConnectionView {
  const setup = connectionSetup(config, teamId, c);
  if (c.protocol === 'oidc') {
    const { clientSecretName: _secret, ...rest } = c;
    return { ...rest, clientSecretSet: true as const, setup };
  }
  const certificates = c.idpCertificates.map((pem) => certificateInfo(pem, now));
  const latest = certificates.reduce<CertificateInfo | undefined>((a, b) => (!a || b.notAfter > a.notAfter ? b : a), undefined);
  return {
    ...c,
    metadataUrl: c.metadataUrl ?? null,
    metadataRefreshedAt: c.metadataRefreshedAt ?? null,
    metadataError: c.metadataError ?? null,
    certificates,
    certificateWarning: latest?.warning != null,
    setup,
  };
}

/** The Secrets Manager name of a connection's client secret (the `okta` one keeps its pre-connection name). */
export function clientSecretName(config: Config, teamId: string, connectionId: string): string {
  return connectionId === OKTA_OIDC_CONNECTION_ID
    ? `${config.WORKSPACE_SECRET_PREFIX}/${teamId}/okta-client-secret`
    : `${config.WORKSPACE_SECRET_PREFIX}/${teamId}/connections/${connectionId}/client-secret`;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A new connection id: `c` and 10 lowercase base32 characters (50 random bits). */
export function newConnectionId(): string {
  const bytes = randomBytes(10);
  let id = 'c';
  for (const b of bytes) id += BASE32[b & 31];
  return id;
}

/**
 * The issuer of an OIDC connection from the admin's input. When the input names no issuer and a
 * bare domain (no scheme) that is the one stored, the stored issuer is kept: re-saving a form must
 * never turn the local stand-in's `http://` issuer into `https://` (issue 9). A domain typed with
 * its scheme is taken as typed.
 */
export function oidcIssuerOf(
  input: Pick<ConnectionInput & { protocol: 'oidc' }, 'preset' | 'issuer' | 'domain' | 'tenantId'>,
  existing: Connection | undefined,
  local: boolean,
): { issuer: string; domain?: string; tenantId?: string } {
  const resolved = resolveOidcIssuer(input.preset, input, local);
  const bareDomain = input.domain !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(input.domain.trim());
  if (!input.issuer && bareDomain && existing?.protocol === 'oidc' && existing.preset === input.preset && existing.domain === resolved.domain) {
    return { ...resolved, issuer: existing.issuer };
  }
  return resolved;
}

/** SAML fields from IdP metadata at a URL; a failure is a 400 naming it. */
export async function samlFromMetadataUrl(config: Config, url: string): Promise<IdpMetadata> {
  try {
    return parseIdpMetadata(await fetchMetadata(url, { local: config.LOCAL_MODE }));
  } catch (err) {
    if (err instanceof MetadataFetchFailed) throw invalid(`metadataUrl: the metadata could not be fetched: ${err.message}.`);
    if (err instanceof InvalidMetadata) throw invalid(`metadataUrl: not usable IdP metadata: ${err.message}.`);
    throw err;
  }
}

function checkSsoUrl(url: string, local: boolean): string {
  if (!isAllowedIdpUrl(url, local)) throw invalid('metadataUrl: the metadata names an SSO URL that is not https://.');
  return url;
}

/** What `buildConnection` produces: the connection and, when the body held one, the secret to store first. */
interface Built {
  readonly connection: Connection;
  readonly secret?: { readonly name: string; readonly value: string };
  readonly domainItems: TransactItem[];
  readonly emailDomains: string[];
}

/** The connection a body describes (a full replacement of `existing`, except a client secret left out). */
async function buildConnection(deps: Deps, req: HttpRequest, p: AdminPrincipal, w: Workspace, id: string, body: ConnectionInput, existing: Connection | undefined): Promise<Built> {
  const local = deps.config.LOCAL_MODE;
  const now = deps.now().toISOString();
  const preset = PRESETS[body.preset];
  if (!preset.protocols.includes(body.protocol)) throw invalid(`protocol: ${preset.label} connections are ${preset.protocols.join(' or ')}.`);
  if (id === OKTA_OIDC_CONNECTION_ID && (body.protocol !== 'oidc' || body.preset !== 'okta')) {
    throw invalid('protocol: the okta connection is the Okta OIDC connection of the seeds\' /api/okta/oidc URLs; create another connection instead.');
  }
  if (id === OKTA_SAML_CONNECTION_ID && body.protocol !== 'saml') throw invalid('protocol: the saml connection is a SAML connection; create another connection instead.');
  if (existing && existing.protocol !== body.protocol) throw invalid(`protocol: connection ${id} is ${existing.protocol}; delete it and create a new one to change the protocol.`);

  const domains = body.emailDomains
    ? await planConnectionDomains(deps, auditContextFrom(req, w.id, deps.config.REGION_ID, p.actor), w, body.emailDomains)
    : { connectionDomains: existing?.emailDomains ?? [], emailDomains: w.emailDomains, items: [] };
  const common = {
    id,
    name: body.name ?? existing?.name ?? (body.protocol === 'saml' ? `${preset.label} SAML` : preset.label),
    preset: body.preset,
    emailDomains: domains.connectionDomains,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };

  if (body.protocol === 'oidc') {
    if (body.tenantId !== undefined && body.preset !== 'entra') throw invalid('tenantId: only Entra ID connections have a tenant id.');
    if (body.hostedDomain !== undefined && body.preset !== 'google') throw invalid('hostedDomain: only Google connections have a hosted domain.');
    const { issuer, domain, tenantId } = oidcIssuerOf(body, existing, local);
    const name = clientSecretName(deps.config, w.id, id);
    if (!body.clientSecret && existing?.protocol !== 'oidc') throw invalid('clientSecret: required when an OIDC connection is created.');
    const connection: OidcConnection = {
      ...common,
      protocol: 'oidc',
      issuer,
      clientId: body.clientId,
      clientSecretName: existing?.protocol === 'oidc' && !body.clientSecret ? existing.clientSecretName : name,
      ...(domain !== undefined ? { domain } : {}),
      ...(tenantId !== undefined ? { tenantId } : {}),
      ...(body.hostedDomain !== undefined ? { hostedDomain: body.hostedDomain.toLowerCase() } : {}),
      ...(body.groupsClaim !== undefined ? { groupsClaim: body.groupsClaim } : {}),
      signInEnabled: body.signInEnabled ?? true,
      jitEnabled: body.jitEnabled ?? false,
      partialLogout: body.partialLogout ?? false,
      sharedSignalsEnabled: body.sharedSignalsEnabled ?? false,
    };
    return {
      connection,
      ...(body.clientSecret ? { secret: { name, value: body.clientSecret } } : {}),
      domainItems: domains.items,
      emailDomains: domains.emailDomains,
    };
  }

  const fromMetadata = body.metadataUrl !== undefined;
  if (fromMetadata && (body.idpSsoUrl !== undefined || body.idpEntityId !== undefined || body.idpCertificate !== undefined || body.idpCertificates !== undefined)) {
    throw invalid('metadataUrl: give the metadata URL or idpSsoUrl, idpEntityId and idpCertificate, not both.');
  }
  let idp: { idpSsoUrl: string; idpEntityId: string; idpCertificates: string[]; metadataUrl?: string; metadataRefreshedAt?: string };
  if (body.metadataUrl !== undefined) {
    const md = await samlFromMetadataUrl(deps.config, body.metadataUrl);
    if (Buffer.byteLength(md.entityId) > 1024) throw invalid('metadataUrl: the metadata entityID is longer than 1024 bytes.');
    idp = { idpSsoUrl: checkSsoUrl(md.ssoUrl, local), idpEntityId: md.entityId, idpCertificates: [...md.certificates], metadataUrl: body.metadataUrl, metadataRefreshedAt: now };
  } else {
    const certs = (body.idpCertificates ?? [body.idpCertificate!]).map((c, i) => normaliseCertificate(c, body.idpCertificates ? `idpCertificates.${i}` : 'idpCertificate'));
    idp = { idpSsoUrl: body.idpSsoUrl!, idpEntityId: body.idpEntityId!, idpCertificates: certs };
  }
  const legacySaml = id === OKTA_SAML_CONNECTION_ID;
  const signInEnabled = body.signInEnabled ?? (legacySaml ? undefined : true);
  const jitEnabled = body.jitEnabled ?? (legacySaml ? undefined : false);
  const connection: SamlConnection = {
    ...common,
    protocol: 'saml',
    ...idp,
    allowIdpInitiated: body.allowIdpInitiated ?? true,
    ...(body.groupPrefix !== undefined ? { groupPrefix: body.groupPrefix } : {}),
    ...(body.appInstanceId !== undefined ? { appInstanceId: body.appInstanceId } : {}),
    ...(body.oktaOrgUrl !== undefined ? { oktaOrgUrl: issuerFromDomain(body.oktaOrgUrl, local).issuer } : {}),
    ...(signInEnabled !== undefined ? { signInEnabled } : {}),
    ...(jitEnabled !== undefined ? { jitEnabled } : {}),
  };
  // The expiry notices already sent for certificates the connection still holds stay sent: a
  // re-save must not announce the same threshold again (lambdas/saml/refresh.ts).
  const sent = existing?.protocol === 'saml' ? existing.certificateWarningsSent?.filter((n) => connection.idpCertificates.some((pem) => certificateFingerprint(pem) === n.fingerprint)) : undefined;
  if (sent && sent.length > 0) connection.certificateWarningsSent = sent;
  return { connection, domainItems: domains.items, emailDomains: domains.emailDomains };
}

/**
 * Two OIDC connections of one workspace with the same issuer AND client id would be one app twice:
 * refused. The same issuer with another client id is allowed (Entra and Okta use one issuer for
 * every app of a tenant or org): a sign-in by `iss` alone then lets the user choose
 * (`lambdas/oidc/resolve.ts`). SAML connections may share an entity id for the same reason
 * (Entra's is `https://sts.windows.net/{tenant}/` for every app); their ACS URLs tell them apart.
 */
function checkUnique(w: Workspace, c: Connection): void {
  if (c.protocol !== 'oidc') return;
  const other = w.connections.find(
    (x) => x.id !== c.id && x.protocol === 'oidc' && normalizeIssuer(x.issuer) === normalizeIssuer(c.issuer) && x.clientId === c.clientId,
  );
  if (other) throw invalid(`clientId: connection ${other.id} (${other.name}) of this workspace already signs in through ${c.issuer} with client id ${c.clientId}.`);
}

/** Replaces or appends `c` in the workspace's connection list. */
export function withConnection(w: Workspace, c: Connection, emailDomains: string[], now: string): Workspace {
  const exists = w.connections.some((x) => x.id === c.id);
  return { ...w, updatedAt: now, emailDomains, connections: exists ? w.connections.map((x) => (x.id === c.id ? c : x)) : [...w.connections, c] };
}

type Scoped = (req: HttpRequest, teamId: string) => Promise<{ p: AdminPrincipal; w: Workspace }>;
/** `saveWorkspace` of `app.ts`: the guarded update, with its 409s. */
export type SaveWorkspace = (
  req: HttpRequest,
  p: AdminPrincipal,
  before: Workspace,
  next: Workspace,
  action: string,
  extra?: TransactItem[],
  subject?: Parameters<WorkspaceRepo['update']>[5],
) => Promise<void>;

/**
 * Saves one connection (create or replace): the client secret first (a workspace never points at
 * a secret that is not there), then the workspace with issuer links, domain claims and audit.
 */
export async function saveConnection(
  deps: Deps,
  save: SaveWorkspace,
  req: HttpRequest,
  p: AdminPrincipal,
  w: Workspace,
  built: Built,
  action: string,
): Promise<Workspace> {
  const c = built.connection;
  checkUnique(w, c);
  if (built.secret) await deps.secrets.put(built.secret.name, built.secret.value);
  const before = connectionById(w, c.id);
  const next = withConnection(w, c, built.emailDomains, c.updatedAt);
  await save(req, p, w, next, action, [...WorkspaceRepo.issuerLinkItems(w, next), ...built.domainItems], {
    target: { type: 'connection', id: c.id },
    ...(before ? { before } : {}),
    after: c,
  });
  return next;
}

/** The admin API's connection routes. */
export function connectionRoutes(deps: Deps, scoped: Scoped, save: SaveWorkspace): [string, string, RouteHandler][] {
  const view = (w: Workspace, c: Connection) => connectionView(deps.config, w.id, c, deps.now());
  const requireConnection = (w: Workspace, id: string) => {
    const c = connectionById(w, id);
    if (!c) throw new NotFound(`Connection ${id} does not exist in this workspace.`);
    return c;
  };
  const location = (w: Workspace, id: string) => `${deps.config.API_URL}/api/admin/workspaces/${w.id}/connections/${id}`;

  return [
    [
      'GET',
      '/api/admin/presets',
      async (req) => {
        // Any admin (platform key or a workspace admin's session) may read it: it holds nothing of a workspace.
        await authenticateAdmin(deps, req);
        return json(200, { presets: presetCatalogue() });
      },
    ],
    [
      'GET',
      '/api/admin/workspaces/:teamId/connections',
      async (req, { teamId }) => {
        const { w } = await scoped(req, teamId!);
        return json(200, { connections: w.connections.map((c) => view(w, c)) });
      },
    ],
    [
      'POST',
      '/api/admin/workspaces/:teamId/connections',
      async (req, { teamId }) => {
        const { p, w } = await scoped(req, teamId!);
        const body = parseJsonBody(connectionBodyFor(deps.config.LOCAL_MODE), req.body);
        if (w.connections.length >= MAX_CONNECTIONS) throw invalid(`A workspace holds at most ${MAX_CONNECTIONS} connections; delete one first.`);
        const id = newConnectionId();
        const built = await buildConnection(deps, req, p, w, id, body, undefined);
        await saveConnection(deps, save, req, p, w, built, 'connection.created');
        return json(201, view(w, built.connection), { location: location(w, id) });
      },
    ],
    [
      'GET',
      '/api/admin/workspaces/:teamId/connections/:connectionId',
      async (req, { teamId, connectionId }) => {
        const { w } = await scoped(req, teamId!);
        return json(200, view(w, requireConnection(w, connectionId!)));
      },
    ],
    [
      'PUT',
      '/api/admin/workspaces/:teamId/connections/:connectionId',
      async (req, { teamId, connectionId }) => {
        const { p, w } = await scoped(req, teamId!);
        const existing = requireConnection(w, connectionId!);
        const body = parseJsonBody(connectionBodyFor(deps.config.LOCAL_MODE), req.body);
        const built = await buildConnection(deps, req, p, w, existing.id, body, existing);
        await saveConnection(deps, save, req, p, w, built, 'connection.updated');
        return json(200, view(w, built.connection));
      },
    ],
    [
      'DELETE',
      '/api/admin/workspaces/:teamId/connections/:connectionId',
      async (req, { teamId, connectionId }) => {
        const { p, w } = await scoped(req, teamId!);
        const existing = requireConnection(w, connectionId!);
        const next: Workspace = { ...w, updatedAt: deps.now().toISOString(), connections: w.connections.filter((c) => c.id !== existing.id) };
        await save(req, p, w, next, 'connection.deleted', WorkspaceRepo.issuerLinkItems(w, next), {
          target: { type: 'connection', id: existing.id },
          before: existing,
        });
        return { status: 204, headers: {}, body: '' };
      },
    ],
  ];
}
