import type { Group, GroupDraft } from '../core/model/group.js';
import { keys, LIST_SHARDS, type Key } from './keys.js';
import { ConditionFailed, type Db, type Item, type TransactItem } from './client.js';
import { auditPut } from './audit-items.js';
import type { AuditContext } from '../core/audit.js';
import type { LifecycleEvent } from '../core/events.js';
import { sortableId } from '../core/crypto.js';
import { AppError, Conflict } from '../core/errors.js';
import { effectiveAccess, isMappedGroup } from '../core/roles.js';
import { mergeShards } from './shards.js';
import { counterAdd, readCounter, StaleUser, UserRepo } from './users.js';
import type { UserGroup } from '../core/model/user.js';
import type { Workspace } from '../core/model/workspace.js';

/** Another group already has this displayName or externalId. */
export class DuplicateGroup extends Conflict {
  readonly field: 'displayName' | 'externalId';
  constructor(field: 'displayName' | 'externalId', value: string) {
    super(`A group with ${field} "${value}" already exists in this workspace.`);
    this.field = field;
  }
}

/** The group changed between read and write. */
export class StaleGroup extends AppError {
  constructor(id: string) {
    super(409, 'conflict', `Group ${id} was modified concurrently.`);
  }
}

/** Members named in an add do not exist as users of the workspace. */
export class UnknownMembers extends AppError {
  readonly ids: string[];
  constructor(ids: string[]) {
    super(400, 'unknown_members', `No user with id ${ids.slice(0, 5).map((i) => `"${i}"`).join(', ')}${ids.length > 5 ? ` (and ${ids.length - 5} more)` : ''} exists in this workspace.`);
    this.ids = ids;
  }
}

/** What a membership change did (for events and the caller's response). */
export interface MembershipResult {
  added: string[];
  removed: string[];
  /** Users whose effective roles changed because the group is role-mapped (seed 001). */
  roleChanges: { userId: string; before: string[]; after: string[]; grants: string[] }[];
}

/**
 * A membership change kept losing races with concurrent changes of the same users (more than
 * `MEMBER_WRITE_ATTEMPTS` times): 503 with `Retry-After`, so the IdP retries it (nothing of the
 * lost batches was written).
 */
class MembershipContended extends AppError {
  constructor(groupId: string) {
    super(503, 'contended', `Members of group ${groupId} are being changed concurrently; retry.`, { headers: { 'retry-after': '1' } });
  }
}

/** Attempts of a membership change whose conditions lost to concurrent writers. */
const MEMBER_WRITE_ATTEMPTS = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Name of the sharded counter of a workspace's groups. */
const GROUP_COUNTER = 'groups';
/** Edges (plus one audit record) per transaction: DynamoDB's limit is 100 items. */
const EDGES_PER_TX = 99;

const STORAGE_ATTRS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'type', 'ttl']);

function toItem(g: Group): Item {
  return { ...keys.group(g.teamId, g.id), ...keys.groupListing(g.teamId, g.id), type: 'group', ...g };
}

function fromItem(item: Item): Group {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!STORAGE_ATTRS.has(k)) out[k] = v;
  const g = out as unknown as Group;
  g.extensions ??= {};
  return g;
}

function edgeItem(teamId: string, groupId: string, userId: string, display: string): Item {
  return { ...keys.membership(teamId, groupId, userId), type: 'membership', groupId, userId, display };
}

const fold = (s: string) => s.toLowerCase();

/**
 * Groups of a workspace and their membership edges. A membership is one item per (group, user),
 * spread over `LIST_SHARDS` partitions per group and indexed per user (gsi2): adding or removing
 * one member writes one item whether the group has 10 or 100,000 members.
 */
export class GroupRepo {
  constructor(private readonly db: Db) {}

  static key(teamId: string, id: string): Key {
    return keys.group(teamId, id);
  }

  static displayNameKey(teamId: string, displayName: string): Key {
    return keys.groupName(teamId, displayName);
  }

  static externalIdKey(teamId: string, externalId: string): Key {
    return keys.groupExternalId(teamId, externalId);
  }

  /** Key of a membership edge (for `batchGet`s that check who is a member already). */
  static edgeKey(teamId: string, groupId: string, userId: string): Key {
    const k = keys.membership(teamId, groupId, userId);
    return { pk: k.pk, sk: k.sk };
  }

  static fromItem(item: Item): Group {
    return fromItem(item);
  }

  async get(teamId: string, id: string): Promise<Group | undefined> {
    const item = await this.db.get(keys.group(teamId, id));
    return item ? fromItem(item) : undefined;
  }

  async findByDisplayName(teamId: string, displayName: string): Promise<Group | undefined> {
    const g = await this.db.get(keys.groupName(teamId, displayName));
    return g && typeof g.groupId === 'string' ? this.get(teamId, g.groupId) : undefined;
  }

  async getMany(teamId: string, ids: readonly string[]): Promise<Map<string, Group>> {
    const items = await this.db.batchGet(ids.map((id) => keys.group(teamId, id)));
    const out = new Map<string, Group>();
    for (const it of items) if (it) out.set(String(it.id), fromItem(it));
    return out;
  }

  build(teamId: string, draft: GroupDraft, now: Date): Group {
    const iso = now.toISOString();
    const g: Group = {
      id: sortableId(now.getTime()),
      teamId,
      displayName: draft.displayName,
      extensions: draft.extensions ?? {},
      createdAt: iso,
      updatedAt: iso,
      version: 1,
    };
    if (draft.externalId !== undefined) g.externalId = draft.externalId;
    return g;
  }

  /** Creates a group with its uniqueness items, counter shard and audit record (`group.created`). */
  async create(ctx: AuditContext, teamId: string, draft: GroupDraft, now = new Date(), events: (g: Group) => LifecycleEvent[] = () => []): Promise<Group> {
    const g = this.build(teamId, draft, now);
    const items: TransactItem[] = [
      { Put: { Item: toItem(g), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { Item: { ...keys.groupName(teamId, g.displayName), type: 'groupName', groupId: g.id }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ];
    if (g.externalId !== undefined) {
      items.push({ Put: { Item: { ...keys.groupExternalId(teamId, g.externalId), type: 'groupExternalId', groupId: g.id }, ConditionExpression: 'attribute_not_exists(pk)' } });
    }
    items.push(counterAdd(teamId, GROUP_COUNTER, 1));
    try {
      await this.db.transact([...items, auditPut(ctx, { action: 'group.created', target: { type: 'group', id: g.id }, after: g, events: events(g) }, now)]);
    } catch (err) {
      throw mapGuardFailure(err, items, g);
    }
    return g;
  }

  /** Replaces a group's attributes if its version is unchanged, moving uniqueness items; audited `group.updated`. */
  async replace(ctx: AuditContext, before: Group, draft: GroupDraft, now = new Date(), events: (next: Group) => LifecycleEvent[] = () => []): Promise<Group> {
    const t = before.teamId;
    const next: Group = {
      id: before.id,
      teamId: t,
      displayName: draft.displayName,
      extensions: draft.extensions ?? {},
      createdAt: before.createdAt,
      updatedAt: now.toISOString(),
      version: before.version + 1,
    };
    if (draft.externalId !== undefined) next.externalId = draft.externalId;
    const items: TransactItem[] = [
      { Put: { Item: toItem(next), ConditionExpression: 'attribute_exists(pk) AND version = :v', ExpressionAttributeValues: { ':v': before.version } } },
    ];
    if (fold(before.displayName) !== fold(next.displayName)) {
      items.push({ Delete: { Key: keys.groupName(t, before.displayName) } });
      items.push({ Put: { Item: { ...keys.groupName(t, next.displayName), type: 'groupName', groupId: next.id }, ConditionExpression: 'attribute_not_exists(pk)' } });
    }
    if (before.externalId !== next.externalId) {
      if (before.externalId !== undefined) items.push({ Delete: { Key: keys.groupExternalId(t, before.externalId) } });
      if (next.externalId !== undefined) {
        items.push({ Put: { Item: { ...keys.groupExternalId(t, next.externalId), type: 'groupExternalId', groupId: next.id }, ConditionExpression: 'attribute_not_exists(pk)' } });
      }
    }
    try {
      await this.db.transact([...items, auditPut(ctx, { action: 'group.updated', target: { type: 'group', id: next.id }, before, after: next, events: events(next) }, now)]);
    } catch (err) {
      throw mapGuardFailure(err, items, next);
    }
    return next;
  }

  /**
   * Deletes a group: its item, uniqueness items, counter, audit record (with its events) and a
   * tombstone in one transaction, then its membership edges, then — when it was role-mapped — the
   * former members' roles, then the tombstone. A failure after the first transaction leaves the
   * tombstone, and a retried DELETE (`finishDelete`) completes the rest (review #2's shape for
   * groups). Returns the former members.
   */
  async delete(
    ctx: AuditContext,
    workspace: Workspace,
    before: Group,
    now = new Date(),
    events: LifecycleEvent[] = [],
    roleEvents: (c: MembershipResult['roleChanges'][number]) => LifecycleEvent[] = () => [],
  ): Promise<{ members: string[]; roleChanges: MembershipResult['roleChanges'] }> {
    const t = before.teamId;
    try {
      await this.db.transact([
        { Delete: { Key: keys.group(t, before.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } },
        { Delete: { Key: keys.groupName(t, before.displayName) } },
        ...(before.externalId !== undefined ? [{ Delete: { Key: keys.groupExternalId(t, before.externalId) } }] : []),
        counterAdd(t, GROUP_COUNTER, -1),
        { Put: { Item: { ...keys.groupTombstone(t, before.id), type: 'groupTombstone', teamId: t, groupId: before.id, displayName: before.displayName, ttl: Math.floor(now.getTime() / 1000) + 30 * 86_400 } } },
        auditPut(ctx, { action: 'group.deleted', target: { type: 'group', id: before.id }, before, events }, now),
      ]);
    } catch (err) {
      if (err instanceof ConditionFailed && err.failedIndexes.includes(0)) throw new StaleGroup(before.id);
      throw err;
    }
    return this.finishDelete(ctx, workspace, before.id, before.displayName, roleEvents);
  }

  /** Key of a deleted group's tombstone (a retried DELETE reads it with the group). */
  static tombstoneKey(teamId: string, id: string): Key {
    return keys.groupTombstone(teamId, id);
  }

  /**
   * Completes a group's deletion: removes its edges, recomputes the former members' roles when the
   * group was role-mapped, then removes the tombstone. Idempotent.
   */
  async finishDelete(
    ctx: AuditContext,
    workspace: Workspace,
    groupId: string,
    displayName: string,
    roleEvents: (c: MembershipResult['roleChanges'][number]) => LifecycleEvent[] = () => [],
  ): Promise<{ members: string[]; roleChanges: MembershipResult['roleChanges'] }> {
    const t = workspace.id;
    const members = await this.allMemberIds(t, groupId);
    await this.db.batchWrite(members.map((u) => ({ delete: GroupRepo.edgeKey(t, groupId, u) })));
    const roleChanges = isMappedGroup(workspace, displayName) ? await this.recompute(ctx, workspace, members, roleEvents) : [];
    await this.db.delete(keys.groupTombstone(t, groupId));
    return { members, roleChanges };
  }

  /** One page of groups in id (= creation) order. */
  async page(teamId: string, after: string | undefined, limit: number): Promise<{ groups: Group[]; last?: string; more: boolean }> {
    const p = await mergeShards(this.db, GroupRepo.listing(teamId), after, limit);
    return { groups: p.items.map(fromItem), ...(p.last !== undefined ? { last: p.last } : {}), more: p.more };
  }

  static listing(teamId: string) {
    return { index: 'gsi1' as const, partitions: Array.from({ length: LIST_SHARDS }, (_, s) => keys.groupListingPartition(teamId, s)) };
  }

  static memberListing(teamId: string, groupId: string) {
    return { partitions: Array.from({ length: LIST_SHARDS }, (_, s) => keys.membershipPartition(teamId, groupId, s)) };
  }

  async count(teamId: string): Promise<number> {
    return readCounter(this.db, teamId, GROUP_COUNTER);
  }

  /** One page of a group's member ids, in user-id order. */
  async memberPage(teamId: string, groupId: string, after: string | undefined, limit: number): Promise<{ ids: string[]; last?: string; more: boolean }> {
    const p = await mergeShards(this.db, GroupRepo.memberListing(teamId, groupId), after, limit, true);
    return { ids: p.items.map((it) => String(it.sk)), ...(p.last !== undefined ? { last: p.last } : {}), more: p.more };
  }

  /** Every member id of a group (bounded by `max`): for reads of the whole group and replace-all. */
  async allMemberIds(teamId: string, groupId: string, max = 200_000): Promise<string[]> {
    const parts = await Promise.all(
      GroupRepo.memberListing(teamId, groupId).partitions.map((p) =>
        this.db.queryAll({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': p }, ProjectionExpression: 'sk' }, max),
      ),
    );
    return parts
      .flat()
      .map((it) => String(it.sk))
      .sort();
  }

  /** Ids of the groups a user is in, with their displayName as recorded on the edge. */
  async groupsOf(teamId: string, userId: string): Promise<UserGroup[]> {
    return new UserRepo(this.db).groupsOf(teamId, userId);
  }

  /**
   * The role-mapped groups each user is in, read with strong consistency from the edges themselves
   * (not from the per-user index, which lags): the workspace's mapped group names resolve to group
   * ids through their uniqueness items, then one edge key per (mapped group, user). Derived access
   * computed from this read, and written under the user's `accessVersion` read BEFORE it, cannot
   * miss a membership change that committed earlier (review #3).
   */
  async mappedMemberships(workspace: Workspace, userIds: readonly string[]): Promise<Map<string, UserGroup[]>> {
    const t = workspace.id;
    const out = new Map<string, UserGroup[]>(userIds.map((u) => [u, []]));
    const names = [...new Set(workspace.roleMappings.groups.map((m) => m.group.trim()))];
    if (names.length === 0 || userIds.length === 0) return out;
    const guards = await this.db.batchGet(names.map((n) => keys.groupName(t, n)));
    const mapped = guards.flatMap((g, i) => (g && typeof g.groupId === 'string' ? [{ id: g.groupId, name: names[i]! }] : []));
    if (mapped.length === 0) return out;
    const pairs = userIds.flatMap((u) => mapped.map((g) => ({ u, g })));
    const edges = await this.db.batchGet(pairs.map(({ u, g }) => GroupRepo.edgeKey(t, g.id, u)));
    pairs.forEach(({ u, g }, i) => {
      if (edges[i]) out.get(u)!.push({ value: g.id, display: g.name });
    });
    return out;
  }

  /**
   * Adds and removes members so that concurrent and repeated requests converge (review #3, #7):
   *
   * - an edge is written only if absent (`add`) or present (`remove`), so of 30 identical adds one
   *   wins, and only winners get an audit record and events;
   * - when the group is role-mapped (seed 001), each affected user's roles are recomputed from a
   *   consistent read of the mapped memberships and written in the SAME transaction as the edge,
   *   conditioned on the user's `accessVersion` — a concurrent change of another mapped group makes
   *   the transaction fail and this one re-reads and retries, so the stored roles end where the
   *   memberships say;
   * - a re-sent change whose edges are in place still repairs stored roles that disagree with the
   *   memberships (a retry completes what a failure interrupted).
   *
   * `known` may carry items the caller already read (edges and users, prefetched with
   * authentication); they are used on the first attempt only. Writes run in transactions of up to
   * 99 items (edges, user updates, one audit record), in parallel. `events` builds the lifecycle
   * events of each committed batch; they leave with its audit record.
   *
   * Throws `UnknownMembers` (nothing written) when an added id is not a user of the workspace.
   */
  async changeMembers(
    ctx: AuditContext,
    workspace: Workspace,
    group: Group,
    change: { add: readonly string[]; remove: readonly string[] },
    known: Map<string, Item | undefined> = new Map(),
    now = new Date(),
    events: (batch: MembershipResult) => LifecycleEvent[] = () => [],
  ): Promise<MembershipResult> {
    const t = group.teamId;
    const add = [...new Set(change.add)];
    const remove = [...new Set(change.remove)].filter((id) => !add.includes(id));
    const keyId = (k: Key) => `${k.pk}\u0000${k.sk}`;
    const mapped = isMappedGroup(workspace, group.displayName);
    const result: MembershipResult = { added: [], removed: [], roleChanges: [] };
    let pendingAdd = add;
    let pendingRemove = remove;
    let seen = known;

    for (let attempt = 1; ; attempt++) {
      // A retry stamps its audit records anew: it commits after the writer it lost to, and the
      // audit trail (and the order of role.changed events) must say so.
      const stamp = attempt === 1 ? now : new Date(Math.max(Date.now(), now.getTime() + 1));
      const wanted: Key[] = [];
      for (const id of pendingAdd) wanted.push(GroupRepo.edgeKey(t, group.id, id), UserRepo.key(t, id));
      for (const id of pendingRemove) wanted.push(GroupRepo.edgeKey(t, group.id, id));
      // Role-mapped: the user items are needed for their roles and accessVersion, read before the edges.
      if (mapped) for (const id of pendingRemove) wanted.push(UserRepo.key(t, id));
      const missing = wanted.filter((k) => !seen.has(keyId(k)));
      if (missing.length > 0) {
        const items = await this.db.batchGet(missing);
        missing.forEach((k, i) => seen.set(keyId(k), items[i]));
      }
      const userItem = (id: string) => seen.get(keyId(UserRepo.key(t, id)));
      const edge = (id: string) => seen.get(keyId(GroupRepo.edgeKey(t, group.id, id)));
      if (attempt === 1) {
        const unknown = pendingAdd.filter((id) => !userItem(id));
        if (unknown.length > 0) throw new UnknownMembers(unknown);
      }
      const toAdd = pendingAdd.filter((id) => userItem(id) && !edge(id));
      const toRemove = pendingRemove.filter((id) => edge(id));

      // Derived access of every named user that still exists: the changed ones always get a
      // version bump (a concurrent recompute must notice them), the unchanged ones only a repair.
      const accessItems = new Map<string, TransactItem>();
      const roleChanges: MembershipResult['roleChanges'] = [];
      if (mapped) {
        const named = [...pendingAdd, ...pendingRemove].filter((id) => userItem(id));
        const memberships = await this.mappedMemberships(workspace, named);
        for (const id of named) {
          const u = UserRepo.fromItem(userItem(id)!);
          let groups = memberships.get(id) ?? [];
          if (toAdd.includes(id)) groups = [...groups.filter((g) => g.value !== group.id), { value: group.id, display: group.displayName }];
          if (toRemove.includes(id)) groups = groups.filter((g) => g.value !== group.id);
          const access = effectiveAccess(workspace, { ...u, groups });
          const differs = !sameList(access.roles, u.roles) || !sameList(access.grants, u.grants);
          if (differs || toAdd.includes(id) || toRemove.includes(id)) accessItems.set(id, UserRepo.accessUpdate(t, id, access, u.accessVersion));
          if (differs) roleChanges.push({ userId: id, before: u.roles, after: access.roles, grants: access.grants });
        }
      }

      const ops: { userId: string; item?: TransactItem; kind: 'add' | 'remove' | 'repair' }[] = [
        ...toAdd.map((userId) => ({
          userId,
          kind: 'add' as const,
          item: { Put: { Item: edgeItem(t, group.id, userId, group.displayName), ConditionExpression: 'attribute_not_exists(pk)' } },
        })),
        ...toRemove.map((userId) => ({
          userId,
          kind: 'remove' as const,
          item: { Delete: { Key: GroupRepo.edgeKey(t, group.id, userId), ConditionExpression: 'attribute_exists(pk)' } },
        })),
        ...[...accessItems.keys()].filter((id) => !toAdd.includes(id) && !toRemove.includes(id)).map((userId) => ({ userId, kind: 'repair' as const })),
      ];
      if (ops.length === 0) return result;

      const perTx = accessItems.size > 0 ? Math.floor(EDGES_PER_TX / 2) : EDGES_PER_TX;
      const chunks = Math.ceil(ops.length / perTx);
      // Even chunks: two half-full transactions finish sooner than a full one and a straggler.
      const size = Math.ceil(ops.length / chunks);
      const batches: (typeof ops)[] = [];
      for (let i = 0; i < ops.length; i += size) batches.push(ops.slice(i, i + size));
      const outcomes = await Promise.allSettled(
        batches.map(async (batch) => {
          const part: MembershipResult = {
            added: batch.filter((o) => o.kind === 'add').map((o) => o.userId),
            removed: batch.filter((o) => o.kind === 'remove').map((o) => o.userId),
            roleChanges: roleChanges.filter((c) => batch.some((o) => o.userId === c.userId)),
          };
          await this.db.transact([
            ...batch.flatMap((o) => (o.item ? [o.item] : [])),
            ...batch.flatMap((o) => (accessItems.has(o.userId) ? [accessItems.get(o.userId)!] : [])),
            auditPut(
              ctx,
              {
                action: part.added.length + part.removed.length > 0 ? 'group.members_changed' : 'role.changed',
                target: { type: 'group', id: group.id },
                after: {
                  displayName: group.displayName,
                  added: part.added,
                  removed: part.removed,
                  ...(part.roleChanges.length > 0 ? { roleChanges: part.roleChanges } : {}),
                },
                events: events(part),
              },
              stamp,
            ),
          ]);
          return part;
        }),
      );
      const failed: (typeof ops)[] = [];
      outcomes.forEach((o, i) => {
        if (o.status === 'fulfilled') {
          result.added.push(...o.value.added);
          result.removed.push(...o.value.removed);
          result.roleChanges.push(...o.value.roleChanges);
        } else {
          if (!(o.reason instanceof ConditionFailed)) throw o.reason;
          failed.push(batches[i]!);
        }
      });
      if (failed.length === 0) return result;
      // A condition failed: another request changed one of these edges or users first. Re-read
      // everything the failed batches named and re-plan them; the winners' work is not redone.
      if (attempt >= MEMBER_WRITE_ATTEMPTS) throw new MembershipContended(group.id);
      const retry = new Set(failed.flat().map((o) => o.userId));
      pendingAdd = pendingAdd.filter((id) => retry.has(id));
      pendingRemove = pendingRemove.filter((id) => retry.has(id));
      seen = new Map();
      await sleep(Math.random() * 20 * attempt);
    }
  }

  /**
   * Rewrites the group name recorded on every edge after a rename (rare: Okta re-sends the same
   * name with every membership update, and an unchanged name costs nothing), and recomputes the
   * members' roles when the old or the new name is role-mapped.
   */
  async propagateRename(
    ctx: AuditContext,
    workspace: Workspace,
    before: Group,
    after: Group,
    roleEvents: (c: MembershipResult['roleChanges'][number]) => LifecycleEvent[] = () => [],
  ): Promise<MembershipResult['roleChanges']> {
    if (before.displayName === after.displayName) return [];
    const t = after.teamId;
    const members = await this.allMemberIds(t, after.id);
    await this.db.batchWrite(members.map((u) => ({ put: edgeItem(t, after.id, u, after.displayName) })));
    if (!isMappedGroup(workspace, before.displayName) && !isMappedGroup(workspace, after.displayName)) return [];
    return this.recompute(ctx, workspace, members, roleEvents);
  }

  /**
   * Recomputes and writes the roles of some users (after a role-mapping change, or a mapped group's
   * rename or deletion) from a consistent read of their mapped memberships, each under its
   * `accessVersion`: a user whose access changed concurrently is re-read and recomputed. `events`
   * builds each change's `role.changed` events (they leave with its audit record).
   */
  async recompute(
    ctx: AuditContext,
    workspace: Workspace,
    userIds: readonly string[],
    events: (c: MembershipResult['roleChanges'][number]) => LifecycleEvent[] = () => [],
  ): Promise<MembershipResult['roleChanges']> {
    const repo = new UserRepo(this.db);
    const changes: MembershipResult['roleChanges'] = [];
    for (let i = 0; i < userIds.length; i += 100) {
      let pending = userIds.slice(i, i + 100);
      for (let attempt = 1; pending.length > 0; attempt++) {
        const users = await repo.getMany(workspace.id, pending);
        const memberships = await this.mappedMemberships(workspace, [...users.keys()]);
        const lost: string[] = [];
        await Promise.all(
          [...users.values()].map(async (u) => {
            const access = effectiveAccess(workspace, { ...u, groups: memberships.get(u.id) ?? [] });
            if (sameList(access.roles, u.roles) && sameList(access.grants, u.grants)) return;
            const change = { userId: u.id, before: u.roles, after: access.roles, grants: access.grants };
            try {
              await repo.setAccess(ctx, u, access, events(change));
              changes.push(change);
            } catch (err) {
              if (!(err instanceof StaleUser)) throw err;
              lost.push(u.id);
            }
          }),
        );
        if (lost.length > 0 && attempt >= MEMBER_WRITE_ATTEMPTS) throw new MembershipContended('(recompute)');
        pending = lost;
      }
    }
    return changes;
  }


}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function mapGuardFailure(err: unknown, items: TransactItem[], g: Group): unknown {
  if (!(err instanceof ConditionFailed)) return err;
  for (const i of err.failedIndexes) {
    const type = items[i]?.Put?.Item?.type;
    if (type === 'groupName') return new DuplicateGroup('displayName', g.displayName);
    if (type === 'groupExternalId') return new DuplicateGroup('externalId', g.externalId ?? '');
  }
  if (err.failedIndexes.includes(0)) return new StaleGroup(g.id);
  return err;
}

