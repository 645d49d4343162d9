/**
 * `/Users` (RFC 7644 §3.3–§3.6) with Okta's and Entra's habits (docs/reference/okta-protocols.md §2, §7): filter by
 * userName before create, PUT or PATCH updates, deactivation by `active: false` (which revokes
 * every session and token of the user at once, seed 001), DELETE from Entra.
 *
 * Storage round trips: GET by id and a userName filter that finds nobody cost 1; POST costs 2
 * (authentication + workspace + nothing else in one `batchGet`, then one transaction).
 */
import type { AuditContext } from '../core/audit.js';
import type { Item, TransactItem } from '../store/client.js';
import type { Deps } from '../platform/deps.js';
import type { LifecycleEvent } from '../core/events.js';
import type { HttpRequest, HttpResponse } from '../platform/http.js';
import { markerCovers, revocationAudit, revocationItem, TokenRepo } from '../store/tokens.js';
import { DuplicateUser, StaleUser, UserRepo } from '../store/users.js';
import type { User, UserDraft } from '../core/model/user.js';
import { ResourceNotFound, ScimConflict, Uniqueness } from '../core/scim/errors.js';
import { checkFilter, matches, type Json } from '../core/scim/evaluate.js';
import { applyPatch } from '../core/scim/patch.js';
import { attributeList, project, requested } from '../core/scim/projection.js';
import { USER_SCHEMA } from '../core/scim/schema.js';
import { etagOf, userDraftFrom, userToScim } from '../core/scim/user-resource.js';
import { authenticate, type ScimPrincipal } from './auth.js';
import { actorDetail, auditCtx, baseUrl, checkIfMatch, jsonBody, notModified, scim } from './common.js';
import { boundedScan, cursorKey, deferredListParams, listResponse, MAX_SCAN, sortResources } from './list.js';
import { checkUserFilter, keyId, planUsers, prefetchKeys, resolveCandidates } from './plan.js';
import { parsePatchBody } from './schemas.js';

/** Ids longer than this cannot be ours: 404 without a read (the Okta SPEC test sends odd ids). */
const MAX_ID_LENGTH = 200;
/** Attempts of a read-modify-write that lost an optimistic-concurrency race (without If-Match). */
const WRITE_ATTEMPTS = 3;

function notFound(id: string): ResourceNotFound {
  return new ResourceNotFound(`User ${id} not found.`);
}

/** A user's writable representation (what PATCH operates on): no id, meta, schemas or read-only groups. */
function patchable(u: User): Json {
  const { id: _i, meta: _m, schemas: _s, groups: _g, ...rest } = userToScim(u, '', false);
  return rest;
}

/** Stable JSON (sorted keys) to compare two drafts: an unchanged PATCH writes nothing. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Json)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((v as Json)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** `false` as Okta and Entra send it (`false`, `"False"`). */
const isFalse = (v: unknown): boolean => v === false || (typeof v === 'string' && v.toLowerCase() === 'false');
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function userEndpoints(deps: Deps) {
  const { users } = deps.repos;

  const single = (req: HttpRequest, u: User, status = 200, extra: Record<string, string> = {}): HttpResponse => {
    const body = project(userToScim(u, baseUrl(deps, u.teamId)), USER_SCHEMA, attributeList(req.query.attributes), attributeList(req.query.excludedAttributes));
    return scim(status, body, { etag: etagOf(u.version), ...extra });
  };

  /**
   * Reads a user (item + groups in parallel) while authenticating: one round-trip latency. The
   * user's revocation marker comes in the same `batchGet`, so a re-sent deactivation can tell
   * whether the revocation is still owed.
   */
  async function load(req: HttpRequest, teamId: string, id: string, scope: 'scim.read' | 'scim.write'): Promise<{ p: ScimPrincipal; user: User; marker: Item | undefined }> {
    if (id.length > MAX_ID_LENGTH) {
      await authenticate(deps, req, teamId, scope);
      throw notFound(id);
    }
    const extraKeys = scope === 'scim.write' ? [UserRepo.key(teamId, id), UserRepo.revocationKey(teamId, id)] : [UserRepo.key(teamId, id)];
    const [{ principal, extra }, memberships] = await Promise.all([authenticate(deps, req, teamId, scope, extraKeys), users.groupsOf(teamId, id)]);
    const item = extra[0];
    if (!item) throw notFound(id);
    return { p: principal, user: UserRepo.fromItem(item, memberships), marker: extra[1] };
  }

  const tokenRepo = deps.repos.tokens;
  type Victims = Awaited<ReturnType<TokenRepo['liveForUser']>>;
  /** The user's live tokens (what a revocation's audit record lists). */
  const listTokens = async (teamId: string, id: string, marker?: Promise<Item | undefined>): Promise<Victims> => (await tokenRepo()).liveForUser(teamId, id, marker);

  /**
   * Writes a change and everything that follows from it in ONE transaction: the user, its audit
   * record and events (the outbox), and — for a deactivation — the revocation marker that kills
   * every session and token of the user with its own audit record (seed 001: the next API call
   * with any of the user's tokens is a 401; review #2: no failure between two writes can leave a
   * deactivated user with access). Three sequential round trips at most: the reads with
   * authentication, the listing of the tokens being revoked, the transaction.
   */
  async function commit(req: HttpRequest, p: ScimPrincipal, before: User, draft: UserDraft, victims?: Promise<Victims>): Promise<User> {
    const action = before.active && !draft.active ? 'user.deactivated' : !before.active && draft.active ? 'user.reactivated' : 'user.updated';
    const ctx = auditCtx(deps, req, p);
    const now = deps.now();
    const extra: TransactItem[] = [];
    if (action === 'user.deactivated') extra.push(...(await revocation(ctx, before, now, 'user deactivated by SCIM', 'user.deactivated', victims)));
    try {
      return await users.replace(ctx, p.workspace, before, draft, action, now, {
        extra,
        events: (next) => {
          const events: LifecycleEvent[] = [
            { type: action, teamId: next.teamId, detail: { userId: next.id, userName: next.userName, externalId: next.externalId ?? null, active: next.active, ...actorDetail(p) } },
          ];
          if (stable(before.roles) !== stable(next.roles) || stable(before.grants) !== stable(next.grants)) {
            events.push({ type: 'role.changed', teamId: next.teamId, detail: { userId: next.id, before: before.roles, after: next.roles, grants: next.grants, ...actorDetail(p) } });
          }
          return events;
        },
      });
    } catch (err) {
      if (err instanceof DuplicateUser) throw new Uniqueness(err.message);
      throw err;
    }
  }

  /** The revocation marker of a user and its audit record (with the `session.revoked` event), for the caller's transaction. */
  async function revocation(ctx: AuditContext, user: User, at: Date, reason: string, cause: string, listed?: Promise<Victims>): Promise<TransactItem[]> {
    const victims = await (listed ?? listTokens(user.teamId, user.id));
    return [
      revocationItem(user.teamId, user.id, at),
      revocationAudit(ctx, user.id, victims, at, {
        reason,
        events: victims.length > 0 ? [{ type: 'session.revoked', teamId: user.teamId, detail: { userId: user.id, revoked: victims.length, reason: cause } }] : [],
      }),
    ];
  }

  /**
   * A re-sent `active:false` for a user that is inactive but whose tokens were never revoked (data
   * from before deactivation became one transaction, or a marker lost with a restored backup):
   * the retry completes the revocation instead of answering 200 and doing nothing (review #2).
   */
  async function completeDeactivation(req: HttpRequest, p: ScimPrincipal, user: User, marker: Item | undefined): Promise<void> {
    if (user.active || markerCovers(marker, Date.parse(user.updatedAt))) return;
    await (await tokenRepo()).revokeAllForUser(auditCtx(deps, req, p), user.teamId, user.id, {
      reason: 'user deactivated by SCIM (completed on retry)',
      events: (victims) => (victims.length > 0 ? [{ type: 'session.revoked', teamId: user.teamId, detail: { userId: user.id, revoked: victims.length, reason: 'user.deactivated' } }] : []),
    });
  }

  /**
   * Read-modify-write with optimistic concurrency: a lost race re-reads and re-applies, unless the
   * client pinned a version with If-Match (then it gets the 412 it asked for).
   */
  async function update(req: HttpRequest, teamId: string, id: string, change: (u: User) => UserDraft | undefined, deactivating = false): Promise<HttpResponse> {
    // A request that asks for `active: false` lists the user's tokens (for the revocation's audit
    // record) in parallel with authentication and the user read: a deactivation then costs two
    // sequential round trips, the reads and one transaction. If the user turns out to be inactive
    // already, or the request fails authentication, the listing is simply unused.
    const loading = load(req, teamId, id, 'scim.write');
    // The listing filters with the revocation marker that `load` reads anyway: no second read of it.
    const victims = deactivating && id.length <= MAX_ID_LENGTH ? listTokens(teamId, id, loading.then((l) => l.marker)) : undefined;
    victims?.catch(() => undefined);
    const loaded = await loading;
    const { p } = loaded;
    let { user, marker } = loaded;
    for (let attempt = 1; ; attempt++) {
      checkIfMatch(req, user.version);
      const draft = change(user);
      if (!draft) {
        await completeDeactivation(req, p, user, marker);
        return single(req, user);
      }
      try {
        return single(req, await commit(req, p, user, draft, attempt === 1 ? victims : undefined));
      } catch (err) {
        if (!(err instanceof StaleUser)) throw err;
        if (req.headers['if-match'] !== undefined) checkIfMatch(req, -1);
        if (attempt >= WRITE_ATTEMPTS) throw new ScimConflict(`User ${id} is being modified concurrently; retry.`);
        const [fresh, freshMarker] = await Promise.all([users.get(teamId, id), users.revocationMarker(teamId, id)]);
        if (!fresh) throw notFound(id);
        user = fresh;
        marker = freshMarker;
      }
    }
  }

  return {
    async list(req: HttpRequest, teamId: string): Promise<HttpResponse> {
      const params = deferredListParams(req.query);
      let plan: ReturnType<typeof planUsers>;
      let prefetch: ReturnType<typeof prefetchKeys> = [];
      try {
        const p = params();
        plan = p.filter ? planUsers(p.filter, teamId) : undefined;
        if (plan) prefetch = prefetchKeys(plan, teamId);
        else if (!p.filter && !p.sortBy && p.startIndex > 1) prefetch = [cursorKey(teamId, 'users', p.startIndex)];
      } catch {
        // Reported after authentication.
      }
      const { extra } = await authenticate(deps, req, teamId, 'scim.read', prefetch);
      const q = params();
      const base = baseUrl(deps, teamId);
      const withGroups = requested(USER_SCHEMA, 'groups', q.attributes);
      const render = async (list: User[]): Promise<Json[]> => {
        if (withGroups) list = await Promise.all(list.map((u) => users.withGroups(u)));
        return list.map((u) => userToScim(u, base, withGroups));
      };
      const out = (r: Json) => project(r, USER_SCHEMA, q.attributes, q.excluded);

      if (!q.filter && !q.sortBy) {
        const [items, total] = await Promise.all([
          deps.repos.listings.page(teamId, 'users', UserRepo.listing(teamId), q.startIndex, q.count, extra[0], deps.now().getTime()),
          users.count(teamId),
        ]);
        const resources = await render(items.map((it) => UserRepo.fromItem(it)));
        return scim(200, listResponse(resources.map(out), total, q.startIndex));
      }

      let candidates: User[];
      if (q.filter) {
        checkUserFilter(q.filter);
        checkFilter(q.filter, USER_SCHEMA);
      }
      if (plan && q.filter) {
        const prefetched = new Map(prefetch.map((k, i) => [keyId(k), extra[i]]));
        const copies = new Map<string, Item>();
        const ids = [...(await resolveCandidates(deps.repos, teamId, plan, prefetched, copies))].slice(0, MAX_SCAN);
        // `userName eq` (Okta's lookup before every create) is answered from the uniqueness item's copy.
        const missing = ids.filter((id) => !copies.has(id));
        const fetched = missing.length === 0 ? new Map<string, User>() : await users.getMany(teamId, missing);
        candidates = ids.flatMap((id) => {
          const copy = copies.get(id);
          const u = copy ? UserRepo.fromItem(copy) : fetched.get(id);
          return u ? [u] : [];
        });
      } else {
        const items = await boundedScan(deps.repos.listings, UserRepo.listing(teamId), await users.count(teamId), 'users');
        candidates = items.map((it) => UserRepo.fromItem(it));
      }
      let resources = await render(candidates.sort((a, b) => (a.id < b.id ? -1 : 1)));
      if (q.filter) resources = resources.filter((r) => matches(q.filter!, r, USER_SCHEMA));
      if (q.sortBy) resources = sortResources(resources, USER_SCHEMA, q.sortBy, q.descending);
      const page = resources.slice(q.startIndex - 1, q.startIndex - 1 + q.count);
      return scim(200, listResponse(page.map(out), resources.length, q.startIndex));
    },

    async get(req: HttpRequest, teamId: string, id: string): Promise<HttpResponse> {
      const { user } = await load(req, teamId, id, 'scim.read');
      if (notModified(req, user.version)) return scim(304, undefined, { etag: etagOf(user.version) });
      return single(req, user);
    },

    async create(req: HttpRequest, teamId: string): Promise<HttpResponse> {
      const { principal: p } = await authenticate(deps, req, teamId, 'scim.write');
      const draft = userDraftFrom(jsonBody(req));
      let u: User;
      try {
        u = await users.create(auditCtx(deps, req, p), p.workspace, draft, 'scim', deps.now(), undefined, (c) => [
          { type: 'user.created', teamId, detail: { userId: c.id, userName: c.userName, externalId: c.externalId ?? null, active: c.active, roles: c.roles, ...actorDetail(p) } },
        ]);
      } catch (err) {
        if (err instanceof DuplicateUser) throw new Uniqueness(err.message);
        throw err;
      }
      return single(req, u, 201, { location: `${baseUrl(deps, teamId)}/Users/${u.id}` });
    },

    async replace(req: HttpRequest, teamId: string, id: string): Promise<HttpResponse> {
      const body = jsonBody(req);
      return update(
        req,
        teamId,
        id,
        (u) => {
          const draft = userDraftFrom(body, u);
          // Okta re-sends unchanged profiles, and retries a PUT whose answer it lost: an identical
          // PUT writes nothing, audits nothing and emits nothing (it converges).
          return stable(draft) === stable(userDraftFrom(patchable(u), u)) ? undefined : draft;
        },
        isFalse(body.active),
      );
    },

    async patch(req: HttpRequest, teamId: string, id: string): Promise<HttpResponse> {
      const ops = parsePatchBody(jsonBody(req));
      const deactivating = ops.some(
        (o) => /^(add|replace)$/i.test(o.op) && ((o.path ?? '').toLowerCase() === 'active' ? isFalse(o.value) : o.path === undefined && isObj(o.value) && Object.entries(o.value).some(([k, v]) => k.toLowerCase() === 'active' && isFalse(v))),
      );
      return update(req, teamId, id, (u) => {
        const current = patchable(u);
        const patched = applyPatch(current, ops, USER_SCHEMA);
        const draft = userDraftFrom(patched, u);
        // Okta re-sends unchanged profiles: no write, no audit record, no event for a no-op.
        return stable(draft) === stable(userDraftFrom(current, u)) ? undefined : draft;
      }, deactivating);
    },

    /**
     * `DELETE /Users/{id}` (Entra; RFC 7644 §3.6). The first transaction makes the user unusable
     * (user, indexes, revocation marker, audit record and events, and the membership edges that
     * fit); the rest of the edges follow, and a tombstone remembers them until they are gone. A
     * retried DELETE of a user whose deletion did not finish completes it, then answers 404 like
     * any DELETE of a missing resource (review #2).
     */
    async remove(req: HttpRequest, teamId: string, id: string): Promise<HttpResponse> {
      if (id.length > MAX_ID_LENGTH) {
        await authenticate(deps, req, teamId, 'scim.write');
        throw notFound(id);
      }
      const [{ principal: p, extra }, memberships, victims] = await Promise.all([
        authenticate(deps, req, teamId, 'scim.write', [UserRepo.key(teamId, id), UserRepo.tombstoneKey(teamId, id)]),
        users.groupsOf(teamId, id),
        tokenRepo().then((t) => t.liveForUser(teamId, id)),
      ]);
      if (!extra[0]) {
        if (extra[1]) await users.finishDelete(teamId, id);
        throw notFound(id);
      }
      let user = UserRepo.fromItem(extra[0], memberships);
      let revoked = victims;
      checkIfMatch(req, user.version);
      const ctx = auditCtx(deps, req, p);
      for (let attempt = 1; ; attempt++) {
        const now = deps.now();
        try {
          await users.delete(ctx, user, now, {
            revocation: revocationItem(teamId, id, now),
            groupIds: user.groups.map((g) => g.value),
            events: [
              { type: 'user.deleted', teamId, detail: { userId: id, userName: user.userName, externalId: user.externalId ?? null, ...actorDetail(p) } },
              ...(revoked.length > 0 ? [{ type: 'session.revoked', teamId, detail: { userId: id, revoked: revoked.length, reason: 'user.deleted' } }] : []),
            ],
          });
          break;
        } catch (err) {
          if (!(err instanceof StaleUser) || attempt >= WRITE_ATTEMPTS || req.headers['if-match'] !== undefined) throw err instanceof StaleUser ? new ScimConflict(err.message) : err;
          const [fresh, again] = await Promise.all([users.get(teamId, id), tokenRepo().then((t) => t.liveForUser(teamId, id))]);
          if (!fresh) throw notFound(id);
          user = fresh;
          revoked = again;
        }
      }
      return scim(204, undefined);
    },
  };
}
