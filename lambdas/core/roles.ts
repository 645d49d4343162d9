import type { Workspace } from './model/workspace.js';

/** A SCIM multi-valued `roles` entry as an IdP pushes it (RFC 7643 §4.1.2). */
export interface RoleValue {
  readonly value: string;
  readonly primary?: boolean;
}

/** What roles are computed from: the IdP-pushed SCIM roles and the names of the user's groups. */
export interface RoleSubject {
  /** The SCIM `roles` attribute as pushed (seed 004: `roles.^[primary==true].value`). */
  readonly scimRoles?: readonly RoleValue[];
  /** The user's SCIM groups (pushed by Okta Push Groups); `display` is the group's displayName. */
  readonly groups?: readonly { readonly value: string; readonly display?: string }[];
  /** Groups of the last sign-in assertion, as stored on a just-in-time user. */
  readonly idpGroups?: readonly string[];
}

/** Effective access of a user in a workspace. */
export interface EffectiveAccess {
  /** Workspace role ids, in catalogue order; never empty (falls back to the default role). */
  readonly roles: string[];
  /** Extra grants from group mappings (seed 001: `claresia-eng-pilot` → member + `archetype-eng`). */
  readonly grants: string[];
}

/** Group names compare case-insensitively and without surrounding blanks, as Okta group names do. */
const foldGroup = (s: string) => s.trim().toLowerCase();

/**
 * Computes a user's workspace roles and grants. Pure: callers pass what they have.
 *
 * Sources, all unioned:
 * - SCIM `roles[].value` (the primary one first, but every value counts): a value listed in
 *   `roleMappings.roleValues` maps to its role, matched exactly as seed 004 demands ("must match
 *   exactly"); a value that is itself a catalogue role id is taken as is, because Okta Identity
 *   Governance writes back the ids it discovered at `/Roles` (docs/reference/okta-protocols.md §4).
 * - group names, from SCIM memberships (`subject.groups[].display`) and from the sign-in assertion
 *   (`idpGroups`, the SAML/OIDC `groups` claim; else `subject.idpGroups`), through `roleMappings.groups` (seed 001:
 *   `claresia-admins` → `tenant_admin`), matched case-insensitively; each mapping adds its grants.
 *
 * The workspace's `defaultRole` applies when nothing maps (seed 000: "provisions Okta-created users
 * as Member by default"). Roles that are not in the catalogue are dropped so that a stale mapping
 * can never grant an unknown role.
 */
export function effectiveAccess(workspace: Workspace, subject: RoleSubject, idpGroups?: readonly string[]): EffectiveAccess {
  const catalogue = workspace.roles.map((r) => r.id);
  const known = new Set(catalogue);
  const roles = new Set<string>();
  const grants = new Set<string>();

  const values = [...(subject.scimRoles ?? [])].sort((a, b) => Number(b.primary === true) - Number(a.primary === true));
  for (const v of values) {
    for (const m of workspace.roleMappings.roleValues) if (m.value === v.value) roles.add(m.role);
    if (known.has(v.value)) roles.add(v.value);
  }

  const names = new Set<string>();
  for (const g of subject.groups ?? []) if (g.display) names.add(foldGroup(g.display));
  // Fresh assertion groups replace the stored ones of the last sign-in.
  for (const g of idpGroups ?? subject.idpGroups ?? []) names.add(foldGroup(g));
  for (const m of workspace.roleMappings.groups) {
    if (!names.has(foldGroup(m.group))) continue;
    roles.add(m.role);
    for (const g of m.grants ?? []) grants.add(g);
  }

  const kept = catalogue.filter((id) => roles.has(id));
  if (kept.length === 0) kept.push(known.has(workspace.defaultRole) ? workspace.defaultRole : (catalogue[0] ?? workspace.defaultRole));
  return { roles: kept, grants: [...grants].sort() };
}

/** The role ids of `effectiveAccess` (the shape the SSO and token code put in sessions). */
export function effectiveRoles(workspace: Workspace, subject: RoleSubject, idpGroups?: readonly string[]): string[] {
  return effectiveAccess(workspace, subject, idpGroups).roles;
}

/** True when any of the workspace's group → role mappings names this group. */
export function isMappedGroup(workspace: Workspace, displayName: string): boolean {
  const n = foldGroup(displayName);
  return workspace.roleMappings.groups.some((m) => foldGroup(m.group) === n);
}
