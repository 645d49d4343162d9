/**
 * List queries (RFC 7644 §3.4.2): parameters, the ListResponse, cursor-remembering pages for
 * unfiltered listings, and the bounded read for filters no index serves.
 */
import { keys } from '../store/keys.js';
import type { Db, Item } from '../store/client.js';
import { InvalidValue, TooMany } from '../core/scim/errors.js';
import { lookup, type Json } from '../core/scim/evaluate.js';
import { parseAttrPath, parseFilter, type AttrPath, type Filter } from '../core/scim/filter.js';
import { attributeList } from '../core/scim/projection.js';
import { knownExtension, SCHEMA, type ResourceSchema } from '../core/scim/schema.js';
import { mergeShards, type ShardedListing } from '../store/shards.js';

/** Largest page served (advertised as `filter.maxResults`). */
export const MAX_COUNT = 1000;
/** Page size when the client gives no `count`. */
const DEFAULT_COUNT = 100;
/**
 * Largest directory a filter without an index (or a `sortBy`) may read. Beyond it the answer is
 * 400 `tooMany` (RFC 7644 §3.12) rather than a scan per request.
 */
export const MAX_SCAN = 10_000;
/** How long a remembered page end stays valid: an import is one pass over the directory. */
const CURSOR_TTL_SECONDS = 3600;

export interface ListParams {
  readonly filter?: Filter;
  readonly startIndex: number;
  readonly count: number;
  readonly attributes?: string[];
  readonly excluded?: string[];
  readonly sortBy?: AttrPath;
  readonly descending: boolean;
}

/** Case-insensitive query parameter (Okta and Entra spell them the RFC way, but be kind). */
function param(query: Readonly<Record<string, string>>, name: string): string | undefined {
  if (name in query) return query[name];
  const n = name.toLowerCase();
  for (const [k, v] of Object.entries(query)) if (k.toLowerCase() === n) return v;
  return undefined;
}

function integer(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^\s*-?\d+\s*$/.test(raw)) throw new InvalidValue(`"${name}" must be an integer, got "${raw}".`);
  return Number(raw);
}

/**
 * Parses the list parameters. RFC 7644 §3.4.2.4: a `startIndex` below 1 is read as 1 and a
 * negative `count` as 0; `count` is capped at `MAX_COUNT`.
 */
function parseListParams(query: Readonly<Record<string, string>>): ListParams {
  const startIndex = Math.max(1, integer(param(query, 'startIndex'), 'startIndex') ?? 1);
  const count = Math.min(MAX_COUNT, Math.max(0, integer(param(query, 'count'), 'count') ?? DEFAULT_COUNT));
  const filterText = param(query, 'filter');
  const filter = filterText !== undefined && filterText.trim() !== '' ? parseFilter(filterText) : undefined;
  const sortText = param(query, 'sortBy');
  let sortBy: AttrPath | undefined;
  if (sortText !== undefined && sortText.trim() !== '') {
    sortBy = parseAttrPath(sortText.trim(), (msg) => {
      throw new InvalidValue(`Invalid sortBy: ${msg}.`);
    });
  }
  const order = param(query, 'sortOrder')?.toLowerCase();
  if (order !== undefined && order !== 'ascending' && order !== 'descending') throw new InvalidValue('"sortOrder" must be "ascending" or "descending".');
  const attributes = attributeList(param(query, 'attributes'));
  const excluded = attributeList(param(query, 'excludedAttributes'));
  return {
    ...(filter ? { filter } : {}),
    startIndex,
    count,
    ...(attributes ? { attributes } : {}),
    ...(excluded ? { excluded } : {}),
    ...(sortBy ? { sortBy } : {}),
    descending: order === 'descending',
  };
}

/** Parses now, throws later: authentication must answer before a bad filter does. */
export function deferredListParams(query: Readonly<Record<string, string>>): () => ListParams {
  try {
    const p = parseListParams(query);
    return () => p;
  } catch (err) {
    return () => {
      throw err;
    };
  }
}

/** A ListResponse (RFC 7644 §3.4.2): pagination numbers as JSON numbers (Okta checks). */
export function listResponse(resources: Json[], totalResults: number, startIndex: number): Json {
  return { schemas: [SCHEMA.listResponse], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** Sorts materialised resources by `sortBy` (RFC 7644 §3.4.2.3): strings case-insensitively, missing values last. */
export function sortResources(resources: Json[], schema: ResourceSchema, sortBy: AttrPath, descending: boolean): Json[] {
  const inExtension = sortBy.uri !== undefined && sortBy.uri.toLowerCase() !== schema.core.toLowerCase();
  const valueOf = (r: Json): unknown => {
    const root = inExtension ? lookup(r, knownExtension(schema, sortBy.uri!) ?? sortBy.uri!) : r;
    let v = lookup(root, sortBy.attr);
    if (Array.isArray(v)) v = v.find((e) => (e as Json)?.primary === true) ?? v[0];
    if (sortBy.sub !== undefined) v = lookup(v, sortBy.sub);
    else if (v && typeof v === 'object') v = lookup(v, 'value');
    return v;
  };
  const keyed = resources.map((r) => ({ r, v: valueOf(r) }));
  keyed.sort((a, b) => {
    if (a.v === undefined || a.v === null) return b.v === undefined || b.v === null ? 0 : 1;
    if (b.v === undefined || b.v === null) return -1;
    const x = typeof a.v === 'string' ? a.v.toLowerCase() : (a.v as number);
    const y = typeof b.v === 'string' ? b.v.toLowerCase() : (b.v as number);
    const d = x < y ? -1 : x > y ? 1 : 0;
    return descending ? -d : d;
  });
  return keyed.map((k) => k.r);
}

/** The key of the remembered end of the page before `startIndex` of an unfiltered listing. */
export function cursorKey(teamId: string, listingName: string, startIndex: number) {
  return keys.pageCursor(teamId, listingName, startIndex);
}

/**
 * Serves `count` items from position `startIndex` of an unfiltered listing. Where each served
 * page ended is remembered (a small TTL item keyed by the next startIndex), so Okta's import —
 * `startIndex=1, 101, 201, …` — reads page k at the cost of page 1. A cursor is an id, not an
 * offset: users deleted during an import shift nothing and nobody is served twice.
 *
 * `cursor` is the remembered item for `startIndex` when the caller prefetched it (one round trip
 * with authentication); without one, the nearest earlier cursor is found and the gap walked with
 * key-only reads (a cold start, paid once).
 */
export async function cursorPage(
  db: Db,
  teamId: string,
  listingName: string,
  listing: ShardedListing,
  startIndex: number,
  count: number,
  cursor: Item | undefined,
  nowMs: number,
): Promise<Item[]> {
  let after: string | undefined;
  if (startIndex > 1) {
    if (cursor && typeof cursor.after === 'string') after = cursor.after;
    else after = await seek(db, teamId, listingName, listing, startIndex);
  }
  if (count === 0) return [];
  const page = await mergeShards(db, listing, after, count);
  if (page.items.length === count && page.more && page.last !== undefined) {
    await db.put({
      ...cursorKey(teamId, listingName, startIndex + count),
      type: 'pageCursor',
      after: page.last,
      ttl: Math.floor(nowMs / 1000) + CURSOR_TTL_SECONDS,
    });
  }
  return page.items;
}

async function seek(db: Db, teamId: string, listingName: string, listing: ShardedListing, startIndex: number): Promise<string | undefined> {
  const near = await db.query({
    KeyConditionExpression: 'pk = :p AND sk <= :s',
    ExpressionAttributeValues: { ':p': keys.pageCursorPartition(teamId, listingName), ':s': cursorKey(teamId, listingName, startIndex).sk },
    ScanIndexForward: false,
    Limit: 1,
  });
  const found = near.Items?.[0];
  let position = found ? Number(String(found.sk).slice(1)) : 1;
  let after = found && typeof found.after === 'string' ? found.after : undefined;
  while (position < startIndex) {
    const step = Math.min(1000, startIndex - position);
    const page = await mergeShards(db, listing, after, step, true);
    if (page.items.length === 0) break;
    after = page.last;
    position += page.items.length;
    if (!page.more) break;
  }
  return after;
}

/** Every item of a listing for an in-memory filter or sort, refusing directories over `MAX_SCAN`. */
export async function boundedScan(db: Db, listing: ShardedListing, total: number, what: string): Promise<Item[]> {
  if (total > MAX_SCAN) {
    throw new TooMany(
      `This filter or sort needs a scan of ${total} ${what}; the limit is ${MAX_SCAN}. Filter with "eq" on userName, externalId, emails.value or id (displayName or externalId for groups).`,
    );
  }
  const page = await mergeShards(db, listing, undefined, MAX_SCAN + 1);
  return page.items;
}
