import type { Db, Item } from './client.js';

/** Where the items of one write-sharded listing live. */
export interface ShardedListing {
  /** `gsi1` for workspace-wide listings; undefined for base-table partitions (membership edges). */
  readonly index?: 'gsi1';
  /** One partition key value per shard. */
  readonly partitions: readonly string[];
}

export interface MergedPage {
  readonly items: Item[];
  /** Sort key of the last returned item: the cursor of the next page. */
  readonly last?: string;
  /** True when items after `last` may exist. */
  readonly more: boolean;
}

const names = (index?: 'gsi1') => (index ? { pk: 'gsi1pk', sk: 'gsi1sk' } : { pk: 'pk', sk: 'sk' });

/**
 * Reads the next `limit` items after `after` of a listing spread over several partitions, in one
 * global sort-key order. Write sharding keeps an Okta import under DynamoDB's ~1,000 writes/s per
 * partition; this merges the shards back.
 *
 * Because the order is global by sort key (the resource id), a cursor is just the last id served:
 * no per-shard positions. Each round asks every live shard for a little more than its share; only
 * items at or below the smallest last key of a shard that still has more are certain to be in
 * order, so those are kept and the rest re-read from there. Uniformly hashed ids make one round the
 * common case, so a page costs about `limit × 1.25` item reads in one parallel round trip,
 * whatever its position in the listing.
 */
export async function mergeShards(db: Db, listing: ShardedListing, after: string | undefined, limit: number, keysOnly = false): Promise<MergedPage> {
  const { pk, sk } = names(listing.index);
  const n = listing.partitions.length;
  const out: Item[] = [];
  let cursor = after;
  let live = listing.partitions.map((_, i) => i);
  while (out.length < limit && live.length > 0) {
    const want = limit - out.length;
    const per = n === 1 ? want : Math.min(want, Math.ceil((want / n) * 1.25) + 8);
    const results = await Promise.all(
      live.map(async (shard) => {
        const res = await db.query({
          ...(listing.index ? { IndexName: listing.index } : {}),
          KeyConditionExpression: cursor === undefined ? '#pk = :p' : '#pk = :p AND #sk > :a',
          ExpressionAttributeNames: { '#pk': pk, ...(cursor !== undefined || keysOnly ? { '#sk': sk } : {}) },
          ExpressionAttributeValues: { ':p': listing.partitions[shard], ...(cursor === undefined ? {} : { ':a': cursor }) },
          Limit: per,
          ...(keysOnly ? { ProjectionExpression: '#pk, #sk' } : {}),
        });
        return { shard, items: res.Items ?? [], more: res.LastEvaluatedKey !== undefined };
      }),
    );
    const open = results.filter((r) => r.more);
    const cutoff = open.length === 0 ? undefined : open.map((r) => String(r.items[r.items.length - 1]?.[sk] ?? '')).sort()[0];
    const safe = results
      .flatMap((r) => r.items)
      .filter((it) => cutoff === undefined || String(it[sk]) <= cutoff)
      .sort((a, b) => cmp(String(a[sk]), String(b[sk])));
    out.push(...safe.slice(0, want));
    if (out.length >= limit) {
      const last = String(out[out.length - 1]![sk]);
      return { items: out, last, more: safe.length > want || open.length > 0 };
    }
    if (cutoff === undefined) break;
    cursor = cutoff;
    // A finished shard may still hold items past the cutoff (they were held back to keep the order).
    live = results
      .filter((r) => r.more || r.items.some((it) => String(it[sk]) > cutoff))
      .map((r) => r.shard);
  }
  const last = out.length > 0 ? String(out[out.length - 1]![sk]) : after;
  return { items: out, ...(last !== undefined ? { last } : {}), more: false };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
