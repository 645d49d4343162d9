import { randomBytes } from 'node:crypto';
import { generateServiceProviderMetadata, SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import type { Config } from '../platform/config.js';
import { OKTA_SAML_CONNECTION_ID, type SamlConnection } from '../core/model/connection.js';
import { setupUrls } from '../platform/setup-urls.js';
import { NAMEID_EMAIL } from './checks/name-id.js';

/** A SAML connection's service-provider identity: the URLs its IdP is configured with (seed 001 step 1). */
export interface ServiceProvider {
  /** SP entity id = Audience URI = the metadata URL (`setupUrls().samlAudienceUri`). */
  readonly entityId: string;
  /** Assertion Consumer Service URL = Okta's "Single sign-on URL", Recipient and Destination. */
  readonly acsUrl: string;
  readonly metadataUrl: string;
  /** Where an SP-initiated sign-in starts (`?test=1`: a test login). */
  readonly loginUrl: string;
}

/**
 * The SP identity of one SAML connection in this region's stack. The `saml` connection keeps the
 * seeds' `{API}/api/saml/{team_id}/…` URLs (what Okta apps are already configured with); every
 * other connection has its own `{API}/api/sso/saml/{team_id}/{connection_id}/…`, so each IdP
 * addresses, and each assertion is audience-restricted to, exactly one connection. The entity id
 * is the metadata URL in both shapes.
 */
export function serviceProvider(config: Config, teamId: string, connectionId: string = OKTA_SAML_CONNECTION_ID): ServiceProvider {
  if (connectionId === OKTA_SAML_CONNECTION_ID) {
    const urls = setupUrls(config, teamId);
    return { entityId: urls.samlAudienceUri, acsUrl: urls.samlAcsUrl, metadataUrl: urls.samlMetadataUrl, loginUrl: urls.samlLoginUrl };
  }
  const base = `${config.API_URL}/api/sso/saml/${encodeURIComponent(teamId)}/${encodeURIComponent(connectionId)}`;
  return { entityId: `${base}/metadata`, acsUrl: `${base}/acs`, metadataUrl: `${base}/metadata`, loginUrl: `${base}/login` };
}

/**
 * SP metadata (SAML metadata §2.4.4): entity id, the HTTP-POST ACS, the NameID format asked for
 * (emailAddress for Okta, seed 001; persistent for other presets) and `WantAssertionsSigned`. It needs no IdP configuration, so an admin can load it into Okta
 * before pasting Okta's certificate back.
 */
export function spMetadataXml(sp: ServiceProvider, nameIdFormat: string = NAMEID_EMAIL): string {
  return generateServiceProviderMetadata({
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    identifierFormat: nameIdFormat,
    wantAssertionsSigned: true,
  });
}

/** An AuthnRequest id: an NCName (SAML core §1.3.4 xs:ID), 160 random bits. */
export function newRequestId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** True for ids `newRequestId` makes: only those are looked up (an attacker's 5 KB id never reaches a key). */
export function isRequestId(value: string | undefined): value is string {
  return value !== undefined && /^_[0-9a-f]{40}$/.test(value);
}

/**
 * The IdP sign-in URL of an SP-initiated login: an AuthnRequest with the given id, sent with the
 * HTTP-Redirect binding (deflated, base64, in `SAMLRequest`). No RequestedAuthnContext, so Okta's
 * own sign-on policy (MFA included) decides; `ForceAuthn` for test logins, so the admin really
 * authenticates (seed 001 step 8: "completes a real auth round-trip").
 */
export async function authnRequestUrl(
  sp: ServiceProvider,
  saml: Pick<SamlConnection, 'idpSsoUrl' | 'idpCertificates'>,
  opts: { requestId: string; relayState?: string; forceAuthn: boolean; nameIdFormat?: string },
): Promise<string> {
  const client = new SAML({
    entryPoint: saml.idpSsoUrl,
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    idpCert: saml.idpCertificates,
    identifierFormat: opts.nameIdFormat ?? NAMEID_EMAIL,
    disableRequestedAuthnContext: true,
    forceAuthn: opts.forceAuthn,
    generateUniqueId: () => opts.requestId,
    // The request id is stored in DynamoDB by the caller; node-saml's in-memory cache would not
    // survive a Lambda instance change.
    validateInResponseTo: ValidateInResponseTo.never,
  });
  return client.getAuthorizeUrlAsync(opts.relayState ?? '', undefined, {});
}
