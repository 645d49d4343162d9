import { emailDomainOf } from '../shared/domains/normalize.js';
import { isPublicMailDomain } from '../shared/domains/public-mail.js';
import type { OktaConfig, Workspace, WorkspaceRepo } from '../shared/repos/workspaces.js';
import { SignInRefused } from '../shared/signin/index.js';
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

async function byIssuer(repo: WorkspaceRepo, iss: string): Promise<Workspace> {
  const issuer = normalizeIssuer(iss);
  const ids = await repo.findByIssuer(issuer);
  const candidates = (await Promise.all(ids.map((id) => repo.get(id)))).filter(
    (w): w is Workspace => w !== undefined && w.okta !== undefined && normalizeIssuer(w.okta.issuer) === issuer,
  );
  if (candidates.length === 0) throw new SignInRefused('unknown_issuer', `No workspace in this region is connected to Okta org ${issuer}.`, { issuer });
  if (candidates.length > 1) {
    throw new SignInRefused('ambiguous_issuer', `${candidates.length} workspaces are connected to Okta org ${issuer}; the sign-in link must name one.`, { issuer });
  }
  return candidates[0]!;
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
  if (!w) throw new SignInRefused('unknown_email_domain', `No workspace in this region signs in users of ${domain ?? 'this domain'}.`);
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
