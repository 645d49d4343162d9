/** A workspace: its IdP connections, its role catalogue and the mappings that derive roles. */

export interface Role {
  id: string;
  displayName: string;
  description?: string;
}

export interface GroupRoleMapping {
  /** IdP group name (SCIM displayName, SAML/OIDC `groups` claim value). */
  group: string;
  role: string;
  /** Extra grants on top of the role (seed 001: `archetype-eng`). */
  grants?: string[];
}

export interface RoleValueMapping {
  /** IdP role value exactly as the IdP sends it (seed 004: `roles[primary eq true].value`). */
  value: string;
  role: string;
}

export * from './connection.js';
import type { Connection } from './connection.js';

export interface Workspace {
  id: string;
  name: string;
  region: string;
  createdAt: string;
  updatedAt: string;
  /**
   * The workspace's IdP connections (OIDC or SAML, several live at once: a move from Okta to Entra,
   * a merger). At most `MAX_CONNECTIONS`; ids unique. `okta` and `saml` are the connections the
   * seeds' fixed URLs address (`/api/okta/…`, `/api/saml/{team_id}/…`, the admin `…/okta` and
   * `…/saml` forms).
   */
  connections: Connection[];
  roles: Role[];
  defaultRole: string;
  roleMappings: { groups: GroupRoleMapping[]; roleValues: RoleValueMapping[] };
  /**
   * Names of the e-mail domains this workspace has claimed, pending or verified (the claims
   * themselves, with their status and challenge, are `DomainRepo` items); only verified ones route
   * sign-ins by work e-mail.
   */
  emailDomains: string[];
}

/**
 * A workspace's claim of an IdP issuer (the issuer lookup item). Anyone may claim any issuer; the
 * claim is proven for an OIDC client id once a sign-in through the workspace's own connection
 * succeeded with an ID token from that issuer for that client id (review #20). Changing the client
 * id leaves the old proof behind, which then no longer counts.
 */
export interface IssuerClaim {
  readonly teamId: string;
  /** The OIDC client id a successful sign-in proved this claim for. */
  readonly provenClientId?: string;
  readonly provenAt?: string;
}

/** Role catalogue of a new workspace (docs/reference/DESIGN.md: `admin` and `member`, default `member`). */
export const DEFAULT_ROLES: Role[] = [
  { id: 'admin', displayName: 'Admin', description: 'Manages the workspace, its members and its integrations.' },
  { id: 'member', displayName: 'Member', description: 'Uses the workspace.' },
];
