/**
 * `/Groups` (RFC 7644 §3.3–§3.6) for Okta Push Groups and Entra (docs/reference/okta-protocols.md §2, §7). Members
 * are edges: an add or remove of one member costs the same in a group of 10 or 100,000; only
 * "replace all members" reads the whole group, as it must. Memberships drive roles through the
 * workspace's group → role mappings (seed 001), recomputed on every change that can affect them.
 */
import type { Item } from '../store/client.js';
import type { Deps } from '../platform/deps.js';
import type { LifecycleEvent } from '../core/events.js';
import type { HttpRequest, HttpResponse } from '../platform/http.js';
import { DuplicateGroup, GroupRepo, StaleGroup, UnknownMembers, type MembershipResult } from '../store/groups.js';
import type { Group, GroupDraft } from '../core/model/group.js';
import { UserRepo } from '../store/users.js';
import { InvalidPath, InvalidValue, ResourceNotFound, ScimConflict, Uniqueness } from '../core/scim/errors.js';
import { checkFilter, matches, type Json } from '../core/scim/evaluate.js';
import type { Filter } from '../core/scim/filter.js';
import { groupDraftFrom, groupToScim, memberIds } from '../core/scim/group-resource.js';
import { applyPatch, opKind, patchPath, type PatchOperation } from '../core/scim/patch.js';
import { attributeList, project, wants } from '../core/scim/projection.js';
import { GROUP_SCHEMA, SCHEMA } from '../core/scim/schema.js';
import { etagOf } from '../core/scim/user-resource.js';
import { authenticate, type ScimPrincipal } from './auth.js';
import { actorDetail, auditCtx, baseUrl, checkIfMatch, jsonBody, notModified, scim } from './common.js';
import { boundedScan, cursorKey, deferredListParams, listResponse, MAX_SCAN, sortResources } from './list.js';
import { keyId, memberValues, planGroups, prefetchKeys, resolveCandidates } from './plan.js';
import { parsePatchBody } from './schemas.js';

const MAX_ID_LENGTH = 200;
const WRITE_ATTEMPTS = 3;
/** Member ids whose edge and user items are read together with authentication (one round trip). */
const PREFETCH_MEMBERS = 32;

/** One membership step of a PATCH, in order. */
type Step = { kind: 'add' | 'remove' | 'replace'; ids: string[] } | { kind: 'removeAll' };

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const notFound = (id: string) => new ResourceNotFound(`Group ${id} not found.`);

/** `members[value eq "a"]` or `members[value eq "a" or value eq "b"]`: the ids a remove names. */
function idsOfMemberFilter(f: Filter): string[] {
  if (f.kind === 'compare' && f.op === 'eq' && f.path.attr.toLowerCase() === 'value' && f.path.sub === undefined && (typeof f.value === 'string' || typeof f.value === 'number')) {
    return [String(f.value)];
  }
  if (f.kind === 'or') return [...idsOfMemberFilter(f.left), ...idsOfMemberFilter(f.right)];
  throw new InvalidPath('Invalid path: a members filter must select by value (members[value eq "<user id>"]).');
}

const isMembersPath = (attr: string, uri?: string) => attr.toLowerCase() === 'members' && (uri === undefined || uri.toLowerCase() === SCHEMA.group.toLowerCase());

/**
 * Splits a group PATCH into membership steps (edges) and the rest (attributes, for the generic
 * engine). Covers Okta (`remove members[value eq …]`, `add members`, `replace members`, path-less
 * rename) and Entra (`Remove members` with a value array, `Add members` with `$ref: null`).
 */
export function splitGroupOps(ops: readonly PatchOperation[]): { steps: Step[]; rest: PatchOperation[] } {
  const steps: Step[] = [];
  const rest: PatchOperation[] = [];
  for (const op of ops) {
    const kind = opKind(op.op);
    if (op.path !== undefined && op.path.trim() !== '') {
      const path = patchPath(op.path);
      if (!isMembersPath(path.attr, path.uri)) {
        rest.push(op);
        continue;
      }
      if (path.filter) {
        if (kind !== 'remove' || path.sub !== undefined) throw new InvalidPath('Invalid path: only "remove" takes a members value filter.');
        steps.push({ kind: 'remove', ids: idsOfMemberFilter(path.filter) });
      } else if (path.sub !== undefined) {
        throw new InvalidPath('Invalid path: member sub-attributes cannot be changed; add or remove the member.');
      } else if (kind === 'remove') {
        const hasValue = op.value !== undefined && op.value !== null && !(Array.isArray(op.value) && op.value.length === 0);
        steps.push(hasValue ? { kind: 'remove', ids: memberIds(op.value) } : { kind: 'removeAll' });
      } else {
        steps.push({ kind, ids: memberIds(op.value) });
      }
      continue;
    }
    if (kind !== 'remove' && isObj(op.value)) {
      const membersKey = Object.keys(op.value).find((k) => isMembersPath(k));
      if (membersKey) {
        steps.push({ kind, ids: memberIds(op.value[membersKey]) });
        const others = Object.fromEntries(Object.entries(op.value).filter(([k]) => k !== membersKey));
        if (Object.keys(others).length > 0) rest.push({ op: op.op, value: others });
        continue;
      }
    }
    rest.push(op);
  }
  return { steps, rest };
}

/** Net additions and removals of the steps, in order; `current` is needed only for replace/removeAll. */
export function netChange(steps: readonly Step[], current?: readonly string[]): { add: string[]; remove: string[] } {
  let replaced: Set<string> | undefined;
  const add = new Set<string>();
  const remove = new Set<string>();
  for (const s of steps) {
    if (s.kind === 'replace' || s.kind === 'removeAll') {
      replaced = new Set(s.kind === 'replace' ? s.ids : []);
      add.clear();
      remove.clear();
    } else if (s.kind === 'add') {
      for (const id of s.ids) {
        remove.delete(id);
        add.add(id);
      }
    } else {
      for (const id of s.ids) {
        add.delete(id);
        replaced?.delete(id);
        remove.add(id);
      }
    }
  }
  if (!replaced) return { add: [...add], remove: [...remove] };
  const target = new Set([...replaced, ...add]);
  for (const id of remove) target.delete(id);
  const now = new Set(current ?? []);
  return { add: [...target].filter((id) => !now.has(id)), remove: [...now].filter((id) => !target.has(id)) };
}

function patchable(g: Group): Json {
  const { id: _i, meta: _m, schemas: _s, ...rest } = groupToScim(g, '');
  return rest;
}

export function groupEndpoints(deps: Deps) {
  const { groups } = deps.repos;

  const respond = (req: HttpRequest, g: Group, members: readonly string[] | undefined, status = 200, extra: Record<string, string> = {}): HttpResponse => {
    const body = project(groupToScim(g, baseUrl(deps, g.teamId), members), GROUP_SCHEMA, attributeList(req.query.attributes), attributeList(req.query.excludedAttributes));
    return scim(status, body, { etag: etagOf(g.version), ...extra });
  };
  const wantMembers = (req: HttpRequest) => wants(GROUP_SCHEMA, 'members', attributeList(req.query.attributes), attributeList(req.query.excludedAttributes));

  async function load(req: HttpRequest, teamId: string, id: string, scope: 'scim.read' | 'scim.write', extraKeys: ReturnType<typeof GroupRepo.key>[] = []) {
    if (id.length > MAX_ID_LENGTH) {
      await authenticate(deps, req, teamId, scope);
      throw notFound(id);
    }
    const { principal, extra } = await authenticate(deps, req, teamId, scope, [GroupRepo.key(teamId, id), ...extraKeys]);
    if (!extra[0]) throw notFound(id);
    return { p: principal, group: GroupRepo.fromItem(extra[0]), extra: extra.slice(1) };
  }

  function membershipEvents(p: ScimPrincipal, g: Group, r: MembershipResult): LifecycleEvent[] {
    const ev: LifecycleEvent[] = [];
    const base = { groupId: g.id, displayName: g.displayName, ...actorDetail(p) };
    if (r.added.length > 0) ev.push({ type: 'group.member_added', teamId: g.teamId, detail: { ...base, userIds: r.added } });
    if (r.removed.length > 0) ev.push({ type: 'group.member_removed', teamId: g.teamId, detail: { ...base, userIds: r.removed } });
    return [...ev, ...roleEvents(p, g.teamId, r.roleChanges)];
  }

  function roleEvents(p: ScimPrincipal, teamId: string, changes: MembershipResult['roleChanges']): LifecycleEvent[] {
    return changes.map((c) => ({ type: 'role.changed', teamId, detail: { userId: c.userId, before: c.before, after: c.after, grants: c.grants, ...actorDetail(p) } }));
  }

  const roleEventsOf = (p: ScimPrincipal, teamId: string) => (c: MembershipResult['roleChanges'][number]) => roleEvents(p, teamId, [c]);

  /** Changes members; each committed batch carries its own events (the outbox). */
  async function changeMembers(req: HttpRequest, p: ScimPrincipal, g: Group, change: { add: string[]; remove: string[] }, known?: Map<string, Item | undefined>): Promise<MembershipResult> {
    try {
      return await groups.changeMembers(auditCtx(deps, req, p), p.workspace, g, change, known, deps.now(), (batch) => membershipEvents(p, g, batch));
    } catch (err) {
      if (err instanceof UnknownMembers) throw new InvalidValue(err.message);
      throw err;
    }
  }

  /** Writes attribute changes of a group (rename, externalId) with their effects; retries lost races. */
  async function saveAttributes(req: HttpRequest, p: ScimPrincipal, before: Group, makeDraft: (g: Group) => GroupDraft | undefined): Promise<{ group: Group }> {
    let current = before;
    for (let attempt = 1; ; attempt++) {
      const draft = makeDraft(current);
      if (!draft) return { group: current };
      try {
        const ctx = auditCtx(deps, req, p);
        const previous = current;
        const next = await groups.replace(ctx, current, draft, deps.now(), (n) => [
          { type: 'group.updated', teamId: n.teamId, detail: { groupId: n.id, displayName: n.displayName, previousDisplayName: previous.displayName, ...actorDetail(p) } },
        ]);
        await groups.propagateRename(ctx, p.workspace, current, next, roleEventsOf(p, next.teamId));
        return { group: next };
      } catch (err) {
        if (err instanceof DuplicateGroup) throw new Uniqueness(err.message);
        if (!(err instanceof StaleGroup)) throw err;
        if (req.headers['if-match'] !== undefined) checkIfMatch(req, -1);
        if (attempt >= WRITE_ATTEMPTS) throw new ScimConflict(`Group ${before.id} is being modified concurrently; retry.`);
        const fresh = await groups.get(before.teamId, before.id);
        if (!fresh) throw notFound(before.id);
        current = fresh;
      }
    }
  }

  const sameDraft = (g: Group, d: GroupDraft) =>
    g.displayName === d.displayName && g.externalId === d.externalId && JSON.stringify(g.extensions) === JSON.stringify(d.extensions ?? {});

  return {
    async list(req: HttpRequest, teamId: string): Promise<HttpResponse> {
      const params = deferredListParams(req.query);
      let plan: ReturnType<typeof planGroups>;
      let prefetch: ReturnType<typeof prefetchKeys> = [];
      try {
        const q = params();
        plan = q.filter ? planGroups(q.filter, teamId) : undefined;
        if (plan) prefetch = prefetchKeys(plan, teamId);
        else if (!q.filter && !q.sortBy && q.startIndex > 1) prefetch = [cursorKey(teamId, 'groups', q.startIndex)];
      } catch {
        // Reported after authentication.
      }
      const { extra } = await authenticate(deps, req, teamId, 'scim.read', prefetch);
      const q = params();
      const base = baseUrl(deps, teamId);
      const withMembers = wants(GROUP_SCHEMA, 'members', q.attributes, q.excluded);
      const render = async (list: Group[]): Promise<Json[]> =>
        Promise.all(list.map(async (g) => groupToScim(g, base, withMembers ? await groups.allMemberIds(teamId, g.id) : undefined)));
      const out = (r: Json) => project(r, GROUP_SCHEMA, q.attributes, q.excluded);

      if (!q.filter && !q.sortBy) {
        const [items, total] = await Promise.all([
          deps.repos.listings.page(teamId, 'groups', GroupRepo.listing(teamId), q.startIndex, q.count, extra[0], deps.now().getTime()),
          groups.count(teamId),
        ]);
        return scim(200, listResponse((await render(items.map(GroupRepo.fromItem))).map(out), total, q.startIndex));
      }

      let candidates: Group[];
      let memberOf = new Map<string, Set<string>>();
      if (q.filter) {
        const values = memberValues(q.filter);
        checkFilter(q.filter, GROUP_SCHEMA);
        const { users } = deps.repos;
        memberOf = new Map(await Promise.all(values.map(async (v) => [v, new Set((await users.groupsOf(teamId, v)).map((g) => g.value))] as const)));
      }
      if (plan && q.filter) {
        const prefetched = new Map(prefetch.map((k, i) => [keyId(k), extra[i]]));
        const ids = [...(await resolveCandidates(deps.repos, teamId, plan, prefetched))].slice(0, MAX_SCAN);
        candidates = ids.length === 0 ? [] : [...(await groups.getMany(teamId, ids)).values()];
      } else {
        const items = await boundedScan(deps.repos.listings, GroupRepo.listing(teamId), await groups.count(teamId), 'groups');
        candidates = items.map(GroupRepo.fromItem);
      }
      candidates.sort((a, b) => (a.id < b.id ? -1 : 1));
      if (q.filter) {
        // Members are edges: evaluate member predicates on exactly the members the filter names.
        const f = q.filter;
        candidates = candidates.filter((g) => {
          const named = [...memberOf].filter(([, set]) => set.has(g.id)).map(([v]) => ({ value: v }));
          return matches(f, { ...groupToScim(g, base), ...(named.length > 0 ? { members: named } : {}) }, GROUP_SCHEMA);
        });
      }
      let resources = await render(candidates);
      if (q.sortBy) resources = sortResources(resources, GROUP_SCHEMA, q.sortBy, q.descending);
      const page = resources.slice(q.startIndex - 1, q.startIndex - 1 + q.count);
      return scim(200, listResponse(page.map(out), resources.length, q.startIndex));
    },

    async get(req: HttpRequest, teamId: string, id: string): Promise<HttpResponse> {
      const { group } = await load(req, teamId, id, 'scim.read');
      if (notModified(req, group.version)) return scim(304, undefined, { etag: etagOf(group.version) });
      const members = wantMembers(req) ? await groups.allMemberIds(teamId, id) : undefined;
      return respond(req, group, members);
    },

    async create(req: HttpRequest, teamId: string): Promise<HttpResponse> {
      const { principal: p } = await authenticate(deps, req, teamId, 'scim.write');
      const { draft, members } = groupDraftFrom(jsonBody(req));
      // Members arriving in the POST body (Okta AIW, Entra) are checked before the group exists,
      // so an unknown member refuses the whole request instead of leaving half a group.
      const known = new Map<string, Item | undefined>();
      if (members && members.length > 0) {
        const items = await deps.repos.users.items(teamId, members);
        const unknown = members.filter((_, i) => !items[i]);
        if (unknown.length > 0) throw new InvalidValue(new UnknownMembers(unknown).message);
        members.forEach((m, i) => known.set(keyId(UserRepo.key(teamId, m)), items[i]));
      }
      let g: Group;
      try {
        g = await groups.create(auditCtx(deps, req, p), teamId, draft, deps.now(), (c) => [
          { type: 'group.created', teamId, detail: { groupId: c.id, displayName: c.displayName, ...actorDetail(p) } },
        ]);
      } catch (err) {
        if (err instanceof DuplicateGroup) throw new Uniqueness(err.message);
        throw err;
      }
      if (members && members.length > 0) {
        for (const m of members) known.set(keyId(GroupRepo.edgeKey(teamId, g.id, m)), undefined);
        await changeMembers(req, p, g, { add: members, remove: [] }, known);
      }
      return respond(req, g, members ?? [], 201, { location: `${baseUrl(deps, teamId)}/Groups/${g.id}` });
    },

    async replace(req: HttpRequest, teamId: string, id: string): Promise<HttpResponse> {
      const { p, group } = await load(req, teamId, id, 'scim.write');
      checkIfMatch(req, group.version);
      const { draft, members } = groupDraftFrom(jsonBody(req));
      const saved = await saveAttributes(req, p, group, (g) => (sameDraft(g, draft) ? undefined : draft));
      let final: string[] | undefined;
      // PUT without `members` leaves them alone: dropping everyone's access because a client
      // omitted an attribute is the worse failure (AIW apps always send members).
      if (members !== undefined) {
        const current = await groups.allMemberIds(teamId, id);
        const change = netChange([{ kind: 'replace', ids: members }], current);
        await changeMembers(req, p, saved.group, change);
        final = members;
      } else if (wantMembers(req)) {
        final = await groups.allMemberIds(teamId, id);
      }
      return respond(req, saved.group, final?.slice().sort());
    },

    async patch(req: HttpRequest, teamId: string, id: string): Promise<HttpResponse> {
      const { steps, rest } = splitGroupOps(parsePatchBody(jsonBody(req)));
      // Small membership changes read their edges and users with authentication: one round trip.
      const adds = steps.flatMap((s) => (s.kind === 'add' ? s.ids : []));
      const removes = steps.flatMap((s) => (s.kind === 'remove' ? s.ids : []));
      const prefetch =
        adds.length + removes.length <= PREFETCH_MEMBERS
          ? [...adds.flatMap((u) => [GroupRepo.edgeKey(teamId, id, u), UserRepo.key(teamId, u)]), ...removes.map((u) => GroupRepo.edgeKey(teamId, id, u))]
          : [];
      const { p, group, extra } = await load(req, teamId, id, 'scim.write', prefetch);
      checkIfMatch(req, group.version);
      const known = new Map(prefetch.map((k, i) => [keyId(k), extra[i]]));

      let current = group;
      if (rest.length > 0) {
        const saved = await saveAttributes(req, p, group, (g) => {
          const { draft } = groupDraftFrom(applyPatch(patchable(g), rest, GROUP_SCHEMA));
          return sameDraft(g, draft) ? undefined : draft;
        });
        current = saved.group;
      }
      if (steps.length > 0) {
        const needAll = steps.some((s) => s.kind === 'replace' || s.kind === 'removeAll');
        const change = netChange(steps, needAll ? await groups.allMemberIds(teamId, id) : undefined);
        await changeMembers(req, p, current, change, known);
      }
      // RFC 7644 §3.5.2: 200 with the resource, or 204. Entra wants 204; a client that asks for
      // attributes gets them (members only when asked: they can be 100,000 edges).
      if (req.query.attributes === undefined && req.query.excludedAttributes === undefined) return scim(204, undefined, { etag: etagOf(current.version) });
      return respond(req, current, wantMembers(req) ? await groups.allMemberIds(teamId, id) : undefined);
    },

    /**
     * `DELETE /Groups/{id}`: one transaction deletes the group with its audit record, events and a
     * tombstone; edges and derived roles follow. A retried DELETE of a group whose cleanup did not
     * finish completes it, then answers 404 (RFC 7644 §3.6).
     */
    async remove(req: HttpRequest, teamId: string, id: string): Promise<HttpResponse> {
      if (id.length > MAX_ID_LENGTH) {
        await authenticate(deps, req, teamId, 'scim.write');
        throw notFound(id);
      }
      const { principal: p, extra } = await authenticate(deps, req, teamId, 'scim.write', [GroupRepo.key(teamId, id), GroupRepo.tombstoneKey(teamId, id)]);
      const ctx = auditCtx(deps, req, p);
      if (!extra[0]) {
        const tomb = extra[1];
        if (tomb) await groups.finishDelete(ctx, p.workspace, id, String(tomb.displayName ?? ''), roleEventsOf(p, teamId));
        throw notFound(id);
      }
      const group = GroupRepo.fromItem(extra[0]);
      checkIfMatch(req, group.version);
      try {
        await groups.delete(
          ctx,
          p.workspace,
          group,
          deps.now(),
          [{ type: 'group.deleted', teamId, detail: { groupId: id, displayName: group.displayName, ...actorDetail(p) } }],
          roleEventsOf(p, teamId),
        );
      } catch (err) {
        if (err instanceof StaleGroup) throw new ScimConflict(err.message);
        throw err;
      }
      return scim(204, undefined);
    },
  };
}
