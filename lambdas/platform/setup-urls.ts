import { PRESETS } from '../core/connections/presets.js';
import { OKTA_OIDC_CONNECTION_ID, OKTA_SAML_CONNECTION_ID, type Connection } from '../core/model/connection.js';
import type { Config } from './config.js';

/**
 * Every region-specific URL a customer pastes into Okta (seed 000's tables), for this stack's
 * region. The `okta*` entries are the same URLs in the forms Okta's OIN fields take: braces for OIDC
 * fields, string concatenation for SCIM fields (seed 000, "Okta Expression Language").
 */
export function setupUrls(config: Config, teamId: string) {
  const api = config.API_URL;
  const app = config.APP_URL;
  return {
    region: config.REGION_ID,
    workspaceId: teamId,
    redirectUri: `${api}/api/okta/oidc/callback`,
    initiateLoginUri: `${api}/api/okta/oidc/login?team_id=${encodeURIComponent(teamId)}`,
    postLogoutUri: `${app}/auth`,
    universalLogoutEndpoint: `${api}/api/okta/universal-logout`,
    sharedSignalsEndpoint: `${api}/api/okta/ssf/events`,
    scimBaseUrl: `${api}/api/scim/v2/${teamId}`,
    scimOAuthAuthorizeUrl: `${api}/api/okta/scim/oauth/authorize`,
    scimOAuthTokenUrl: `${api}/api/okta/scim/oauth/token`,
    scimOAuthScopes: ['scim.read', 'scim.write', 'entitlements.read'],
    samlAcsUrl: `${api}/api/saml/${teamId}/acs`,
    samlAudienceUri: `${api}/api/saml/${teamId}/metadata`,
    samlMetadataUrl: `${api}/api/saml/${teamId}/metadata`,
    samlLoginUrl: `${api}/api/saml/${teamId}/login`,
    oktaTemplates: {
      initiateLoginUri: `${api}/api/okta/oidc/login?team_id={app.team_id}`,
      scimBaseUrl: `'${api}/api/scim/v2/' + app.team_id`,
    },
  };
}

export type SetupUrls = ReturnType<typeof setupUrls>;

/** The SCIM values Entra's provisioning asks for (Enterprise application → Provisioning). */
export interface EntraScimSetup {
  /** Entra's "Tenant URL": the workspace's SCIM base URL. */
  readonly tenantUrl: string;
  /** The same with `?aadOptscim062020`, the flag that opts Entra into its SCIM 2.0-compliant behaviour. */
  readonly tenantUrlAadOptscim062020: string;
  /** Entra's "Secret Token": a SCIM token minted with `POST …/scim-tokens`. */
  readonly secretToken: string;
}

/** One connection's own setup values: what the admin pastes into the IdP for THIS connection. */
export type ConnectionSetup =
  | {
      readonly protocol: 'oidc';
      readonly redirectUri: string;
      readonly initiateLoginUri: string;
      /** Where a sign-in through this connection starts (the bridge's login route). */
      readonly loginUrl: string;
      readonly postLogoutUri: string;
      readonly scimBaseUrl: string;
      readonly universalLogoutEndpoint?: string;
      readonly sharedSignalsEndpoint?: string;
      readonly entraScim?: EntraScimSetup;
      readonly notes: readonly string[];
    }
  | {
      readonly protocol: 'saml';
      readonly acsUrl: string;
      /** SP entity id = Audience URI = the metadata URL (`lambdas/saml/sp.ts`). */
      readonly entityId: string;
      readonly metadataUrl: string;
      readonly loginUrl: string;
      readonly scimBaseUrl: string;
      readonly entraScim?: EntraScimSetup;
      readonly notes: readonly string[];
    };

/**
 * A connection's setup values (docs/connections.md, "URL scheme"): the `okta` preset keeps the
 * seeds' `/api/okta/oidc/*` URLs and the `saml` connection `/api/saml/{team_id}/*`; every other
 * connection has the neutral `/api/sso/…` URLs, the connection id in the path or query.
 */
export function connectionSetup(
  config: Config,
  teamId: string,
  c: Pick<Connection, 'id' | 'protocol' | 'preset'>,
): ConnectionSetup {
  const api = config.API_URL;
  const team = encodeURIComponent(teamId);
  const scimBaseUrl = `${api}/api/scim/v2/${teamId}`;
  const entraScim =
    c.preset === 'entra'
      ? { entraScim: { tenantUrl: scimBaseUrl, tenantUrlAadOptscim062020: `${scimBaseUrl}?aadOptscim062020`, secretToken: 'a SCIM token of this workspace (POST …/scim-tokens)' } }
      : {};
  const notes = [...PRESETS[c.preset].notes];
  if (c.protocol === 'oidc') {
    const okta = c.preset === 'okta';
    const login = okta ? `${api}/api/okta/oidc/login` : `${api}/api/sso/oidc/login`;
    const query = `team_id=${team}${!okta || c.id !== OKTA_OIDC_CONNECTION_ID ? `&connection=${encodeURIComponent(c.id)}` : ''}`;
    return {
      protocol: 'oidc',
      redirectUri: okta ? `${api}/api/okta/oidc/callback` : `${api}/api/sso/oidc/callback`,
      initiateLoginUri: `${login}?${query}`,
      loginUrl: `${login}?${query}`,
      postLogoutUri: `${config.APP_URL}/auth`,
      scimBaseUrl,
      ...(okta ? { universalLogoutEndpoint: `${api}/api/okta/universal-logout`, sharedSignalsEndpoint: `${api}/api/okta/ssf/events` } : {}),
      ...(c.preset === 'entra' ? { sharedSignalsEndpoint: `${api}/api/okta/ssf/events` } : {}),
      ...entraScim,
      notes,
    };
  }
  const base = c.id === OKTA_SAML_CONNECTION_ID ? `${api}/api/saml/${teamId}` : `${api}/api/sso/saml/${teamId}/${encodeURIComponent(c.id)}`;
  return { protocol: 'saml', acsUrl: `${base}/acs`, entityId: `${base}/metadata`, metadataUrl: `${base}/metadata`, loginUrl: `${base}/login`, scimBaseUrl, ...entraScim, notes };
}
