import * as oidc from 'openid-client';
import type { OktaConfig } from '../core/model/workspace.js';
import { SignInRefused } from '../signin/index.js';

/** How long a discovery document is reused per Lambda instance. */
export const DISCOVERY_TTL_MS = 5 * 60_000;
/** Timeout of each request to Okta (seconds, openid-client's unit). */
const HTTP_TIMEOUT_SECONDS = 5;

const discovered = new Map<string, { server: oidc.ServerMetadata; at: number }>();

/**
 * The openid-client configuration of a workspace's Okta app. The org's discovery document is
 * fetched once per `DISCOVERY_TTL_MS` per issuer; the client (id, secret) is assembled per request,
 * so a rotated client secret takes effect without waiting for the cache. Okta's web apps
 * authenticate at the token endpoint with `client_secret_basic` by default.
 *
 * `allowHttp` (local mode only) lets openid-client talk to the plain-HTTP loopback stand-in; a
 * deployed stack only accepts HTTPS issuers (DESIGN.md) and openid-client enforces HTTPS on every
 * endpoint it calls.
 */
export async function oktaClient(okta: OktaConfig, opts: { allowHttp: boolean; clientSecret?: string; nowMs?: number }): Promise<oidc.Configuration> {
  const now = opts.nowMs ?? Date.now();
  let hit = discovered.get(okta.issuer);
  if (!hit || now - hit.at > DISCOVERY_TTL_MS) {
    let config: oidc.Configuration;
    try {
      // openid-client checks that the document's issuer is the one asked for (Discovery 1.0 §4.3).
      config = await oidc.discovery(new URL(okta.issuer), okta.clientId, undefined, oidc.None(), {
        ...(opts.allowHttp ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: HTTP_TIMEOUT_SECONDS,
      });
    } catch (err) {
      throw new SignInRefused('idp_unreachable', `The Okta org ${okta.issuer} did not serve a valid OpenID discovery document.`, { issuer: okta.issuer }, { cause: err });
    }
    hit = { server: { ...config.serverMetadata() }, at: now };
    discovered.set(okta.issuer, hit);
  }
  const auth = opts.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(opts.clientSecret);
  const config = new oidc.Configuration(hit.server, okta.clientId, { id_token_signed_response_alg: 'RS256' }, auth);
  if (opts.allowHttp) oidc.allowInsecureRequests(config);
  config.timeout = HTTP_TIMEOUT_SECONDS;
  return config;
}

/** Forgets cached discovery documents (tests that restart an org on the same port). */
export function clearDiscoveryCache(): void {
  discovered.clear();
}
