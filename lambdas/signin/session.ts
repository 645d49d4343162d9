import type { Config } from '../platform/config.js';
import type { Deps } from '../platform/deps.js';
import type { HttpRequest } from '../platform/http.js';
import { TokenRejected, type StoredToken } from '../store/tokens.js';

/** Lifetime of a host-app session created by SSO (seconds). */
export const APP_SESSION_TTL_SECONDS = 12 * 3600;
/** Lifetime of a bridge-internal cookie session (admin page, SCIM OAuth consent), in seconds. */
export const BRIDGE_SESSION_TTL_SECONDS = 3600;
/** The bridge-internal session cookie. */
export const SESSION_COOKIE = 'idpb_session';

/** What a session token's `meta` holds (non-secret; shown by introspection). */
export interface SessionMeta {
  readonly username: string;
  readonly email?: string;
  readonly roles: string[];
  readonly grants: string[];
  readonly protocol: 'oidc' | 'saml';
  readonly issuer: string;
  readonly subject: string;
  /** `app` for host-app sessions, `bridge` for the cookie sessions of our own pages. */
  readonly audience: 'app' | 'bridge';
}

/** An authenticated bridge-internal session. */
export interface CookieSession {
  readonly token: StoredToken;
  readonly teamId: string;
  readonly userId: string;
  readonly username: string;
  readonly roles: string[];
}

/**
 * The `Set-Cookie` value of a bridge session: HttpOnly (scripts never see it), `SameSite=Lax` (sent
 * on the top-level redirect back from Okta, not on cross-site subrequests), `Secure` except in
 * local mode, where the local API is plain HTTP.
 */
export function sessionCookie(config: Config, token: string, maxAgeSeconds = BRIDGE_SESSION_TTL_SECONDS): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${config.LOCAL_MODE ? '' : '; Secure'}`;
}

/** A cookie that removes the session cookie (sign-out). */
export function clearSessionCookie(config: Config): string {
  return sessionCookie(config, '', 0);
}

/** The value of a named cookie of the request, if present. */
export function readCookie(req: HttpRequest, name: string): string | undefined {
  for (const c of req.cookies) {
    const i = c.indexOf('=');
    if (i > 0 && c.slice(0, i).trim() === name) return c.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * The bridge session the browser presents in `idpb_session`, or undefined when there is none or it
 * is malformed, unknown, revoked or expired, or its user is deleted or inactive. Two sequential
 * round trips (the token; its user with the revocation marker); no cache, so revocation is immediate.
 */
export async function sessionFromCookie(deps: Deps, req: HttpRequest): Promise<CookieSession | undefined> {
  const presented = readCookie(req, SESSION_COOKIE);
  if (!presented) return undefined;
  const tokens = await deps.repos.tokens();
  let token: StoredToken;
  let user: Record<string, unknown> | undefined;
  try {
    ({ record: token, user } = await tokens.authenticateWithUser(presented, ['session']));
  } catch (err) {
    if (err instanceof TokenRejected) return undefined;
    throw err;
  }
  // Every token check checks the user (review #2): a session outlives neither a deactivation nor a
  // deletion, even one whose revocation marker was never written. Read with the marker: two
  // sequential round trips in all.
  if (!token.userId || user?.active !== true) return undefined;
  const meta = token.meta ?? {};
  return {
    token,
    teamId: token.teamId,
    userId: token.userId,
    username: typeof meta.username === 'string' ? meta.username : '',
    roles: Array.isArray(meta.roles) ? meta.roles.filter((r): r is string => typeof r === 'string') : [],
  };
}
