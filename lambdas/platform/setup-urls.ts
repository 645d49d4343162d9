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
