import * as oidc from 'openid-client';
import type { Deps } from '../platform/deps.js';
import { AppError } from '../core/errors.js';
import { redirect, type HttpRequest, type HttpResponse } from '../platform/http.js';
import { issuerKeySets } from '../platform/jwks.js';
import type { App } from '../platform/lambda.js';
import { connectionById, normalizeIssuer, OKTA_OIDC_CONNECTION_ID, type OidcConnection } from '../core/model/connection.js';
import type { IssuerClaim, Workspace } from '../core/model/workspace.js';
import { router } from '../platform/router.js';
import { WorkspaceRepo } from '../store/workspaces.js';
import { checkReturnTo, completeSignIn, idpLabel, readCookie, refusalResponse, renderChooser, SignInRefused, type RefusalSubject } from '../signin/index.js';
import { validateIdToken, type IdTokenClaims } from './checks/index.js';
import { oidcClient } from './client.js';
import { refusalFromGrantError, refusalFromOktaError } from './okta-errors.js';
import { checkProviderClaims, checkProviderProfile, mergeProfiles, profileFrom, type ProviderProfile } from './provider-claims.js';
import { resolveConnection, resolveWorkspace, type LoginRoute } from './resolve.js';
import { CallbackQuery, LoginQuery } from './schemas.js';
import { STATE_TTL_SECONDS, UnknownOidcState, type LoginState } from '../store/oidc-states.js';

/**
 * Scopes of every preset: Okta's org authorization server allows exactly these for OIN apps
 * (docs/reference/okta-protocols.md §5); Entra, Google and any OIDC provider serve the e-mail and
 * profile claims with them (OIDC Core §5.4).
 */
const SCOPES = 'openid email profile';

const OKTA_CALLBACK = '/api/okta/oidc/callback';
const SSO_CALLBACK = '/api/sso/oidc/callback';

/**
 * The OIDC relying party for every OIDC connection (Okta's org authorization server, Entra ID v2,
 * Google, any provider by discovery):
 *
 * - `GET /api/okta/oidc/login` and `GET /api/sso/oidc/login` — SP- and IdP-initiated login (OIDC
 *   Core §4): finds the workspace (`resolve.ts`), then the connection (`connection` id, `iss`,
 *   e-mail domain, the only live one; several → the chooser page), stores state/nonce/PKCE (single
 *   use, TTL) and redirects to the connection's authorize endpoint.
 * - `GET /api/okta/oidc/callback` and `GET /api/sso/oidc/callback` — the redirect URIs (the `okta`
 *   preset's and everyone else's): consumes the state, loads the flow's connection by id, exchanges
 *   the code with the client secret (openid-client: PKCE, state, `iss`, ID token claims), verifies
 *   the ID token's signature and claims (our named checks, then the provider's: `provider-claims.ts`),
 *   reads userinfo when the ID token is thin, and hands the result to the sign-in core.
 *
 * Every refusal is an HTML page naming cause and fix (the browser is on these routes), audited
 * when the workspace is known.
 */
export function createOidcApp(deps: Deps): App {
  const { workspaces } = deps.repos;
  const local = deps.config.LOCAL_MODE;
  const api = deps.config.API_URL;
  const states = () => deps.repos.oidcStates();
  /** The redirect URI of a connection (the URL contract of the admin API's setup values). */
  const redirectUriOf = (c: OidcConnection) => `${api}${c.preset === 'okta' ? OKTA_CALLBACK : SSO_CALLBACK}`;
  /** Secure unless local (the local API is plain HTTP); scoped to the flow's callback path. */
  const bindingCookie = (name: string, maxAge: number, redirectUri: string) =>
    `${name}=1; Path=${new URL(redirectUri).pathname}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${local ? '' : '; Secure'}`;

  async function login(req: HttpRequest, route: LoginRoute): Promise<HttpResponse> {
    const parsed = LoginQuery.safeParse(req.query);
    if (!parsed.success) throw new SignInRefused('invalid_request', `The sign-in link is malformed (${parsed.error.issues[0]?.path.join('.') ?? 'query'}).`);
    const q = parsed.data;
    const about: RefusalSubject = {};
    try {
      const { workspace, by } = await resolveWorkspace(workspaces, q);
      Object.assign(about, { teamId: workspace.id, protocol: 'oidc' });
      const choice = resolveConnection(workspace, q, route);
      if ('choices' in choice) return chooser(workspace, choice.choices, q);
      const c = choice.connection;
      Object.assign(about, { issuer: c.issuer });
      const returnTo = q.return_to === undefined ? undefined : checkReturnTo(deps.config, q.return_to);
      const config = await oidcClient(c, { allowHttp: local });
      const redirectUri = redirectUriOf(c);
      const flow = await (await states()).create({
        teamId: workspace.id,
        connectionId: c.id,
        issuer: c.issuer,
        clientId: c.clientId,
        redirectUri,
        // Okta's dashboard tile arrives with `iss` (third-party initiated login); everything else is ours.
        initiatedBy: q.iss !== undefined && by !== 'email_domain' ? 'idp' : 'sp',
        ...(returnTo !== undefined ? { returnTo } : {}),
      });
      const hint = q.login_hint ?? q.email;
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: SCOPES,
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
        code_challenge_method: 'S256',
        ...(hint ? { login_hint: hint } : {}),
      });
      return redirect(url.href, [bindingCookie(flow.bindingCookie, STATE_TTL_SECONDS, redirectUri)]);
    } catch (err) {
      if (err instanceof SignInRefused) throw err.with(about);
      throw err;
    }
  }

  /** One link per live connection, each the connection's own login URL (setup values' initiate login URI). */
  function chooser(w: Workspace, choices: readonly OidcConnection[], q: LoginQuery): HttpResponse {
    const options = choices.map((c) => {
      const path = c.preset === 'okta' ? '/api/okta/oidc/login' : '/api/sso/oidc/login';
      const params = new URLSearchParams({ team_id: w.id });
      if (c.preset !== 'okta' || c.id !== OKTA_OIDC_CONNECTION_ID) params.set('connection', c.id);
      for (const k of ['login_hint', 'email', 'return_to'] as const) if (q[k] !== undefined) params.set(k, q[k]);
      const vendor = idpLabel(c);
      return { label: vendor === c.name ? vendor : `${c.name} (${vendor})`, href: `${api}${path}?${params.toString()}` };
    });
    return renderChooser(w.name, options);
  }

  async function callback(req: HttpRequest): Promise<HttpResponse> {
    const parsed = CallbackQuery.safeParse(req.query);
    if (!parsed.success) throw new SignInRefused('invalid_request', 'The sign-in response is malformed.');
    const q = parsed.data;
    const store = await states();
    if (!q.state && q.error) throw refusalFromOktaError(q.error, q.error_description, 'The identity provider');
    // Unknown, expired, malformed and used states are one refusal (RFC 6749 §10.12, OIDC Core §3.1.2.7).
    const flow: LoginState = await store.consume(q.state).catch((err: unknown) => {
      throw err instanceof UnknownOidcState ? new SignInRefused('invalid_state', err.message) : err;
    });
    const secrets = store.secrets(q.state!);
    const about: RefusalSubject = { teamId: flow.teamId, protocol: 'oidc', issuer: flow.issuer };
    const clearBinding = bindingCookie(secrets.bindingCookie, 0, flow.redirectUri || `${api}${req.path}`);
    try {
      // Login CSRF: the flow must finish in the browser that started it (RFC 6749 §10.12).
      if (readCookie(req, secrets.bindingCookie) === undefined) {
        throw new SignInRefused('browser_mismatch', 'This sign-in was started in another browser (or its cookie was blocked).');
      }
      const { workspace, connection: c, claim } = await loadConnection(flow);
      const idp = idpLabel(c);
      if (q.error) throw refusalFromOktaError(q.error, q.error_description, idp);
      const clientSecret = await deps.secrets.get(c.clientSecretName);
      const config = await oidcClient(c, { allowHttp: local, clientSecret });
      const tokens = await exchange(config, req, flow, secrets, c);
      const claims = await validateIdToken(tokens.id_token!, {
        issuer: c.issuer,
        clientId: c.clientId,
        nonce: secrets.nonce,
        keys: issuerKeySets({ allowHttpLoopback: local }).forJwksUri(config.serverMetadata().jwks_uri!),
        now: deps.now(),
      });
      Object.assign(about, { subject: claims.sub });
      checkProviderClaims(c, claims);
      const profile = await readProfile(config, tokens.access_token, claims, c);
      checkProviderProfile(c, profile);
      // The ID token is from the connection's issuer for its client id: if the sign-in succeeds, the
      // workspace's claim of that issuer is proven and may route iss-only sign-ins (review #20).
      // Written once per client id, inside the sign-in's own transaction.
      const proof = claim && claim.provenClientId !== c.clientId ? [WorkspaceRepo.issuerProofItem(normalizeIssuer(c.issuer), workspace.id, c.clientId, deps.now())] : [];
      const { externalId, groupsOverage, ...person } = profile;
      const res = await completeSignIn(deps, req, {
        workspace,
        connection: c,
        protocol: 'oidc',
        issuer: c.issuer,
        subject: claims.sub,
        ...person,
        ...(externalId !== undefined ? { externalId } : {}),
        ...(groupsOverage === true ? { groupsOverage } : {}),
        ...(flow.returnTo !== undefined ? { returnTo: flow.returnTo } : {}),
        ...(proof.length > 0 ? { alsoCommit: proof } : {}),
      });
      return { ...res, cookies: [...(res.cookies ?? []), clearBinding] };
    } catch (err) {
      const res = await refusalResponse(deps, req, err, about);
      return { ...res, cookies: [clearBinding] };
    }
  }

  /**
   * The workspace and connection of a flow, with the workspace's claim of the flow's issuer (one
   * round trip); refused if the connection is gone or its issuer or client changed while the user
   * was at the IdP.
   */
  async function loadConnection(flow: LoginState): Promise<{ workspace: Workspace; connection: OidcConnection; claim?: IssuerClaim }> {
    const { workspace: w, claim } = await workspaces.getWithIssuerClaim(flow.teamId, normalizeIssuer(flow.issuer));
    if (!w) throw new SignInRefused('workspace_not_found', `Workspace ${flow.teamId} no longer exists in this region.`);
    const c = connectionById(w, flow.connectionId);
    if (!c || c.protocol !== 'oidc' || normalizeIssuer(c.issuer) !== normalizeIssuer(flow.issuer) || c.clientId !== flow.clientId) {
      throw new SignInRefused('invalid_state', `The workspace's sign-in connection "${flow.connectionId}" changed during sign-in.`);
    }
    return { workspace: w, connection: c, ...(claim ? { claim } : {}) };
  }

  /** The code exchange; openid-client checks PKCE, state, the response's `iss` and the ID token claims. */
  async function exchange(
    config: oidc.Configuration,
    req: HttpRequest,
    flow: LoginState,
    secrets: { state: string; nonce: string; codeVerifier: string },
    c: OidcConnection,
  ) {
    // openid-client derives `redirect_uri` from this URL: it must be the one the flow sent, not the Host header.
    const current = new URL(flow.redirectUri || redirectUriOf(c));
    for (const [k, v] of Object.entries(req.query)) current.searchParams.set(k, v);
    let tokens: oidc.TokenEndpointResponse;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: secrets.codeVerifier,
        expectedState: secrets.state,
        expectedNonce: secrets.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw refusalFromGrantError(err, idpLabel(c));
    }
    if (typeof tokens.id_token !== 'string') throw new SignInRefused('invalid_id_token', `${idpLabel(c)} returned no ID token for ${flow.issuer}.`);
    return tokens;
  }

  /** ID token claims, completed from userinfo when they lack the e-mail (Okta may keep ID tokens thin). */
  async function readProfile(config: oidc.Configuration, accessToken: string, claims: IdTokenClaims, c: OidcConnection): Promise<ProviderProfile> {
    const fromToken = profileFrom(c, claims);
    if (fromToken.email) return fromToken;
    let info: Record<string, unknown>;
    try {
      info = await oidc.fetchUserInfo(config, accessToken, claims.sub);
    } catch (err) {
      throw new SignInRefused('idp_unreachable', `${idpLabel(c)}'s userinfo endpoint could not be read.`, {}, { cause: err });
    }
    return mergeProfiles(fromToken, profileFrom(c, info));
  }

  const routes = router([
    ['GET', '/api/okta/oidc/login', (req) => login(req, 'okta')],
    ['GET', '/api/okta/oidc/callback', (req) => callback(req)],
    ['GET', '/api/sso/oidc/login', (req) => login(req, 'sso')],
    ['GET', SSO_CALLBACK, (req) => callback(req)],
  ]);

  return async (req) => {
    try {
      return await routes(req);
    } catch (err) {
      // Routing and throttling errors keep the group's envelope; sign-in failures become the page.
      if (err instanceof AppError && !(err instanceof SignInRefused) && err.expose) throw err;
      return refusalResponse(deps, req, err);
    }
  };
}
