/**
 * The SCIM User representation (RFC 7643 §4.1) of a stored `User`, and the way back: a validated
 * `UserDraft` from a canonical body. Attribute mapping per seed 000: `userName` is the sign-in
 * e-mail (with `emails[primary eq true].value` as fallback), `name.*`, `displayName` as the
 * full-name fallback, `active`, `externalId`; plus `roles` (seed 004), `entitlements`, the
 * enterprise extension and any other extension object, kept as sent. `password` is accepted and
 * dropped here, at any depth (inside extension objects too, review #10), before anything could
 * store, log, audit or echo it. Sizes and counts are bounded by `limits.ts`.
 */
import * as z from 'zod';
import type { Email, MultiValue, User, UserDraft, UserName } from '../model/user.js';
import { InvalidValue } from './errors.js';
import type { Json } from './evaluate.js';
import { INVISIBLE, keyBytes, keyString, LIMITS, withoutPasswords } from './limits.js';
import { assertStorable, canonicalResource } from './normalize.js';
import { isUrn, SCHEMA, USER_SCHEMA } from './schema.js';

/** Core attributes kept in `User.attributes` as sent. */
const OTHER_CORE = ['nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone', 'phoneNumbers', 'ims', 'photos', 'addresses', 'x509Certificates'] as const;

const str = z.string().max(LIMITS.stringChars);
const multiValue = z
  .object({ value: z.string().max(LIMITS.stringChars), display: str.optional(), type: str.optional(), primary: z.boolean().optional() })
  .strip();
const email = z
  .object({ value: keyString(LIMITS.emailChars), display: str.optional(), type: str.optional(), primary: z.boolean().optional() })
  .strip();
const others = <T extends z.ZodType>(item: T) => z.array(item).max(LIMITS.otherMultiValued, `at most ${LIMITS.otherMultiValued} values`);

/** The sign-in name: bounded (a key, `limits.ts`) and free of invisible characters (review #19). */
const userName = z
  .string()
  .trim()
  .min(1, 'userName is required')
  .max(LIMITS.userNameChars)
  .refine((s) => keyBytes(s) <= LIMITS.keyValueBytes, { message: `must be at most ${LIMITS.keyValueBytes} bytes in UTF-8` })
  .refine((s) => !INVISIBLE.test(s), { message: 'must not contain control, format or zero-width characters' });

/** The canonical User body (after `canonicalResource`), validated. */
const UserBody = z
  .object({
    userName,
    externalId: keyString(LIMITS.externalIdChars).optional(),
    active: z.boolean().optional(),
    name: z
      .object({
        formatted: str.optional(),
        familyName: str.optional(),
        givenName: str.optional(),
        middleName: str.optional(),
        honorificPrefix: str.optional(),
        honorificSuffix: str.optional(),
      })
      .strip()
      .optional(),
    displayName: str.optional(),
    nickName: str.optional(),
    profileUrl: str.optional(),
    title: str.optional(),
    userType: str.optional(),
    preferredLanguage: str.optional(),
    locale: str.optional(),
    timezone: str.optional(),
    password: z.unknown().optional(),
    // Each e-mail has an index item written in the user's transaction (review #8b).
    emails: z.array(email).max(LIMITS.emailsPerUser, `at most ${LIMITS.emailsPerUser} e-mail addresses`).optional(),
    phoneNumbers: others(multiValue).optional(),
    ims: others(multiValue).optional(),
    photos: others(multiValue).optional(),
    addresses: others(z.record(z.string().max(64), z.union([str, z.boolean()]))).optional(),
    entitlements: z.array(multiValue).max(LIMITS.rolesOrEntitlements).optional(),
    roles: z.array(multiValue).max(LIMITS.rolesOrEntitlements).optional(),
    x509Certificates: others(multiValue).optional(),
    groups: z.unknown().optional(),
  })
  .catchall(z.unknown());

/** Describes a zod failure in one line for `detail`. */
export function zodDetail(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * A `UserDraft` from a User body (POST, PUT, or the result of a PATCH). Read-only attributes
 * (`id`, `meta`, `groups`) are ignored as RFC 7643 §2.2 asks. `previous` supplies what a PUT that
 * omits `active` keeps: an omitted `active` must not reactivate or deactivate anyone by accident.
 */
export function userDraftFrom(body: Json, previous?: User): UserDraft {
  const canon = withoutPasswords(canonicalResource(body, USER_SCHEMA));
  const parsed = UserBody.safeParse(canon);
  if (!parsed.success) throw new InvalidValue(`Invalid User: ${zodDetail(parsed.error)}.`);
  const b = parsed.data;
  const draft: UserDraft = {
    userName: b.userName,
    active: b.active ?? previous?.active ?? true,
    emails: (b.emails ?? []).filter((e) => e.value.trim().length > 0).map(clean<Email>),
    scimRoles: (b.roles ?? []).filter((r) => r.value.length > 0).map(clean<MultiValue>),
    entitlements: (b.entitlements ?? []).filter((r) => r.value.length > 0).map(clean<MultiValue>),
  };
  if (b.externalId !== undefined && b.externalId !== '') draft.externalId = b.externalId;
  if (b.name) {
    const name = clean<UserName>(b.name);
    if (Object.keys(name).length > 0) draft.name = name;
  }
  if (b.displayName !== undefined && b.displayName !== '') draft.displayName = b.displayName;
  const attributes: Record<string, unknown> = {};
  for (const k of OTHER_CORE) if (b[k] !== undefined && b[k] !== '') attributes[k] = b[k];
  draft.attributes = attributes;
  const extensions: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(canon)) if (isUrn(k) && v && typeof v === 'object' && !Array.isArray(v)) extensions[k] = v as Record<string, unknown>;
  draft.extensions = extensions;
  assertStorable(draft, 'Invalid User');
  return draft;
}

/** Drops undefined members (zod keeps optional keys absent, but be explicit for stored shapes). */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The ETag of a version (RFC 7644 §3.14: weak, since representations vary with `attributes`). */
export const etagOf = (version: number): string => `W/"${version}"`;

/**
 * The SCIM representation of a user. `groups` is included when the user's groups were loaded
 * (`includeGroups`), since list pages skip them to keep a page's cost independent of group counts.
 */
export function userToScim(u: User, baseUrl: string, includeGroups = true): Json {
  const schemas: string[] = [SCHEMA.user, ...Object.keys(u.extensions).filter((k) => Object.keys(u.extensions[k] ?? {}).length > 0)];
  const out: Json = { schemas, id: u.id };
  if (u.externalId !== undefined) out.externalId = u.externalId;
  out.userName = u.userName;
  if (u.name) out.name = u.name;
  if (u.displayName !== undefined) out.displayName = u.displayName;
  for (const [k, v] of Object.entries(u.attributes)) out[k] = v;
  out.active = u.active;
  if (u.emails.length > 0) out.emails = u.emails;
  if (u.scimRoles.length > 0) out.roles = u.scimRoles;
  if (u.entitlements.length > 0) out.entitlements = u.entitlements;
  if (includeGroups && u.groups.length > 0) {
    out.groups = u.groups.map((g) => ({ value: g.value, $ref: `${baseUrl}/Groups/${g.value}`, display: g.display, type: 'direct' }));
  }
  for (const [k, v] of Object.entries(u.extensions)) if (Object.keys(v).length > 0) out[k] = v;
  out.meta = {
    resourceType: 'User',
    created: u.createdAt,
    lastModified: u.updatedAt,
    location: `${baseUrl}/Users/${u.id}`,
    version: etagOf(u.version),
  };
  return out;
}

/**
 * The address a user signs in and is e-mailed at (seed 000): the userName when it is an e-mail
 * address, else the primary e-mail, else the first one.
 */
export function primaryEmail(u: Pick<User, 'userName' | 'emails'>): string | undefined {
  if (u.userName.includes('@')) return u.userName;
  return (u.emails.find((e) => e.primary === true) ?? u.emails[0])?.value;
}

/** The name to show (seed 000): `name.formatted`, else given + family, else `displayName`, else the userName. */
export function fullName(u: Pick<User, 'name' | 'displayName' | 'userName'>): string {
  if (u.name?.formatted) return u.name.formatted;
  const parts = [u.name?.givenName, u.name?.familyName].filter((p): p is string => !!p);
  if (parts.length > 0) return parts.join(' ');
  return u.displayName ?? u.userName;
}
