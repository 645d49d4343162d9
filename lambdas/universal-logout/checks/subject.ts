import { CheckRefusal } from '../../core/checks/index.js';
import { normalizeIssuer, oidcConnections, samlConnections, type Connection, type OidcConnection, type ProviderPreset } from '../../core/model/connection.js';
import type { Workspace } from '../../core/model/workspace.js';
import { tokenCheck } from './errors.js';

/**
 * Where a workspace's trust in a signed token comes from. Only keys the workspace itself configured
 * count (docs/tenant-trust.md):
 *
 * - `org-jwks` — the JWKS of the issuer one of the workspace's own OIDC connections names (discovered
 *   from that configured issuer: Okta signs OIDC apps' logout JWTs and its SETs with the org keys);
 * - `saml-certificates` — the SAML signing certificates of the workspace's own SAML connection(s)
 *   (Okta signs a SAML app's logout JWTs with "the same key used for signing … SAML assertions",
 *   Okta UL guide).
 */
export type KeySource = { readonly kind: 'org-jwks'; readonly issuer: string } | { readonly kind: 'saml-certificates'; readonly teamId: string; readonly certificates: readonly string[] };

/** A workspace a token claims to be for, with the key sources that workspace trusts for it. */
export interface Claimant {
  readonly workspace: Workspace;
  readonly keys: readonly KeySource[];
  /** The workspace's connections the token names (its partial-logout switch, its Shared Signals switch). */
  readonly connections: readonly Connection[];
}

/** Stable id of a key source: claimants that share one (one org, several workspaces) verify once. */
export function keySourceId(k: KeySource): string {
  return k.kind === 'org-jwks' ? `jwks:${k.issuer}` : `saml:${k.teamId}`;
}

/**
 * Presets whose identity provider sends Universal Logout JWTs: Okta, and a generic IdP that follows
 * draft-parecki-oauth-global-token-revocation. Entra ID, Google, OneLogin and JumpCloud send none,
 * so nothing routes by their connections (no key of theirs is ever fetched for a logout).
 */
const SENDS_UNIVERSAL_LOGOUT: ReadonlySet<ProviderPreset> = new Set<ProviderPreset>(['okta', 'generic']);

/** The workspace's OIDC connections to this issuer. */
export function oidcConnectionsTo(w: Workspace, issuer: string): OidcConnection[] {
  const n = normalizeIssuer(issuer);
  return oidcConnections(w).filter((c) => normalizeIssuer(c.issuer) === n);
}

/**
 * The key sources a workspace trusts for a Universal Logout JWT with this (`iss`, `sub`), and the
 * connections it names; none when the pair names no app of the workspace. The pair must name *an
 * app of the workspace*: an OIDC connection (`sub` = its client id, `iss` = its issuer) or a SAML
 * connection (`sub` = its app instance id, `iss` = its `oktaOrgUrl`). A SAML app's token is also
 * accepted with the org JWKS when the same workspace has an OIDC connection to that very org —
 * both are the workspace's own trust. Several connections of one workspace to one org (an OIDC app
 * and a SAML app) each match their own `sub`.
 */
export function logoutMatch(w: Workspace, issuer: string, sub: string): { keys: KeySource[]; connections: Connection[] } {
  const n = normalizeIssuer(issuer);
  const toOrg = oidcConnectionsTo(w, n).filter((c) => SENDS_UNIVERSAL_LOGOUT.has(c.preset));
  const oidcApps = toOrg.filter((c) => c.clientId === sub);
  const samlApps = samlConnections(w).filter((c) => c.oktaOrgUrl !== undefined && normalizeIssuer(c.oktaOrgUrl) === n && c.appInstanceId === sub);
  const keys: KeySource[] = [];
  if (oidcApps.length > 0 || (samlApps.length > 0 && toOrg.length > 0)) keys.push({ kind: 'org-jwks', issuer: n });
  // One source per workspace: its own SAML apps' certificates, never another workspace's (review #1).
  if (samlApps.length > 0) keys.push({ kind: 'saml-certificates', teamId: w.id, certificates: [...new Set(samlApps.flatMap((c) => c.idpCertificates))] });
  return { keys, connections: [...oidcApps, ...samlApps] };
}

/**
 * Step 3b — the (still unverified) `sub` names the app (Okta UL guide, "JWT claims": the OIDC
 * `client_id` or the SAML app instance id) of one or more workspaces connected to `iss`. It runs
 * *before* the signature on purpose: the pair (issuer, app) picks the workspaces, and each of them
 * then verifies the token with its own keys only, so no workspace's configuration can add a key
 * that another workspace's tokens would be checked with (review #1).
 */
export const checkSubject = tokenCheck('checkSubject', (sub: unknown, x: { issuer: string; workspaces: readonly Workspace[] }): Claimant[] => {
  if (typeof sub !== 'string' || sub.length === 0) throw new CheckRefusal('sub_missing', 'The JWT has no sub claim.');
  const claimants = x.workspaces.map((w) => ({ workspace: w, ...logoutMatch(w, x.issuer, sub) })).filter((c) => c.keys.length > 0);
  if (claimants.length === 0) {
    throw new CheckRefusal('sub_unknown', `The JWT sub "${sub}" is neither the OIDC client id nor the SAML app instance id of a workspace connected to this org.`);
  }
  return claimants;
});

/**
 * The claimants of a Security Event Token: SETs name no app, so every workspace with an OIDC
 * connection to the transmitting issuer, each trusting that issuer's JWKS (SSF 1.0: the transmitter
 * signs with its published keys). SAML connections have no Shared Signals switch.
 */
export function setClaimants(issuer: string, workspaces: readonly Workspace[]): Claimant[] {
  const n = normalizeIssuer(issuer);
  return workspaces.flatMap((w) => {
    const connections = oidcConnectionsTo(w, n);
    return connections.length > 0 ? [{ workspace: w, keys: [{ kind: 'org-jwks', issuer: n } as const], connections }] : [];
  });
}
