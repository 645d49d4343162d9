/**
 * SCIM authentication as ordered named checks (the oidc-provider habit): each throws one error,
 * in the SCIM envelope, and the whole thing costs one storage round trip, because the token, the
 * workspace and whatever the operation needs next are read in the same `batchGet`.
 */
import type { Actor } from '../shared/audit.js';
import type { Key } from '../shared/db/keys.js';
import type { Item } from '../shared/db/client.js';
import type { Deps } from '../shared/deps.js';
import type { HttpRequest } from '../shared/http.js';
import { TokenRejected, TokenRepo, type StoredToken } from '../shared/repos/tokens.js';
import { WorkspaceRepo, type Workspace } from '../shared/repos/workspaces.js';
import { ScimForbidden, ScimUnauthorized } from '../shared/scim/errors.js';

/** OAuth scopes of SCIM access tokens (seed 000: `scim.read, scim.write, entitlements.read`). */
export type ScimScope = 'scim.read' | 'scim.write' | 'entitlements.read';

/** Who is calling, for which workspace. */
export interface ScimPrincipal {
  readonly token: StoredToken;
  readonly workspace: Workspace;
  /** The audit actor: `okta:scim` with the token's id and label (seed 001). */
  readonly actor: Actor;
}

/** 1. The presented secret: `Bearer <token>`, or the bare token of Okta's "HTTP Header" mode. */
export function checkHeader(req: HttpRequest): string {
  const h = req.headers.authorization?.trim();
  if (!h) throw new ScimUnauthorized('Authentication required: send the SCIM token as "Authorization: Bearer <token>".');
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (m) return m[1]!;
  if (/^\S+$/.test(h)) return h;
  throw new ScimUnauthorized('The Authorization header is not a bearer token.');
}

/** 2. Its storage key; a malformed token or one of another region is refused before any read. */
export function checkTokenFormat(deps: Deps, tokens: TokenRepo, token: string, teamId: string): Key {
  try {
    return tokens.keyOf(token);
  } catch (err) {
    if (err instanceof TokenRejected && err.reason === 'wrong_region' && err.tokenRegion) {
      const peer = deps.config.PEER_REGIONS[err.tokenRegion];
      const where = peer
        ? `Use the ${err.tokenRegion.toUpperCase()} region's SCIM base URL: ${peer}/api/scim/v2/${teamId}`
        : `Use the SCIM base URL of the ${err.tokenRegion.toUpperCase()} region.`;
      throw new ScimUnauthorized(`This token was issued by the ${err.tokenRegion.toUpperCase()} region; this is the ${deps.config.REGION_ID.toUpperCase()} region. ${where}`);
    }
    throw new ScimUnauthorized('The bearer token is not a SCIM token of this service. Mint one in the workspace settings and paste it into Okta.');
  }
}

/** 3. Hash, kind and expiry of the loaded token item (revoked tokens no longer exist). */
export function checkToken(tokens: TokenRepo, token: string, item: Item | undefined): StoredToken {
  try {
    return tokens.check(token, item, ['scim', 'oauth-access']);
  } catch (err) {
    if (err instanceof TokenRejected) {
      const why: Record<string, string> = {
        unknown: 'The SCIM token is unknown, revoked or truncated; mint a fresh one and paste it into Okta.',
        expired: 'The SCIM token has expired; mint a fresh one and paste it into Okta.',
        wrong_kind: 'This kind of token cannot be used for SCIM.',
      };
      throw new ScimUnauthorized(why[err.reason] ?? 'The bearer token was refused.');
    }
    throw err;
  }
}

/** 4. The token must belong to the workspace named in the path (seed 003: tokens are scoped to one organization). */
export function checkWorkspace(stored: StoredToken, teamId: string, item: Item | undefined): Workspace {
  if (stored.teamId !== teamId || !item) {
    throw new ScimUnauthorized('This token belongs to another workspace: check the workspace id at the end of the SCIM base URL.');
  }
  return WorkspaceRepo.fromItem(item);
}

/** 5. OAuth access tokens need the scope of the operation; static SCIM tokens carry every scope. */
export function checkScope(stored: StoredToken, scope: ScimScope): void {
  if (stored.kind === 'scim') return;
  if (!stored.scopes?.includes(scope)) throw new ScimForbidden(`The access token lacks the "${scope}" scope.`);
}

/**
 * Authenticates a SCIM request for `teamId` and reads `extra` keys in the same round trip.
 * The extra items are only returned after every check passed.
 */
export async function authenticate(
  deps: Deps,
  req: HttpRequest,
  teamId: string,
  scope: ScimScope,
  extra: readonly Key[] = [],
): Promise<{ principal: ScimPrincipal; extra: (Item | undefined)[] }> {
  const token = checkHeader(req);
  const tokens = new TokenRepo(deps.db, await deps.hasher(), deps.config.REGION_ID, deps.now);
  const tokenKey = checkTokenFormat(deps, tokens, token, teamId);
  const [tokenItem, workspaceItem, ...rest] = await deps.db.batchGet([tokenKey, WorkspaceRepo.key(teamId), ...extra]);
  const stored = checkToken(tokens, token, tokenItem);
  const workspace = checkWorkspace(stored, teamId, workspaceItem);
  checkScope(stored, scope);
  const actor: Actor = { type: 'okta:scim', id: stored.id, label: stored.label ?? (stored.kind === 'oauth-access' ? 'SCIM OAuth access token' : 'SCIM token') };
  return { principal: { token: stored, workspace, actor }, extra: rest };
}
