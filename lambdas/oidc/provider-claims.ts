/**
 * What differs between OIDC providers once an ID token passed the common checks (`checks/`):
 * provider-specific claim checks (Entra `tid`, Google `hd` and `email_verified`) and how the
 * profile is read (Entra's e-mail fallbacks, the object id SCIM uses, the groups overage form).
 * Pure: the callback in `app.ts` calls these on verified claims.
 */
import type { OidcConnection } from '../core/model/connection.js';
import { idpLabel, SignInRefused } from '../signin/index.js';

/** The profile of a signed-in user, from the ID token and, when thin, userinfo. */
export interface ProviderProfile {
  email?: string;
  emailVerified?: boolean;
  givenName?: string;
  familyName?: string;
  displayName?: string;
  /** Group names or ids, as the IdP sent them (Entra: object ids unless configured otherwise). */
  groups?: string[];
  /**
   * The IdP left the groups out because the user has too many (Entra's overage: `_claim_names`
   * points at Microsoft Graph instead of a `groups` claim, or `hasgroups: true`).
   */
  groupsOverage?: boolean;
  /**
   * The id the IdP's SCIM client sends as `externalId`: Okta's user id (`sub`); Entra's object id
   * (`oid`: Entra's default SCIM mapping sends objectId as externalId, while its `sub` is pairwise
   * per app and known to nobody else).
   */
  externalId?: string;
}

/** Most groups taken from one ID token (bounded; the audit record keeps 100). */
const MAX_GROUPS = 500;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Entra's v2 issuer: `https://login.microsoftonline.com/{tid}/v2.0` (and the stand-in's `…/{tid}/v2.0`). */
const ENTRA_ISSUER_TENANT = /\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/v2\.0\/?$/i;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The IdP's name for refusal texts (`signin/idp-label.ts`). */
export function idpName(c: OidcConnection): string {
  return idpLabel(c);
}

/** The Entra tenant a connection trusts: its `tenantId`, else the tenant in its issuer's path. */
export function entraTenantOf(c: OidcConnection): string | undefined {
  return c.tenantId ?? ENTRA_ISSUER_TENANT.exec(c.issuer)?.[1];
}

/**
 * Provider claim checks on the verified ID token, before anything is read from it.
 *
 * - Entra: `tid` must be the connection's tenant (`tenant_mismatch`). The issuer check already
 *   binds the tenant for a single-tenant issuer; `tid` is checked too because it is what Microsoft
 *   documents for authorising a tenant (a multi-tenant issuer would carry `{tenantid}`).
 * - Google: `hd` must be the connection's hosted domain when one is set (`hosted_domain_mismatch`):
 *   without it any Google account, consumer ones included, could sign in.
 */
export function checkProviderClaims(c: OidcConnection, claims: Record<string, unknown>): void {
  if (c.preset === 'entra') {
    const expected = entraTenantOf(c);
    const tid = str(claims.tid);
    if (expected !== undefined && (tid === undefined || tid.toLowerCase() !== expected.toLowerCase())) {
      throw new SignInRefused('tenant_mismatch', `The ID token is from Entra tenant ${tid ?? '(none)'}, but this connection trusts tenant ${expected}.`);
    }
  }
  if (c.preset === 'google' && c.hostedDomain) {
    const hd = str(claims.hd);
    if (hd === undefined || hd.toLowerCase() !== c.hostedDomain.toLowerCase()) {
      throw new SignInRefused('hosted_domain_mismatch', `The Google account is ${hd ? `in domain ${hd}` : 'not in a Google Workspace domain'}, but this connection accepts only ${c.hostedDomain}.`);
    }
  }
}

/**
 * Provider checks on the final profile: Google's e-mail must be verified (Google's guide: use the
 * e-mail only when `email_verified` is true), since the bridge matches and creates users by it.
 */
export function checkProviderProfile(c: OidcConnection, p: ProviderProfile): void {
  if (c.preset === 'google' && p.emailVerified !== true) {
    throw new SignInRefused('email_missing', `Google says ${p.email ?? 'the e-mail address'} is not verified.`);
  }
}

/**
 * The profile in a set of claims (ID token or userinfo). The e-mail is `email`; for Entra, which
 * sends `email` only when the user has a mailbox address (an optional claim), `preferred_username`
 * and then `upn` when they look like an e-mail (the UPN, `alex@contoso.onmicrosoft.com`). Those are
 * trusted because the connection is bound to one tenant (`tid`), whose admins own the names: the
 * multi-tenant "nOAuth" confusion cannot reach a workspace.
 */
export function profileFrom(c: OidcConnection, claims: Record<string, unknown>): ProviderProfile {
  const p: ProviderProfile = {};
  const candidates = c.preset === 'entra' ? [claims.email, claims.preferred_username, claims.upn] : [claims.email];
  const email = candidates.map(str).find((v) => v !== undefined && EMAIL.test(v));
  if (email) p.email = email;
  if (typeof claims.email_verified === 'boolean') p.emailVerified = claims.email_verified;
  const given = str(claims.given_name);
  if (given) p.givenName = given;
  const family = str(claims.family_name);
  if (family) p.familyName = family;
  const name = str(claims.name);
  if (name) p.displayName = name;
  const claim = c.groupsClaim ?? 'groups';
  const groups = claims[claim];
  if (Array.isArray(groups)) p.groups = groups.filter((g): g is string => typeof g === 'string').slice(0, MAX_GROUPS);
  else if (isOverage(claims, claim)) p.groupsOverage = true;
  const externalId = c.preset === 'entra' ? str(claims.oid) : str(claims.sub);
  if (externalId) p.externalId = externalId;
  return p;
}

/**
 * The groups overage form (OIDC Core §5.6.2 distributed claims, as Entra uses them past 200
 * groups in a JWT): `_claim_names.groups` names a source in `_claim_sources` instead of the claim;
 * implicit-flow tokens say `hasgroups: true` instead.
 */
function isOverage(claims: Record<string, unknown>, claim: string): boolean {
  const names = claims._claim_names;
  if (names !== null && typeof names === 'object' && typeof (names as Record<string, unknown>)[claim] === 'string') return true;
  return claims.hasgroups === true || claims.hasgroups === 'true';
}

/** Merges a userinfo profile under the ID token's (the ID token wins; OIDC Core §5.3.2 `sub` already checked). */
export function mergeProfiles(fromToken: ProviderProfile, fromUserinfo: ProviderProfile): ProviderProfile {
  const merged: ProviderProfile = { ...fromUserinfo, ...fromToken };
  // Userinfo may carry the groups the ID token left out; an overage flag from either side stands only without groups.
  if (merged.groups !== undefined) delete merged.groupsOverage;
  return merged;
}
