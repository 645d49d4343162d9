import * as oidc from 'openid-client';
import type { OidcConnection } from '../core/model/connection.js';
import { SignInRefused } from '../signin/index.js';
import { idpName } from './provider-claims.js';

/** How long a discovery document is reused per Lambda instance. */
export const DISCOVERY_TTL_MS = 5 * 60_000;
/** Timeout of each request to the IdP (seconds, openid-client's unit). */
const HTTP_TIMEOUT_SECONDS = 5;

const discovered = new Map<string, { server: oidc.ServerMetadata; at: number }>();

/**
 * The openid-client configuration of an OIDC connection (any preset: the endpoints come from the
 * issuer's discovery document, OpenID Connect Discovery 1.0 §4, fetched from
 * `{issuer}/.well-known/openid-configuration`, so an issuer with a path such as Entra's
 * `https://login.microsoftonline.com/{tid}/v2.0` works as one at the root). The document is fetched
 * once per `DISCOVERY_TTL_MS` per issuer; the client (id, secret) is assembled per request, so a
 * rotated client secret takes effect without waiting for the cache. The client authenticates at
 * the token endpoint with `client_secret_basic` (Okta's and Entra's web apps accept it; RFC 6749 §2.3.1).
 *
 * `allowHttp` (local mode only) lets openid-client talk to the plain-HTTP loopback stand-ins; a
 * deployed stack only accepts HTTPS issuers (docs/reference) and openid-client enforces HTTPS on
 * every endpoint it calls.
 */
export async function oidcClient(c: OidcConnection, opts: { allowHttp: boolean; clientSecret?: string; nowMs?: number }): Promise<oidc.Configuration> {
  const now = opts.nowMs ?? Date.now();
  let hit = discovered.get(c.issuer);
  if (!hit || now - hit.at > DISCOVERY_TTL_MS) {
    let config: oidc.Configuration;
    try {
      // openid-client checks that the document's issuer is the one asked for (Discovery 1.0 §4.3).
      config = await oidc.discovery(new URL(c.issuer), c.clientId, undefined, oidc.None(), {
        ...(opts.allowHttp ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: HTTP_TIMEOUT_SECONDS,
      });
    } catch (err) {
      throw new SignInRefused('idp_unreachable', `${idpName(c)} (${c.issuer}) did not serve a valid OpenID discovery document.`, { issuer: c.issuer }, { cause: err });
    }
    hit = { server: { ...config.serverMetadata() }, at: now };
    discovered.set(c.issuer, hit);
  }
  const auth = opts.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(opts.clientSecret);
  const config = new oidc.Configuration(hit.server, c.clientId, { id_token_signed_response_alg: 'RS256' }, auth);
  if (opts.allowHttp) oidc.allowInsecureRequests(config);
  config.timeout = HTTP_TIMEOUT_SECONDS;
  return config;
}

/** Forgets cached discovery documents (tests that restart an IdP on the same port). */
export function clearDiscoveryCache(): void {
  discovered.clear();
}
