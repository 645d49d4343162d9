import { auditPut } from './audit-items.js';
import type { Actor, AuditContext, AuditEntry } from '../core/audit.js';
import { parseToken, type TokenHasher } from '../core/crypto.js';
import { ConditionFailed, type Db, type Item, type TransactItem } from './client.js';
import { keys } from './keys.js';
import type { StoredToken, TokenRepo } from './tokens.js';
import type { ScimScope } from '../core/scim/scopes.js';

/** Lifetime of an authorization code (RFC 6749 §4.1.2: short, 10 minutes at most). */
const CODE_TTL_SECONDS = 120;
/** Lifetime of an access token: Okta refreshes when it gets a 401 or the token expires. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
/**
 * Sliding lifetime of a refresh token: each refresh starts a new one. Okta refreshes only when it
 * provisions, and an expired refresh token makes the Okta admin re-authorize (Okta KB "SCIM
 * integration use OAuth2 with refresh token"), so idle tenants need a long window.
 */
const REFRESH_TOKEN_TTL_SECONDS = 180 * 24 * 3600;
/** How long a used code is remembered, so a second use can be recognised and its grant revoked. */
const USED_CODE_MEMORY_SECONDS = 3600;

/** What an approval grants; carried by the code and, as `meta`, by every token of the grant. */
export interface Grant {
  readonly grantId: string;
  readonly teamId: string;
  readonly clientId: string;
  readonly scopes: ScimScope[];
  /** Who approved it (audit actor id) at the authorize step. */
  readonly approvedBy: string;
}

export interface CodeRecord extends Grant {
  readonly redirectUri: string;
  readonly codeChallenge?: string;
}

export type CodeOutcome =
  | { readonly status: 'ok'; readonly code: CodeRecord }
  /** `issuedTokenIds`: the tokens minted from it, revoked directly (the grant index is eventually consistent). */
  | { readonly status: 'reused'; readonly code: CodeRecord; readonly issuedTokenIds: string[] }
  | { readonly status: 'unknown' };

export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly access: StoredToken;
  readonly scopes: readonly string[];
}

export type RefreshLookup =
  | { readonly status: 'live'; readonly item: Item }
  /** `successorIds`: the pair that replaced it, revoked directly (the grant index is eventually consistent). */
  | { readonly status: 'rotated'; readonly teamId: string; readonly grantId: string; readonly successorIds: string[] }
  | { readonly status: 'unknown' };

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function codeFromItem(it: Item): CodeRecord {
  return {
    grantId: String(it.grantId),
    teamId: String(it.teamId),
    clientId: String(it.clientId),
    scopes: (Array.isArray(it.scopes) ? it.scopes.map(String) : []) as ScimScope[],
    approvedBy: String(it.approvedBy),
    redirectUri: String(it.redirectUri),
    ...(typeof it.codeChallenge === 'string' ? { codeChallenge: it.codeChallenge } : {}),
  };
}

/** The grant a token belongs to, from its `meta` (undefined for tokens that are not SCIM OAuth tokens). */
export function grantOf(t: StoredToken): Grant | undefined {
  const m = t.meta ?? {};
  if (typeof m.grantId !== 'string' || typeof m.clientId !== 'string') return undefined;
  return {
    grantId: m.grantId,
    teamId: t.teamId,
    clientId: m.clientId,
    scopes: (Array.isArray(m.grantScopes) ? m.grantScopes.map(String) : (t.scopes ?? [])) as ScimScope[],
    approvedBy: typeof m.approvedBy === 'string' ? m.approvedBy : '',
  };
}

/** Adds the grant index (gsi2) to a prepared token put. */
function indexedByGrant(put: TransactItem, g: Grant, t: StoredToken): TransactItem {
  const p = put.Put!;
  return { Put: { ...p, Item: { ...p.Item, ...keys.oauthGrantToken(g.teamId, g.grantId, t.kind, t.id) } } };
}

/**
 * Storage of the SCIM OAuth flow: one-time authorization codes (stored hashed, consumed by one
 * conditional update), token pairs indexed by grant, refresh-token rotation with a tombstone of
 * the rotated token, and revocation of a whole grant. Every write carries its audit record.
 *
 * SCIM OAuth tokens act for the workspace, not for a person: they carry no `userId`, so a Universal
 * Logout of the admin who approved them never cuts Okta's provisioning.
 */
export class OAuthGrantRepo {
  constructor(
    private readonly db: Db,
    private readonly tokens: TokenRepo,
    private readonly hasher: TokenHasher,
    private readonly now: () => Date,
  ) {}

  /** Stores a new one-time code with the approval's audit record; returns the code (shown once, to Okta). */
  async createCode(ctx: AuditContext, rec: CodeRecord, audit: AuditEntry): Promise<string> {
    const { code, hash } = this.hasher.code();
    const nowSec = Math.floor(this.now().getTime() / 1000);
    const expiresAtSec = nowSec + CODE_TTL_SECONDS;
    await this.db.transact([
      {
        Put: {
          Item: { ...keys.oauthCode(hash), type: 'oauthCode', ...rec, createdAt: this.now().toISOString(), expiresAtSec, ttl: expiresAtSec + USED_CODE_MEMORY_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      auditPut(ctx, audit, this.now()),
    ]);
    return code;
  }

  /**
   * Consumes a code: one conditional update marks it used, so two concurrent exchanges cannot
   * both succeed. A code used before is reported as `reused` (RFC 6749 §4.1.2: the grant should
   * then be revoked); an expired or unknown code as `unknown`.
   */
  async consumeCode(code: string): Promise<CodeOutcome> {
    const key = keys.oauthCode(this.hasher.hash(code));
    const nowSec = Math.floor(this.now().getTime() / 1000);
    try {
      const attrs = await this.db.update(key, {
        UpdateExpression: 'SET usedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAtSec > :now',
        ExpressionAttributeValues: { ':at': this.now().toISOString(), ':now': nowSec },
        ReturnValues: 'ALL_NEW',
      });
      return { status: 'ok', code: codeFromItem(attrs ?? {}) };
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err;
    }
    const item = await this.db.get(key);
    if (item && item.usedAt !== undefined) return { status: 'reused', code: codeFromItem(item), issuedTokenIds: stringList(item.issuedTokenIds) };
    return { status: 'unknown' };
  }

  private pair(g: Grant, accessScopes: readonly ScimScope[]) {
    const nowMs = this.now().getTime();
    const meta = { grantId: g.grantId, clientId: g.clientId, approvedBy: g.approvedBy, grantScopes: g.scopes };
    const access = this.tokens.prepare({
      kind: 'oauth-access',
      teamId: g.teamId,
      label: 'Okta SCIM (OAuth)',
      scopes: [...accessScopes],
      expiresAt: new Date(nowMs + ACCESS_TOKEN_TTL_SECONDS * 1000),
      meta,
    });
    const refresh = this.tokens.prepare({
      kind: 'oauth-refresh',
      teamId: g.teamId,
      label: 'Okta SCIM (OAuth)',
      scopes: [...g.scopes],
      expiresAt: new Date(nowMs + REFRESH_TOKEN_TTL_SECONDS * 1000),
      meta,
    });
    return { access, refresh, items: [indexedByGrant(access.put, g, access.record), indexedByGrant(refresh.put, g, refresh.record)] };
  }

  /** Mints the first access/refresh pair of a grant from its code, noting their ids on the used code, with the audit record. */
  async issue(ctx: AuditContext, code: string, g: Grant, audit: AuditEntry): Promise<IssuedTokens> {
    const { access, refresh, items } = this.pair(g, g.scopes);
    await this.db.transact([
      ...items,
      {
        Update: {
          Key: keys.oauthCode(this.hasher.hash(code)),
          UpdateExpression: 'SET issuedTokenIds = :ids',
          ExpressionAttributeValues: { ':ids': [access.record.id, refresh.record.id] },
        },
      },
      auditPut(ctx, audit, this.now()),
    ]);
    return { accessToken: access.token, refreshToken: refresh.token, access: access.record, scopes: g.scopes };
  }

  /**
   * The workspace and grant a presented code or refresh token belongs to, without using it: a
   * request refused before its grant is examined (bad client credentials) is still audited there.
   */
  async whereIs(grantType: string | undefined, credential: string | undefined): Promise<{ teamId: string; grantId: string } | undefined> {
    if (!credential) return undefined;
    if (grantType === 'authorization_code') {
      const item = await this.db.get(keys.oauthCode(this.hasher.hash(credential)));
      return item ? { teamId: String(item.teamId), grantId: String(item.grantId) } : undefined;
    }
    if (grantType !== 'refresh_token' || !parseToken(credential)) return undefined;
    try {
      const found = await this.lookupRefresh(credential);
      if (found.status === 'rotated') return { teamId: found.teamId, grantId: found.grantId };
      const meta = found.status === 'live' ? (found.item.meta as Record<string, unknown> | undefined) : undefined;
      if (found.status === 'live' && typeof meta?.grantId === 'string') return { teamId: String(found.item.teamId), grantId: meta.grantId };
    } catch {
      // A token of another region: nothing to attribute.
    }
    return undefined;
  }

  /** The stored state of a presented refresh token: live, already rotated (a replay), or unknown. One round trip. */
  async lookupRefresh(token: string): Promise<RefreshLookup> {
    const key = this.tokens.keyOf(token);
    const id = parseToken(token)!.id; // keyOf has parsed it already
    const [item, tomb] = await this.db.batchGet([key, keys.oauthRefreshRotated(id)]);
    if (item) return { status: 'live', item };
    if (tomb && typeof tomb.hash === 'string' && this.hasher.verify(token, tomb.hash)) {
      return { status: 'rotated', teamId: String(tomb.teamId), grantId: String(tomb.grantId), successorIds: stringList(tomb.successorIds) };
    }
    return { status: 'unknown' };
  }

  /**
   * Rotates a refresh token (RFC 9700 §4.14.2): deletes it, leaves a tombstone with its hash (so a
   * later replay is recognised and the grant revoked) and mints a new pair with a fresh sliding
   * lifetime, all in one transaction. Returns undefined when a concurrent refresh won the race.
   */
  async rotate(ctx: AuditContext, old: { record: StoredToken; item: Item }, g: Grant, accessScopes: readonly ScimScope[], audit: AuditEntry): Promise<IssuedTokens | undefined> {
    const { access, refresh, items } = this.pair(g, accessScopes);
    const tombTtl = Math.floor((old.record.expiresAt ? Date.parse(old.record.expiresAt) : this.now().getTime()) / 1000) + 86_400;
    try {
      await this.db.transact([
        { Delete: { Key: keys.token(old.record.id), ConditionExpression: 'attribute_exists(pk)' } },
        { Put: { Item: { ...keys.oauthRefreshRotated(old.record.id), type: 'oauthRefreshRotated', hash: old.item.hash, teamId: g.teamId, grantId: g.grantId, successorIds: [access.record.id, refresh.record.id], rotatedAt: this.now().toISOString(), ttl: tombTtl } } },
        ...items,
        auditPut(ctx, audit, this.now()),
      ]);
    } catch (err) {
      if (err instanceof ConditionFailed) return undefined;
      throw err;
    }
    return { accessToken: access.token, refreshToken: refresh.token, access: access.record, scopes: accessScopes };
  }

  /**
   * Revokes every live token of a grant (one query over the grant index, then transactional
   * deletes with the audit record), oidc-provider's `revokeByGrantId`. `knownIds` are deleted too:
   * a GSI is eventually consistent, and tokens minted a moment ago may not be listed yet.
   * Returns how many tokens were targeted.
   */
  async revokeGrant(ctx: AuditContext, teamId: string, grantId: string, reason: string, knownIds: readonly string[] = []): Promise<number> {
    const items = await this.db.queryAll(
      { IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': keys.oauthGrantTokenPartition(teamId, grantId) } },
      1_000,
    );
    const byId = new Map<string, string>(items.map((it) => [String(it.id), String(it.kind)]));
    for (const id of knownIds) if (!byId.has(id)) byId.set(id, 'unknown');
    const ids = [...byId].map(([id, kind]) => ({ id, kind }));
    const chunks: (typeof ids)[] = [];
    for (let i = 0; i < ids.length; i += 99) chunks.push(ids.slice(i, i + 99));
    if (chunks.length === 0) chunks.push([]);
    await Promise.all(
      chunks.map((chunk) =>
        this.db.transact([
          ...chunk.map((t): TransactItem => ({ Delete: { Key: keys.token(t.id) } })),
          auditPut(ctx, { action: 'scim_oauth.grant_revoked', target: { type: 'oauth_grant', id: grantId }, before: { tokens: chunk }, after: { revoked: chunk.length, reason } }, this.now()),
        ]),
      ),
    );
    return ids.length;
  }
}

/** The audit actor of the token endpoint: the OIN client. */
export function clientActor(clientId: string): Actor {
  return { type: 'okta:scim-oauth', id: clientId, label: 'Okta SCIM OAuth client' };
}
