import type { Db, Item } from './client.js';
import { keys, type Key } from './keys.js';
import { mergeShards, type ShardedListing } from './shards.js';

/** How long a remembered page end stays valid: an import is one pass over the directory. */
const CURSOR_TTL_SECONDS = 3600;

/**
 * Pages of write-sharded listings (users, groups) in their global id order, with remembered page
 * ends: SCIM's unfiltered `startIndex` paging (RFC 7644 §3.4.2.4) served by cursor, not by offset.
 */
export class ListingRepo {
  constructor(private readonly db: Db) {}

  /**
   * The first `limit` items of a listing in its global id order, every shard merged: the bounded
   * read behind a filter or sort no index serves (scim/list.ts `boundedScan`).
   */
  async first(listing: ShardedListing, limit: number): Promise<Item[]> {
    return (await mergeShards(this.db, listing, undefined, limit)).items;
  }

  /** The key of the remembered end of the page before `startIndex` (prefetch it with authentication). */
  static cursorKey(teamId: string, listingName: string, startIndex: number): Key {
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
  async page(
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
      else after = await this.seek(teamId, listingName, listing, startIndex);
    }
    if (count === 0) return [];
    const page = await mergeShards(this.db, listing, after, count);
    if (page.items.length === count && page.more && page.last !== undefined) {
      await this.db.put({
        ...ListingRepo.cursorKey(teamId, listingName, startIndex + count),
        type: 'pageCursor',
        after: page.last,
        ttl: Math.floor(nowMs / 1000) + CURSOR_TTL_SECONDS,
      });
    }
    return page.items;
  }

  private async seek(teamId: string, listingName: string, listing: ShardedListing, startIndex: number): Promise<string | undefined> {
    const near = await this.db.query({
      KeyConditionExpression: 'pk = :p AND sk <= :s',
      ExpressionAttributeValues: { ':p': keys.pageCursorPartition(teamId, listingName), ':s': ListingRepo.cursorKey(teamId, listingName, startIndex).sk },
      ScanIndexForward: false,
      Limit: 1,
    });
    const found = near.Items?.[0];
    let position = found ? Number(String(found.sk).slice(1)) : 1;
    let after = found && typeof found.after === 'string' ? found.after : undefined;
    while (position < startIndex) {
      const step = Math.min(1000, startIndex - position);
      const page = await mergeShards(this.db, listing, after, step, true);
      if (page.items.length === 0) break;
      after = page.last;
      position += page.items.length;
      if (!page.more) break;
    }
    return after;
  }
}
