/**
 * IdP connections. A workspace signs users in through one or more connections, each OIDC or SAML,
 * each made from a provider preset (`lambdas/core/connections/presets.ts`) that fills defaults and
 * explains the fields. The issuer is kept exactly as the admin entered it (only trailing slashes
 * are insignificant when comparing: `normalizeIssuer`).
 */
import * as z from 'zod';

export const PROVIDER_PRESETS = ['okta', 'entra', 'google', 'onelogin', 'jumpcloud', 'generic'] as const;
export type ProviderPreset = (typeof PROVIDER_PRESETS)[number];

/** The connection the seeds' `/api/okta/oidc/…` URLs and the admin `…/okta` form address. */
export const OKTA_OIDC_CONNECTION_ID = 'okta';
/** The connection the seeds' `/api/saml/{team_id}/…` URLs and the admin `…/saml` form address. */
export const OKTA_SAML_CONNECTION_ID = 'saml';
/** Most connections one workspace holds (they live on the workspace item, bounded at 400 KB). */
export const MAX_CONNECTIONS = 20;
/** A connection id: `okta`, `saml`, or a generated `c…` id; safe in a URL path segment. */
export const CONNECTION_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

const isoTime = z.string().min(1);

const common = {
  id: z.string().regex(CONNECTION_ID),
  /** Shown to admins, and to users when a sign-in must choose a connection. */
  name: z.string().min(1).max(200),
  preset: z.enum(PROVIDER_PRESETS),
  /**
   * Verified e-mail domains of the workspace whose users this connection signs in; a sign-in by
   * work e-mail picks the connection listing the domain (or the only live one).
   */
  emailDomains: z.array(z.string().max(253)).max(50).default([]),
  createdAt: isoTime,
  updatedAt: isoTime,
};

export const OidcConnectionItem = z.object({
  ...common,
  protocol: z.literal('oidc'),
  /** The issuer exactly as entered, e.g. `https://acme.okta.com`, `https://login.microsoftonline.com/{tid}/v2.0`. */
  issuer: z.string().min(1).max(1024),
  clientId: z.string().min(1).max(255),
  /** Name of the Secrets Manager secret holding the client secret (never the value). */
  clientSecretName: z.string().min(1).max(512),
  /** Okta: the org domain as typed in the `…/okta` form (`acme.okta.com`). */
  domain: z.string().max(255).optional(),
  signInEnabled: z.boolean(),
  jitEnabled: z.boolean(),
  /** Universal Logout partial-support mode: revoke refresh tokens only (Okta's checkbox). */
  partialLogout: z.boolean().default(false),
  /** Accept CAEP session-revoked SETs pushed by this issuer (Shared Signals). */
  sharedSignalsEnabled: z.boolean().default(false),
  /** Entra ID: the directory (tenant) id; the ID token's `tid` must equal it. */
  tenantId: z.string().max(64).optional(),
  /** Google Workspace: the `hd` claim every ID token must carry. */
  hostedDomain: z.string().max(253).optional(),
  /** The claim holding group names or ids (`groups` by default). */
  groupsClaim: z.string().max(100).optional(),
});
export type OidcConnection = z.infer<typeof OidcConnectionItem>;

export const SamlConnectionItem = z.object({
  ...common,
  protocol: z.literal('saml'),
  idpSsoUrl: z.string().min(1).max(2048),
  idpEntityId: z.string().min(1).max(1024),
  /** PEM certificates; two are accepted at once while the IdP rotates its signing certificate. */
  idpCertificates: z.array(z.string().min(1)).min(1).max(4),
  /** The IdP's metadata URL, when the connection was made from it (refreshed periodically). */
  metadataUrl: z.string().max(2048).optional(),
  metadataRefreshedAt: isoTime.optional(),
  /** Why the last refresh failed (the connection keeps its last good values). */
  metadataError: z.string().max(1000).optional(),
  /**
   * Certificate-expiry warnings already sent (`connection.certificate_expiring`, lambdas/saml/refresh.ts):
   * per certificate (SHA-256 fingerprint) the last threshold announced, so each of 90/30/7 days goes out once.
   */
  certificateWarningsSent: z
    .array(z.object({ fingerprint: z.string().max(128), threshold: z.union([z.literal(90), z.literal(30), z.literal(7)]) }))
    .max(4)
    .optional(),
  allowIdpInitiated: z.boolean(),
  /** Only groups starting with this prefix are taken from the assertion (seed 001: `claresia-`). */
  groupPrefix: z.string().max(255).optional(),
  /** Okta's SAML app instance id: the `sub` of its Universal Logout JWTs for SAML apps. */
  appInstanceId: z.string().max(255).optional(),
  /**
   * The Okta org URL (e.g. `https://acme.okta.com`): the `iss` of Okta's Universal Logout JWTs for
   * a SAML app, which Okta signs with the app's SAML signing key (the certificates above).
   */
  oktaOrgUrl: z.string().max(255).optional(),
  /**
   * Sign-in and JIT switches. Absent only on the `saml` connection saved through the `…/saml` form
   * without them: it then follows the workspace's `okta` connection (on/off when there is none).
   */
  signInEnabled: z.boolean().optional(),
  jitEnabled: z.boolean().optional(),
});
export type SamlConnection = z.infer<typeof SamlConnectionItem>;

export const ConnectionItem = z.discriminatedUnion('protocol', [OidcConnectionItem, SamlConnectionItem]);
export type Connection = z.infer<typeof ConnectionItem>;

/** Strips trailing slashes: `https://acme.okta.com/` and `https://acme.okta.com` are one issuer. */
export function normalizeIssuer(iss: string): string {
  return iss.replace(/\/+$/, '');
}

interface HasConnections {
  readonly connections: readonly Connection[];
}

export function connectionById(w: HasConnections, id: string): Connection | undefined {
  return w.connections.find((c) => c.id === id);
}

export function oidcConnections(w: HasConnections): OidcConnection[] {
  return w.connections.filter((c): c is OidcConnection => c.protocol === 'oidc');
}

export function samlConnections(w: HasConnections): SamlConnection[] {
  return w.connections.filter((c): c is SamlConnection => c.protocol === 'saml');
}

/** The Okta OIDC connection the seeds' `/api/okta/oidc/…` URLs and the `…/okta` form address. */
export function oktaOidcConnection(w: HasConnections): OidcConnection | undefined {
  const c = connectionById(w, OKTA_OIDC_CONNECTION_ID);
  return c?.protocol === 'oidc' ? c : undefined;
}

/** The SAML connection the seeds' `/api/saml/{team_id}/…` URLs and the `…/saml` form address. */
export function oktaSamlConnection(w: HasConnections): SamlConnection | undefined {
  const c = connectionById(w, OKTA_SAML_CONNECTION_ID);
  return c?.protocol === 'saml' ? c : undefined;
}

/** Who may sign in through a connection: its switches (see `SamlConnection.signInEnabled`). */
export function connectionPolicy(w: HasConnections, c: Connection): { enabled: boolean; jit: boolean } {
  if (c.protocol === 'oidc') return { enabled: c.signInEnabled, jit: c.jitEnabled };
  const okta = oktaOidcConnection(w);
  return { enabled: c.signInEnabled ?? okta?.signInEnabled ?? true, jit: c.jitEnabled ?? okta?.jitEnabled === true };
}

/** Every issuer a connection is trusted for: OIDC issuer; SAML entity id and its Okta org URL. */
export function issuersOfConnection(c: Connection): string[] {
  return c.protocol === 'oidc' ? [normalizeIssuer(c.issuer)] : [c.idpEntityId, ...(c.oktaOrgUrl ? [normalizeIssuer(c.oktaOrgUrl)] : [])];
}
