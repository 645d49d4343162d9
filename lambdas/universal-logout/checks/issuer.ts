import type { Workspace } from '../../core/model/workspace.js';
import { TokenCheckFailed } from './errors.js';

/** Strips trailing slashes: `https://acme.okta.com/` and `https://acme.okta.com` name one org. */
export function normalizeIssuer(iss: string): string {
  return iss.replace(/\/+$/, '');
}

/**
 * True when the workspace trusts this issuer for logout tokens: its Okta org (OIDC app), or the
 * org URL of its SAML app. Okta's `iss` is always the org or custom-domain URL, never the SAML
 * entity id (Okta UL guide).
 */
export function trustsIssuer(w: Workspace, iss: string): boolean {
  const n = normalizeIssuer(iss);
  return (w.okta !== undefined && normalizeIssuer(w.okta.issuer) === n) || (w.saml?.oktaOrgUrl !== undefined && normalizeIssuer(w.saml.oktaOrgUrl) === n);
}

/**
 * `iss` must be an Okta org that a workspace of this stack is connected to. It runs on the
 * *unverified* claim, before the signature check, on purpose: the issuer decides which key set we
 * fetch, and we must never fetch keys from a URL an unauthenticated caller chose (SSRF). The
 * signature check then proves the claim.
 *
 * @param load workspaces connected to an issuer (`WorkspaceRepo.findByIssuer` + a batch read).
 */
export async function checkIssuer(iss: unknown, load: (issuer: string) => Promise<Workspace[]>): Promise<{ issuer: string; workspaces: Workspace[] }> {
  if (typeof iss !== 'string' || iss.length === 0 || iss.length > 2048) {
    throw new TokenCheckFailed('checkIssuer', 'The JWT has no iss claim.', 'invalid_issuer');
  }
  const issuer = normalizeIssuer(iss);
  const workspaces = (await load(issuer)).filter((w) => trustsIssuer(w, issuer));
  if (workspaces.length === 0) {
    throw new TokenCheckFailed('checkIssuer', `The issuer ${issuer} is not connected to any workspace in this region.`, 'invalid_issuer');
  }
  return { issuer, workspaces };
}
