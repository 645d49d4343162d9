import { emailDomainOf } from '../core/domains/normalize.js';
import { isPublicMailDomain } from '../core/domains/public-mail.js';
import { connectionById, connectionPolicy, normalizeIssuer, oidcConnections, oktaOidcConnection, type OidcConnection } from '../core/model/connection.js';
import type { IssuerClaim, Workspace } from '../core/model/workspace.js';
import type { WorkspaceRepo } from '../store/workspaces.js';
import { connectionDisabled, idpLabel, SignInRefused } from '../signin/index.js';
import type { LoginQuery } from './schemas.js';

export { normalizeIssuer };

/** How the login request named its workspace. */
export type ResolvedBy = 'team_id' | 'iss' | 'email_domain';

/** Which login route a request came in on: the seeds' `/api/okta/oidc/login` or the neutral `/api/sso/oidc/login`. */
export type LoginRoute = 'okta' | 'sso';

/**
 * Finds the workspace a login request is for, in order: `team_id` (the initiate login URI and
 * app links carry it), then the IdP's `iss` (IdP-initiated login without a tenant setting), then
 * the domain of a work e-mail a workspace has claimed. An `iss` must belong to the workspace it
 * names; an unknown `iss` is refused (docs/reference/okta-protocols.md §5: "map `iss` to a tenant
 * and reject unknown values").
 */
export async function resolveWorkspace(repo: WorkspaceRepo, q: LoginQuery): Promise<{ workspace: Workspace; by: ResolvedBy }> {
  if (q.team_id) return { workspace: await byTeamId(repo, q.team_id, q.iss), by: 'team_id' };
  if (q.iss) return { workspace: await byIssuer(repo, q.iss), by: 'iss' };
  const email = hintedEmail(q);
  if (email) return { workspace: await byEmailDomain(repo, email), by: 'email_domain' };
  throw new SignInRefused('missing_workspace', 'The sign-in link names no workspace, work email or identity provider.');
}

function hintedEmail(q: LoginQuery): string | undefined {
  return [q.login_hint, q.email].find((v) => v !== undefined && v.includes('@'));
}

/** The workspace's OIDC connections whose issuer is `iss` (trailing slashes aside). */
function connectionsOfIssuer(w: Workspace, iss: string): OidcConnection[] {
  const issuer = normalizeIssuer(iss);
  return oidcConnections(w).filter((c) => normalizeIssuer(c.issuer) === issuer);
}

async function byTeamId(repo: WorkspaceRepo, teamId: string, iss: string | undefined): Promise<Workspace> {
  const w = await repo.get(teamId);
  if (!w) throw new SignInRefused('workspace_not_found', `Workspace ${teamId} does not exist in this region.`);
  // A workspace without OIDC connections is refused later (`okta_not_configured`), as before connections existed.
  if (iss && oidcConnections(w).length > 0 && connectionsOfIssuer(w, iss).length === 0) {
    const named = oktaOidcConnection(w) ?? oidcConnections(w)[0]!;
    throw new SignInRefused('unknown_issuer', `${idpLabel(named)} org ${normalizeIssuer(iss)} is not an identity provider connected to this workspace.`, {
      teamId: w.id,
      issuer: normalizeIssuer(iss),
    });
  }
  return w;
}

/**
 * An `iss` alone (a tile login whose app does not send `team_id`) names a workspace only through a
 * PROVEN claim (review #20): any workspace may type any issuer, so a claim routes iss-only sign-ins
 * only after a sign-in through that workspace's own connection succeeded (an ID token from the
 * issuer verified for the connection's client id, recorded on the claim item by the callback).
 * Exactly one proven claimant → that workspace. None, or several (one org serving several
 * workspaces) → `ambiguous_issuer`, whose page tells the admin to use the Initiate login URI with
 * `team_id` that every setup URL carries. An unproven claim by a newcomer therefore never changes
 * where an existing workspace's iss-only sign-ins go.
 */
async function byIssuer(repo: WorkspaceRepo, iss: string): Promise<Workspace> {
  const issuer = normalizeIssuer(iss);
  const claims = await repo.issuerClaims(issuer);
  const candidates = (await Promise.all(claims.map(async (c) => ({ c, w: await repo.get(c.teamId) })))).filter(
    (x): x is { c: IssuerClaim; w: Workspace } => x.w !== undefined && connectionsOfIssuer(x.w, issuer).length > 0,
  );
  if (candidates.length === 0) throw new SignInRefused('unknown_issuer', `No workspace in this region is connected to ${issuer}.`, { issuer });
  const proven = candidates.filter(({ c, w }) => c.provenClientId !== undefined && connectionsOfIssuer(w, issuer).some((k) => k.clientId === c.provenClientId));
  if (proven.length === 1) return proven[0]!.w;
  throw new SignInRefused(
    'ambiguous_issuer',
    proven.length === 0
      ? `No workspace connected to ${issuer} has completed a sign-in through its own sign-in link yet, so the issuer alone names no workspace; the sign-in link must name one.`
      : `${proven.length} workspaces are connected to ${issuer}; the sign-in link must name one.`,
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

/** A connection to sign in through, or the live connections the user must choose from. */
export type ConnectionChoice = { readonly connection: OidcConnection } | { readonly choices: readonly OidcConnection[] };

/**
 * Picks the OIDC connection of a login, in order:
 *
 * 1. `connection`: that connection (unknown or SAML → `connection_not_found`; off → refused);
 * 2. `iss`: the workspace's live connection of that issuer;
 * 3. a work e-mail (`login_hint`/`email`): the live connection listing its domain in `emailDomains`;
 * 4. on `/api/okta/oidc/login`: the `okta` connection, exactly as before connections existed;
 * 5. the only live OIDC connection;
 * 6. otherwise the live connections to choose from (`signin/chooser.ts`).
 *
 * A connection whose sign-in is off is never picked by 2–5 while another fits; reached alone, it
 * is refused (`sign_in_disabled` for the seeds' `okta` connection, `connection_disabled` otherwise).
 */
export function resolveConnection(w: Workspace, q: LoginQuery, route: LoginRoute): ConnectionChoice {
  const live = (c: OidcConnection) => connectionPolicy(w, c).enabled;
  const pick = (c: OidcConnection): ConnectionChoice => {
    if (!live(c)) throw connectionDisabled(w, c);
    return { connection: c };
  };
  if (q.connection !== undefined) {
    const c = connectionById(w, q.connection);
    if (!c) throw new SignInRefused('connection_not_found', `Workspace "${w.name}" has no connection "${q.connection}".`);
    if (c.protocol !== 'oidc') throw new SignInRefused('connection_not_found', `Connection "${c.id}" of workspace "${w.name}" is a SAML connection: use its SAML sign-in link.`);
    // A tile's `iss` must be the named connection's issuer (OIDC Core §4: the login is for that issuer).
    if (q.iss !== undefined && normalizeIssuer(q.iss) !== normalizeIssuer(c.issuer)) {
      throw new SignInRefused('unknown_issuer', `${normalizeIssuer(q.iss)} is not the issuer of connection "${c.name}".`, { issuer: normalizeIssuer(q.iss) });
    }
    return pick(c);
  }
  const all = oidcConnections(w);
  if (all.length === 0) throw new SignInRefused('okta_not_configured', `Workspace "${w.name}" has no OIDC connection.`);
  if (q.iss !== undefined) {
    const matching = connectionsOfIssuer(w, q.iss);
    const on = matching.filter(live);
    if (on.length === 1) return { connection: on[0]! };
    if (on.length > 1) return { choices: on };
    if (matching.length > 0) return pick(matching[0]!);
  }
  const email = hintedEmail(q);
  const domain = email ? emailDomainOf(email) : undefined;
  if (domain) {
    const listing = all.filter((c) => live(c) && c.emailDomains.some((d) => d.toLowerCase() === domain));
    if (listing.length === 1) return { connection: listing[0]! };
    if (listing.length > 1) return { choices: listing };
  }
  const okta = oktaOidcConnection(w);
  if (route === 'okta' && okta) return pick(okta);
  const on = all.filter(live);
  if (on.length === 1) return { connection: on[0]! };
  if (on.length === 0) return pick(okta ?? all[0]!);
  return { choices: on };
}
