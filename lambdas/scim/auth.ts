/**
 * SCIM authentication as ordered named checks (the oidc-provider habit): each throws one error,
 * in the SCIM envelope, and the whole thing costs one storage round trip, because the token, the
 * workspace and whatever the operation needs next are read in the same `batchGet`.
 */
import type { Actor } from '../core/audit.js';
import type { Key } from '../store/keys.js';
import type { Item } from '../store/client.js';
import type { Deps } from '../platform/deps.js';
import type { HttpRequest } from '../platform/http.js';
import { parseToken } from '../core/crypto.js';
import { refusalOf, withRefusal } from '../core/refusals.js';
import { TokenRejected, TokenRepo, type StoredToken } from '../store/tokens.js';
import { WorkspaceRepo } from '../store/workspaces.js';
import type { Workspace } from '../core/model/workspace.js';
import { ScimForbidden, ScimUnauthorized } from '../core/scim/errors.js';
import type { ScimScope } from '../core/scim/scopes.js';


/** Who is calling, for which workspace. */
export interface ScimPrincipal {
  readonly token: StoredToken;
  readonly workspace: Workspace;
  /** The audit actor: `okta:scim` with the token's id and label (seed 001). */
  readonly actor: Actor;
}

/** A plausible workspace id: anything else cannot name a workspace, so it is not looked up (nor attributed). */
const TEAM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The facts of a SCIM refusal (review #6): the workspace only when its item was read and exists,
 * the presented token only by its public id (never the secret part).
 */
function refused<E extends Error>(err: E, cause: string, ws: Item | undefined, detail: Record<string, unknown> = {}, actor?: Actor): E {
  return withRefusal(err, {
    ...(ws && typeof ws.id === 'string' ? { teamId: ws.id } : {}),
    cause,
    detail,
    ...(actor ? { actor } : {}),
  });
}

/** The public id part of one of our tokens (crypto.ts `parseToken`), or null for anything else. */
function publicTokenId(token: string): string | null {
  return parseToken(token)?.id ?? null;
}

/** 1. The presented secret: `Bearer <token>`, or the bare token of Okta's "HTTP Header" mode. */
function checkHeader(req: HttpRequest, ws?: Item): string {
  const h = req.headers.authorization?.trim();
  if (!h) throw refused(new ScimUnauthorized('Authentication required: send the SCIM token as "Authorization: Bearer <token>".'), 'scim.token_missing', ws);
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (m) return m[1]!;
  if (/^\S+$/.test(h)) return h;
  throw refused(new ScimUnauthorized('The Authorization header is not a bearer token.'), 'scim.header_malformed', ws, { scheme: h.split(/\s/)[0]!.slice(0, 16) });
}

/** 2. Its storage key; a malformed token or one of another region is refused before any read. */
function checkTokenFormat(deps: Deps, tokens: TokenRepo, token: string, teamId: string, ws?: Item): Key {
  try {
    return tokens.keyOf(token);
  } catch (err) {
    if (err instanceof TokenRejected && err.reason === 'wrong_region' && err.tokenRegion) {
      const peer = deps.config.PEER_REGIONS[err.tokenRegion];
      const where = peer
        ? `Use the ${err.tokenRegion.toUpperCase()} region's SCIM base URL: ${peer}/api/scim/v2/${teamId}`
        : `Use the SCIM base URL of the ${err.tokenRegion.toUpperCase()} region.`;
      throw refused(
        new ScimUnauthorized(`This token was issued by the ${err.tokenRegion.toUpperCase()} region; this is the ${deps.config.REGION_ID.toUpperCase()} region. ${where}`),
        'scim.token_wrong_region',
        ws,
        { tokenId: publicTokenId(token), tokenRegion: err.tokenRegion },
      );
    }
    // Nothing of a malformed value is kept: it may be a secret pasted into the wrong field.
    throw refused(new ScimUnauthorized('The bearer token is not a SCIM token of this service. Mint one in the workspace settings and paste it into Okta.'), 'scim.token_malformed', ws, {
      tokenLength: token.length,
    });
  }
}

/** 3. Hash, kind and expiry of the loaded token item (revoked tokens no longer exist). */
function checkToken(tokens: TokenRepo, token: string, item: Item | undefined, ws?: Item): StoredToken {
  try {
    return tokens.check(token, item, ['scim', 'oauth-access']);
  } catch (err) {
    if (err instanceof TokenRejected) {
      const why: Record<string, string> = {
        unknown: 'The SCIM token is unknown, revoked or truncated; mint a fresh one and paste it into Okta.',
        expired: 'The SCIM token has expired; mint a fresh one and paste it into Okta.',
        wrong_kind: 'This kind of token cannot be used for SCIM.',
      };
      throw refused(new ScimUnauthorized(why[err.reason] ?? 'The bearer token was refused.'), `scim.token_${err.reason}`, ws, { tokenId: publicTokenId(token) });
    }
    throw err;
  }
}

/** The audit actor of an authenticated SCIM token: `okta:scim` with the token's id and label (seed 001). */
function actorOf(stored: StoredToken): Actor {
  return { type: 'okta:scim', id: stored.id, label: stored.label ?? (stored.kind === 'oauth-access' ? 'SCIM OAuth access token' : 'SCIM token') };
}

/** 4. The token must belong to the workspace named in the path (seed 003: tokens are scoped to one organization). */
function checkWorkspace(stored: StoredToken, teamId: string, item: Item | undefined): Workspace {
  if (stored.teamId !== teamId) {
    // The genuine token of another workspace: recorded in the targeted one (if it exists) by its id only.
    throw refused(
      new ScimUnauthorized('This token belongs to another workspace: check the workspace id at the end of the SCIM base URL.'),
      'scim.token_other_workspace',
      item,
      { tokenId: stored.id },
    );
  }
  if (!item) throw refused(new ScimUnauthorized('This token belongs to another workspace: check the workspace id at the end of the SCIM base URL.'), 'scim.workspace_unknown', item);
  return WorkspaceRepo.fromItem(item);
}

/** 5. OAuth access tokens need the scope of the operation; static SCIM tokens carry every scope. */
function checkScope(stored: StoredToken, scope: ScimScope, ws?: Item): void {
  if (stored.kind === 'scim') return;
  if (!stored.scopes?.includes(scope)) {
    throw refused(new ScimForbidden(`The access token lacks the "${scope}" scope.`), 'scim.scope_missing', ws, { scope, tokenId: stored.id }, actorOf(stored));
  }
}

/**
 * Authenticates a SCIM request for `teamId` and reads `extra` keys in the same round trip.
 * The extra items are only returned after every check passed. A token refused before that read
 * (absent, malformed, of another region) costs one read of the workspace, so that the refusal is
 * recorded in the workspace it targeted (review #6); only refusals pay it.
 */
export async function authenticate(
  deps: Deps,
  req: HttpRequest,
  teamId: string,
  scope: ScimScope,
  extra: readonly Key[] = [],
): Promise<{ principal: ScimPrincipal; extra: (Item | undefined)[] }> {
  const tokens = await deps.repos.tokens();
  let token: string;
  let tokenKey: Key;
  try {
    token = checkHeader(req);
    tokenKey = checkTokenFormat(deps, tokens, token, teamId);
  } catch (err) {
    const facts = refusalOf(err);
    if (!facts || !(err instanceof Error) || !TEAM_ID.test(teamId)) throw err;
    const ws = await deps.repos.reads.workspaceItem(teamId);
    throw ws ? withRefusal(err, { ...facts, teamId: String(ws.id) }) : err;
  }
  const { token: tokenItem, workspace: workspaceItem, extra: rest } = await deps.repos.reads.tokenWorkspaceAnd(tokenKey, teamId, extra);
  const stored = checkToken(tokens, token, tokenItem, workspaceItem);
  const workspace = checkWorkspace(stored, teamId, workspaceItem);
  checkScope(stored, scope, workspaceItem);
  return { principal: { token: stored, workspace, actor: actorOf(stored) }, extra: rest };
}
