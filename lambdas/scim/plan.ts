/**
 * Which index serves a filter. Equality on `userName`, `externalId`, `emails.value` and `id`
 * (users) or `displayName`, `externalId`, `id` and `members.value` (groups) is a key lookup; `and`
 * narrows to any served side, `or` needs both sides served. The full filter is then evaluated on
 * the few candidates, so the plan only has to be a superset. Anything else is a bounded scan.
 */
import type { Key } from '../store/keys.js';
import type { Item } from '../store/client.js';
import type { Repos } from '../store/repos.js';
import { GroupRepo } from '../store/groups.js';
import { UserRepo } from '../store/users.js';
import { InvalidFilter } from '../core/scim/errors.js';
import type { AttrPath, CompValue, Filter } from '../core/scim/filter.js';
import { SCHEMA } from '../core/scim/schema.js';

export type Candidates =
  | { readonly kind: 'guard'; readonly key: Key; readonly idAttr: 'userId' | 'groupId' }
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'email'; readonly email: string }
  | { readonly kind: 'externalId'; readonly externalId: string }
  | { readonly kind: 'memberOf'; readonly userId: string }
  | { readonly kind: 'and' | 'or'; readonly parts: readonly Candidates[] };

const plain = (p: AttrPath, core: string) => p.uri === undefined || p.uri.toLowerCase() === core.toLowerCase();
const is = (p: AttrPath, attr: string, core: string, sub?: string) =>
  plain(p, core) && p.attr.toLowerCase() === attr.toLowerCase() && (p.sub?.toLowerCase() ?? undefined) === sub?.toLowerCase();
const text = (v: CompValue): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** An `value eq X` conjunct inside a value filter (`emails[type eq "work" and value eq "x"]`). */
function valueEq(f: Filter): string | undefined {
  if (f.kind === 'compare' && f.op === 'eq' && f.path.uri === undefined && f.path.attr.toLowerCase() === 'value' && f.path.sub === undefined) return text(f.value);
  if (f.kind === 'and') return valueEq(f.left) ?? valueEq(f.right);
  return undefined;
}

function combine(kind: 'and' | 'or', l: Candidates | undefined, r: Candidates | undefined): Candidates | undefined {
  if (kind === 'and') return l && r ? { kind, parts: [l, r] } : (l ?? r);
  return l && r ? { kind, parts: [l, r] } : undefined;
}

/** Plans a Users filter (undefined: no index serves it). */
export function planUsers(f: Filter, teamId: string): Candidates | undefined {
  const core = SCHEMA.user;
  switch (f.kind) {
    case 'and':
    case 'or':
      return combine(f.kind, planUsers(f.left, teamId), planUsers(f.right, teamId));
    case 'compare': {
      if (f.op !== 'eq') return undefined;
      const v = text(f.value);
      if (v === undefined) return undefined;
      if (is(f.path, 'userName', core)) return { kind: 'guard', key: UserRepo.userNameKey(teamId, v), idAttr: 'userId' };
      if (is(f.path, 'externalId', core)) return { kind: 'externalId', externalId: v };
      if (is(f.path, 'id', core)) return { kind: 'id', id: v };
      if (is(f.path, 'emails', core) || is(f.path, 'emails', core, 'value')) return { kind: 'email', email: v };
      return undefined;
    }
    case 'valuePath': {
      if (!is(f.path, 'emails', core)) return undefined;
      const v = valueEq(f.filter);
      return v === undefined ? undefined : { kind: 'email', email: v };
    }
    default:
      return undefined;
  }
}

/** Plans a Groups filter (undefined: no index serves it). */
export function planGroups(f: Filter, teamId: string): Candidates | undefined {
  const core = SCHEMA.group;
  switch (f.kind) {
    case 'and':
    case 'or':
      return combine(f.kind, planGroups(f.left, teamId), planGroups(f.right, teamId));
    case 'compare': {
      if (f.op !== 'eq') return undefined;
      const v = text(f.value);
      if (v === undefined) return undefined;
      if (is(f.path, 'displayName', core)) return { kind: 'guard', key: GroupRepo.displayNameKey(teamId, v), idAttr: 'groupId' };
      if (is(f.path, 'externalId', core)) return { kind: 'guard', key: GroupRepo.externalIdKey(teamId, v), idAttr: 'groupId' };
      if (is(f.path, 'id', core)) return { kind: 'id', id: v };
      if (is(f.path, 'members', core) || is(f.path, 'members', core, 'value')) return { kind: 'memberOf', userId: v };
      return undefined;
    }
    case 'valuePath': {
      if (!is(f.path, 'members', core)) return undefined;
      const v = valueEq(f.filter);
      return v === undefined ? undefined : { kind: 'memberOf', userId: v };
    }
    default:
      return undefined;
  }
}

/**
 * Member predicates a Groups filter may use, since members are edges and not on the group item:
 * `members eq X`, `members.value eq X`, `members[value eq X]`. Returns the X's (so their groups
 * can be looked up and the predicates evaluated exactly); anything else is `invalidFilter`.
 */
export function memberValues(f: Filter): string[] {
  const out: string[] = [];
  const walk = (g: Filter): void => {
    switch (g.kind) {
      case 'and':
      case 'or':
        walk(g.left);
        walk(g.right);
        return;
      case 'not':
        walk(g.filter);
        return;
      case 'compare':
      case 'present':
        if (g.path.attr.toLowerCase() !== 'members') return;
        if (g.kind === 'compare' && g.op === 'eq' && (g.path.sub === undefined || g.path.sub.toLowerCase() === 'value') && text(g.value) !== undefined) {
          out.push(text(g.value)!);
          return;
        }
        throw new InvalidFilter('Invalid filter: members can be filtered only by equality on their value (members[value eq "<user id>"]).');
      case 'valuePath': {
        if (g.path.attr.toLowerCase() !== 'members') return;
        const only = g.filter;
        if (only.kind === 'compare' && only.op === 'eq' && only.path.attr.toLowerCase() === 'value' && only.path.sub === undefined && text(only.value) !== undefined) {
          out.push(text(only.value)!);
          return;
        }
        throw new InvalidFilter('Invalid filter: members can be filtered only by equality on their value (members[value eq "<user id>"]).');
      }
    }
  };
  walk(f);
  return [...new Set(out)];
}

/** Users filters may not test `groups` (memberships are edges: filter the group instead). */
export function checkUserFilter(f: Filter): void {
  const walk = (g: Filter): void => {
    if (g.kind === 'and' || g.kind === 'or') {
      walk(g.left);
      walk(g.right);
    } else if (g.kind === 'not') walk(g.filter);
    else if ('path' in g && g.path.attr.toLowerCase() === 'groups' && (g.path.uri === undefined || g.path.uri.toLowerCase() === SCHEMA.user.toLowerCase())) {
      throw new InvalidFilter('Invalid filter: users cannot be filtered by groups; use GET /Groups?filter=members[value eq "<user id>"] or GET /Groups/{id}.');
    }
  };
  walk(f);
}

/** Keys the plan reads that can join the authentication `batchGet`. */
export function prefetchKeys(c: Candidates, teamId: string): Key[] {
  switch (c.kind) {
    case 'guard':
      return [c.key];
    case 'email':
      return [UserRepo.userNameKey(teamId, c.email)];
    case 'and':
    case 'or':
      return c.parts.flatMap((p) => prefetchKeys(p, teamId));
    default:
      return [];
  }
}

export const keyId = (k: Key) => `${k.pk}\u0000${k.sk}`;

/**
 * Resolves a plan to resource ids (guard items from `prefetched`, the rest by query). Guard items
 * that carry a copy of their user (userName) add it to `copies`, saving the read of the user.
 */
export async function resolveCandidates(repos: Pick<Repos, 'users' | 'reads'>, teamId: string, c: Candidates, prefetched: Map<string, Item | undefined>, copies?: Map<string, Item>): Promise<Set<string>> {
  switch (c.kind) {
    case 'guard': {
      const item = prefetched.has(keyId(c.key)) ? prefetched.get(keyId(c.key)) : await repos.reads.item(c.key);
      const id = item?.[c.idAttr];
      if (typeof id === 'string' && copies && item?.user && typeof item.user === 'object') copies.set(id, item.user as Item);
      return new Set(typeof id === 'string' ? [id] : []);
    }
    case 'id':
      return new Set([c.id]);
    case 'email': {
      const guardKey = UserRepo.userNameKey(teamId, c.email);
      const [guard, ids] = await Promise.all([
        prefetched.has(keyId(guardKey)) ? Promise.resolve(prefetched.get(keyId(guardKey))) : repos.reads.item(guardKey),
        repos.users.idsByEmail(teamId, c.email, 100),
      ]);
      const out = new Set(ids);
      if (typeof guard?.userId === 'string') out.add(guard.userId);
      return out;
    }
    case 'externalId':
      return new Set(await repos.users.idsByExternalId(teamId, c.externalId, 100));
    case 'memberOf':
      return new Set((await repos.users.groupsOf(teamId, c.userId)).map((g) => g.value));
    case 'and': {
      const sets = await Promise.all(c.parts.map((p) => resolveCandidates(repos, teamId, p, prefetched, copies)));
      return sets.reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
    }
    case 'or': {
      const sets = await Promise.all(c.parts.map((p) => resolveCandidates(repos, teamId, p, prefetched, copies)));
      return new Set(sets.flatMap((s) => [...s]));
    }
  }
}
