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
import { inputSchema } from './input.js';
import { withoutPasswords } from './limits.js';
import { assertStorable, canonicalResource } from './normalize.js';
import { isUrn, SCHEMA, USER_ATTRIBUTES, USER_SCHEMA } from './schema.js';

/**
 * User attributes with a field of their own in `User` (core/model/user.ts); every other declared
 * core attribute is kept in `User.attributes` as sent, so a new attribute in schema.ts needs no
 * change here.
 */
const MAPPED = new Set(['userName', 'name', 'displayName', 'active', 'password', 'emails', 'groups', 'roles', 'entitlements']);

/** Core attributes kept in `User.attributes` as sent, in declaration order (the stored and returned order). */
const OTHER_CORE: readonly string[] = USER_ATTRIBUTES.map((a) => a.name).filter((n) => !MAPPED.has(n));

/** The canonical User body (after `canonicalResource`), validated as schema.ts declares it. */
const UserBody = inputSchema(USER_SCHEMA);

/** What `UserBody` accepted, as the mapped fields read it (the declarations of schema.ts guarantee these shapes). */
type UserInput = Record<string, unknown> & {
  userName: string;
  externalId?: string;
  active?: boolean;
  name?: UserName;
  displayName?: string;
  emails?: Email[];
  roles?: MultiValue[];
  entitlements?: MultiValue[];
};

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
  const b = parsed.data as UserInput;
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
