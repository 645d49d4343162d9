import { AppError, OAuthError } from '../core/errors.js';
import { isValidS256Challenge } from './pkce.js';
import { isAllowedRedirectUri } from './redirect-uris.js';
import type { ScimScope } from '../core/scim/scopes.js';
import { parseScope } from './scopes.js';

/** A validated authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3). */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: ScimScope[];
  readonly state?: string;
  /** PKCE S256 challenge, when Okta sent one (honoured, never required: Okta's use is unconfirmed). */
  readonly codeChallenge?: string;
  /**
   * The workspace, when the authorize URL names it (`…/authorize?team_id=` + app.team_id in the OIN
   * form, whose URLs take Okta Expression Language). The approving admin must belong to it.
   */
  readonly teamId?: string;
}

/**
 * The request cannot be trusted to redirect (unknown client or redirect URI): RFC 6749 §4.1.2.1
 * says inform the resource owner and MUST NOT redirect. Rendered as an HTML page.
 */
export class UnsafeAuthorizationRequest extends AppError {
  constructor(message: string) {
    super(400, 'invalid_request', message);
  }
}

/** An error the client learns through its redirect URI (RFC 6749 §4.1.2.1), with `state` echoed. */
export class AuthorizationErrorRedirect extends OAuthError {
  readonly redirectUri: string;
  readonly state: string | undefined;
  constructor(code: string, description: string, redirectUri: string, state: string | undefined) {
    super(302, code, description);
    this.redirectUri = redirectUri;
    this.state = state;
  }
}

const TEAM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_STATE = 2048;

/** `client_id` must be the one OIN client (RFC 6749 §4.1.2.1: an unknown client is not redirected to). */
function checkClientId(clientId: string | undefined, expected: string): string {
  if (!clientId) throw new UnsafeAuthorizationRequest('The request has no client_id.');
  if (clientId !== expected) throw new UnsafeAuthorizationRequest('Unknown client_id: this is not the client configured for SCIM provisioning.');
  return clientId;
}

/** `redirect_uri` is required and must be one of Okta's documented callbacks or the platform allowlist. */
function checkRedirectUri(uri: string | undefined, allowlist: readonly string[]): string {
  if (!uri) throw new UnsafeAuthorizationRequest('The request has no redirect_uri.');
  if (!isAllowedRedirectUri(uri, allowlist)) {
    throw new UnsafeAuthorizationRequest('The redirect_uri is not an Okta SCIM callback (https://system-admin.okta.com/admin/app/cpc/{app}/oauth/callback and its okta-emea, oktapreview and trexcloud forms) nor on this platform’s allowlist.');
  }
  return uri;
}

/**
 * Validates an authorization request from query (GET) or form (POST) parameters in the order of
 * RFC 6749 §4.1.2.1: first what decides whether redirecting is safe (client, redirect URI), then
 * what the client learns by redirect (response type, scope, PKCE, state).
 */
export function parseAuthorizationRequest(p: Readonly<Record<string, string | undefined>>, opts: { clientId: string; redirectAllowlist: readonly string[] }): AuthorizationRequest {
  const clientId = checkClientId(p.client_id, opts.clientId);
  const redirectUri = checkRedirectUri(p.redirect_uri, opts.redirectAllowlist);
  const state = p.state !== undefined && p.state !== '' ? p.state : undefined;
  const fail = (code: string, description: string) => new AuthorizationErrorRedirect(code, description, redirectUri, state !== undefined && state.length <= MAX_STATE ? state : undefined);

  if (state !== undefined && state.length > MAX_STATE) throw fail('invalid_request', `state is longer than ${MAX_STATE} characters.`);
  if (p.response_type !== 'code') throw fail('unsupported_response_type', 'Only response_type=code (authorization code) is supported.');
  const { scopes, unknown } = parseScope(p.scope);
  if (unknown.length > 0) throw fail('invalid_scope', `Unknown scope: ${unknown.join(' ')}. Use scim.read, scim.write and entitlements.read.`);

  let codeChallenge: string | undefined;
  if (p.code_challenge !== undefined && p.code_challenge !== '') {
    // RFC 7636 §4.3: no method means `plain`, which is refused (it protects nothing a TLS-observing attacker cannot see).
    if (p.code_challenge_method !== 'S256') throw fail('invalid_request', 'PKCE requires code_challenge_method=S256.');
    if (!isValidS256Challenge(p.code_challenge)) throw fail('invalid_request', 'code_challenge is not a base64url SHA-256 value.');
    codeChallenge = p.code_challenge;
  } else if (p.code_challenge_method !== undefined && p.code_challenge_method !== '') {
    throw fail('invalid_request', 'code_challenge_method without code_challenge.');
  }
  let teamId: string | undefined;
  if (p.team_id !== undefined && p.team_id !== '') {
    if (!TEAM_ID.test(p.team_id)) throw fail('invalid_request', 'team_id is not a workspace id.');
    teamId = p.team_id;
  }
  return {
    clientId,
    redirectUri,
    scopes,
    ...(state !== undefined ? { state } : {}),
    ...(codeChallenge ? { codeChallenge } : {}),
    ...(teamId ? { teamId } : {}),
  };
}

/** The request as query/form parameters again (hidden fields of the consent form, the sign-in return URL). */
export function authorizationParams(r: AuthorizationRequest): Record<string, string> {
  return {
    response_type: 'code',
    client_id: r.clientId,
    redirect_uri: r.redirectUri,
    scope: r.scopes.join(' '),
    ...(r.state !== undefined ? { state: r.state } : {}),
    ...(r.codeChallenge ? { code_challenge: r.codeChallenge, code_challenge_method: 'S256' } : {}),
    ...(r.teamId ? { team_id: r.teamId } : {}),
  };
}

/** The client's redirect URI with response parameters added to its query (RFC 6749 §4.1.2). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}
