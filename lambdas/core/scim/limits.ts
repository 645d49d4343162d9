/**
 * Bounds on what a SCIM client may send, declared once. Each exists because of a DynamoDB limit
 * the value would otherwise hit as a 500 (review #8): a partition key stops at 2,048 bytes and a
 * sort key at 1,024 (values that become keys carry a `WS#<team id>#…#` prefix of up to ~60 bytes,
 * and case-insensitive ones are lower-cased first, which can grow them); an item stops at 400 KB
 * (the user item, its userName item's copy of it, and an audit record holding before AND after);
 * a transaction stops at 100 items. Refused values answer 400 `invalidValue` (`invalidFilter` in a
 * filter) before any storage call. The README's limits table lists these numbers; change both.
 */
import * as z from 'zod';

export const LIMITS = {
  /** userName: the sign-in name, a partition key (uniqueness item). */
  userNameChars: 512,
  /** externalId (users and groups): a GSI partition key / uniqueness item. */
  externalIdChars: 512,
  /** An e-mail address (RFC 5321 allows 254 in practice); a partition key of the e-mail index. */
  emailChars: 320,
  /** A group's displayName: a partition key (uniqueness item). */
  groupDisplayNameChars: 1024,
  /** Any value that becomes a key, in UTF-8 bytes after lower-casing. */
  keyValueBytes: 1024,
  /**
   * E-mail addresses per user. Each has an index item, and a PUT that swaps every address deletes
   * and writes one per address in the same transaction as the user, its uniqueness items, its audit
   * record and a deactivation's revocation items: 2 × 40 + 6 < 100 (TransactWriteItems).
   */
  emailsPerUser: 40,
  /** phoneNumbers, ims, photos, addresses, x509Certificates: stored on the user item only. */
  otherMultiValued: 50,
  /** roles and entitlements (Okta pushes app roles; seed 004). */
  rolesOrEntitlements: 500,
  /** Other string attributes (name parts, displayName of a user, title, …). */
  stringChars: 2048,
  /** Ids in paths, member values: ours are 26–36 ASCII characters. */
  idChars: 200,
  /**
   * Estimated DynamoDB size of one resource. The audit record of a change holds it twice (before
   * and after) and must stay under DynamoDB's 400 KB item limit with room for its metadata.
   */
  resourceBytes: 100_000,
  /** Nesting of extension objects (custom IdP schemas are flat in practice). */
  depth: 8,
} as const;

/** UTF-8 size of a value once lower-cased (how case-insensitive key values are stored). */
export const keyBytes = (s: string): number => Buffer.byteLength(s.toLowerCase());

/** A string that may become (part of) a DynamoDB key: bounded in characters and in bytes. */
export function keyString(maxChars: number): z.ZodString {
  return z
    .string()
    .max(maxChars)
    .refine((s) => keyBytes(s) <= LIMITS.keyValueBytes, { message: `must be at most ${LIMITS.keyValueBytes} bytes in UTF-8` });
}

/**
 * A copy of a resource body without any member named `password` (case-insensitively), at any
 * depth: RFC 7643 §4.1.1 makes `password` write-only and never returned, and an IdP's custom
 * extension may carry one too (review #10). Nothing downstream can store, log, audit or echo it.
 */
export function withoutPasswords<T>(v: T): T {
  if (Array.isArray(v)) return v.map((e: unknown) => withoutPasswords(e)) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) if (k.toLowerCase() !== 'password') out[k] = withoutPasswords(e);
    return out as T;
  }
  return v;
}

/**
 * Control (Cc: NUL, newlines, escapes), format (Cf: zero-width space and joiners, bidi overrides,
 * soft hyphen) and lone surrogate (Cs) characters: invisible or ambiguous in a sign-in name, so
 * `ad\u200bmin@a.example` would look like `admin@a.example` on every page (review #19).
 */
export const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/**
 * DynamoDB's size of a value (its item-size rules): strings are UTF-8 bytes, numbers about one
 * byte per two significant digits plus one, booleans and null one byte, lists and maps 3 bytes plus
 * one per element plus their elements (and, for maps, the names). An estimate on the safe side.
 */
export function dynamoSize(v: unknown): number {
  if (v === null || v === undefined || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (typeof v === 'number') return Math.ceil(String(Math.abs(v)).replace(/[.e+-]/g, '').length / 2) + 1;
  if (Array.isArray(v)) return v.reduce<number>((n, e) => n + 1 + dynamoSize(e), 3);
  if (typeof v === 'object') return Object.entries(v).reduce<number>((n, [k, e]) => n + 1 + Buffer.byteLength(k) + dynamoSize(e), 3);
  return 0;
}
