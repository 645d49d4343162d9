import { keys, LIST_SHARDS, type Key } from '../db/keys.js';
import { ConditionFailed, type Db, type Item, type TransactItem } from '../db/client.js';
import { auditPut, type AuditContext } from '../audit.js';
import { sortableId } from '../crypto.js';
import { AppError, Conflict } from '../errors.js';
import { effectiveAccess, isMappedGroup } from '../roles.js';
import { mergeShards } from '../scim/shards.js';
import { counterAdd, readCounter, UserRepo, type User, type UserGroup } from './users.js';
import type { Workspace } from './workspaces.js';

/** A SCIM group (Okta Push Groups, Entra groups). Members are edges, never a list on this item. */
export interface Group {
  id: string;
  teamId: string;
  /** Unique per workspace, case-insensitively; group → role mappings match on it (seed 001). */
  displayName: string;
  externalId?: string;
  /** Extension objects by URN, kept as sent. */
  extensions: Record<string, Record<string, unknown>>;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface GroupDraft {
  displayName: string;
  externalId?: string;
  extensions?: Record<string, Record<string, unknown>>;
}

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

/** Name of the sharded counter of a workspace's groups. */
export const GROUP_COUNTER = 'groups';
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
  async create(ctx: AuditContext, teamId: string, draft: GroupDraft, now = new Date()): Promise<Group> {
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
      await this.db.transact([...items, auditPut(ctx, { action: 'group.created', target: { type: 'group', id: g.id }, after: g }, now)]);
    } catch (err) {
      throw mapGuardFailure(err, items, g);
    }
    return g;
  }

  /** Replaces a group's attributes if its version is unchanged, moving uniqueness items; audited `group.updated`. */
  async replace(ctx: AuditContext, before: Group, draft: GroupDraft, now = new Date()): Promise<Group> {
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
      await this.db.transact([...items, auditPut(ctx, { action: 'group.updated', target: { type: 'group', id: next.id }, before, after: next }, now)]);
    } catch (err) {
      throw mapGuardFailure(err, items, next);
    }
    return next;
  }

  /**
   * Deletes a group (its item, uniqueness items, counter, audit record in one transaction), then
   * its membership edges. The edges are derived data: an edge whose group is gone is invisible
   * (reads resolve groups), so removing them after the audited change is safe.
   */
  async delete(ctx: AuditContext, before: Group, now = new Date()): Promise<string[]> {
    const t = before.teamId;
    try {
      await this.db.transact([
        { Delete: { Key: keys.group(t, before.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } },
        { Delete: { Key: keys.groupName(t, before.displayName) } },
        ...(before.externalId !== undefined ? [{ Delete: { Key: keys.groupExternalId(t, before.externalId) } }] : []),
        counterAdd(t, GROUP_COUNTER, -1),
        auditPut(ctx, { action: 'group.deleted', target: { type: 'group', id: before.id }, before }, now),
      ]);
    } catch (err) {
      if (err instanceof ConditionFailed && err.failedIndexes.includes(0)) throw new StaleGroup(before.id);
      throw err;
    }
    const members = await this.allMemberIds(t, before.id);
    await this.db.batchWrite(members.map((u) => ({ delete: GroupRepo.edgeKey(t, before.id, u) })));
    return members;
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
   * Adds and removes members. `known` may carry items the caller already read (edges and users,
   * e.g. prefetched with authentication); anything missing is read here in one parallel round
   * trip. Only real changes are written, in transactions of up to 99 edges plus their audit
   * record, run in parallel; when the group is role-mapped (seed 001) each affected user's roles
   * are recomputed and written in the same transaction as the edge.
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
  ): Promise<MembershipResult> {
    const t = group.teamId;
    const add = [...new Set(change.add)];
    const remove = [...new Set(change.remove)].filter((id) => !add.includes(id));
    const keyId = (k: Key) => `${k.pk}\u0000${k.sk}`;
    const wanted: Key[] = [];
    for (const id of add) wanted.push(GroupRepo.edgeKey(t, group.id, id), UserRepo.key(t, id));
    for (const id of remove) wanted.push(GroupRepo.edgeKey(t, group.id, id));
    const missing = wanted.filter((k) => !known.has(keyId(k)));
    if (missing.length > 0) {
      const items = await this.db.batchGet(missing);
      missing.forEach((k, i) => known.set(keyId(k), items[i]));
    }
    const unknown = add.filter((id) => !known.get(keyId(UserRepo.key(t, id))));
    if (unknown.length > 0) throw new UnknownMembers(unknown);
    const toAdd = add.filter((id) => !known.get(keyId(GroupRepo.edgeKey(t, group.id, id))));
    const toRemove = remove.filter((id) => known.get(keyId(GroupRepo.edgeKey(t, group.id, id))));

    const result: MembershipResult = { added: toAdd, removed: toRemove, roleChanges: [] };
    if (toAdd.length === 0 && toRemove.length === 0) return result;

    // Role recompute only when this group's name is mapped: other groups cannot change roles.
    const mapped = isMappedGroup(workspace, group.displayName);
    const accessItems = new Map<string, TransactItem>();
    if (mapped) {
      const users = await new UserRepo(this.db).getMany(t, [...toAdd, ...toRemove]);
      await Promise.all(
        [...toAdd, ...toRemove].map(async (userId) => {
          const u = users.get(userId);
          if (!u) return;
          const others = (await this.groupsOf(t, userId)).filter((g) => g.value !== group.id);
          const groups = toAdd.includes(userId) ? [...others, { value: group.id, display: group.displayName }] : others;
          const access = effectiveAccess(workspace, { ...u, groups });
          if (!sameList(access.roles, u.roles) || !sameList(access.grants, u.grants)) {
            accessItems.set(userId, UserRepo.accessUpdate(t, userId, access));
            result.roleChanges.push({ userId, before: u.roles, after: access.roles, grants: access.grants });
          }
        }),
      );
    }

    const ops: { userId: string; item: TransactItem; kind: 'add' | 'remove' }[] = [
      ...toAdd.map((userId) => ({ userId, kind: 'add' as const, item: { Put: { Item: edgeItem(t, group.id, userId, group.displayName) } } })),
      ...toRemove.map((userId) => ({ userId, kind: 'remove' as const, item: { Delete: { Key: GroupRepo.edgeKey(t, group.id, userId) } } })),
    ];
    const perTx = accessItems.size > 0 ? Math.floor(EDGES_PER_TX / 2) : EDGES_PER_TX;
    const chunks = Math.ceil(ops.length / perTx);
    // Even chunks: two half-full transactions finish sooner than a full one and a straggler.
    const size = Math.ceil(ops.length / chunks);
    const batches: (typeof ops)[] = [];
    for (let i = 0; i < ops.length; i += size) batches.push(ops.slice(i, i + size));
    await Promise.all(
      batches.map((batch) => {
        const added = batch.filter((o) => o.kind === 'add').map((o) => o.userId);
        const removed = batch.filter((o) => o.kind === 'remove').map((o) => o.userId);
        const roleChanges = result.roleChanges.filter((c) => batch.some((o) => o.userId === c.userId));
        return this.db.transact([
          ...batch.map((o) => o.item),
          ...batch.flatMap((o) => (accessItems.has(o.userId) ? [accessItems.get(o.userId)!] : [])),
          auditPut(
            ctx,
            {
              action: 'group.members_changed',
              target: { type: 'group', id: group.id },
              after: { displayName: group.displayName, added, removed, ...(roleChanges.length > 0 ? { roleChanges } : {}) },
            },
            now,
          ),
        ]);
      }),
    );
    return result;
  }

  /**
   * Rewrites the group name recorded on every edge after a rename (rare: Okta re-sends the same
   * name with every membership update, and an unchanged name costs nothing), and recomputes the
   * members' roles when the old or the new name is role-mapped.
   */
  async propagateRename(ctx: AuditContext, workspace: Workspace, before: Group, after: Group): Promise<MembershipResult['roleChanges']> {
    if (before.displayName === after.displayName) return [];
    const t = after.teamId;
    const members = await this.allMemberIds(t, after.id);
    await this.db.batchWrite(members.map((u) => ({ put: edgeItem(t, after.id, u, after.displayName) })));
    if (!isMappedGroup(workspace, before.displayName) && !isMappedGroup(workspace, after.displayName)) return [];
    return this.recompute(ctx, workspace, members);
  }

  /** Recomputes and writes the roles of some users (after a mapped group's rename or deletion). */
  async recompute(ctx: AuditContext, workspace: Workspace, userIds: readonly string[]): Promise<MembershipResult['roleChanges']> {
    const repo = new UserRepo(this.db);
    const changes: MembershipResult['roleChanges'] = [];
    for (let i = 0; i < userIds.length; i += 100) {
      const users = await repo.getMany(workspace.id, userIds.slice(i, i + 100));
      await Promise.all(
        [...users.values()].map(async (u) => {
          const groups = await repo.groupsOf(workspace.id, u.id);
          const access = effectiveAccess(workspace, { ...u, groups });
          if (sameList(access.roles, u.roles) && sameList(access.grants, u.grants)) return;
          await repo.setAccess(ctx, u, access);
          changes.push({ userId: u.id, before: u.roles, after: access.roles, grants: access.grants });
        }),
      );
    }
    return changes;
  }

  /** Removes a deleted user from every group (edges only; the user's deletion is the audited change). */
  async removeUserEverywhere(teamId: string, userId: string): Promise<string[]> {
    const groups = await this.groupsOf(teamId, userId);
    await this.db.batchWrite(groups.map((g) => ({ delete: GroupRepo.edgeKey(teamId, g.value, userId) })));
    return groups.map((g) => g.value);
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

export type { User };
