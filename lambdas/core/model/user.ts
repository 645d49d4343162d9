/** A workspace member, as the bridge stores it (the SCIM layer maps it to and from RFC 7643 JSON). */

/** `name` of RFC 7643 §4.1.1. */
export interface UserName {
  givenName?: string;
  familyName?: string;
  formatted?: string;
  middleName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
}

/** An e-mail address (RFC 7643 §4.1.2). */
export interface Email {
  value: string;
  type?: string;
  primary?: boolean;
  display?: string;
}

/** A generic multi-valued entry (`roles`, `entitlements`; RFC 7643 §2.4). */
export interface MultiValue {
  value: string;
  display?: string;
  type?: string;
  primary?: boolean;
}

/** A group the user belongs to (SCIM `groups`, read-only, RFC 7643 §4.1.2). */
export interface UserGroup {
  /** The group's id. */
  value: string;
  /** The group's displayName. */
  display: string;
}

/**
 * A workspace member. SCIM-provisioned or created just in time at SSO sign-in. The repository owns
 * the stored shape; the SCIM layer maps it to and from RFC 7643 JSON.
 */
export interface User {
  /** Immutable, case-sensitive id (RFC 7643 §3.1); time-sortable so listings run in creation order. */
  id: string;
  teamId: string;
  /** Unique per workspace, compared case-insensitively (RFC 7643 §4.1.1 `caseExact: false`). */
  userName: string;
  /** The IdP's id of the user (Okta sends its user id); indexed, not unique (RFC 7643 §3.1). */
  externalId?: string;
  active: boolean;
  name?: UserName;
  displayName?: string;
  emails: Email[];
  /** Effective workspace role ids (materialised at the last change; `effectiveAccess` is authoritative). */
  roles: string[];
  /** Extra grants from group mappings (seed 001). */
  grants: string[];
  /** The SCIM `roles` attribute exactly as the IdP pushed it (seed 004, docs/reference/okta-protocols.md §4). */
  scimRoles: MultiValue[];
  /** The SCIM `entitlements` attribute as pushed. */
  entitlements: MultiValue[];
  /**
   * SCIM groups the user is a member of. Read from the membership edges (gsi2, one query), not
   * stored on the user item: a membership change then writes one item whatever the group's size.
   * Every read method of this repository fills it.
   */
  groups: UserGroup[];
  /** Groups of the last sign-in assertion (JIT users): role mappings apply to them too. */
  idpGroups?: string[];
  /**
   * Other core attributes as sent (nickName, profileUrl, title, userType, preferredLanguage,
   * locale, timezone, phoneNumbers, ims, photos, addresses, x509Certificates). Never `password`.
   */
  attributes: Record<string, unknown>;
  /** Schema-extension objects by URN (the enterprise User extension and any other). */
  extensions: Record<string, Record<string, unknown>>;
  createdAt: string;
  updatedAt: string;
  /** Incremented on every change of the IdP-written attributes; the SCIM ETag (RFC 7644 §3.14). */
  version: number;
  /**
   * Incremented by every write that changes what the stored `roles`/`grants` derive from (a
   * membership of a role-mapped group, a recompute): writers of derived access condition on it, so
   * concurrent membership changes of one user cannot overwrite each other's result (review #3).
   * Absent on users no such write has touched (read as 0).
   */
  accessVersion?: number;
  source: 'scim' | 'jit';
}

/** What a writer supplies; ids, roles, groups and timestamps are the repository's. */
export interface UserDraft {
  userName: string;
  externalId?: string;
  active: boolean;
  name?: UserName;
  displayName?: string;
  emails: Email[];
  scimRoles?: MultiValue[];
  entitlements?: MultiValue[];
  attributes?: Record<string, unknown>;
  extensions?: Record<string, Record<string, unknown>>;
}

/** Profile of a just-in-time sign-in (OIDC claims or SAML attributes). */
export interface JitProfile {
  userName: string;
  email: string;
  givenName?: string;
  familyName?: string;
  displayName?: string;
  /** Groups of the assertion (seed 001's `groups` attribute statement). */
  groups?: string[];
}
