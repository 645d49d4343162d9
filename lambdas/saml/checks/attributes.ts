import * as z from 'zod';
import { MissingEmail } from '../errors.js';
import type { VerifiedAssertion } from '../assertion.js';

/** The profile a SAML sign-in carries, after the workspace's group filter. */
export interface SamlProfile {
  readonly email: string;
  readonly givenName?: string;
  readonly familyName?: string;
  /** Groups after the prefix filter: what feeds the group → role mappings. */
  readonly groups: readonly string[];
  /** Every group the IdP sent (the test-login report shows what the filter dropped). */
  readonly groupsReceived: readonly string[];
}

/**
 * Attribute names by meaning: seed 001's statements first (`email`, `firstName`, `lastName`,
 * `groups`), then the names other IdPs send for the same things (Entra's claim URIs, LDAP OIDs).
 */
export const ATTRIBUTE_NAMES = {
  email: ['email', 'mail', 'urn:oid:0.9.2342.19200300.100.1.3', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'],
  givenName: ['firstName', 'givenName', 'urn:oid:2.5.4.42', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname'],
  familyName: ['lastName', 'surname', 'sn', 'urn:oid:2.5.4.4', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname'],
  groups: ['groups', 'memberOf', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'],
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
 * Step 13 — reads the attribute statements (seed 001 step 5): the email (attribute `email`, else
 * the NameID), first and last name, and the groups through the workspace's prefix filter.
 */
export function readProfile(assertion: VerifiedAssertion, nameId: string, groupPrefix: string | undefined): SamlProfile {
  const a = assertion.attributes;
  const email = first(a, ATTRIBUTE_NAMES.email) ?? nameId;
  if (!Email.safeParse(email).success) throw new MissingEmail();
  const givenName = first(a, ATTRIBUTE_NAMES.givenName);
  const familyName = first(a, ATTRIBUTE_NAMES.familyName);
  const received = [
    ...new Set(ATTRIBUTE_NAMES.groups.flatMap((n) => a[n] ?? []).map((g) => g.trim()).filter((g) => g !== '' && g.length <= MAX_VALUE)),
  ].slice(0, MAX_GROUPS);
  return {
    email,
    ...(givenName ? { givenName } : {}),
    ...(familyName ? { familyName } : {}),
    groups: filterGroups(received, groupPrefix),
    groupsReceived: received,
  };
}
