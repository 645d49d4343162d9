import { emailDomainOf } from '../core/domains/normalize.js';
import { isPublicMailDomain } from '../core/domains/public-mail.js';
import type { IssuerClaim, OktaConfig, Workspace } from '../core/model/workspace.js';
import type { WorkspaceRepo } from '../store/workspaces.js';
import { SignInRefused } from '../signin/index.js';
import type { LoginQuery } from './schemas.js';

/** Strips trailing slashes: `https://acme.okta.com/` and `https://acme.okta.com` are one org. */
export function normalizeIssuer(iss: string): string {
  return iss.replace(/\/+$/, '');
}

/** How the login request named its workspace. */
export type ResolvedBy = 'team_id' | 'iss' | 'email_domain';

/**
 * Finds the workspace a login request is for, in order: `team_id` (the initiate login URI and
 * app links carry it), then Okta's `iss` (IdP-initiated login without a tenant setting), then the
 * domain of a work e-mail a workspace has claimed. An `iss` must belong to the workspace it names;
 * an unknown `iss` is refused (okta-protocols.md §5: "map `iss` to a tenant and reject unknown
 * values").
 */
export async function resolveWorkspace(repo: WorkspaceRepo, q: LoginQuery): Promise<{ workspace: Workspace; by: ResolvedBy }> {
  if (q.team_id) return { workspace: await byTeamId(repo, q.team_id, q.iss), by: 'team_id' };
  if (q.iss) return { workspace: await byIssuer(repo, q.iss), by: 'iss' };
  const email = [q.login_hint, q.email].find((v) => v !== undefined && v.includes('@'));
  if (email) return { workspace: await byEmailDomain(repo, email), by: 'email_domain' };
  throw new SignInRefused('missing_workspace', 'The sign-in link names no workspace, work email or Okta org.');
}

async function byTeamId(repo: WorkspaceRepo, teamId: string, iss: string | undefined): Promise<Workspace> {
  const w = await repo.get(teamId);
  if (!w) throw new SignInRefused('workspace_not_found', `Workspace ${teamId} does not exist in this region.`);
  if (iss && w.okta && normalizeIssuer(w.okta.issuer) !== normalizeIssuer(iss)) {
    throw new SignInRefused('unknown_issuer', `Okta org ${normalizeIssuer(iss)} is not the Okta org connected to this workspace.`, {
      teamId: w.id,
      issuer: normalizeIssuer(iss),
    });
  }
  return w;
}

/**
 * Okta's `iss` alone (a tile login whose app does not send `team_id`) names a workspace only
 * through a PROVEN claim (review #20): any workspace may type any Okta domain, so a claim routes
 * iss-only sign-ins only after a sign-in through that workspace's own connection succeeded (an ID
 * token from the issuer verified for the workspace's client id, recorded on the claim item by the
 * callback). Exactly one proven claimant → that workspace. None, or several (one org serving
 * several workspaces) → `ambiguous_issuer`, whose page tells the admin to use the Initiate login
 * URI with `team_id` that every setup URL carries. An unproven claim by a newcomer therefore never
 * changes where an existing workspace's iss-only sign-ins go.
 */
async function byIssuer(repo: WorkspaceRepo, iss: string): Promise<Workspace> {
  const issuer = normalizeIssuer(iss);
  const claims = await repo.issuerClaims(issuer);
  const candidates = (await Promise.all(claims.map(async (c) => ({ c, w: await repo.get(c.teamId) })))).filter(
    (x): x is { c: IssuerClaim; w: Workspace & { okta: OktaConfig } } => x.w !== undefined && x.w.okta !== undefined && normalizeIssuer(x.w.okta.issuer) === issuer,
  );
  if (candidates.length === 0) throw new SignInRefused('unknown_issuer', `No workspace in this region is connected to Okta org ${issuer}.`, { issuer });
  const proven = candidates.filter(({ c, w }) => c.provenClientId !== undefined && c.provenClientId === w.okta.clientId);
  if (proven.length === 1) return proven[0]!.w;
  throw new SignInRefused(
    'ambiguous_issuer',
    proven.length === 0
      ? `No workspace connected to Okta org ${issuer} has completed a sign-in through its own sign-in link yet, so the org alone names no workspace; the sign-in link must name one.`
      : `${proven.length} workspaces are connected to Okta org ${issuer}; the sign-in link must name one.`,
    { issuer },
  );
}

/**
 * Only a verified claim routes (review #4): a pending claim, a public mail domain or a name that is
 * not a domain routes nothing. The domain is normalised as claims are (IDNA, case, trailing dot),
 * so `Alex@Demo.Example.` finds the owner of `demo.example`.
 */
async function byEmailDomain(repo: WorkspaceRepo, email: string): Promise<Workspace> {
  const domain = emailDomainOf(email);
  const teamId = domain && !isPublicMailDomain(domain) ? await repo.findByEmailDomain(domain) : undefined;
  const w = teamId ? await repo.get(teamId) : undefined;
  // The page names what the user typed when it is no domain at all (escaped by the page).
  const named = domain ?? email.slice(email.lastIndexOf('@') + 1, email.lastIndexOf('@') + 254).toLowerCase();
  if (!w) throw new SignInRefused('unknown_email_domain', `No workspace in this region signs in users of ${named || 'this domain'}.`);
  return w;
}

/** The workspace must have an Okta OIDC connection. */
export function checkOktaConfigured(w: Workspace): OktaConfig {
  if (!w.okta) throw new SignInRefused('okta_not_configured', `Workspace "${w.name}" has no Okta connection.`);
  return w.okta;
}

/** Refuses before sending the user to Okta for nothing (the core checks again at the end). */
export function checkSignInEnabled(w: Workspace, okta: OktaConfig): void {
  if (!okta.signInEnabled) throw new SignInRefused('sign_in_disabled', `Okta sign-in is turned off for workspace "${w.name}".`);
}
