import { createHash } from 'node:crypto';
import type { Actor } from '../core/audit.js';
import { parseToken, safeEqual } from '../core/crypto.js';
import type { Item } from '../store/client.js';
import type { Deps } from '../platform/deps.js';
import { bearerToken, type HttpRequest } from '../platform/http.js';
import { Forbidden, Unauthorized } from '../core/errors.js';
import { withRefusal, type RefusalContext } from '../core/refusals.js';
import { TokenRejected, type StoredToken } from '../store/tokens.js';
import { UserRepo } from '../store/users.js';
import { readCookie, SESSION_COOKIE } from './session.js';

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

/** Where a refused request came from: the only detail a refused credential leaves (never any part of it). */
function source(req: HttpRequest): { source: { ip: string; userAgent: string } } {
  return { source: { ip: req.sourceIp, userAgent: req.userAgent.slice(0, 256) } };
}

/** A verified admin session: the token, whose user still exists and is active. */
interface AdminSession {
  readonly teamId: string;
  readonly userId: string;
  readonly username: string;
  readonly roles: readonly string[];
}

function sessionActor(s: Pick<AdminSession, 'userId' | 'username'>): Actor {
  return { type: 'admin', id: `user:${s.userId}`, label: s.username };
}

/** A workspace admin's session, whether it came as a bearer token or as the `idpb_session` cookie. */
function sessionPrincipal(req: HttpRequest, session: AdminSession, teamId: string | undefined): AdminPrincipal {
  const facts = (cause: string): RefusalContext => ({ cause, actor: sessionActor(session), detail: source(req) });
  if (!session.roles.some((r) => ADMIN_ROLES.has(r))) {
    throw withRefusal(new Forbidden('Your role does not allow workspace administration.'), { ...facts('admin.role_insufficient'), teamId: session.teamId });
  }
  // The target workspace is not known to exist here, so the refusal names none.
  if (teamId !== undefined && session.teamId !== teamId) throw withRefusal(new Forbidden('This session belongs to another workspace.'), facts('admin.other_workspace'));
  return { actor: sessionActor(session), teamId: session.teamId };
}

/**
 * A cookie rides along on cross-site requests, so a cookie-authenticated change must come from our
 * own origin (browsers send `Origin` on every non-GET fetch and form post).
 */
function checkSameOrigin(deps: Deps, req: HttpRequest, session: AdminSession): void {
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const origin = req.headers.origin;
  if (!origin || origin !== new URL(deps.config.API_URL).origin) {
    throw withRefusal(new Forbidden('Cross-origin request refused: send changes from the admin page or with the API key.'), {
      teamId: session.teamId,
      cause: 'admin.cross_origin',
      actor: sessionActor(session),
      detail: { ...source(req), origin: origin ?? null },
    });
  }
}

/**
 * Verifies a presented session token for the admin API (review #2 and #5): it must be a live
 * session issued for the bridge's own pages (audience `bridge`: the `/admin` sign-in and the SCIM
 * OAuth consent), never a host-app session from `POST /api/sso/token` (audience `app`), and its user
 * must still exist and be active — a session outlives neither a deactivation nor a deletion, even
 * one whose revocation marker has not been written. Two sequential round trips, as before the user
 * check: the token item, then its user's revocation marker and the user item in one batch.
 */
async function adminSession(deps: Deps, req: HttpRequest, presented: string): Promise<AdminSession> {
  const tokens = await deps.repos.tokens();
  const invalid = (reason: string) =>
    withRefusal(new Unauthorized('The session is invalid or has expired.'), { cause: 'admin.session_invalid', detail: { ...source(req), reason } });
  let session: StoredToken;
  let userItem: Item | undefined;
  try {
    const item = await tokens.item(presented);
    const teamId = typeof item?.teamId === 'string' ? item.teamId : undefined;
    const userId = typeof item?.userId === 'string' ? item.userId : undefined;
    let marker: Item | undefined;
    if (teamId && userId) ({ marker, user: userItem } = await deps.repos.reads.userWithMarker(teamId, userId));
    session = tokens.check(presented, item, ['session'], marker ?? null);
  } catch (err) {
    if (err instanceof TokenRejected) throw invalid(err.reason);
    throw err;
  }
  const meta = session.meta ?? {};
  const username = typeof meta.username === 'string' ? meta.username : '';
  const userId = session.userId;
  if (!userId) throw invalid('no_user');
  // From here the token is proven: the refusal names its workspace and its user.
  const refuse = (cause: string, message: string) =>
    withRefusal(new Unauthorized(message), {
      teamId: session.teamId,
      cause,
      actor: sessionActor({ userId, username }),
      detail: { ...source(req), sessionId: session.id },
    });
  if (meta.audience !== 'bridge') {
    throw refuse('admin.session_audience', 'This session was issued to the app, not to the admin page; sign in to the admin page instead.');
  }
  if (!userItem) throw refuse('admin.user_deleted', 'The user of this session no longer exists.');
  if (!UserRepo.fromItem(userItem).active) throw refuse('admin.user_inactive', 'The user of this session is deactivated.');
  return {
    teamId: session.teamId,
    userId,
    username,
    roles: Array.isArray(meta.roles) ? meta.roles.filter((r): r is string => typeof r === 'string') : [],
  };
}

/**
 * Authenticates the platform admin key (constant-time) or a workspace admin's bridge session — as a
 * bearer token or as the `idpb_session` cookie set by a bridge-internal sign-in. A session only
 * reaches its own workspace (`teamId`), only when its roles include an admin role, and only while
 * its user exists and is active. Every refusal carries its facts (`withRefusal`); a refused key
 * leaves only where it came from, never any part of itself.
 */
export async function authenticateAdmin(deps: Deps, req: HttpRequest, teamId?: string): Promise<AdminPrincipal> {
  const presented = bearerToken(req) ?? req.headers['x-api-key'];
  if (!presented) {
    const cookie = readCookie(req, SESSION_COOKIE);
    if (!cookie) throw withRefusal(new Unauthorized(), { cause: 'admin.credentials_missing', detail: source(req) });
    const session = await adminSession(deps, req, cookie);
    checkSameOrigin(deps, req, session);
    return sessionPrincipal(req, session, teamId);
  }
  const parsed = parseToken(presented);
  if (parsed?.kind === 'session') return sessionPrincipal(req, await adminSession(deps, req, presented), teamId);
  const key = await deps.adminKey();
  if (!safeEqual(presented, key)) {
    // One of our other tokens (SCIM, API…) is named by its kind only; anything else is a wrong key.
    throw withRefusal(new Unauthorized(), parsed ? { cause: 'admin.token_kind', detail: { ...source(req), kind: parsed.kind } } : { cause: 'admin.key_wrong', detail: source(req) });
  }
  return { actor: { type: 'admin', id: `key:${keyFingerprint(key)}`, label: 'platform admin key' } };
}

/** Only the platform key may act across workspaces (e.g. create one). */
export function requirePlatform(p: AdminPrincipal): void {
  if (p.teamId !== undefined) {
    throw withRefusal(new Forbidden('Only the platform admin key may do this.'), { teamId: p.teamId, cause: 'admin.platform_only', actor: p.actor });
  }
}
