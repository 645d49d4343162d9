/**
 * List queries (RFC 7644 §3.4.2): parameters, the ListResponse, and the bounded read for filters
 * no index serves. Cursor-remembering pages of unfiltered listings are store/listings.ts.
 */
import type { Item } from '../store/client.js';
import { ListingRepo } from '../store/listings.js';
import { InvalidValue, TooMany } from '../core/scim/errors.js';
import { lookup, type Json } from '../core/scim/evaluate.js';
import { parseAttrPath, parseFilter, type AttrPath, type Filter } from '../core/scim/filter.js';
import { attributeList } from '../core/scim/projection.js';
import { knownExtension, SCHEMA, type ResourceSchema } from '../core/scim/schema.js';
import type { ShardedListing } from '../store/shards.js';

/** Largest page served (advertised as `filter.maxResults`). */
export const MAX_COUNT = 1000;
/** Page size when the client gives no `count`. */
const DEFAULT_COUNT = 100;
/**
 * Largest directory a filter without an index (or a `sortBy`) may read. Beyond it the answer is
 * 400 `tooMany` (RFC 7644 §3.12) rather than a scan per request.
 */
export const MAX_SCAN = 10_000;

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

/** The key of the remembered end of the page before `startIndex` of an unfiltered listing (store/listings.ts). */
export const cursorKey = ListingRepo.cursorKey;

/** Every item of a listing for an in-memory filter or sort, refusing directories over `MAX_SCAN`. */
export async function boundedScan(listings: ListingRepo, listing: ShardedListing, total: number, what: string): Promise<Item[]> {
  if (total > MAX_SCAN) {
    throw new TooMany(
      `This filter or sort needs a scan of ${total} ${what}; the limit is ${MAX_SCAN}. Filter with "eq" on userName, externalId, emails.value or id (displayName or externalId for groups).`,
    );
  }
  return listings.first(listing, MAX_SCAN + 1);
}
