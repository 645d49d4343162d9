import type { JitProfile, MultiValue, User, UserDraft, UserGroup, UserName } from '../core/model/user.js';
import { keys, COUNTER_SHARDS, LIST_SHARDS, type Key } from './keys.js';
import { ConditionFailed, type Db, type Item, type TransactItem } from './client.js';
import { auditPut } from './audit-items.js';
import type { AuditContext } from '../core/audit.js';
import type { LifecycleEvent } from '../core/events.js';
import { sortableId } from '../core/crypto.js';
import { AppError, Conflict } from '../core/errors.js';
import { effectiveAccess } from '../core/roles.js';
import { mergeShards, type MergedPage } from './shards.js';
import type { Workspace } from '../core/model/workspace.js';

/** Another user already holds this userName (SCIM maps it to 409 `uniqueness`). */
export class DuplicateUser extends Conflict {
  readonly field: 'userName';
  constructor(field: 'userName', value: string) {
    super(`A user with ${field} "${value}" already exists in this workspace.`);
    this.field = field;
  }
}

/** The user changed between read and write (optimistic concurrency on `version`). */
export class StaleUser extends AppError {
  constructor(id: string) {
    super(409, 'conflict', `User ${id} was modified concurrently.`);
  }
}

/** Ceiling on the groups read for one user (an abuse bound, far above real directories). */
const MAX_GROUPS_PER_USER = 5_000;

/** Name of the sharded counter of a workspace's users. */
const USER_COUNTER = 'users';

const fold = (s: string) => s.toLowerCase();

/** Item attributes that are storage, not user data. */
const STORAGE_ATTRS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'type', 'ttl', 'groups']);

function toItem(u: User): Item {
  const { groups: _groups, ...rest } = u;
  return {
    ...keys.user(u.teamId, u.id),
    ...keys.userListing(u.teamId, u.id),
    ...(u.externalId !== undefined ? keys.userExternalIdIndex(u.teamId, u.externalId, u.id) : {}),
    type: 'user',
    ...rest,
  };
}

/**
 * The userName uniqueness item, carrying a copy of the user's attributes. Okta looks every user
 * up by `userName eq …` before creating or linking it (docs/reference/okta-protocols.md §2), so that filter is the
 * hottest read: with the copy it is answered from the item authentication reads anyway, in one
 * round trip. The copy is written in the same transaction as the user item on every change of
 * the IdP-written attributes; the derived `roles`/`grants` may lag there (they are not part of
 * the SCIM representation), so non-SCIM readers always read the user item.
 */
function guardItem(u: User): Item {
  const { groups: _groups, ...copy } = u;
  return { ...keys.userName(u.teamId, u.userName), type: 'userName', userId: u.id, user: copy };
}

/** A user from its item; `groups` is empty until `withGroups` (or a read method) fills it. */
function fromItem(item: Item, groups: UserGroup[] = []): User {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!STORAGE_ATTRS.has(k)) out[k] = v;
  const u = out as unknown as User;
  u.groups = groups;
  u.roles ??= [];
  u.grants ??= [];
  u.scimRoles ??= [];
  u.entitlements ??= [];
  u.emails ??= [];
  u.attributes ??= {};
  u.extensions ??= {};
  return u;
}

/** E-mail values that need their own index item: the userName is indexed by its uniqueness item already. */
function indexedEmails(u: Pick<User, 'userName' | 'emails'>): string[] {
  const own = fold(u.userName);
  return [...new Set(u.emails.map((e) => fold(e.value)).filter((e) => e !== own && e.length > 0))];
}

/** A random counter shard: concurrent creates then rarely touch the same counter item. */
const counterShard = () => Math.floor(Math.random() * COUNTER_SHARDS);

/**
 * Users of a workspace. One item per user (listed on sharded gsi1 partitions in id order), plus a
 * uniqueness item per userName and externalId, one index item per extra e-mail address, and a
 * sharded counter, all written in the same transaction as the audit record.
 */
export class UserRepo {
  constructor(private readonly db: Db) {}

  /** Key of a user, for callers that read it in a `batchGet` with other items (one round trip). */
  static key(teamId: string, id: string): Key {
    return keys.user(teamId, id);
  }

  /**
   * A transaction item that holds only while the user exists and is active: writes that act for a
   * user (a new session) carry it, so they cannot commit after the user's deactivation.
   */
  static activeCheck(teamId: string, id: string): TransactItem {
    return { ConditionCheck: { Key: keys.user(teamId, id), ConditionExpression: 'attribute_exists(pk) AND active = :t', ExpressionAttributeValues: { ':t': true } } };
  }

  /** Key of the user's revocation marker, for `batchGet`s that read it with the user. */
  static revocationKey(teamId: string, id: string): Key {
    return keys.userRevocation(teamId, id);
  }

  /** The user's revocation marker (see `keys.userRevocation`), if any. */
  async revocationMarker(teamId: string, id: string): Promise<Item | undefined> {
    return this.db.get(keys.userRevocation(teamId, id));
  }

  /** Key of the userName uniqueness item (it holds `userId`), for `batchGet`s. */
  static userNameKey(teamId: string, userName: string): Key {
    return keys.userName(teamId, userName);
  }

  /** The user copy on a userName uniqueness item (undefined on items written before copies existed). */
  static fromUserNameItem(item: Item | undefined): User | undefined {
    const copy = item?.user;
    return copy && typeof copy === 'object' ? fromItem(copy as Item) : undefined;
  }

  /** A user from a stored item, with `groups` as given (empty when not loaded). */
  static fromItem(item: Item, groups: UserGroup[] = []): User {
    return fromItem(item, groups);
  }

  /** A user with its groups: the item and the membership query run in parallel (one round-trip latency). */
  async get(teamId: string, id: string): Promise<User | undefined> {
    const [item, groups] = await Promise.all([this.db.get(keys.user(teamId, id)), this.groupsOf(teamId, id)]);
    return item ? fromItem(item, groups) : undefined;
  }

  /** The stored items of users by id, in order (`undefined` where absent), one round trip per 100: for a caller's prefetch map. */
  async items(teamId: string, ids: readonly string[]): Promise<(Item | undefined)[]> {
    return this.db.batchGet(ids.map((id) => keys.user(teamId, id)));
  }

  /** Many users by id in one round trip per 100 (absent ones are skipped); `groups` is not loaded. */
  async getMany(teamId: string, ids: readonly string[]): Promise<Map<string, User>> {
    const items = await this.db.batchGet(ids.map((id) => keys.user(teamId, id)));
    const out = new Map<string, User>();
    for (const it of items) if (it) out.set(String(it.id), fromItem(it));
    return out;
  }

  /**
   * The SCIM groups of a user, from the membership edges' per-user index (one query; bounded,
   * since nobody is in more than a few thousand groups).
   */
  async groupsOf(teamId: string, userId: string): Promise<UserGroup[]> {
    const items = await this.db.queryAll(
      {
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :p',
        ExpressionAttributeValues: { ':p': keys.userGroupsPartition(teamId, userId) },
      },
      MAX_GROUPS_PER_USER,
    );
    return items.map((it) => ({ value: String(it.groupId), display: String(it.display ?? '') }));
  }

  /** The same user with its groups loaded. */
  async withGroups(u: User): Promise<User> {
    return { ...u, groups: await this.groupsOf(u.teamId, u.id) };
  }

  /** Reads the id a uniqueness item points at, then the user (with groups). */
  private async viaGuard(guard: Key, teamId: string): Promise<User | undefined> {
    const g = await this.db.get(guard);
    if (!g || typeof g.userId !== 'string') return undefined;
    return this.get(teamId, g.userId);
  }

  /** The user with this userName, compared case-insensitively (RFC 7643 §4.1.1). */
  async findByUserName(teamId: string, userName: string): Promise<User | undefined> {
    return this.viaGuard(keys.userName(teamId, userName), teamId);
  }

  /** Ids of the users with this externalId (case-sensitive, RFC 7643 §3.1), from the user items' gsi2 index. */
  async idsByExternalId(teamId: string, externalId: string, limit = 50): Promise<string[]> {
    const out = await this.db.query({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :p',
      ExpressionAttributeValues: { ':p': keys.userExternalIdPartition(teamId, externalId) },
      Limit: limit,
    });
    return (out.Items ?? []).map((it) => String(it.gsi2sk));
  }

  /**
   * The user with this externalId (case-sensitive, RFC 7643 §3.1): Universal Logout's match for
   * the Okta user id Okta sent as externalId. An active user wins over an inactive one.
   */
  async findByExternalId(teamId: string, externalId: string): Promise<User | undefined> {
    const ids = await this.idsByExternalId(teamId, externalId, 20);
    if (ids.length === 0) return undefined;
    const users = [...(await this.getMany(teamId, ids)).values()].filter((u) => u.externalId === externalId);
    const best = users.sort((a, b) => Number(b.active) - Number(a.active) || (a.id < b.id ? -1 : 1))[0];
    return best ? this.withGroups(best) : undefined;
  }

  /** Ids of users having this e-mail among `emails` (other than as their userName), case-insensitively. */
  async idsByEmail(teamId: string, email: string, limit = 50): Promise<string[]> {
    const out = await this.db.query({
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': keys.userEmailPartition(teamId, email) },
      Limit: limit,
    });
    return (out.Items ?? []).map((it) => String(it.sk));
  }

  /**
   * The best single user for an e-mail address (SSO by e-mail, Universal Logout's `email` subject):
   * the user whose userName is that address, else an active user whose primary e-mail it is, else
   * any user listing it. Case-insensitive. Undefined when nobody matches.
   */
  async findByEmail(teamId: string, email: string): Promise<User | undefined> {
    const [byName, ids] = await Promise.all([this.findByUserName(teamId, email), this.idsByEmail(teamId, email, 20)]);
    if (byName) return byName;
    if (ids.length === 0) return undefined;
    const users = [...(await this.getMany(teamId, ids)).values()];
    const e = fold(email);
    const score = (u: User) =>
      (u.active ? 2 : 0) + (u.emails.some((m) => m.primary === true && fold(m.value) === e) ? 1 : 0);
    return users.sort((a, b) => score(b) - score(a) || (a.id < b.id ? -1 : 1))[0];
  }

  /** The user an IdP (issuer, subject) pair was linked to at SSO sign-in (Universal Logout `iss_sub`). */
  async findBySubject(teamId: string, issuer: string, subject: string): Promise<User | undefined> {
    return this.viaGuard(keys.userSubject(teamId, issuer, subject), teamId);
  }

  /**
   * Records that the IdP's (issuer, subject) is this user, with its audit record. Idempotent: an
   * existing link to the same user writes nothing (the condition fails and is swallowed), so
   * calling it at every sign-in costs one write attempt and no read.
   */
  async linkSubject(ctx: AuditContext, teamId: string, userId: string, issuer: string, subject: string): Promise<void> {
    try {
      await this.db.transact([
        {
          Put: {
            Item: { ...keys.userSubject(teamId, issuer, subject), type: 'userSubject', teamId, userId, issuer, subject },
            ConditionExpression: 'attribute_not_exists(pk) OR userId <> :u',
            ExpressionAttributeValues: { ':u': userId },
          },
        },
        auditPut(ctx, { action: 'user.subject_linked', target: { type: 'user', id: userId }, after: { issuer, subject } }),
      ]);
    } catch (err) {
      if (err instanceof ConditionFailed) return;
      throw err;
    }
  }

  /** Builds a new user (not stored) with its effective roles. */
  build(workspace: Workspace, draft: UserDraft, source: User['source'], now: Date, idpGroups?: string[]): User {
    const iso = now.toISOString();
    const base = {
      scimRoles: draft.scimRoles ?? [],
      groups: [] as UserGroup[],
      ...(idpGroups && idpGroups.length > 0 ? { idpGroups } : {}),
    };
    const access = effectiveAccess(workspace, base);
    const u: User = {
      id: sortableId(now.getTime()),
      teamId: workspace.id,
      userName: draft.userName,
      active: draft.active,
      emails: draft.emails,
      roles: access.roles,
      grants: access.grants,
      scimRoles: base.scimRoles,
      entitlements: draft.entitlements ?? [],
      groups: [],
      attributes: draft.attributes ?? {},
      extensions: draft.extensions ?? {},
      createdAt: iso,
      updatedAt: iso,
      version: 1,
      source,
    };
    if (draft.externalId !== undefined) u.externalId = draft.externalId;
    if (draft.name !== undefined) u.name = draft.name;
    if (draft.displayName !== undefined) u.displayName = draft.displayName;
    if (base.idpGroups) u.idpGroups = base.idpGroups;
    return u;
  }

  /**
   * The transaction items that create `u`: the user (indexed by listing and externalId through its
   * own GSI attributes), the userName uniqueness item, extra e-mail index items, a counter shard.
   * Each item counts: DynamoDB Local serialises transactions and their cost grows per item.
   */
  static createItems(u: User): TransactItem[] {
    const items: TransactItem[] = [
      { Put: { Item: toItem(u), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { Item: guardItem(u), ConditionExpression: 'attribute_not_exists(pk)' } },
    ];
    for (const e of indexedEmails(u)) items.push({ Put: { Item: { ...keys.userEmail(u.teamId, e, u.id), type: 'userEmail' } } });
    items.push(counterAdd(u.teamId, USER_COUNTER, 1));
    return items;
  }

  /**
   * Creates a user in one transaction with its uniqueness items, e-mail index, counter shard and
   * audit record (`user.created`). Throws `DuplicateUser` naming the clashing attribute.
   */
  async create(
    ctx: AuditContext,
    workspace: Workspace,
    draft: UserDraft,
    source: User['source'],
    now = new Date(),
    idpGroups?: string[],
    events: (u: User) => LifecycleEvent[] = () => [],
  ): Promise<User> {
    const u = this.build(workspace, draft, source, now, idpGroups);
    const items = UserRepo.createItems(u);
    if (items.length + 1 > MAX_TRANSACTION_ITEMS) {
      throw new AppError(400, 'too_many_values', 'This user has too many e-mail addresses to index at once; send fewer.');
    }
    try {
      await this.db.transact([...items, auditPut(ctx, { action: 'user.created', target: { type: 'user', id: u.id }, after: u, events: events(u) }, now)]);
    } catch (err) {
      throw mapGuardFailure(err, items, u);
    }
    return u;
  }

  /**
   * Creates an active user at first SSO sign-in with the workspace's default role and whatever the
   * role mappings give the assertion's groups; audited `user.created` with the caller's actor.
   * Safe under duplicates: when the userName exists already — a concurrent sign-in
   * or a SCIM push that won the race — the existing user is returned instead of a 409.
   * Its `user.created` event leaves with the audit record (the outbox).
   */
  async createJit(ctx: AuditContext, workspace: Workspace, profile: JitProfile): Promise<User> {
    const name: UserName = {};
    if (profile.givenName) name.givenName = profile.givenName;
    if (profile.familyName) name.familyName = profile.familyName;
    const draft: UserDraft = {
      userName: profile.userName,
      active: true,
      emails: [{ value: profile.email, type: 'work', primary: true }],
      ...(Object.keys(name).length > 0 ? { name } : {}),
      ...(profile.displayName ? { displayName: profile.displayName } : {}),
    };
    try {
      return await this.create(ctx, workspace, draft, 'jit', new Date(), profile.groups, (u) => [
        { type: 'user.created', teamId: workspace.id, detail: { userId: u.id, userName: u.userName, source: 'jit' } },
      ]);
    } catch (err) {
      if (err instanceof DuplicateUser) {
        const existing = await this.findByUserName(workspace.id, profile.userName);
        if (existing) return existing;
      }
      throw err;
    }
  }

  /**
   * Replaces a user's IdP-written attributes with `draft` if its version is still `before.version`
   * (optimistic concurrency), moving uniqueness and e-mail index items as needed and recomputing
   * roles, with the audit record in the same transaction. `action` names the change
   * (`user.updated`, `user.deactivated`, `user.reactivated`). `extra` items commit in the same
   * transaction (a deactivation's revocation marker and its audit record), and the events built by
   * `events` leave with the audit record. Throws `StaleUser` or `DuplicateUser`.
   */
  async replace(
    ctx: AuditContext,
    workspace: Workspace,
    before: User,
    draft: UserDraft,
    action: string,
    now = new Date(),
    opts: { extra?: TransactItem[]; events?: (next: User) => LifecycleEvent[]; groups?: UserGroup[] } = {},
  ): Promise<User> {
    const next = this.applyDraft(workspace, before, draft, now, opts.groups);
    const items = UserRepo.replaceItems(before, next);
    if (items.length + (opts.extra?.length ?? 0) + 1 > MAX_TRANSACTION_ITEMS) {
      throw new AppError(400, 'too_many_values', 'This change touches too many index items at once; send fewer e-mail addresses.');
    }
    try {
      await this.db.transact([
        ...items,
        ...(opts.extra ?? []),
        auditPut(ctx, { action, target: { type: 'user', id: next.id }, before, after: next, events: opts.events?.(next) ?? [] }, now),
      ]);
    } catch (err) {
      throw mapGuardFailure(err, items, next);
    }
    return next;
  }

  /**
   * The next state of a user after a write of `draft` (pure). Roles are recomputed only when what
   * they derive from changed (the SCIM `roles`), from `groups` when given (a consistent read of the
   * role-mapped memberships); otherwise the stored ones are kept, and the write's condition on
   * `accessVersion` keeps a concurrent membership change from being overwritten.
   */
  applyDraft(workspace: Workspace, before: User, draft: UserDraft, now: Date, groups?: UserGroup[]): User {
    const scimRoles = draft.scimRoles ?? [];
    const access = sameRoles(scimRoles, before.scimRoles) && groups === undefined
      ? { roles: before.roles, grants: before.grants }
      : effectiveAccess(workspace, { scimRoles, groups: groups ?? before.groups, ...(before.idpGroups ? { idpGroups: before.idpGroups } : {}) });
    const next: User = {
      id: before.id,
      teamId: before.teamId,
      userName: draft.userName,
      active: draft.active,
      emails: draft.emails,
      roles: access.roles,
      grants: access.grants,
      scimRoles,
      entitlements: draft.entitlements ?? [],
      groups: before.groups,
      attributes: draft.attributes ?? {},
      extensions: draft.extensions ?? {},
      createdAt: before.createdAt,
      updatedAt: now.toISOString(),
      version: before.version + 1,
      source: before.source,
    };
    if (before.accessVersion !== undefined) next.accessVersion = before.accessVersion;
    if (draft.externalId !== undefined) next.externalId = draft.externalId;
    if (draft.name !== undefined) next.name = draft.name;
    if (draft.displayName !== undefined) next.displayName = draft.displayName;
    if (before.idpGroups) next.idpGroups = before.idpGroups;
    return next;
  }

  /** Transaction items that move `before` to `next` (the user item is always the first). */
  static replaceItems(before: User, next: User): TransactItem[] {
    const t = before.teamId;
    const items: TransactItem[] = [
      {
        Put: {
          Item: toItem(next),
          ...accessCondition('attribute_exists(pk) AND version = :v', before.accessVersion, { ':v': before.version }),
        },
      },
    ];
    if (fold(before.userName) !== fold(next.userName)) {
      items.push({ Delete: { Key: keys.userName(t, before.userName) } });
      items.push({ Put: { Item: guardItem(next), ConditionExpression: 'attribute_not_exists(pk)' } });
    } else {
      // Same uniqueness item (ours): refresh its copy of the user.
      items.push({ Put: { Item: guardItem(next) } });
    }
    const was = new Set(indexedEmails(before));
    const is = new Set(indexedEmails(next));
    for (const e of was) if (!is.has(e)) items.push({ Delete: { Key: keys.userEmail(t, e, next.id) } });
    for (const e of is) if (!was.has(e)) items.push({ Put: { Item: { ...keys.userEmail(t, e, next.id), type: 'userEmail' } } });
    return items;
  }

  /**
   * Deletes a user (Entra sends DELETE; Okta never does). The first transaction makes the user
   * unusable at once: the user, its uniqueness and index items, the counter, the revocation
   * marker and the audit record (with its events) — plus as many of its membership edges as fit —
   * and a tombstone while edges remain. `finishDelete` removes the rest; a retried DELETE calls it
   * again, so a failure half-way converges (review #2).
   */
  async delete(
    ctx: AuditContext,
    before: User,
    now = new Date(),
    opts: { revocation: TransactItem; groupIds: readonly string[]; events?: LifecycleEvent[] },
  ): Promise<void> {
    const t = before.teamId;
    const items: TransactItem[] = [
      {
        Delete: {
          Key: keys.user(t, before.id),
          ...accessCondition('version = :v', before.accessVersion, { ':v': before.version }),
        },
      },
      { Delete: { Key: keys.userName(t, before.userName) } },
      ...indexedEmails(before).map((e): TransactItem => ({ Delete: { Key: keys.userEmail(t, e, before.id) } })),
      counterAdd(t, USER_COUNTER, -1),
      opts.revocation,
      auditPut(ctx, { action: 'user.deleted', target: { type: 'user', id: before.id }, before, events: opts.events ?? [] }, now),
    ];
    const room = MAX_TRANSACTION_ITEMS - items.length - 1;
    const inline = opts.groupIds.slice(0, Math.max(0, room));
    for (const g of inline) items.push({ Delete: { Key: edgeKey(t, g, before.id) } });
    if (inline.length < opts.groupIds.length) {
      items.push({ Put: { Item: { ...keys.userTombstone(t, before.id), type: 'userTombstone', teamId: t, userId: before.id, deletedAt: now.toISOString(), ttl: Math.floor(now.getTime() / 1000) + TOMBSTONE_TTL_SECONDS } } });
    }
    try {
      await this.db.transact(items);
    } catch (err) {
      if (err instanceof ConditionFailed && err.failedIndexes.includes(0)) throw new StaleUser(before.id);
      throw err;
    }
    if (inline.length < opts.groupIds.length) await this.finishDelete(t, before.id);
  }

  /** Key of a deleted user's tombstone (read with the user by a retried DELETE). */
  static tombstoneKey(teamId: string, id: string): Key {
    return keys.userTombstone(teamId, id);
  }

  /**
   * Completes a deletion: removes the membership edges the deletion's transaction could not hold,
   * then the tombstone. Idempotent; safe to repeat after any failure.
   */
  async finishDelete(teamId: string, userId: string): Promise<void> {
    const groups = await this.groupsOf(teamId, userId);
    await this.db.batchWrite(groups.map((g) => ({ delete: edgeKey(teamId, g.value, userId) })));
    await this.db.delete(keys.userTombstone(teamId, userId));
  }

  /**
   * A transaction item that writes recomputed roles and grants (no SCIM version bump: the IdP did
   * not change the user) if nothing else changed the user's derived access since it was read at
   * `accessVersion`, and bumps that version (review #3: a lost race retries, never overwrites).
   */
  static accessUpdate(teamId: string, userId: string, access: { roles: string[]; grants: string[] }, accessVersion: number | undefined): TransactItem {
    const cond = accessCondition('attribute_exists(pk)', accessVersion, { ':r': access.roles, ':g': access.grants, ':next': (accessVersion ?? 0) + 1 });
    return {
      Update: {
        Key: keys.user(teamId, userId),
        UpdateExpression: 'SET #r = :r, grants = :g, accessVersion = :next',
        ExpressionAttributeNames: { '#r': 'roles' },
        ...cond,
      },
    };
  }

  /**
   * Writes recomputed roles and grants (after a role-mapping change or a mapped group's rename or
   * deletion), audited `role.changed` with its event. Throws `StaleUser` when the user's derived
   * access changed since it was read: the caller re-reads and recomputes.
   */
  async setAccess(ctx: AuditContext, user: User, access: { roles: string[]; grants: string[] }, events: LifecycleEvent[] = []): Promise<User> {
    try {
      await this.db.transact([
        UserRepo.accessUpdate(user.teamId, user.id, access, user.accessVersion),
        auditPut(ctx, { action: 'role.changed', target: { type: 'user', id: user.id }, before: { roles: user.roles, grants: user.grants }, after: access, events }),
      ]);
    } catch (err) {
      if (err instanceof ConditionFailed) throw new StaleUser(user.id);
      throw err;
    }
    return { ...user, roles: access.roles, grants: access.grants, accessVersion: (user.accessVersion ?? 0) + 1 };
  }

  /** One page of a workspace's users in id (= creation) order, after the id `after`. */
  async page(teamId: string, after: string | undefined, limit: number): Promise<{ users: User[]; last?: string; more: boolean }> {
    const page: MergedPage = await mergeShards(this.db, UserRepo.listing(teamId), after, limit);
    return { users: page.items.map((it) => fromItem(it)), ...(page.last !== undefined ? { last: page.last } : {}), more: page.more };
  }

  /** The sharded gsi1 listing of a workspace's users. */
  static listing(teamId: string) {
    return { index: 'gsi1' as const, partitions: Array.from({ length: LIST_SHARDS }, (_, s) => keys.userListingPartition(teamId, s)) };
  }

  /** Number of users (sum of the counter shards: one query, never a count of the users themselves). */
  async count(teamId: string): Promise<number> {
    return readCounter(this.db, teamId, USER_COUNTER);
  }
}

/** DynamoDB's limit on the items of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/** How long a deleted user's tombstone waits for a retry to finish the cleanup. */
const TOMBSTONE_TTL_SECONDS = 30 * 86_400;

function edgeKey(teamId: string, groupId: string, userId: string): Key {
  const k = keys.membership(teamId, groupId, userId);
  return { pk: k.pk, sk: k.sk };
}

function sameRoles(a: readonly MultiValue[], b: readonly MultiValue[]): boolean {
  return JSON.stringify(a.map((r) => [r.value, r.primary === true])) === JSON.stringify(b.map((r) => [r.value, r.primary === true]));
}

/**
 * A write condition that also requires the derived-access version to be the one the writer read
 * (absent counts as 0), merged with the caller's condition and values.
 */
function accessCondition(
  base: string,
  accessVersion: number | undefined,
  values: Record<string, unknown>,
): { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> } {
  const a = accessVersion ?? 0;
  const cond = a === 0 ? 'attribute_not_exists(accessVersion) OR accessVersion = :av' : 'accessVersion = :av';
  return { ConditionExpression: `${base} AND (${cond})`, ExpressionAttributeValues: { ...values, ':av': a } };
}

/** A transaction item adding `delta` to one random shard of a counter. */
export function counterAdd(teamId: string, counted: string, delta: number): TransactItem {
  return {
    Update: {
      Key: keys.counter(teamId, counted, counterShard()),
      UpdateExpression: 'ADD n :d',
      ExpressionAttributeValues: { ':d': delta },
    },
  };
}

/** Sums a sharded counter in one query. */
export async function readCounter(db: Db, teamId: string, counted: string): Promise<number> {
  const out = await db.query({
    KeyConditionExpression: 'pk = :p',
    ExpressionAttributeValues: { ':p': keys.counterPartition(teamId, counted) },
  });
  return Math.max(0, (out.Items ?? []).reduce((s, it) => s + (typeof it.n === 'number' ? it.n : 0), 0));
}

/** Turns a failed create/replace transaction into the domain error that explains it. */
function mapGuardFailure(err: unknown, items: TransactItem[], u: User): unknown {
  if (!(err instanceof ConditionFailed)) return err;
  for (const i of err.failedIndexes) {
    const item = items[i];
    const type = item?.Put?.Item?.type;
    if (type === 'userName') return new DuplicateUser('userName', u.userName);
  }
  if (err.failedIndexes.includes(0)) return new StaleUser(u.id);
  return err;
}
