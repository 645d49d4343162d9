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

export interface OktaConfig {
  /** The Okta org domain as entered, e.g. `acme.okta.com`. */
  domain: string;
  /** Derived from the domain: the org authorization server's issuer, e.g. `https://acme.okta.com`. */
  issuer: string;
  clientId: string;
  /** Name of the Secrets Manager secret holding the client secret (never the value). */
  clientSecretName: string;
  signInEnabled: boolean;
  jitEnabled: boolean;
  /** Universal Logout partial-support mode: revoke refresh tokens only (Okta's checkbox). */
  partialLogout: boolean;
  /** Accept CAEP session-revoked SETs pushed by this org (Shared Signals). */
  sharedSignalsEnabled: boolean;
  updatedAt: string;
}

export interface SamlConfig {
  idpSsoUrl: string;
  idpEntityId: string;
  /** PEM certificates; two are accepted at once while Okta rotates its signing certificate. */
  idpCertificates: string[];
  allowIdpInitiated: boolean;
  /** Only groups starting with this prefix are taken from the assertion (seed 001: `claresia-`). */
  groupPrefix?: string;
  /** Okta's SAML app instance id: the `sub` of its Universal Logout JWTs for SAML apps. */
  appInstanceId?: string;
  /**
   * The Okta org URL (e.g. `https://acme.okta.com`): the `iss` of Okta's Universal Logout JWTs for
   * a SAML app, which Okta signs with the app's SAML signing key (the certificates above).
   */
  oktaOrgUrl?: string;
  /** SAML sign-in switch; absent = follows the Okta OIDC switch (on when there is none). */
  signInEnabled?: boolean;
  /** JIT for SAML sign-ins; absent = follows the Okta OIDC switch (off when there is none). */
  jitEnabled?: boolean;
  updatedAt: string;
}

export interface Workspace {
  id: string;
  name: string;
  region: string;
  createdAt: string;
  updatedAt: string;
  okta?: OktaConfig;
  saml?: SamlConfig;
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

/** Role catalogue of a new workspace (DESIGN.md: `admin` and `member`, default `member`). */
export const DEFAULT_ROLES: Role[] = [
  { id: 'admin', displayName: 'Admin', description: 'Manages the workspace, its members and its integrations.' },
  { id: 'member', displayName: 'Member', description: 'Uses the workspace.' },
];
