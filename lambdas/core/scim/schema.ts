/**
 * The SCIM schemas this server serves (RFC 7643 §4, §8.7; Okta's Role schema, docs/reference/okta-protocols.md §4),
 * as data, each attribute declared once: `/Schemas` renders them; the filter evaluator, the PATCH
 * engine and the attribute projection read names, types, `caseExact` and mutability from them; and
 * the zod schemas that validate request bodies are derived from them (`inputSchema`, input.ts),
 * with the bounds of limits.ts declared here beside each attribute.
 */
import * as z from 'zod';
import { INVISIBLE, keyBytes, keyString, LIMITS } from './limits.js';

export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  role: 'urn:okta:scim:schemas:core:1.0:Role',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

export type AttrType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';

/** An attribute definition, shaped as RFC 7643 §7 renders it. */
export interface AttrDef {
  readonly name: string;
  readonly type: AttrType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: 'none' | 'server' | 'global';
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttrDef[];
  /**
   * Validation of the value in a request body, where the derived one (input.ts: from `type`,
   * `subAttributes` and `maxValues`) is not enough: keys bounded by limits.ts, trimmed names.
   * Not rendered in `/Schemas`.
   */
  readonly input?: z.ZodType;
  /** Most values a multi-valued attribute accepts (default `LIMITS.otherMultiValued`); not rendered. */
  readonly maxValues?: { readonly max: number; readonly message?: string };
}

type Opts = Partial<Omit<AttrDef, 'name' | 'type' | 'description'>>;

function attr(name: string, type: AttrType, description: string, o: Opts = {}): AttrDef {
  return {
    name,
    type,
    multiValued: o.multiValued ?? false,
    description,
    required: o.required ?? false,
    caseExact: o.caseExact ?? false,
    mutability: o.mutability ?? 'readWrite',
    returned: o.returned ?? 'default',
    uniqueness: o.uniqueness ?? 'none',
    ...(o.canonicalValues ? { canonicalValues: o.canonicalValues } : {}),
    ...(o.referenceTypes ? { referenceTypes: o.referenceTypes } : {}),
    ...(o.subAttributes ? { subAttributes: o.subAttributes } : {}),
    ...(o.input ? { input: o.input } : {}),
    ...(o.maxValues ? { maxValues: o.maxValues } : {}),
  };
}

/**
 * The sub-attributes of a plain multi-valued attribute (RFC 7643 §2.4). `value` may carry its own
 * input validation (an e-mail address is a key of the e-mail index).
 */
function multi(
  name: string,
  description: string,
  types: readonly string[],
  valueType: AttrType = 'string',
  o: { valueInput?: z.ZodType; maxValues?: AttrDef['maxValues'] } = {},
): AttrDef {
  return attr(name, 'complex', description, {
    multiValued: true,
    ...(o.maxValues ? { maxValues: o.maxValues } : {}),
    subAttributes: [
      attr('value', valueType, `The value of the ${name} entry.`, o.valueInput ? { input: o.valueInput } : {}),
      attr('display', 'string', 'A human-readable name, primarily used for display purposes.'),
      attr('type', 'string', 'A label indicating the function of the entry.', types.length ? { canonicalValues: types } : {}),
      attr('primary', 'boolean', 'The primary or preferred entry; at most one entry may be primary.'),
    ],
  });
}

/** Common attributes every resource has (RFC 7643 §3.1): not listed in `/Schemas`, but known to filters. */
const COMMON_ATTRIBUTES: readonly AttrDef[] = [
  attr('id', 'string', 'Unique identifier for the resource, assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  // A GSI partition key / uniqueness item (limits.ts).
  attr('externalId', 'string', 'Identifier of the resource as defined by the provisioning client.', { caseExact: true, input: keyString(LIMITS.externalIdChars) }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      attr('resourceType', 'string', 'The name of the resource type.', { caseExact: true, mutability: 'readOnly' }),
      attr('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When the resource was last updated.', { mutability: 'readOnly' }),
      attr('location', 'reference', 'The URI of the resource.', { caseExact: true, mutability: 'readOnly', referenceTypes: ['uri'] }),
      attr('version', 'string', 'The version (ETag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
    ],
  }),
];

/** The sign-in name: bounded (a key, limits.ts) and free of invisible characters (review #19). */
const userNameInput = z
  .string()
  .trim()
  .min(1, 'userName is required')
  .max(LIMITS.userNameChars)
  .refine((s) => keyBytes(s) <= LIMITS.keyValueBytes, { message: `must be at most ${LIMITS.keyValueBytes} bytes in UTF-8` })
  .refine((s) => !INVISIBLE.test(s), { message: 'must not contain control, format or zero-width characters' });

/** Core attributes of the User schema (RFC 7643 §4.1). */
export const USER_ATTRIBUTES: readonly AttrDef[] = [
  attr('userName', 'string', 'Unique identifier for the User, typically the sign-in e-mail address.', { required: true, uniqueness: 'server', input: userNameInput }),
  attr('name', 'complex', "The components of the user's real name.", {
    subAttributes: [
      attr('formatted', 'string', 'The full name, formatted for display.'),
      attr('familyName', 'string', 'The family name (last name).'),
      attr('givenName', 'string', 'The given name (first name).'),
      attr('middleName', 'string', 'The middle name(s).'),
      attr('honorificPrefix', 'string', 'The honorific prefix(es), e.g. Ms.'),
      attr('honorificSuffix', 'string', 'The honorific suffix(es), e.g. III.'),
    ],
  }),
  attr('displayName', 'string', 'The name of the User, suitable for display.'),
  attr('nickName', 'string', 'The casual way to address the user.'),
  attr('profileUrl', 'reference', "A URI of the user's online profile.", { referenceTypes: ['external'] }),
  attr('title', 'string', "The user's title, such as Vice President."),
  attr('userType', 'string', 'The relationship between the organization and the user.'),
  attr('preferredLanguage', 'string', "The user's preferred written or spoken language."),
  attr('locale', 'string', "The user's default location for localisation."),
  attr('timezone', 'string', "The user's time zone in IANA format."),
  attr('active', 'boolean', "The user's administrative status: false removes access to the workspace."),
  attr('password', 'string', 'Accepted and discarded: this service never stores passwords.', { mutability: 'writeOnly', returned: 'never' }),
  // Each e-mail has an index item written in the user's transaction (review #8b).
  multi('emails', 'E-mail addresses for the user.', ['work', 'home', 'other'], 'string', {
    valueInput: keyString(LIMITS.emailChars),
    maxValues: { max: LIMITS.emailsPerUser, message: `at most ${LIMITS.emailsPerUser} e-mail addresses` },
  }),
  multi('phoneNumbers', 'Phone numbers for the user.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multi('ims', 'Instant messaging addresses for the user.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
  multi('photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], 'reference'),
  attr('addresses', 'complex', 'Physical mailing addresses for this user.', {
    multiValued: true,
    // Kept as sent (any member, string or boolean), bounded: stored on the user item only.
    input: z
      .array(z.record(z.string().max(64), z.union([z.string().max(LIMITS.stringChars), z.boolean()])))
      .max(LIMITS.otherMultiValued, `at most ${LIMITS.otherMultiValued} values`),
    subAttributes: [
      attr('formatted', 'string', 'The full mailing address.'),
      attr('streetAddress', 'string', 'The street address.'),
      attr('locality', 'string', 'The city or locality.'),
      attr('region', 'string', 'The state or region.'),
      attr('postalCode', 'string', 'The zip code or postal code.'),
      attr('country', 'string', 'The country name (ISO 3166-1 alpha-2).'),
      attr('type', 'string', 'A label indicating the function of the address.', { canonicalValues: ['work', 'home', 'other'] }),
      attr('primary', 'boolean', 'The primary mailing address.'),
    ],
  }),
  attr('groups', 'complex', 'Groups the user belongs to; changed through the Group resource only.', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      attr('value', 'string', 'The id of the group.', { caseExact: true, mutability: 'readOnly' }),
      attr('$ref', 'reference', 'The URI of the group.', { caseExact: true, mutability: 'readOnly', referenceTypes: ['Group'] }),
      attr('display', 'string', "The group's displayName.", { mutability: 'readOnly' }),
      attr('type', 'string', 'direct', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
    ],
  }),
  multi('entitlements', 'Entitlements of the user.', [], 'string', { maxValues: { max: LIMITS.rolesOrEntitlements } }),
  multi('roles', "Roles of the user; values are mapped to workspace roles (Okta Identity Governance writes back /Roles ids).", [], 'string', {
    maxValues: { max: LIMITS.rolesOrEntitlements },
  }),
  multi('x509Certificates', 'X.509 certificates of the user.', [], 'binary'),
];

/** The enterprise User extension (RFC 7643 §4.3). */
const ENTERPRISE_USER_ATTRIBUTES: readonly AttrDef[] = [
  attr('employeeNumber', 'string', 'Numeric or alphanumeric identifier assigned to a person.'),
  attr('costCenter', 'string', 'Identifies the name of a cost center.'),
  attr('organization', 'string', 'Identifies the name of an organization.'),
  attr('division', 'string', 'Identifies the name of a division.'),
  attr('department', 'string', 'Identifies the name of a department.'),
  attr('manager', 'complex', "The user's manager.", {
    subAttributes: [
      attr('value', 'string', 'The id of the manager.', { caseExact: true }),
      attr('$ref', 'reference', 'The URI of the manager.', { caseExact: true, referenceTypes: ['User'] }),
      attr('displayName', 'string', "The manager's displayName.", { mutability: 'readOnly' }),
    ],
  }),
];

/** Most members one request body may name (Okta pushes large groups in slices). */
export const MAX_MEMBERS_PER_REQUEST = 20_000;

/** A member in a request body: only its `value` (a user id) counts; Entra's `$ref: null` is ignored. */
export const MemberInput = z.object({ value: z.string().trim().min(1, 'member value is required').max(LIMITS.idChars) }).strip();

/** Core attributes of the Group schema (RFC 7643 §4.2). */
const GROUP_ATTRIBUTES: readonly AttrDef[] = [
  // A partition key (uniqueness item, limits.ts, review #8a).
  attr('displayName', 'string', 'A human-readable name for the group; unique within the workspace.', {
    required: true,
    uniqueness: 'server',
    input: z
      .string()
      .trim()
      .min(1, 'displayName is required')
      .max(LIMITS.groupDisplayNameChars)
      .refine((s) => keyBytes(s) <= LIMITS.keyValueBytes, { message: `must be at most ${LIMITS.keyValueBytes} bytes in UTF-8` }),
  }),
  attr('members', 'complex', 'Members of the group (users).', {
    multiValued: true,
    input: z.array(MemberInput).max(MAX_MEMBERS_PER_REQUEST),
    subAttributes: [
      attr('value', 'string', 'The id of the member.', { caseExact: true, mutability: 'immutable' }),
      attr('$ref', 'reference', 'The URI of the member.', { caseExact: true, mutability: 'immutable', referenceTypes: ['User'] }),
      attr('display', 'string', 'The displayName of the member.', { mutability: 'readOnly' }),
      attr('type', 'string', 'The type of the member.', { mutability: 'immutable', canonicalValues: ['User'] }),
    ],
  }),
];

/** Okta's Role entitlement schema (docs/reference/okta-protocols.md §4: `id`, `displayName`, `description` ≤ 1,000 characters). */
const ROLE_ATTRIBUTES: readonly AttrDef[] = [
  attr('displayName', 'string', 'The name of the role shown in Okta.', { required: true, mutability: 'readOnly' }),
  attr('description', 'string', 'What the role grants (at most 1,000 characters).', { mutability: 'readOnly' }),
];

/** A schema document (RFC 7643 §7). */
export interface SchemaDoc {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttrDef[];
}

export const SCHEMAS: readonly SchemaDoc[] = [
  { id: SCHEMA.user, name: 'User', description: 'User Account', attributes: USER_ATTRIBUTES },
  { id: SCHEMA.enterpriseUser, name: 'EnterpriseUser', description: 'Enterprise User', attributes: ENTERPRISE_USER_ATTRIBUTES },
  { id: SCHEMA.group, name: 'Group', description: 'Group', attributes: GROUP_ATTRIBUTES },
  { id: SCHEMA.role, name: 'Role', description: 'Workspace role (Okta Identity Governance entitlement)', attributes: ROLE_ATTRIBUTES },
];

/** How one resource type's attributes are resolved: its core schema plus known extensions. */
export interface ResourceSchema {
  readonly name: 'User' | 'Group' | 'Role';
  readonly core: string;
  /** Core attributes including the common ones (id, externalId, meta). */
  readonly attributes: readonly AttrDef[];
  readonly extensions: Readonly<Record<string, readonly AttrDef[]>>;
}

export const USER_SCHEMA: ResourceSchema = {
  name: 'User',
  core: SCHEMA.user,
  attributes: [...COMMON_ATTRIBUTES, ...USER_ATTRIBUTES],
  extensions: { [SCHEMA.enterpriseUser]: ENTERPRISE_USER_ATTRIBUTES },
};

export const GROUP_SCHEMA: ResourceSchema = {
  name: 'Group',
  core: SCHEMA.group,
  attributes: [...COMMON_ATTRIBUTES, ...GROUP_ATTRIBUTES],
  extensions: {},
};

export const ROLE_SCHEMA: ResourceSchema = {
  name: 'Role',
  core: SCHEMA.role,
  attributes: [...COMMON_ATTRIBUTES, ...ROLE_ATTRIBUTES],
  extensions: {},
};

/** Finds an attribute by name, case-insensitively (RFC 7643 §2.1: attribute names are case insensitive). */
export function findAttr(defs: readonly AttrDef[] | undefined, name: string): AttrDef | undefined {
  if (!defs) return undefined;
  const n = name.toLowerCase();
  return defs.find((d) => d.name.toLowerCase() === n);
}

/** The canonical spelling of an extension URN this resource knows, or undefined. */
export function knownExtension(schema: ResourceSchema, uri: string): string | undefined {
  const u = uri.toLowerCase();
  return Object.keys(schema.extensions).find((k) => k.toLowerCase() === u);
}

/** True when `key` names a schema URN (an extension object key in a resource body). */
export const isUrn = (key: string): boolean => /^urn:/i.test(key);
