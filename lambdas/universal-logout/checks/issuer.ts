import { CheckRefusal } from '../../core/checks/index.js';
import { normalizeIssuer, oidcConnections, samlConnections } from '../../core/model/connection.js';
import type { Workspace } from '../../core/model/workspace.js';
import { tokenCheck } from './errors.js';

/**
 * True when one of the workspace's connections trusts this issuer for signed logout requests: an
 * OIDC connection whose issuer it is, or a SAML connection whose Okta org URL (`oktaOrgUrl`) it is.
 * Okta's `iss` is always the org or custom-domain URL, never the SAML entity id (Okta UL guide).
 */
export function trustsIssuer(w: Workspace, iss: string): boolean {
  const n = normalizeIssuer(iss);
  return (
    oidcConnections(w).some((c) => normalizeIssuer(c.issuer) === n) ||
    samlConnections(w).some((c) => c.oktaOrgUrl !== undefined && normalizeIssuer(c.oktaOrgUrl) === n)
  );
}

/**
 * `iss` must be an issuer that a workspace of this stack is connected to. It runs on the
 * *unverified* claim, before the signature check, on purpose: the issuer decides which key set we
 * fetch, and we must never fetch keys from a URL an unauthenticated caller chose (SSRF). The
 * signature check then proves the claim.
 *
 * @param load workspaces connected to an issuer (`WorkspaceRepo.findByIssuer` + a batch read; the
 *   connections come with the workspace item, no further read).
 */
export const checkIssuer = tokenCheck(
  'checkIssuer',
  async (iss: unknown, load: (issuer: string) => Promise<Workspace[]>): Promise<{ issuer: string; workspaces: Workspace[] }> => {
    if (typeof iss !== 'string' || iss.length === 0 || iss.length > 2048) throw new CheckRefusal('iss_missing', 'The JWT has no iss claim.');
    const issuer = normalizeIssuer(iss);
    const workspaces = (await load(issuer)).filter((w) => trustsIssuer(w, issuer));
    if (workspaces.length === 0) throw new CheckRefusal('iss_unknown', `The issuer ${issuer} is not connected to any workspace in this region.`);
    return { issuer, workspaces };
  },
);
