import { createHash } from 'node:crypto';
import type { Actor } from './audit.js';
import { parseToken, safeEqual } from './crypto.js';
import type { Deps } from './deps.js';
import { bearerToken, type HttpRequest } from './http.js';
import { Forbidden, Unauthorized } from './errors.js';
import { TokenRejected, TokenRepo } from './repos/tokens.js';
import { sessionFromCookie } from './signin/session.js';

/** Who is calling the admin or host-app API. */
export interface AdminPrincipal {
  readonly actor: Actor;
  /** Undefined for the platform key (all workspaces); the user's workspace for an admin session. */
  readonly teamId?: string;
}

/** Roles that may administer a workspace through an SSO session. */
export const ADMIN_ROLES = new Set(['admin', 'tenant_admin', 'owner']);

/** A short, non-reversible fingerprint of the platform key for audit records. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** A workspace admin's session, whether it came as a bearer token or as the `idpb_session` cookie. */
function sessionPrincipal(
  session: { teamId: string; userId?: string; username: string; roles: readonly string[] },
  teamId: string | undefined,
): AdminPrincipal {
  if (!session.roles.some((r) => ADMIN_ROLES.has(r))) throw new Forbidden('Your role does not allow workspace administration.');
  if (teamId !== undefined && session.teamId !== teamId) throw new Forbidden('This session belongs to another workspace.');
  return { actor: { type: 'admin', id: `user:${session.userId ?? 'unknown'}`, label: session.username }, teamId: session.teamId };
}

/**
 * A cookie rides along on cross-site requests, so a cookie-authenticated change must come from our
 * own origin (browsers send `Origin` on every non-GET fetch and form post).
 */
function checkSameOrigin(deps: Deps, req: HttpRequest): void {
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const origin = req.headers.origin;
  if (!origin || origin !== new URL(deps.config.API_URL).origin) {
    throw new Forbidden('Cross-origin request refused: send changes from the admin page or with the API key.');
  }
}

/**
 * Authenticates the platform admin key (constant-time) or a workspace admin's SSO session — as a
 * bearer token or as the `idpb_session` cookie set by a bridge-internal sign-in. A session only
 * reaches its own workspace (`teamId`), and only when its roles include an admin role.
 */
export async function authenticateAdmin(deps: Deps, req: HttpRequest, teamId?: string): Promise<AdminPrincipal> {
  const presented = bearerToken(req) ?? req.headers['x-api-key'];
  if (!presented) {
    const cookie = await sessionFromCookie(deps, req);
    if (!cookie) throw new Unauthorized();
    checkSameOrigin(deps, req);
    return sessionPrincipal(cookie, teamId);
  }
  if (parseToken(presented)?.kind === 'session') {
    const tokens = new TokenRepo(deps.db, await deps.hasher(), deps.config.REGION_ID, deps.now);
    let session;
    try {
      session = await tokens.authenticate(presented, ['session']);
    } catch (err) {
      if (err instanceof TokenRejected) throw new Unauthorized('The session is invalid or has expired.');
      throw err;
    }
    const roles = Array.isArray(session.meta?.roles) ? (session.meta.roles as unknown[]).filter((r): r is string => typeof r === 'string') : [];
    return sessionPrincipal(
      { teamId: session.teamId, ...(session.userId ? { userId: session.userId } : {}), username: String(session.meta?.username ?? ''), roles },
      teamId,
    );
  }
  const key = await deps.adminKey();
  if (!safeEqual(presented, key)) throw new Unauthorized();
  return { actor: { type: 'admin', id: `key:${keyFingerprint(key)}`, label: 'platform admin key' } };
}

/** Only the platform key may act across workspaces (e.g. create one). */
export function requirePlatform(p: AdminPrincipal): void {
  if (p.teamId !== undefined) throw new Forbidden('Only the platform admin key may do this.');
}
