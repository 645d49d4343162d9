import type { z } from 'zod';
import { authenticateAdmin, requirePlatform, type AdminPrincipal } from '../signin/admin-auth.js';
import { auditContextFrom } from '../platform/http.js';
import { parseToken, TOKEN_KINDS } from '../core/crypto.js';
import type { Deps } from '../platform/deps.js';
import { ApiError, InvalidGrant, InvalidRequest, NotFound } from '../core/errors.js';
import { bearerToken, formOrJson, json, parseJson as parseJsonText, type HttpRequest, type HttpResponse } from '../platform/http.js';
import type { App } from '../platform/lambda.js';
import { refusalOf, withRefusal } from '../core/refusals.js';
import { effectiveAccess } from '../core/roles.js';
import { TokenRejected, type StoredToken } from '../store/tokens.js';
import type { UserStanding } from '../store/repos.js';
import type { User, UserGroup } from '../core/model/user.js';
import { router } from '../platform/router.js';
import { openWithCode } from '../signin/index.js';
import { MintBody, SsoTokenBody, TokenBody } from './schemas.js';

const TEAM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SSO_CODE = /^[A-Za-z0-9_-]{43}$/;
const USER_ID = /^[A-Za-z0-9_-]{1,128}$/;
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** The user is deactivated: no new token may act for them. */
class UserInactive extends ApiError {
  constructor(userId: string) {
    super(409, 'user_inactive', `User ${userId} is deactivated; tokens cannot be minted for them.`);
  }
}

/** Parses a form or JSON body (RFC 6749/7662 accept forms) with zod; problems are `invalid_request`. */
function parseParams<S extends z.ZodType>(schema: S, req: HttpRequest): z.infer<S> {
  const parsed = schema.safeParse(formOrJson(req));
  if (!parsed.success) throw new InvalidRequest(describe(parsed.error));
  return parsed.data;
}

/** Parses a JSON body with zod; problems are `invalid_request`. */
function parseJson<S extends z.ZodType>(schema: S, body: string): z.infer<S> {
  const raw: unknown = body.trim() === '' ? {} : parseJsonText(body, (message) => {
    throw new InvalidRequest(message);
  });
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InvalidRequest(describe(parsed.error));
  return parsed.data;
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** The user as the host app sees it. */
function userView(u: User) {
  const primary = u.emails.find((e) => e.primary) ?? u.emails[0];
  return {
    id: u.id,
    team_id: u.teamId,
    username: u.userName,
    email: primary?.value ?? (u.userName.includes('@') ? u.userName : null),
    given_name: u.name?.givenName ?? null,
    family_name: u.name?.familyName ?? null,
    display_name: u.displayName ?? null,
    external_id: u.externalId ?? null,
    active: u.active,
  };
}

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * The host app's token API (docs/reference/DESIGN.md, "Host-app token API"), all with the platform admin key:
 * SSO code exchange, RFC 7662 introspection, API/MCP token minting and RFC 7009-style revocation.
 * Errors use the OAuth envelope `{error, error_description}`.
 */
export function createTokensApp(deps: Deps): App {
  const { users, audit, workspaces, reads } = deps.repos;

  /**
   * The platform key, or a refusal traced as `token.*` (review #6). A refusal on a workspace's route
   * (token minting) is recorded in that workspace when it exists: one read, paid by refusals only.
   */
  async function platform(req: HttpRequest, teamId?: string): Promise<AdminPrincipal> {
    try {
      const p = await authenticateAdmin(deps, req, teamId);
      requirePlatform(p);
      return p;
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) throw err;
      const known = refusalOf(err);
      const presented = bearerToken(req) ?? req.headers['x-api-key'];
      // Named in the token API's own area: a guessed key here is an attack on the host-app API.
      const keyAttempt = presented !== undefined && !parseToken(presented);
      const cause = keyAttempt
        ? 'token.platform_key_wrong'
        : !presented && err.status === 401
          ? 'token.platform_key_missing'
          : (known?.cause.replace(/^admin\./, 'token.') ?? 'token.platform_key_required');
      const ws = !known?.teamId && teamId && TEAM_ID.test(teamId) ? await workspaces.get(teamId) : undefined;
      const target = known?.teamId ?? (ws ? teamId : undefined);
      // Only what kind of credential came, never any of it: a wrong key may be a typo of the right one.
      const presentedKind = !presented ? 'none' : parseToken(presented) ? `${parseToken(presented)!.kind}_token` : 'opaque';
      throw withRefusal(err, { ...known, cause, ...(target ? { teamId: target } : {}), detail: { ...known?.detail, endpoint: req.routeKey, presentedKind } });
    }
  }

  /** `POST /api/sso/token`: `{code}` → `{user, roles, session_token, expires_at}`, once. */
  async function exchangeCode(req: HttpRequest): Promise<HttpResponse> {
    const p = await platform(req);
    const { code } = parseParams(SsoTokenBody, req);
    const invalid = () => new InvalidGrant('The code is invalid, expired or was already used.');
    if (!SSO_CODE.test(code)) throw invalid();
    const tokens = await deps.repos.tokens();
    const sealed = await tokens.consumeSsoCode(code);
    if (!sealed) throw invalid();
    const sessionToken = openWithCode(code, sealed);
    if (!sessionToken) throw invalid();
    let session: StoredToken;
    try {
      session = await tokens.authenticate(sessionToken, ['session']);
    } catch (err) {
      if (err instanceof TokenRejected) throw new InvalidGrant('The session of this code has been revoked (signed out or deactivated).');
      throw err;
    }
    const user = await users.get(session.teamId, session.userId ?? '');
    if (!user || !user.active) throw new InvalidGrant('The user of this code is no longer active.');
    const roles = Array.isArray(session.meta?.roles) ? (session.meta.roles as string[]) : [];
    const grants = Array.isArray(session.meta?.grants) ? (session.meta.grants as string[]) : [];
    await audit.record(auditContextFrom(req, session.teamId, deps.config.REGION_ID, p.actor), {
      action: 'sso.code_exchanged',
      target: { type: 'user', id: user.id },
      after: { sessionId: session.id, expiresAt: session.expiresAt ?? null },
    });
    return json(
      200,
      {
        user: userView(user),
        team_id: session.teamId,
        roles,
        grants,
        session_token: sessionToken,
        token_type: 'session',
        expires_at: session.expiresAt ?? null,
      },
      NO_STORE,
    );
  }

  /** `POST /api/tokens/introspect` (RFC 7662): any token of ours; inactive for anything wrong. */
  async function introspect(req: HttpRequest): Promise<HttpResponse> {
    await platform(req);
    const { token } = parseParams(TokenBody, req);
    const inactive = () => json(200, { active: false }, NO_STORE);
    const tokens = await deps.repos.tokens();
    // Two round trips: the token item, then — for a token that acts for a user — the user's
    // revocation marker, the user and the workspace in one batch, with the user's groups (one
    // query of the user index) in parallel. Nothing of it is used before `check` passes.
    let t: StoredToken;
    let loaded: { standing: UserStanding; groups: UserGroup[] } | undefined;
    try {
      const item = await tokens.item(token);
      const teamId = typeof item?.teamId === 'string' ? item.teamId : undefined;
      const userId = typeof item?.userId === 'string' ? item.userId : undefined;
      if (teamId && userId) {
        const [standing, groups] = await Promise.all([
          reads.userStanding(teamId, userId),
          item?.kind === 'session' ? Promise.resolve([]) : users.groupsOf(teamId, userId),
        ]);
        loaded = { standing, groups };
      }
      t = tokens.check(token, item, TOKEN_KINDS, loaded?.standing.marker ?? null);
    } catch (err) {
      if (err instanceof TokenRejected) return inactive();
      throw err;
    }
    const base = {
      active: true,
      token_type: t.kind,
      team_id: t.teamId,
      iat: epoch(t.createdAt),
      ...(t.expiresAt ? { exp: epoch(t.expiresAt) } : {}),
      ...(t.scopes && t.scopes.length > 0 ? { scope: t.scopes.join(' ') } : {}),
      ...(t.label ? { label: t.label } : {}),
    };
    if (!t.userId || !loaded) return json(200, base, NO_STORE);
    // A deactivated user's tokens are inactive even if a revocation is still in flight; roles
    // follow the workspace's current mappings, not a copy taken when they were last stored.
    const { standing, groups } = loaded;
    const { user, workspace } = standing;
    if (!user || !workspace) return inactive();
    if (!user.active) return inactive();
    // Sessions keep the roles of their sign-in (the assertion's groups count); other tokens follow
    // the user's current roles.
    const sessionRoles = t.kind === 'session' && Array.isArray(t.meta?.roles) ? (t.meta.roles as string[]) : undefined;
    const access = sessionRoles
      ? { roles: sessionRoles, grants: Array.isArray(t.meta?.grants) ? (t.meta.grants as string[]) : [] }
      : effectiveAccess(workspace, { scimRoles: user.scimRoles, groups }, user.idpGroups ?? []);
    return json(200, { ...base, sub: user.id, username: user.userName, roles: access.roles, grants: access.grants }, NO_STORE);
  }

  /** `POST /api/workspaces/{team_id}/users/{user_id}/tokens`: an API or MCP token, shown once. */
  async function mint(req: HttpRequest, teamId: string, userId: string): Promise<HttpResponse> {
    const p = await platform(req, teamId);
    if (!TEAM_ID.test(teamId)) throw new NotFound(`Workspace ${teamId} does not exist in this region.`);
    const body = parseJson(MintBody, req.body);
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : undefined;
    if (expiresAt && expiresAt.getTime() <= deps.now().getTime()) throw new InvalidRequest('expiresAt: must be in the future.');
    if (!USER_ID.test(userId)) throw new NotFound(`User ${userId} does not exist in this workspace.`);
    const { workspace, user } = await reads.workspaceAndUser(teamId, userId);
    if (!workspace) throw new NotFound(`Workspace ${teamId} does not exist in this region.`);
    if (!user) throw new NotFound(`User ${userId} does not exist in this workspace.`);
    if (!user.active) throw new UserInactive(userId);
    const { token, record } = await (await deps.repos.tokens()).mint(auditContextFrom(req, teamId, deps.config.REGION_ID, p.actor), {
      kind: body.kind,
      teamId,
      userId,
      ...(body.label ? { label: body.label } : {}),
      ...(expiresAt ? { expiresAt } : {}),
      meta: { username: user.userName },
    });
    return json(
      201,
      { id: record.id, kind: record.kind, token, label: record.label ?? null, createdAt: record.createdAt, expiresAt: record.expiresAt ?? null },
      NO_STORE,
    );
  }

  /** `POST /api/tokens/revoke` (RFC 7009 §2.2): 200 whether or not the token existed. */
  async function revoke(req: HttpRequest): Promise<HttpResponse> {
    const p = await platform(req);
    const { token } = parseParams(TokenBody, req);
    await (await deps.repos.tokens()).revokePresented(
      (t) => auditContextFrom(req, t.teamId, deps.config.REGION_ID, p.actor),
      token,
      (t) => (t.kind === 'session' && t.userId ? [{ type: 'session.revoked', teamId: t.teamId, detail: { userId: t.userId, sessionId: t.id, reason: 'host_app' } }] : []),
    );
    return json(200, {}, NO_STORE);
  }

  return router([
    ['POST', '/api/sso/token', (req) => exchangeCode(req)],
    ['POST', '/api/tokens/introspect', (req) => introspect(req)],
    ['POST', '/api/tokens/revoke', (req) => revoke(req)],
    ['POST', '/api/workspaces/:teamId/users/:userId/tokens', (req, { teamId, userId }) => mint(req, teamId!, userId!)],
  ]);
}
