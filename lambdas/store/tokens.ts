import { keys, type Key } from './keys.js';
import { ConditionFailed, type Db, type Item, type TransactItem } from './client.js';
import { auditPut } from './audit-items.js';
import type { AuditContext } from '../core/audit.js';
import type { LifecycleEvent } from '../core/events.js';
import { parseToken, TOKEN_KINDS, type TokenHasher, type TokenKind } from '../core/crypto.js';
import { AppError, NotFound } from '../core/errors.js';

/** The user a token would act for is deleted or deactivated (a mint lost a race with the deactivation). */
export class UserNotActive extends AppError {
  constructor(userId: string) {
    super(409, 'user_inactive', `User ${userId} is deactivated or deleted; tokens cannot be minted for them.`);
  }
}

/** A stored bearer secret of any kind; the token itself is never stored, only its keyed hash. */
export interface StoredToken {
  id: string;
  kind: TokenKind;
  teamId: string;
  /** The user it acts for (sessions, API, MCP and OAuth tokens); absent for SCIM tokens. */
  userId?: string;
  label?: string;
  scopes?: string[];
  createdAt: string;
  /** ISO time after which the token is refused; absent = no expiry. */
  expiresAt?: string;
  lastUsedAt?: string;
  /** Free-form, non-secret context (e.g. the IdP session of an SSO session, the OAuth grant id). */
  meta?: Record<string, unknown>;
}

/** Why a presented token was refused; each caller renders it in its own protocol envelope. */
export type TokenRejection = 'malformed' | 'wrong_region' | 'unknown' | 'expired' | 'wrong_kind';

export class TokenRejected extends AppError {
  readonly reason: TokenRejection;
  /** For `wrong_region`: the region named in the token's prefix. */
  readonly tokenRegion?: string;
  constructor(reason: TokenRejection, message: string, tokenRegion?: string) {
    super(401, 'invalid_token', message);
    this.reason = reason;
    if (tokenRegion) this.tokenRegion = tokenRegion;
  }
}

export interface MintInput {
  kind: TokenKind;
  teamId: string;
  userId?: string;
  label?: string;
  scopes?: string[];
  expiresAt?: Date;
  meta?: Record<string, unknown>;
}

/** How often `lastUsedAt` is written at most: a hot SCIM token must not become a hot item. */
const LAST_USED_GRANULARITY_MS = 60_000;
/** Hard ceiling on what one revoke-all may touch (a user with more tokens than this is an abuse case). */
const MAX_USER_TOKENS = 5_000;

function publicView(item: Item): StoredToken {
  const t: StoredToken = {
    id: String(item.id),
    kind: item.kind as TokenKind,
    teamId: String(item.teamId),
    createdAt: String(item.createdAt),
  };
  if (item.userId !== undefined) t.userId = String(item.userId);
  if (item.label !== undefined) t.label = String(item.label);
  if (Array.isArray(item.scopes)) t.scopes = item.scopes.map(String);
  if (item.expiresAt !== undefined) t.expiresAt = String(item.expiresAt);
  if (item.lastUsedAt !== undefined) t.lastUsedAt = String(item.lastUsedAt);
  if (item.meta && typeof item.meta === 'object') t.meta = item.meta as Record<string, unknown>;
  return t;
}

/**
 * All bearer secrets: SCIM, API, MCP, session and OAuth tokens. One item per token keyed by the id
 * embedded in the token (one GetItem to authenticate), listed per workspace and kind (gsi1) and
 * indexed per user (gsi2) so that revoking all of a user's access is one query.
 */
export class TokenRepo {
  constructor(
    private readonly db: Db,
    private readonly hasher: TokenHasher,
    private readonly region: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Builds the token and the transaction item that stores it (callers add it to their own transaction). */
  prepare(input: MintInput): { token: string; record: StoredToken; put: TransactItem } {
    const minted = this.hasher.mint(this.region, input.kind);
    const createdAt = this.now().toISOString();
    const record: StoredToken = { id: minted.id, kind: input.kind, teamId: input.teamId, createdAt };
    if (input.userId) record.userId = input.userId;
    if (input.label) record.label = input.label;
    if (input.scopes) record.scopes = input.scopes;
    if (input.expiresAt) record.expiresAt = input.expiresAt.toISOString();
    if (input.meta) record.meta = input.meta;
    const item: Item = {
      ...keys.token(minted.id),
      ...keys.tokenListing(input.teamId, input.kind, createdAt, minted.id),
      ...(input.userId ? keys.userAccess(input.teamId, input.userId, input.kind, minted.id) : {}),
      type: 'token',
      ...record,
      hash: minted.hash,
      // TTL a day after expiry: DynamoDB deletes lazily, and reads check `expiresAt` themselves.
      ...(input.expiresAt ? { ttl: Math.floor(input.expiresAt.getTime() / 1000) + 86_400 } : {}),
    };
    return { token: minted.token, record, put: { Put: { Item: item, ConditionExpression: 'attribute_not_exists(pk)' } } };
  }

  /**
   * Mints a token and writes it with its audit record in one transaction. A token that acts for a
   * user commits only while that user exists and is active, so a deactivation racing the mint
   * cannot leave a token created after the revocation (review #2).
   */
  async mint(ctx: AuditContext, input: MintInput, action = `${input.kind}_token.created`): Promise<{ token: string; record: StoredToken }> {
    const { token, record, put } = this.prepare(input);
    const items: TransactItem[] = [put, auditPut(ctx, { action, target: { type: `${input.kind}_token`, id: record.id }, after: record })];
    if (input.userId !== undefined) {
      items.push({ ConditionCheck: { Key: keys.user(input.teamId, input.userId), ConditionExpression: 'attribute_exists(pk) AND active = :t', ExpressionAttributeValues: { ':t': true } } });
    }
    try {
      await this.db.transact(items);
    } catch (err) {
      if (err instanceof ConditionFailed && err.failedIndexes.includes(2)) throw new UserNotActive(input.userId ?? '');
      throw err;
    }
    return { token, record };
  }

  /** The storage key of a presented token, so callers can fetch it in a `batchGet` with other items. */
  keyOf(token: string): Key {
    const parsed = parseToken(token);
    if (!parsed) throw new TokenRejected('malformed', 'The bearer token is malformed.');
    if (parsed.region !== this.region) {
      throw new TokenRejected('wrong_region', `This token belongs to the ${parsed.region.toUpperCase()} region; this is the ${this.region.toUpperCase()} region.`, parsed.region);
    }
    return keys.token(parsed.id);
  }

  /** The stored item of a presented token (one read), for `check`; throws `TokenRejected` for a malformed or foreign one. */
  async item(token: string): Promise<Item | undefined> {
    return this.db.get(this.keyOf(token));
  }

  /**
   * Checks a presented token against its loaded item: hash (constant time), kind, expiry, and —
   * for tokens that act for a user — the user's revocation marker, which the caller loads with
   * `revocationKey()` (pass `null` when it does not exist). Also refreshes `lastUsedAt` at most once
   * a minute, off the critical path but before the response (`Db.background`).
   */
  check(token: string, item: Item | undefined, kinds: readonly TokenKind[], marker?: Item | null): StoredToken {
    if (!item || typeof item.hash !== 'string' || !this.hasher.verify(token, item.hash)) {
      throw new TokenRejected('unknown', 'The bearer token is unknown or has been revoked.');
    }
    const record = publicView(item);
    if (!kinds.includes(record.kind)) throw new TokenRejected('wrong_kind', `A ${record.kind} token cannot be used here.`);
    const now = this.now();
    if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) {
      throw new TokenRejected('expired', 'The bearer token has expired.');
    }
    if (record.userId !== undefined) {
      if (marker === undefined) throw new Error(`a user-bound ${record.kind} token was checked without its revocation marker`);
      if (isRevokedBy(record, marker)) {
        this.db.background(() => this.db.delete(keys.token(record.id)));
        throw new TokenRejected('unknown', 'The bearer token is unknown or has been revoked.');
      }
    }
    if (!record.lastUsedAt || now.getTime() - Date.parse(record.lastUsedAt) > LAST_USED_GRANULARITY_MS) {
      this.db.background(() => this.touch(record.id, now));
    }
    return record;
  }

  /**
   * Takes the one-time sign-in code item (written by the sign-in's transaction, signin/complete.ts)
   * out of the table: deleting first makes the code single use even under concurrent exchanges.
   * Its sealed session token, or `undefined` when the code is unknown, used or expired.
   */
  async consumeSsoCode(code: string): Promise<string | undefined> {
    let item: Item | undefined;
    try {
      item = await this.db.delete(keys.ssoCode(this.hasher.hash(code)), { ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' });
    } catch (err) {
      if (err instanceof ConditionFailed) return undefined;
      throw err;
    }
    if (!item || typeof item.ttl !== 'number' || item.ttl * 1000 <= this.now().getTime() || typeof item.sealed !== 'string') return undefined;
    return item.sealed;
  }

  /**
   * The one-time sign-in code's item (see `consumeSsoCode`), written in the sign-in's own
   * transaction beside the session it unlocks (signin/complete.ts); `sealed` is the session token
   * readable only with the code (signin/sso-code.ts), never the token in clear.
   */
  static ssoCodePut(codeHash: string, code: { teamId: string; userId: string; sessionId: string; sealed: string; expiresAtSeconds: number }): TransactItem {
    return {
      Put: {
        Item: {
          ...keys.ssoCode(codeHash),
          type: 'ssoCode',
          teamId: code.teamId,
          userId: code.userId,
          sessionId: code.sessionId,
          sealed: code.sealed,
          expiresAt: new Date(code.expiresAtSeconds * 1000).toISOString(),
          ttl: code.expiresAtSeconds,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * Commits a sign-in in one TransactWriteItems: the session (`prepare().put`), the user's guard
   * (`UserRepo.activeCheck`), the one-time code (`ssoCodePut`), its audit records and any
   * protocol items. A failed condition surfaces as `ConditionFailed` with the failing indexes.
   */
  async commitSignIn(items: TransactItem[]): Promise<void> {
    await this.db.transact(items);
  }

  /** Key of a user's revocation marker (see `keys.userRevocation`). */
  revocationKey(teamId: string, userId: string): Key {
    return keys.userRevocation(teamId, userId);
  }

  /**
   * Authenticates a presented token: one round trip, plus one for the user's revocation marker
   * when the token acts for a user (sessions, API, MCP, user-bound OAuth tokens).
   */
  async authenticate(token: string, kinds: readonly TokenKind[]): Promise<StoredToken> {
    const key = this.keyOf(token);
    const item = await this.db.get(key);
    const userId = typeof item?.userId === 'string' ? item.userId : undefined;
    const marker = userId && typeof item?.teamId === 'string' ? ((await this.db.get(keys.userRevocation(item.teamId, userId))) ?? null) : null;
    return this.check(token, item, kinds, marker);
  }

  /**
   * Authenticates a token that must act for a user, and reads that user with its revocation
   * marker in the same batch: the user check costs no extra sequential round trip (two in all).
   */
  async authenticateWithUser(token: string, kinds: readonly TokenKind[]): Promise<{ record: StoredToken; user: Item | undefined }> {
    const item = await this.db.get(this.keyOf(token));
    const userId = typeof item?.userId === 'string' ? item.userId : undefined;
    const teamId = typeof item?.teamId === 'string' ? item.teamId : undefined;
    if (!userId || !teamId) return { record: this.check(token, item, kinds, null), user: undefined };
    const [marker, user] = await this.db.batchGet([keys.userRevocation(teamId, userId), keys.user(teamId, userId)]);
    return { record: this.check(token, item, kinds, marker ?? null), user };
  }

  private async touch(id: string, now: Date): Promise<void> {
    await this.db.update(keys.token(id), {
      UpdateExpression: 'SET lastUsedAt = :n',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':n': now.toISOString() },
    });
  }

  /** Tokens of one kind in a workspace (no secrets), oldest first. */
  async listForWorkspace(teamId: string, kind: TokenKind, limit = 500): Promise<StoredToken[]> {
    const items = await this.db.queryAll(
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': keys.tokenListingPartition(teamId, kind) },
      },
      limit,
    );
    return items.map(publicView);
  }

  async get(id: string): Promise<StoredToken | undefined> {
    const item = await this.db.get(keys.token(id));
    return item ? publicView(item) : undefined;
  }

  /** Revokes one token of a workspace, with its audit record. */
  async revoke(ctx: AuditContext, id: string, teamId: string, action?: string): Promise<StoredToken> {
    const existing = await this.get(id);
    if (!existing || existing.teamId !== teamId) throw new NotFound(`Token ${id} does not exist in this workspace.`);
    await this.db.transact([
      { Delete: { Key: keys.token(id), ConditionExpression: 'attribute_exists(pk)' } },
      auditPut(ctx, { action: action ?? `${existing.kind}_token.revoked`, target: { type: `${existing.kind}_token`, id }, before: existing }),
    ]);
    return existing;
  }

  /** Deletes a token by its presented secret (RFC 7009 style: unknown tokens are not an error). */
  async revokePresented(
    ctx: (t: StoredToken) => AuditContext,
    token: string,
    events: (t: StoredToken) => LifecycleEvent[] = () => [],
  ): Promise<StoredToken | undefined> {
    let key: Key;
    try {
      key = this.keyOf(token);
    } catch {
      return undefined;
    }
    const item = await this.db.get(key);
    if (!item || typeof item.hash !== 'string' || !this.hasher.verify(token, item.hash)) return undefined;
    const record = publicView(item);
    await this.db.transact([
      { Delete: { Key: key } },
      auditPut(ctx(record), { action: `${record.kind}_token.revoked`, target: { type: `${record.kind}_token`, id: record.id }, before: record, events: events(record) }),
    ]);
    return record;
  }

  /**
   * Every live token of a user: one query over the user's index (no scan) and the revocation
   * marker, read in parallel. Tokens the marker killed are cleaned up off the critical path.
   */
  async listForUser(teamId: string, userId: string): Promise<StoredToken[]> {
    const [items, marker] = await Promise.all([
      this.db.queryAll(
        {
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :p',
          ExpressionAttributeValues: { ':p': keys.userAccessPartition(teamId, userId) },
        },
        MAX_USER_TOKENS,
      ),
      this.db.get(keys.userRevocation(teamId, userId)),
    ]);
    const now = this.now().getTime();
    const live: StoredToken[] = [];
    const dead: StoredToken[] = [];
    for (const t of items.map(publicView)) {
      if (t.expiresAt && Date.parse(t.expiresAt) <= now) continue;
      (isRevokedBy(t, marker ?? null) ? dead : live).push(t);
    }
    this.sweep(dead);
    return live;
  }

  /**
   * The id and kind of each live token of a user: the listing revoke-all audits. It reads only the
   * attributes it needs, which keeps a logout of a user with hundreds of tokens cheap.
   */
  async liveForUser(teamId: string, userId: string, markerRead?: Promise<Item | undefined>): Promise<Pick<StoredToken, 'id' | 'kind'>[]> {
    const [items, marker] = await Promise.all([
      this.db.queryAll(
        {
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :p',
          ExpressionAttributeValues: { ':p': keys.userAccessPartition(teamId, userId) },
          ProjectionExpression: 'id, kind, createdAt, expiresAt',
        },
        MAX_USER_TOKENS,
      ),
      // A caller that reads the marker anyway (a deactivation reads it with the user) passes it in.
      markerRead ?? this.db.get(keys.userRevocation(teamId, userId)),
    ]);
    const now = this.now().getTime();
    return items
      .map((it) => ({ id: String(it.id), kind: it.kind as TokenKind, createdAt: String(it.createdAt), expiresAt: it.expiresAt as string | undefined }))
      .filter((t) => (!t.expiresAt || Date.parse(t.expiresAt) > now) && !isRevokedBy(t, marker ?? null))
      .map(({ id, kind }) => ({ id, kind }));
  }

  /** Deletes dead token items off the critical path (before the response): they are already refused, this only tidies up. */
  private sweep(dead: StoredToken[]): void {
    if (dead.length === 0) return;
    this.db.background(() => this.db.batchWrite(dead.map((t) => ({ delete: keys.token(t.id) }))));
  }

  /**
   * The transaction item that revokes, at `at`, every token of a user of the given kinds (all
   * kinds by default), so callers can revoke inside their own transaction (SCIM deactivation).
   */
  revocationItem(teamId: string, userId: string, at: Date, kinds: readonly TokenKind[] = TOKEN_KINDS): TransactItem {
    return revocationItem(teamId, userId, at, kinds);
  }

  /**
   * Revokes every token of a user (optionally only some kinds): one transaction writes the user's
   * revocation marker with its audit record, so the cost does not grow with the number of tokens
   * and no token minted before the revocation survives it — not even one the user index has not
   * caught up with yet. The listing (for the audit record and the return value) is one query over
   * the user's index. Dead items are deleted lazily, when presented or listed again: deleting them
   * here would make a logout's cost grow with the number of tokens again.
   */
  async revokeAllForUser(
    ctx: AuditContext,
    teamId: string,
    userId: string,
    opts: {
      kinds?: readonly TokenKind[];
      action?: string;
      reason?: string;
      extra?: TransactItem[];
      /** Lifecycle events of the revocation, given the revoked tokens; they leave with its audit record. */
      events?: (victims: Pick<StoredToken, 'id' | 'kind'>[]) => LifecycleEvent[];
    } = {},
  ): Promise<Pick<StoredToken, 'id' | 'kind'>[]> {
    const at = this.now();
    const all = await this.liveForUser(teamId, userId);
    const victims = opts.kinds ? all.filter((t) => opts.kinds!.includes(t.kind)) : all;
    await this.db.transact([
      this.revocationItem(teamId, userId, at, opts.kinds),
      ...(opts.extra ?? []),
      revocationAudit(ctx, userId, victims, at, { ...(opts.kinds ? { kinds: opts.kinds } : {}), ...(opts.action ? { action: opts.action } : {}), ...(opts.reason ? { reason: opts.reason } : {}), events: opts.events?.(victims) ?? [] }),
    ]);
    return victims;
  }
}

/** The audit record (with its events) of revoking a user's tokens, for a caller's own transaction. */
export function revocationAudit(
  ctx: AuditContext,
  userId: string,
  victims: readonly Pick<StoredToken, 'id' | 'kind'>[],
  at: Date,
  opts: { kinds?: readonly TokenKind[]; action?: string; reason?: string; events?: LifecycleEvent[] } = {},
): TransactItem {
  return auditPut(
    ctx,
    {
      action: opts.action ?? 'session.revoked',
      target: { type: 'user', id: userId },
      before: { tokens: victims.map((t) => ({ id: t.id, kind: t.kind })) },
      after: { revoked: victims.length, kinds: opts.kinds ?? 'all', ...(opts.reason ? { reason: opts.reason } : {}) },
      events: opts.events ?? [],
    },
    at,
  );
}

/**
 * The transaction item that revokes, at `at`, every token of a user of the given kinds: sets the
 * per-kind "revoked before" times on the user's revocation marker. Needs no hasher, so any
 * repository can put it into its own transaction (deactivation, deletion).
 */
export function revocationItem(teamId: string, userId: string, at: Date, kinds: readonly TokenKind[] = TOKEN_KINDS): TransactItem {
  const names: Record<string, string> = {};
  const sets = kinds.map((k, i) => {
    names[`#k${i}`] = `rb_${k}`;
    return `#k${i} = :at`;
  });
  return {
    Update: {
      Key: keys.userRevocation(teamId, userId),
      UpdateExpression: `SET ${sets.join(', ')}, teamId = :t, userId = :u`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':at': at.getTime(), ':t': teamId, ':u': userId },
    },
  };
}

/**
 * True when a user's revocation marker (as read) covers a deactivation or deletion at `at`: every
 * kind was revoked at or after it. A re-sent `active:false` uses it to tell whether the
 * revocation is still owed (data written before deactivation became one transaction).
 */
export function markerCovers(marker: Item | null | undefined, at: number): boolean {
  if (!marker) return false;
  return TOKEN_KINDS.every((k) => typeof marker[`rb_${k}`] === 'number' && (marker[`rb_${k}`] as number) >= at);
}

/** True when a user's revocation marker killed this token (minted at or before the marker's time). */
function isRevokedBy(t: Pick<StoredToken, 'kind' | 'createdAt'>, marker: Item | null): boolean {
  if (!marker) return false;
  const before = marker[`rb_${t.kind}`];
  return typeof before === 'number' && Date.parse(t.createdAt) <= before;
}
