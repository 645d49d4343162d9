import type { Workspace } from '../../core/model/workspace.js';
import { TokenCheckFailed } from './errors.js';
import { normalizeIssuer } from './issuer.js';

/**
 * Where a workspace's trust in a signed token comes from. Only keys the workspace itself configured
 * count (DESIGN.md, "Trust is bound to the tenant"):
 *
 * - `org-jwks` — the JWKS of the Okta org the workspace's own OIDC connection names (discovered
 *   from that configured issuer: Okta signs OIDC apps' logout JWTs and its SETs with the org keys);
 * - `saml-certificates` — the SAML signing certificates pasted into the workspace's own SAML
 *   settings (Okta signs a SAML app's logout JWTs with "the same key used for signing … SAML
 *   assertions", Okta UL guide).
 */
export type KeySource = { readonly kind: 'org-jwks'; readonly issuer: string } | { readonly kind: 'saml-certificates'; readonly teamId: string; readonly certificates: readonly string[] };

/** A workspace a token claims to be for, with the key sources that workspace trusts for it. */
export interface Claimant {
  readonly workspace: Workspace;
  readonly keys: readonly KeySource[];
}

/** Stable id of a key source: claimants that share one (one org, several workspaces) verify once. */
export function keySourceId(k: KeySource): string {
  return k.kind === 'org-jwks' ? `jwks:${k.issuer}` : `saml:${k.teamId}`;
}

/** True when the workspace's OIDC connection is to this org. */
export function oidcOrgIs(w: Workspace, issuer: string): boolean {
  return w.okta !== undefined && normalizeIssuer(w.okta.issuer) === normalizeIssuer(issuer);
}

/** True when the workspace's SAML app lives in this org (its `oktaOrgUrl`). */
export function samlOrgIs(w: Workspace, issuer: string): boolean {
  return w.saml?.oktaOrgUrl !== undefined && normalizeIssuer(w.saml.oktaOrgUrl) === normalizeIssuer(issuer);
}

/**
 * The key sources a workspace trusts for a Universal Logout JWT with this (`iss`, `sub`), or none
 * when the pair does not name one of its apps. The pair must name *one app of the workspace*: its
 * OIDC app (`sub` = client id, `iss` = its Okta org) or its SAML app (`sub` = app instance id,
 * `iss` = its `oktaOrgUrl`). A SAML app's token is also accepted with the org JWKS when the same
 * workspace's OIDC connection is to that very org — both are the workspace's own trust.
 */
export function logoutKeySources(w: Workspace, issuer: string, sub: string): KeySource[] {
  const out: KeySource[] = [];
  const oidcOrg = oidcOrgIs(w, issuer);
  const samlApp = samlOrgIs(w, issuer) && w.saml?.appInstanceId === sub;
  if (oidcOrg && (w.okta!.clientId === sub || samlApp)) out.push({ kind: 'org-jwks', issuer: normalizeIssuer(w.okta!.issuer) });
  if (samlApp) out.push({ kind: 'saml-certificates', teamId: w.id, certificates: w.saml!.idpCertificates });
  return out;
}

/**
 * Step 3b — the (still unverified) `sub` names the Okta app (Okta UL guide, "JWT claims": the OIDC
 * `client_id` or the SAML app instance id) of one or more workspaces connected to `iss`. It runs
 * *before* the signature on purpose: the pair (issuer, app) picks the workspaces, and each of them
 * then verifies the token with its own keys only, so no workspace's configuration can add a key
 * that another workspace's tokens would be checked with (review #1).
 */
export function checkSubject(sub: unknown, issuer: string, workspaces: readonly Workspace[]): Claimant[] {
  if (typeof sub !== 'string' || sub.length === 0) throw new TokenCheckFailed('checkSubject', 'The JWT has no sub claim.');
  const claimants = workspaces.map((w) => ({ workspace: w, keys: logoutKeySources(w, issuer, sub) })).filter((c) => c.keys.length > 0);
  if (claimants.length === 0) {
    throw new TokenCheckFailed('checkSubject', `The JWT sub "${sub}" is neither the OIDC client id nor the SAML app instance id of a workspace connected to this org.`);
  }
  return claimants;
}

/**
 * The claimants of a Security Event Token: SETs name no app, so every workspace whose own OIDC
 * connection is to the transmitting org, each trusting that org's JWKS (SSF 1.0: the transmitter
 * signs with its published keys). SAML-only workspaces have no Shared Signals switch.
 */
export function setClaimants(issuer: string, workspaces: readonly Workspace[]): Claimant[] {
  return workspaces.filter((w) => oidcOrgIs(w, issuer)).map((w) => ({ workspace: w, keys: [{ kind: 'org-jwks', issuer: normalizeIssuer(w.okta!.issuer) }] }));
}
