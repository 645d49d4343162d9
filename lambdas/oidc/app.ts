import * as oidc from 'openid-client';
import type { Deps } from '../platform/deps.js';
import { AppError } from '../core/errors.js';
import { redirect, type HttpRequest, type HttpResponse } from '../platform/http.js';
import { issuerKeySets } from '../platform/jwks.js';
import type { App } from '../platform/lambda.js';
import { WorkspaceRepo } from '../store/workspaces.js';
import type { IssuerClaim, Workspace } from '../core/model/workspace.js';
import { router } from '../platform/router.js';
import { checkReturnTo, completeSignIn, readCookie, refusalResponse, SignInRefused, type RefusalSubject } from '../signin/index.js';
import { validateIdToken, type IdTokenClaims } from './checks/index.js';
import { oktaClient } from './client.js';
import { refusalFromGrantError, refusalFromOktaError } from './okta-errors.js';
import { checkOktaConfigured, checkSignInEnabled, normalizeIssuer, resolveWorkspace } from './resolve.js';
import { CallbackQuery, LoginQuery } from './schemas.js';
import { STATE_TTL_SECONDS, StateStore, type LoginState } from './state.js';

/** Okta's org authorization server allows exactly these for OIN apps (okta-protocols.md §5). */
const SCOPES = 'openid email profile';

/** The profile of a signed-in Okta user, from the ID token and, when thin, userinfo. */
interface OktaProfile {
  email?: string;
  emailVerified?: boolean;
  givenName?: string;
  familyName?: string;
  displayName?: string;
  groups?: string[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

function profileFrom(claims: Record<string, unknown>): OktaProfile {
  const p: OktaProfile = {};
  const email = str(claims.email);
  if (email) p.email = email;
  if (typeof claims.email_verified === 'boolean') p.emailVerified = claims.email_verified;
  const given = str(claims.given_name);
  if (given) p.givenName = given;
  const family = str(claims.family_name);
  if (family) p.familyName = family;
  const name = str(claims.name);
  if (name) p.displayName = name;
  if (Array.isArray(claims.groups)) p.groups = claims.groups.filter((g): g is string => typeof g === 'string').slice(0, 500);
  return p;
}

/**
 * The OIDC relying party for Okta's org authorization server:
 *
 * - `GET /api/okta/oidc/login` — SP- and IdP-initiated login (OIDC Core §4): finds the workspace,
 *   stores state/nonce/PKCE (single use, TTL) and redirects to Okta's authorize endpoint.
 * - `GET /api/okta/oidc/callback` — the redirect URI: consumes the state, exchanges the code with
 *   the client secret (openid-client: PKCE, state, `iss`, ID token claims), verifies the ID token's
 *   signature and claims (our named checks), reads userinfo when the ID token is thin, and hands
 *   the result to the sign-in core.
 *
 * Every refusal is an HTML page naming cause and fix (the browser is on these routes), audited
 * when the workspace is known.
 */
export function createOidcApp(deps: Deps): App {
  const workspaces = new WorkspaceRepo(deps.db);
  const local = deps.config.LOCAL_MODE;
  const redirectUri = `${deps.config.API_URL}/api/okta/oidc/callback`;
  const states = async () => new StateStore(deps.db, await deps.hasher(), deps.now);
  /** Secure unless local (the local API is plain HTTP); scoped to the callback path. */
  const bindingCookie = (name: string, maxAge: number) =>
    `${name}=1; Path=/api/okta/oidc/callback; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${local ? '' : '; Secure'}`;

  async function login(req: HttpRequest): Promise<HttpResponse> {
    const parsed = LoginQuery.safeParse(req.query);
    if (!parsed.success) throw new SignInRefused('invalid_request', `The sign-in link is malformed (${parsed.error.issues[0]?.path.join('.') ?? 'query'}).`);
    const q = parsed.data;
    const about: RefusalSubject = {};
    try {
      const { workspace, by } = await resolveWorkspace(workspaces, q);
      Object.assign(about, { teamId: workspace.id, protocol: 'oidc' });
      const okta = checkOktaConfigured(workspace);
      Object.assign(about, { issuer: okta.issuer });
      checkSignInEnabled(workspace, okta);
      const returnTo = q.return_to === undefined ? undefined : checkReturnTo(deps.config, q.return_to);
      const config = await oktaClient(okta, { allowHttp: local });
      const flow = await (await states()).create({
        teamId: workspace.id,
        issuer: okta.issuer,
        clientId: okta.clientId,
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
      return redirect(url.href, [bindingCookie(flow.bindingCookie, STATE_TTL_SECONDS)]);
    } catch (err) {
      if (err instanceof SignInRefused) throw err.with(about);
      throw err;
    }
  }

  async function callback(req: HttpRequest): Promise<HttpResponse> {
    const parsed = CallbackQuery.safeParse(req.query);
    if (!parsed.success) throw new SignInRefused('invalid_request', 'The sign-in response is malformed.');
    const q = parsed.data;
    const store = await states();
    if (!q.state && q.error) throw refusalFromOktaError(q.error, q.error_description);
    const flow: LoginState = await store.consume(q.state);
    const secrets = store.secrets(q.state!);
    const about: RefusalSubject = { teamId: flow.teamId, protocol: 'oidc', issuer: flow.issuer };
    const clearBinding = bindingCookie(secrets.bindingCookie, 0);
    try {
      // Login CSRF: the flow must finish in the browser that started it (RFC 6749 §10.12).
      if (readCookie(req, secrets.bindingCookie) === undefined) {
        throw new SignInRefused('browser_mismatch', 'This sign-in was started in another browser (or its cookie was blocked).');
      }
      if (q.error) throw refusalFromOktaError(q.error, q.error_description);
      const { workspace, claim } = await loadWorkspace(flow);
      const okta = checkOktaConfigured(workspace);
      const clientSecret = await deps.secrets.get(okta.clientSecretName);
      const config = await oktaClient(okta, { allowHttp: local, clientSecret });
      const tokens = await exchange(config, req, flow, secrets);
      const claims = await validateIdToken(tokens.id_token!, {
        issuer: okta.issuer,
        clientId: okta.clientId,
        nonce: secrets.nonce,
        keys: issuerKeySets({ allowHttpLoopback: local }).forJwksUri(config.serverMetadata().jwks_uri!),
        now: deps.now(),
      });
      Object.assign(about, { subject: claims.sub });
      const profile = await readProfile(config, tokens.access_token, claims);
      // The ID token is from the workspace's issuer for its client id: if the sign-in succeeds, the
      // workspace's claim of that issuer is proven and may route iss-only sign-ins (review #20).
      // Written once per client id, inside the sign-in's own transaction.
      const proof = claim && claim.provenClientId !== okta.clientId ? [WorkspaceRepo.issuerProofItem(normalizeIssuer(okta.issuer), workspace.id, okta.clientId, deps.now())] : [];
      const res = await completeSignIn(deps, req, {
        workspace,
        protocol: 'oidc',
        issuer: okta.issuer,
        subject: claims.sub,
        ...profile,
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
   * The workspace of a flow, with its claim of the flow's issuer (one round trip); refused if its
   * Okta org changed while the user was at Okta.
   */
  async function loadWorkspace(flow: LoginState): Promise<{ workspace: Workspace; claim?: IssuerClaim }> {
    const { workspace: w, claim } = await workspaces.getWithIssuerClaim(flow.teamId, normalizeIssuer(flow.issuer));
    if (!w) throw new SignInRefused('workspace_not_found', `Workspace ${flow.teamId} no longer exists in this region.`);
    if (!w.okta || normalizeIssuer(w.okta.issuer) !== normalizeIssuer(flow.issuer) || w.okta.clientId !== flow.clientId) {
      throw new SignInRefused('invalid_state', "The workspace's Okta connection changed during sign-in.");
    }
    return { workspace: w, ...(claim ? { claim } : {}) };
  }

  /** The code exchange; openid-client checks PKCE, state, the response's `iss` and the ID token claims. */
  async function exchange(config: oidc.Configuration, req: HttpRequest, flow: LoginState, secrets: { state: string; nonce: string; codeVerifier: string }) {
    // openid-client derives `redirect_uri` from this URL: it must be the registered one, not the Host header.
    const current = new URL(redirectUri);
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
      throw refusalFromGrantError(err);
    }
    if (typeof tokens.id_token !== 'string') throw new SignInRefused('invalid_id_token', `Okta returned no ID token for ${flow.issuer}.`);
    return tokens;
  }

  /** ID token claims, completed from userinfo when they lack the e-mail (Okta may keep ID tokens thin). */
  async function readProfile(config: oidc.Configuration, accessToken: string, claims: IdTokenClaims): Promise<OktaProfile> {
    const fromToken = profileFrom(claims);
    if (fromToken.email) return fromToken;
    let info: Record<string, unknown>;
    try {
      info = await oidc.fetchUserInfo(config, accessToken, claims.sub);
    } catch (err) {
      throw new SignInRefused('idp_unreachable', "Okta's userinfo endpoint could not be read.", {}, { cause: err });
    }
    return { ...profileFrom(info), ...fromToken };
  }

  const routes = router([
    ['GET', '/api/okta/oidc/login', (req) => login(req)],
    ['GET', '/api/okta/oidc/callback', (req) => callback(req)],
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
