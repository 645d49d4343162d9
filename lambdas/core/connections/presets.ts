/**
 * The provider presets: what each IdP needs to make a connection, the defaults it fills and the help
 * an admin sees (`GET /api/admin/presets`). Adding a preset: a name in `PROVIDER_PRESETS`
 * (`core/model/connection.ts`), an entry here, and its claim rules, if any, in
 * `lambdas/oidc/provider-claims.ts`. See docs/connections.md.
 */
import { BadRequest } from '../errors.js';
import type { ProviderPreset } from '../model/connection.js';

export type Protocol = 'oidc' | 'saml';

/** One preset as the admin API shows it. */
export interface PresetInfo {
  readonly id: ProviderPreset;
  readonly label: string;
  readonly protocols: readonly Protocol[];
  readonly defaults: {
    /** Scopes the bridge requests (the same for every preset; see `lambdas/oidc/app.ts`). */
    readonly scopes: readonly string[];
    readonly groupsClaim: string;
    /** The issuer, or its template (`{tenantId}`, `{domain}`, `{subdomain}`); absent: the admin enters it. */
    readonly issuer?: string;
  };
  /** Help texts of the body fields this preset uses, by field name. */
  readonly fields: Readonly<Record<string, string>>;
  /** What an admin should know about this IdP (revocation, provisioning quirks). */
  readonly notes: readonly string[];
}

const SCOPES = ['openid', 'email', 'profile'] as const;

const COMMON_OIDC_FIELDS = {
  clientId: 'The client (application) id the IdP issued for this app.',
  clientSecret: 'The client secret; required when the connection is created, kept when an update omits it. Never shown again.',
  emailDomains:
    'E-mail domains whose users this connection signs in. Each new one becomes a pending claim of the workspace; it routes sign-ins only once verified (POST …/domains/{domain}/verify).',
  groupsClaim: 'The ID token claim holding group names or ids (default `groups`).',
} as const;

const COMMON_SAML_FIELDS = {
  metadataUrl: 'The IdP metadata URL: the SSO URL, entity id and signing certificates are read from it, and refreshed periodically.',
  idpSsoUrl: 'Without a metadata URL: the IdP single sign-on URL (HTTP-Redirect binding).',
  idpEntityId: 'Without a metadata URL: the IdP entity id (the Issuer of its assertions).',
  idpCertificate: 'Without a metadata URL: the IdP signing certificate (PEM or base64); two while the IdP rotates it (idpCertificates).',
  allowIdpInitiated: 'Accept sign-ins started at the IdP (unsolicited responses).',
  groupPrefix: 'Only groups starting with this prefix are read from the assertion.',
} as const;

/** What revokes an Entra user's access: Entra sends no Universal Logout and has no Global Token Revocation. */
export const ENTRA_REVOCATION_NOTES: readonly string[] = [
  'Entra ID has no Universal Logout and no Global Token Revocation for third-party apps (its Continuous Access Evaluation covers Microsoft resources only): it never tells the bridge to end a session.',
  "SCIM deactivation revokes access at once: when Entra's provisioning sets active=false (or deletes the user), the bridge ends the user's sessions and revokes their tokens in the same transaction. Entra sends the change in its next incremental cycle (about every 40 minutes); use Provision on demand for an urgent case.",
  'Keep session and token lifetimes short: they bound how long a user disabled in Entra, but not yet deprovisioned, keeps access; every new sign-in goes through Entra again.',
  "CAEP through Shared Signals: if a transmitter sends session-revoked events under this connection's issuer, turn on sharedSignalsEnabled and each event ends the user's sessions.",
];

/** Entra SCIM provisioning: where to point it and the quirks the bridge already handles. */
export const ENTRA_SCIM_NOTES: readonly string[] = [
  'Entra provisioning (Enterprise application → Provisioning → Automatic): Tenant URL = the SCIM base URL, Secret Token = a SCIM token of this workspace.',
  'The Tenant URL may end in ?aadOptscim062020, the flag that makes Entra send boolean active, lowercase ops, one multi-attribute replace and members[value eq …] removals; both forms work (Provision on demand ignores the flag).',
  'Without the flag Entra sends capitalised ops ("Replace") and booleans as the strings "True"/"False": the bridge accepts both.',
];

export const PRESETS: Readonly<Record<ProviderPreset, PresetInfo>> = {
  okta: {
    id: 'okta',
    label: 'Okta',
    protocols: ['oidc', 'saml'],
    defaults: { scopes: SCOPES, groupsClaim: 'groups', issuer: 'https://{domain}' },
    fields: {
      domain: 'Your Okta domain, e.g. acme.okta.com (or a custom domain); the org authorization server https://{domain} is the issuer.',
      issuer: 'Instead of a domain: the full issuer URL, kept exactly as entered.',
      partialLogout: 'Universal Logout in partial mode: revoke refresh tokens only.',
      sharedSignalsEnabled: 'Accept CAEP session-revoked events from this Okta org (Shared Signals).',
      ...COMMON_OIDC_FIELDS,
      ...COMMON_SAML_FIELDS,
      appInstanceId: "SAML: the Okta app instance id (the subject of Okta's Universal Logout requests for SAML apps).",
      oktaOrgUrl: "SAML: the Okta org URL, the issuer of Universal Logout requests for this SAML app.",
    },
    notes: ['Okta sends Universal Logout and, with Identity Threat Protection, Shared Signals events: both revoke access at once.'],
  },
  entra: {
    id: 'entra',
    label: 'Microsoft Entra ID',
    protocols: ['oidc', 'saml'],
    defaults: { scopes: SCOPES, groupsClaim: 'groups', issuer: 'https://login.microsoftonline.com/{tenantId}/v2.0' },
    fields: {
      tenantId: 'The directory (tenant) id, a GUID (Entra admin center → Overview). The issuer is https://login.microsoftonline.com/{tenantId}/v2.0 and every ID token must carry tid = this id.',
      issuer: 'Instead of a tenant id: the full v2.0 issuer URL, kept exactly as entered.',
      clientId: 'The Application (client) id of the app registration.',
      clientSecret: 'A client secret of the app registration (Certificates & secrets). Entra shows it once; it expires, so note the date.',
      emailDomains: COMMON_OIDC_FIELDS.emailDomains,
      groupsClaim:
        'The claim holding groups (default `groups`; Entra sends group object ids unless the app is set to emit names). Over 200 groups Entra sends an overage reference instead, which the bridge refuses (groups_overage): assign groups to the app to keep under the limit.',
      sharedSignalsEnabled: 'Accept CAEP session-revoked events if a Shared Signals transmitter sends them for your tenant.',
      ...COMMON_SAML_FIELDS,
    },
    notes: [...ENTRA_REVOCATION_NOTES, ...ENTRA_SCIM_NOTES],
  },
  google: {
    id: 'google',
    label: 'Google Workspace',
    protocols: ['oidc', 'saml'],
    defaults: { scopes: SCOPES, groupsClaim: 'groups', issuer: 'https://accounts.google.com' },
    fields: {
      hostedDomain: 'Your Google Workspace domain: ID tokens must carry hd = this domain. Without it any Google account, consumer ones too, could sign in.',
      ...COMMON_OIDC_FIELDS,
      ...COMMON_SAML_FIELDS,
    },
    notes: ['Google sends no groups in ID tokens; roles come from SCIM or the default role.', 'Only verified Google e-mail addresses sign in.'],
  },
  onelogin: {
    id: 'onelogin',
    label: 'OneLogin',
    protocols: ['oidc', 'saml'],
    defaults: { scopes: SCOPES, groupsClaim: 'groups', issuer: 'https://{subdomain}.onelogin.com/oidc/2' },
    fields: {
      domain: 'Your OneLogin subdomain (acme, or acme.onelogin.com); the issuer is https://{subdomain}.onelogin.com/oidc/2.',
      issuer: 'Instead of a subdomain: the full issuer URL (e.g. a custom domain), kept exactly as entered.',
      ...COMMON_OIDC_FIELDS,
      ...COMMON_SAML_FIELDS,
    },
    notes: ['OneLogin sends no Universal Logout: deactivate users through SCIM to revoke their access at once.'],
  },
  jumpcloud: {
    id: 'jumpcloud',
    label: 'JumpCloud',
    protocols: ['oidc', 'saml'],
    defaults: { scopes: SCOPES, groupsClaim: 'groups', issuer: 'https://oauth.id.jumpcloud.com/' },
    fields: { ...COMMON_OIDC_FIELDS, ...COMMON_SAML_FIELDS },
    notes: ['JumpCloud sends no Universal Logout: deactivate users through SCIM to revoke their access at once.'],
  },
  generic: {
    id: 'generic',
    label: 'Other OIDC or SAML provider',
    protocols: ['oidc', 'saml'],
    defaults: { scopes: SCOPES, groupsClaim: 'groups' },
    fields: {
      issuer: 'The issuer URL (https); its endpoints are discovered from {issuer}/.well-known/openid-configuration.',
      ...COMMON_OIDC_FIELDS,
      ...COMMON_SAML_FIELDS,
    },
    notes: ['Revocation depends on the provider: SCIM deactivation always revokes access at once.'],
  },
};

/** The catalogue in display order. */
export function presetCatalogue(): PresetInfo[] {
  return Object.values(PRESETS);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Plain HTTP is acceptable only to a loopback host in local mode (the IdP stand-ins; docs/reference/DESIGN.md). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

const invalid = (message: string) => new BadRequest(message, { code: 'validation_failed' });

/**
 * Checks an issuer URL and returns it EXACTLY as entered (trimmed): `https:`, or `http:` to a
 * loopback host in local mode; no credentials, query or fragment (OIDC Discovery §4.3 compares
 * the issuer by string, so rewriting it would break sign-in).
 */
export function checkIssuer(input: string, local: boolean, field = 'issuer'): string {
  const raw = input.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`${field}: not a URL (e.g. https://idp.example.com).`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local && isLoopbackHost(url.hostname))) {
    throw invalid(`${field}: the issuer must use HTTPS${local ? ' (plain HTTP only on a loopback host in local mode)' : ''}.`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw invalid(`${field}: an issuer has no credentials, query or fragment (OpenID Connect Discovery §4.3).`);
  }
  return raw;
}

/**
 * Derives the Okta org issuer from the domain an admin typed (docs/reference: seed 000, "generates
 * the Okta issuer from your domain"). Deployed stacks accept HTTPS only; local mode also accepts a
 * plain-HTTP loopback URL so that the local Okta stand-in can be the issuer (docs/reference/DESIGN.md). The scheme
 * typed is kept: `http://127.0.0.1:9000` stays plain HTTP.
 */
export function issuerFromDomain(input: string, local: boolean): { domain: string; issuer: string } {
  const raw = input.trim().replace(/\/+$/, '');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalid('domain: not a valid Okta domain (e.g. acme.okta.com).');
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:' && !(local && loopback)) throw invalid('domain: the Okta issuer must use HTTPS.');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('domain: the Okta issuer must use HTTPS.');
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw invalid('domain: enter only the Okta domain, e.g. acme.okta.com (the org authorization server is used).');
  }
  if (!loopback && !/^([a-z0-9-]+\.)+[a-z]{2,63}$/i.test(url.hostname)) throw invalid('domain: not a valid Okta domain (e.g. acme.okta.com).');
  return { domain: url.host.toLowerCase(), issuer: `${url.protocol}//${url.host.toLowerCase()}` };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Entra's v2.0 issuer of a tenant (Microsoft identity platform: "ID token claims reference", `iss`). */
export function entraIssuer(tenantId: string): string {
  return `https://login.microsoftonline.com/${checkTenantId(tenantId)}/v2.0`;
}

/** An Entra directory (tenant) id: a GUID, lower-cased. */
function checkTenantId(tenantId: string): string {
  if (!GUID.test(tenantId.trim())) throw invalid('tenantId: the directory (tenant) id is a GUID, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47.');
  return tenantId.trim().toLowerCase();
}

/** The tenant id in an Entra issuer's path (`…/{tid}/v2.0`), if it holds one. */
export function tenantOfEntraIssuer(issuer: string): string | undefined {
  try {
    return new URL(issuer).pathname.split('/').find((s) => GUID.test(s))?.toLowerCase();
  } catch {
    return undefined;
  }
}

/** OneLogin's OIDC issuer of a subdomain (`acme` or `acme.onelogin.com`). */
export function oneloginIssuer(input: string): string {
  const sub = input.trim().toLowerCase().replace(/^https:\/\//, '').replace(/\/.*$/, '').replace(/\.onelogin\.com$/, '');
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(sub)) throw invalid('domain: your OneLogin subdomain, e.g. acme (from acme.onelogin.com).');
  return `https://${sub}.onelogin.com/oidc/2`;
}

/** What an admin entered that decides an OIDC connection's issuer. */
export interface IssuerInput {
  readonly issuer?: string | undefined;
  readonly domain?: string | undefined;
  readonly tenantId?: string | undefined;
}

/**
 * The issuer of an OIDC connection of a preset: an explicit `issuer` always wins (kept exactly as
 * entered); else the preset derives it (Okta: `domain`; Entra: `tenantId`; OneLogin: `domain` as
 * the subdomain; Google and JumpCloud: their fixed issuers); `generic` requires `issuer`.
 * Returns the Okta `domain` and the Entra `tenantId` to store as well.
 */
export function resolveOidcIssuer(preset: ProviderPreset, input: IssuerInput, local: boolean): { issuer: string; domain?: string; tenantId?: string } {
  const tenantId = input.tenantId?.trim() ? input.tenantId.trim().toLowerCase() : undefined;
  if (input.issuer?.trim()) {
    const issuer = checkIssuer(input.issuer, local);
    if (preset === 'okta') return { issuer, domain: input.domain?.trim() ? issuerFromDomain(input.domain, local).domain : new URL(issuer).host.toLowerCase() };
    if (preset === 'entra') {
      const tid = tenantId ?? tenantOfEntraIssuer(issuer);
      if (!tid) throw invalid('tenantId: required for Entra ID (the issuer holds no tenant id).');
      return { issuer, tenantId: checkTenantId(tid) };
    }
    return { issuer };
  }
  switch (preset) {
    case 'okta':
      if (!input.domain?.trim()) throw invalid('domain: your Okta domain (e.g. acme.okta.com), or issuer, is required.');
      return issuerFromDomain(input.domain, local);
    case 'entra':
      if (!tenantId) throw invalid('tenantId: the directory (tenant) id, or issuer, is required for Entra ID.');
      return { issuer: entraIssuer(tenantId), tenantId };
    case 'google':
      return { issuer: 'https://accounts.google.com' };
    case 'onelogin':
      if (!input.domain?.trim()) throw invalid('domain: your OneLogin subdomain (e.g. acme), or issuer, is required.');
      return { issuer: oneloginIssuer(input.domain) };
    case 'jumpcloud':
      return { issuer: 'https://oauth.id.jumpcloud.com/' };
    case 'generic':
      throw invalid('issuer: required for a generic OIDC provider (https; its endpoints are discovered).');
  }
}
