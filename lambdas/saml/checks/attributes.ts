import * as z from 'zod';
import { GroupsOverage, MissingEmail, TenantMismatch } from '../errors.js';
import type { VerifiedAssertion } from '../assertion.js';

/** The profile a SAML sign-in carries, after the workspace's group filter. */
export interface SamlProfile {
  readonly email: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly displayName?: string;
  /** Groups after the prefix filter: what feeds the group → role mappings. */
  readonly groups: readonly string[];
  /** Every group the IdP sent (the test-login report shows what the filter dropped). */
  readonly groupsReceived: readonly string[];
}

/** Entra ID's SAML claim URIs (Microsoft identity platform, "SAML token claims reference"). */
export const ENTRA_CLAIMS = {
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  givenName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  surname: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  /** The user principal name (`user.userprincipalname`), usually an email-shaped sign-in name. */
  name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
  groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
  /** Sent instead of `groups` when the user has more than 150 groups (the overage form). */
  groupsLink: 'http://schemas.microsoft.com/claims/groups.link',
  tenantId: 'http://schemas.microsoft.com/identity/claims/tenantid',
  objectId: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
} as const;

/**
 * Attribute names by meaning: seed 001's statements first (`email`, `firstName`, `lastName`,
 * `groups`), then the names other IdPs send for the same things (Entra's claim URIs, LDAP OIDs).
 */
export const ATTRIBUTE_NAMES = {
  email: ['email', 'mail', 'urn:oid:0.9.2342.19200300.100.1.3', ENTRA_CLAIMS.email],
  givenName: ['firstName', 'givenName', 'urn:oid:2.5.4.42', ENTRA_CLAIMS.givenName],
  familyName: ['lastName', 'surname', 'sn', 'urn:oid:2.5.4.4', ENTRA_CLAIMS.surname],
  displayName: ['displayName', 'urn:oid:2.16.840.1.113730.3.1.241', ENTRA_CLAIMS.displayName],
  groups: ['groups', 'memberOf', ENTRA_CLAIMS.groups],
} as const;

/** More groups than any role mapping needs; the rest are dropped rather than stored. */
export const MAX_GROUPS = 1000;
const MAX_VALUE = 256;

const Email = z.email().max(320);

function first(attributes: VerifiedAssertion['attributes'], names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = attributes[n]?.[0];
    if (v !== undefined && v !== '') return v.slice(0, MAX_VALUE);
  }
  return undefined;
}

/**
 * Keeps the groups that start with the workspace's prefix (seed 001: Filter "Starts with
 * claresia-"; Okta's filter ignores case, and so does this one). No prefix keeps every group.
 */
export function filterGroups(groups: readonly string[], prefix: string | undefined): string[] {
  const p = prefix?.trim().toLowerCase();
  return p ? groups.filter((g) => g.toLowerCase().startsWith(p)) : [...groups];
}

/**
 * Step 13 — reads the attribute statements (seed 001 step 5): the email (an email attribute, else
 * an email-shaped NameID, else Entra's `name` claim when it holds an email-shaped user principal
 * name), first, last and display name, and the groups through the connection's prefix filter.
 * Entra's overage form (`groups.link` and no groups) is refused: the roles would be computed
 * without the groups the role mappings expect.
 */
export function readProfile(assertion: VerifiedAssertion, nameId: string, groupPrefix: string | undefined): SamlProfile {
  const a = assertion.attributes;
  const attribute = first(a, ATTRIBUTE_NAMES.email);
  const email = attribute ?? [nameId, first(a, [ENTRA_CLAIMS.name])].find((v) => v !== undefined && Email.safeParse(v).success) ?? nameId;
  if (!Email.safeParse(email).success) throw new MissingEmail();
  const givenName = first(a, ATTRIBUTE_NAMES.givenName);
  const familyName = first(a, ATTRIBUTE_NAMES.familyName);
  const displayName = first(a, ATTRIBUTE_NAMES.displayName);
  const received = [
    ...new Set(ATTRIBUTE_NAMES.groups.flatMap((n) => a[n] ?? []).map((g) => g.trim()).filter((g) => g !== '' && g.length <= MAX_VALUE)),
  ].slice(0, MAX_GROUPS);
  if (received.length === 0 && (a[ENTRA_CLAIMS.groupsLink]?.length ?? 0) > 0) throw new GroupsOverage();
  return {
    email,
    ...(givenName ? { givenName } : {}),
    ...(familyName ? { familyName } : {}),
    ...(displayName ? { displayName } : {}),
    groups: filterGroups(received, groupPrefix),
    groupsReceived: received,
  };
}

/** `https://sts.windows.net/{tenant id}/`: the entity id Entra ID issues SAML assertions under. */
const ENTRA_ISSUER = /^https:\/\/sts\.windows\.net\/([0-9a-f-]{36})\/?$/i;

/** The Entra tenant an IdP entity id names, if it is Entra's. */
export function entraTenantOf(idpEntityId: string): string | undefined {
  return ENTRA_ISSUER.exec(idpEntityId)?.[1]?.toLowerCase();
}

/**
 * Entra ID: the `tenantid` claim, when sent, names the tenant of the connection's issuer. The
 * issuer check already binds the assertion to `https://sts.windows.net/{tid}/`; this catches an
 * assertion of a multi-tenant app whose claim says otherwise (defence in depth).
 */
export function checkTenant(assertion: VerifiedAssertion, idpEntityId: string): string | undefined {
  const expected = entraTenantOf(idpEntityId);
  const received = assertion.attributes[ENTRA_CLAIMS.tenantId]?.[0];
  if (expected === undefined || received === undefined) return undefined;
  if (received.toLowerCase() !== expected) throw new TenantMismatch(expected, received.slice(0, 64));
  return received;
}
