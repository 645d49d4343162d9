/**
 * The SCIM Group representation (RFC 7643 §4.2) and the way back. Members are user ids; they are
 * stored as edges, so a representation carries them only when the caller read them.
 */
import * as z from 'zod';
import type { Group, GroupDraft } from '../model/group.js';
import { InvalidValue } from './errors.js';
import type { Json } from './evaluate.js';
import { inputSchema } from './input.js';
import { withoutPasswords } from './limits.js';
import { assertStorable, canonicalResource } from './normalize.js';
import { GROUP_SCHEMA, isUrn, MAX_MEMBERS_PER_REQUEST, MemberInput, SCHEMA } from './schema.js';
import { etagOf, zodDetail } from './user-resource.js';

/** The canonical Group body, validated as schema.ts declares it. */
const GroupBody = inputSchema(GROUP_SCHEMA);

/** What `GroupBody` accepted (the declarations of schema.ts guarantee these shapes). */
type GroupInput = Record<string, unknown> & { displayName: string; externalId?: string; members?: { value: string }[] };

/** Member ids of a `members` value (objects with `value`; Entra's `$ref: null` is ignored). */
export function memberIds(value: unknown): string[] {
  const parsed = z.array(MemberInput).max(MAX_MEMBERS_PER_REQUEST).safeParse(Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);
  if (!parsed.success) throw new InvalidValue(`Invalid members: ${zodDetail(parsed.error)}.`);
  return parsed.data.map((m) => m.value);
}

/** A `GroupDraft` from a Group body, plus the members it names (undefined when `members` is absent). */
export function groupDraftFrom(body: Json): { draft: GroupDraft; members?: string[] } {
  const canon = withoutPasswords(canonicalResource(body, GROUP_SCHEMA));
  const parsed = GroupBody.safeParse(canon);
  if (!parsed.success) throw new InvalidValue(`Invalid Group: ${zodDetail(parsed.error)}.`);
  const b = parsed.data as GroupInput;
  const draft: GroupDraft = { displayName: b.displayName };
  if (b.externalId !== undefined && b.externalId !== '') draft.externalId = b.externalId;
  const extensions: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(canon)) if (isUrn(k) && v && typeof v === 'object' && !Array.isArray(v)) extensions[k] = v as Record<string, unknown>;
  draft.extensions = extensions;
  assertStorable(draft, 'Invalid Group');
  return { draft, ...(b.members !== undefined ? { members: [...new Set(b.members.map((m) => m.value))] } : {}) };
}

/** The SCIM representation; `members` only when read (undefined = not loaded, so left out). */
export function groupToScim(g: Group, baseUrl: string, members?: readonly string[]): Json {
  const out: Json = { schemas: [SCHEMA.group], id: g.id };
  if (g.externalId !== undefined) out.externalId = g.externalId;
  out.displayName = g.displayName;
  if (members !== undefined) out.members = members.map((id) => ({ value: id, $ref: `${baseUrl}/Users/${id}`, type: 'User' }));
  for (const [k, v] of Object.entries(g.extensions)) if (Object.keys(v).length > 0) out[k] = v;
  out.meta = { resourceType: 'Group', created: g.createdAt, lastModified: g.updatedAt, location: `${baseUrl}/Groups/${g.id}`, version: etagOf(g.version) };
  return out;
}
