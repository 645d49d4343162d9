import { randomUUID } from 'node:crypto';
import { ADMIN_ROLES, keyFingerprint } from '../signin/admin-auth.js';
import { auditContextFrom } from '../platform/http.js';
import type { Actor, AuditContext } from '../core/audit.js';
import type { Config } from '../platform/config.js';
import { safeEqual } from '../core/crypto.js';
import type { Deps } from '../platform/deps.js';
import { InvalidGrant, InvalidRequest, InvalidScope, OAuthError, UnsupportedGrantType } from '../core/errors.js';
import { formOrJson, redirect, type HttpRequest, type HttpResponse } from '../platform/http.js';
import type { App } from '../platform/lambda.js';
import { respondRefused, withRefusal } from '../core/refusals.js';
import { TokenRejected } from '../store/tokens.js';
import type { Workspace } from '../core/model/workspace.js';
import { router } from '../platform/router.js';
import { sessionFromCookie, type CookieSession } from '../signin/index.js';
import {
  AuthorizationErrorRedirect,
  authorizationParams,
  parseAuthorizationRequest,
  redirectWith,
  UnsafeAuthorizationRequest,
  type AuthorizationRequest,
} from './authorize-request.js';
import { authenticateClient, loadOinClient, type OinClient } from './client.js';
import { consentToken, verifyConsentToken } from './csrf.js';
import { consentPage, errorPage, signInPage } from './pages.js';
import { verifyS256 } from './pkce.js';
import { oktaCallbackApp, parseRedirectAllowlist } from './redirect-uris.js';
import { parseScope } from './scopes.js';
import { ACCESS_TOKEN_TTL_SECONDS, clientActor, grantOf, type Grant, type IssuedTokens } from '../store/oauth-grants.js';

const AUTHORIZE_PATH = '/api/okta/scim/oauth/authorize';
const TOKEN_PATH = '/api/okta/scim/oauth/token';
const LOGIN_PATH = '/api/okta/oidc/login';

export interface ScimOAuthOptions {
  /** Exact redirect URIs allowed besides Okta's callbacks; default `SCIM_OAUTH_REDIRECT_URIS`. */
  readonly redirectAllowlist?: readonly string[];
}

/** The platform's extra redirect URIs (`SCIM_OAUTH_REDIRECT_URIS`: a JSON array or a comma-separated list). */
function configuredAllowlist(config: Config): string[] {
  return parseRedirectAllowlist(config.SCIM_OAUTH_REDIRECT_URIS, { allowHttp: config.LOCAL_MODE });
}

/** The client id a refused `client_secret_basic` request claimed (the part before `:`), never the secret. */
function claimedBasicClientId(req: HttpRequest): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i > 0 ? decoded.slice(0, i) : undefined;
}

/** The token response (RFC 6749 §5.1): never cached. */
function tokenResponse(t: IssuedTokens): HttpResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' },
    body: JSON.stringify({
      access_token: t.accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: t.refreshToken,
      scope: t.scopes.join(' '),
    }),
  };
}

/**
 * SCIM OAuth 2.0 for OIN integrations: Okta's admin runs the authorization code flow (RFC 6749
 * §4.1) against `GET /authorize`, a workspace admin approves, and Okta exchanges the code at
 * `POST /token` for a short-lived access token and a rotating refresh token that the SCIM routes
 * accept with their scopes.
 */
export function createScimOAuthApp(deps: Deps, opts: ScimOAuthOptions = {}): App {
  const { workspaces, audit } = deps.repos;
  const allowlist = opts.redirectAllowlist ?? configuredAllowlist(deps.config);
  const oinClient = (): Promise<OinClient> => loadOinClient(deps.secrets, deps.config.SCIM_OAUTH_CLIENT_SECRET_NAME);
  const repos = async () => {
    const tokens = await deps.repos.tokens();
    const hasher = await deps.hasher();
    return { hasher, tokens, store: await deps.repos.oauthGrants() };
  };
  const ctx = (req: HttpRequest, teamId: string, actor: Actor): AuditContext => auditContextFrom(req, teamId, deps.config.REGION_ID, actor);
  const apiOrigin = new URL(deps.config.API_URL).origin;

  /** Renders an authorization request error: a page when redirecting is unsafe, else back to Okta with `error` and `state`. */
  function authorizeError(err: unknown): HttpResponse {
    if (err instanceof UnsafeAuthorizationRequest) return errorPage(400, 'This authorization request cannot be accepted', err.message);
    if (err instanceof AuthorizationErrorRedirect) {
      return redirect(redirectWith(err.redirectUri, { error: err.code, error_description: err.message, state: err.state }));
    }
    throw err;
  }

  async function parseRequest(params: Readonly<Record<string, string | undefined>>): Promise<AuthorizationRequest> {
    return parseAuthorizationRequest(params, { clientId: (await oinClient()).clientId, redirectAllowlist: allowlist });
  }

  const isWorkspaceAdmin = (s: CookieSession) => s.roles.some((r) => ADMIN_ROLES.has(r)) && s.token.meta?.audience !== 'app';
  const returnTo = (ar: AuthorizationRequest) => `${AUTHORIZE_PATH}?${new URLSearchParams(authorizationParams(ar)).toString()}`;

  function showSignIn(ar: AuthorizationRequest, notice?: string): HttpResponse {
    const { team_id: _omit, ...params } = authorizationParams(ar);
    return signInPage({
      params,
      ...(ar.teamId ? { teamId: ar.teamId } : {}),
      ...(notice ? { notice } : {}),
      loginAction: `${deps.config.API_URL}${LOGIN_PATH}`,
      returnTo: returnTo(ar),
      action: `${deps.config.API_URL}${AUTHORIZE_PATH}`,
      // The sign-in form goes through the workspace's IdP, whose origin is not known here.
      formAction: deps.config.LOCAL_MODE ? "'self' https: http://127.0.0.1:* http://localhost:*" : "'self' https:",
    });
  }

  /**
   * `GET /authorize`: validate Okta's request, then find the approving admin. With an admin's
   * `idpb_session` cookie → the consent page; without one → the bridge's sign-in (straight to it
   * when the URL names the workspace), which returns here.
   */
  async function authorizeGet(req: HttpRequest): Promise<HttpResponse> {
    let ar: AuthorizationRequest;
    try {
      ar = await parseRequest(req.query);
    } catch (err) {
      return authorizeError(err);
    }
    const session = await sessionFromCookie(deps, req);
    if (!session) {
      if (ar.teamId) return redirect(`${deps.config.API_URL}${LOGIN_PATH}?${new URLSearchParams({ team_id: ar.teamId, return_to: returnTo(ar) }).toString()}`);
      return showSignIn(ar);
    }
    if (!isWorkspaceAdmin(session)) return showSignIn(ar, `You are signed in as ${session.username || 'a user'} without an admin role in that workspace. Sign in as a workspace admin.`);
    if (ar.teamId && ar.teamId !== session.teamId) return showSignIn(ar, 'You are signed in to another workspace than the one Okta asks for. Sign in to that workspace.');
    const w = await workspaces.get(session.teamId);
    if (!w) return showSignIn(ar, 'Your workspace no longer exists in this region.');
    const { hasher } = await repos();
    const params = { ...authorizationParams(ar), team_id: w.id };
    return consentPage({
      workspaceName: w.name,
      teamId: w.id,
      username: session.username,
      requester: oktaCallbackApp(ar.redirectUri) ? `app “${oktaCallbackApp(ar.redirectUri)}”` : new URL(ar.redirectUri).host,
      redirectUri: ar.redirectUri,
      scopes: ar.scopes,
      params,
      csrf: consentToken(hasher, session.token.id, { ...ar, teamId: w.id }, Math.floor(deps.now().getTime() / 1000)),
      action: `${deps.config.API_URL}${AUTHORIZE_PATH}`,
    });
  }

  /** Who approves a POSTed decision: the platform key (naming the workspace) or the cookie session with its CSRF token. */
  async function approver(req: HttpRequest, form: Record<string, string>, ar: AuthorizationRequest): Promise<{ w: Workspace; actor: Actor } | HttpResponse> {
    if (form.admin_key !== undefined) {
      const key = await deps.adminKey();
      if (!safeEqual(form.admin_key, key)) {
        // Recorded (by the Lambda wrapper) in the workspace the form names, when it exists.
        const w = ar.teamId ? await workspaces.get(ar.teamId) : undefined;
        return respondRefused(errorPage(401, 'Not approved', 'The platform admin key is not correct.'), {
          ...(w ? { teamId: w.id } : {}),
          cause: 'scim_oauth.admin_key_wrong',
          detail: { error: 'access_denied', reason: 'wrong platform admin key' },
        });
      }
      const w = ar.teamId ? await workspaces.get(ar.teamId) : undefined;
      if (!w) return errorPage(400, 'Unknown workspace', 'Enter the ID of a workspace of this region.');
      return { w, actor: { type: 'admin', id: `key:${keyFingerprint(key)}`, label: 'platform admin key' } };
    }
    const session = await sessionFromCookie(deps, req);
    if (!session) return respondRefused(errorPage(401, 'Not signed in', 'Your session has expired. Start the authorization again from Okta.'), { cause: 'scim_oauth.session_missing' });
    const { hasher } = await repos();
    const approverActor = { type: 'admin', id: `user:${session.userId}`, label: session.username };
    if (!ar.teamId || !verifyConsentToken(hasher, form.csrf, session.token.id, ar, Math.floor(deps.now().getTime() / 1000))) {
      return respondRefused(errorPage(403, 'Not approved', 'This approval form has expired or was not issued to you. Start the authorization again from Okta.'), {
        cause: 'scim_oauth.consent_token_invalid',
        actor: approverActor,
      });
    }
    if (!isWorkspaceAdmin(session) || ar.teamId !== session.teamId) {
      return respondRefused(errorPage(403, 'Not approved', 'Only an admin of this workspace can approve.'), { cause: 'scim_oauth.not_workspace_admin', actor: approverActor });
    }
    const w = await workspaces.get(session.teamId);
    if (!w) return errorPage(400, 'Unknown workspace', 'Your workspace no longer exists in this region.');
    return { w, actor: { type: 'admin', id: `user:${session.userId}`, label: session.username } };
  }

  /** `POST /authorize`: the consent form (or the platform-key form) approves or denies. */
  async function authorizePost(req: HttpRequest): Promise<HttpResponse> {
    // Same-origin forms only (defence in depth on top of the CSRF token and SameSite cookies).
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== apiOrigin) {
      return respondRefused(errorPage(403, 'Not approved', 'The approval must come from this site’s own page.'), { cause: 'scim_oauth.cross_origin', detail: { origin } });
    }
    const form = formOrJson(req);
    let ar: AuthorizationRequest;
    try {
      ar = await parseRequest(form);
    } catch (err) {
      return authorizeError(err);
    }
    const who = await approver(req, form, ar);
    if ('status' in who) return who;
    const { w, actor } = who;
    const grantId = randomUUID();
    if (form.decision !== 'approve') {
      await audit.record(ctx(req, w.id, actor), { action: 'scim_oauth.denied', target: { type: 'oauth_grant', id: grantId }, after: { clientId: ar.clientId, redirectUri: ar.redirectUri, scopes: ar.scopes } });
      return redirect(redirectWith(ar.redirectUri, { error: 'access_denied', error_description: 'The workspace admin denied the request.', state: ar.state }));
    }
    const { store } = await repos();
    const code = await store.createCode(
      ctx(req, w.id, actor),
      { grantId, teamId: w.id, clientId: ar.clientId, scopes: ar.scopes, approvedBy: actor.id, redirectUri: ar.redirectUri, ...(ar.codeChallenge ? { codeChallenge: ar.codeChallenge } : {}) },
      { action: 'scim_oauth.authorized', target: { type: 'oauth_grant', id: grantId }, after: { clientId: ar.clientId, redirectUri: ar.redirectUri, scopes: ar.scopes, pkce: ar.codeChallenge !== undefined } },
    );
    return redirect(redirectWith(ar.redirectUri, { code, state: ar.state }));
  }

  /**
   * Throws a refused token request with its facts: the Lambda wrapper logs it, counts it and records
   * `scim_oauth.refused` in the workspace of the code or grant when that is known (review #6),
   * aggregated per source, so nothing here writes the record itself (and nothing is recorded twice).
   */
  function refuse(where: { teamId: string; grantId: string } | undefined, clientId: string, grantType: string, cause: string, err: OAuthError): never {
    throw withRefusal(err, {
      ...(where ? { teamId: where.teamId } : {}),
      cause: `scim_oauth.${cause}`,
      detail: { grantType, error: err.code, ...(where ? { grantId: where.grantId } : {}) },
      // The client id is the caller's claim until authenticated: bounded like any client value.
      actor: clientActor(clientId.slice(0, 128)),
    });
  }

  async function authorizationCodeGrant(req: HttpRequest, form: Record<string, string>, clientId: string): Promise<HttpResponse> {
    if (!form.code) throw new InvalidRequest('code is required.');
    const { store } = await repos();
    const outcome = await store.consumeCode(form.code);
    if (outcome.status === 'unknown') return refuse(undefined, clientId, 'authorization_code', 'code_unknown', new InvalidGrant('The authorization code is invalid or has expired.'));
    const code = outcome.code;
    const where = { teamId: code.teamId, grantId: code.grantId };
    const actor = clientActor(clientId);
    if (outcome.status === 'reused') {
      // RFC 6749 §4.1.2: a code used twice SHOULD revoke every token issued from it.
      await store.revokeGrant(ctx(req, code.teamId, actor), code.teamId, code.grantId, 'authorization code reused', outcome.issuedTokenIds);
      return refuse(where, clientId, 'authorization_code', 'code_reused', new InvalidGrant('The authorization code was already used; the tokens issued from it are revoked.'));
    }
    if (code.clientId !== clientId) return refuse(where, clientId, 'authorization_code', 'code_other_client', new InvalidGrant('The authorization code was issued to another client.'));
    // RFC 6749 §4.1.3: redirect_uri is required when the authorization request had one, and must be identical.
    if (form.redirect_uri !== code.redirectUri) return refuse(where, clientId, 'authorization_code', 'redirect_uri_mismatch', new InvalidGrant('redirect_uri does not match the authorization request.'));
    if (code.codeChallenge !== undefined) {
      if (!form.code_verifier || !verifyS256(form.code_verifier, code.codeChallenge)) return refuse(where, clientId, 'authorization_code', 'pkce_failed', new InvalidGrant('PKCE verification failed (code_verifier).'));
    } else if (form.code_verifier !== undefined) {
      // A verifier without a challenge is a PKCE downgrade attempt (RFC 9700 §4.8.2).
      return refuse(where, clientId, 'authorization_code', 'pkce_downgrade', new InvalidGrant('code_verifier sent but the authorization request had no code_challenge.'));
    }
    const grant: Grant = { grantId: code.grantId, teamId: code.teamId, clientId, scopes: code.scopes, approvedBy: code.approvedBy };
    const issued = await store.issue(ctx(req, code.teamId, actor), form.code, grant, {
      action: 'scim_oauth.granted',
      target: { type: 'oauth_grant', id: grant.grantId },
      after: { scopes: grant.scopes, approvedBy: grant.approvedBy },
    });
    return tokenResponse(issued);
  }

  async function refreshTokenGrant(req: HttpRequest, form: Record<string, string>, clientId: string): Promise<HttpResponse> {
    if (!form.refresh_token) throw new InvalidRequest('refresh_token is required.');
    const { store, tokens } = await repos();
    const actor = clientActor(clientId);
    let found;
    try {
      found = await store.lookupRefresh(form.refresh_token);
    } catch (err) {
      if (err instanceof TokenRejected) return refuse(undefined, clientId, 'refresh_token', 'refresh_malformed', new InvalidGrant('The refresh token is invalid.'));
      throw err;
    }
    if (found.status === 'unknown') return refuse(undefined, clientId, 'refresh_token', 'refresh_unknown', new InvalidGrant('The refresh token is invalid, expired or revoked.'));
    if (found.status === 'rotated') {
      // A rotated refresh token came back: it leaked, or the client lost the new one. Either way the
      // grant is no longer trustworthy (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1).
      await store.revokeGrant(ctx(req, found.teamId, actor), found.teamId, found.grantId, 'refresh token reused', found.successorIds);
      return refuse({ teamId: found.teamId, grantId: found.grantId }, clientId, 'refresh_token', 'refresh_reused', new InvalidGrant('The refresh token was already used; the grant is revoked. Re-authorize the integration in Okta.'));
    }
    let record;
    try {
      record = tokens.check(form.refresh_token, found.item, ['oauth-refresh']);
    } catch (err) {
      if (err instanceof TokenRejected) return refuse(undefined, clientId, 'refresh_token', 'refresh_invalid', new InvalidGrant('The refresh token is invalid, expired or revoked.'));
      throw err;
    }
    const grant = grantOf(record);
    // Only SCIM OAuth grants refresh here; a user-bound OAuth refresh token of another flow does not.
    if (!grant || record.userId !== undefined) return refuse(undefined, clientId, 'refresh_token', 'refresh_foreign', new InvalidGrant('This refresh token was not issued by this endpoint.'));
    const where = { teamId: grant.teamId, grantId: grant.grantId };
    if (grant.clientId !== clientId) return refuse(where, clientId, 'refresh_token', 'refresh_other_client', new InvalidGrant('The refresh token was issued to another client.'));
    let accessScopes = grant.scopes;
    if (form.scope !== undefined && form.scope !== '') {
      // RFC 6749 §6: a refresh may narrow the scope, never widen it.
      const { scopes, unknown } = parseScope(form.scope);
      if (unknown.length > 0 || scopes.some((s) => !grant.scopes.includes(s))) {
        return refuse(where, clientId, 'refresh_token', 'scope_widened', new InvalidScope('The requested scope exceeds what was granted.'));
      }
      accessScopes = scopes;
    }
    const issued = await store.rotate(ctx(req, grant.teamId, actor), { record, item: found.item }, grant, accessScopes, {
      action: 'scim_oauth.refreshed',
      target: { type: 'oauth_grant', id: grant.grantId },
      after: { scopes: accessScopes, rotatedRefreshTokenId: record.id },
    });
    if (!issued) return refuse(where, clientId, 'refresh_token', 'refresh_race', new InvalidGrant('The refresh token was already used by a concurrent request.'));
    return tokenResponse(issued);
  }

  /** `POST /token` (RFC 6749 §3.2): client authentication first, then the grant. */
  async function token(req: HttpRequest): Promise<HttpResponse> {
    const form = formOrJson(req);
    const client = await oinClient();
    let clientId: string;
    try {
      clientId = authenticateClient(req, form, client);
    } catch (err) {
      if (err instanceof OAuthError) {
        const { store } = await repos();
        const where = await store.whereIs(form.grant_type, form.grant_type === 'refresh_token' ? form.refresh_token : form.code);
        return refuse(where, form.client_id ?? claimedBasicClientId(req) ?? '(none)', form.grant_type ?? '(none)', 'client_auth_failed', err);
      }
      throw err;
    }
    switch (form.grant_type) {
      case 'authorization_code':
        return authorizationCodeGrant(req, form, clientId);
      case 'refresh_token':
        return refreshTokenGrant(req, form, clientId);
      case undefined:
      case '':
        throw new InvalidRequest('grant_type is required.');
      default:
        throw new UnsupportedGrantType('Only authorization_code and refresh_token are supported.');
    }
  }

  return router([
    ['GET', AUTHORIZE_PATH, authorizeGet],
    ['POST', AUTHORIZE_PATH, authorizePost],
    ['POST', TOKEN_PATH, token],
  ]);
}
