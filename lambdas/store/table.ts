/**
 * The physical shape of the single table, shared by the CDK stack and the local DynamoDB so that
 * both create exactly the same table.
 *
 * - `pk`/`sk`: every item's primary key. Keys are built only in `keys.ts`.
 * - `gsi1`: workspace-wide listings (users, groups, tokens, audit in time order), write-sharded
 *   where the rate demands it.
 * - `gsi2`: per-user indexes (sessions and tokens of a user, groups of a user) so that revoking all
 *   of a user's access is one query.
 * - `ttl`: epoch seconds; DynamoDB deletes lazily, so reads also check it (`isExpired`).
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;

export type IndexName = (typeof TABLE.indexes)[number]['name'];

/** True when an item carries a TTL that has passed: DynamoDB may not have deleted it yet. */
export function isExpired(item: { ttl?: unknown } | undefined, nowMs = Date.now()): boolean {
  if (!item) return false;
  const ttl = item.ttl;
  return typeof ttl === 'number' && ttl * 1000 <= nowMs;
}
