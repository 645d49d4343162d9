/**
 * Request-body validation derived from the attribute declarations of schema.ts, so that adding an
 * attribute there is enough for it to be accepted, bounded and kept:
 * - an attribute's own `input` wins (keys bounded by limits.ts, trimmed names);
 * - read-only attributes (`id`, `meta`, `groups`) and write-only ones (`password`) are accepted and
 *   ignored (RFC 7643 §2.2; `password` is dropped before validation, limits.ts);
 * - strings, references and binaries are strings of at most `LIMITS.stringChars`; booleans booleans
 *   (already coerced from `"False"` by normalize.ts);
 * - complex attributes are objects of their sub-attributes (unknown members stripped); a
 *   multi-valued one is an array of at most `maxValues` (default `LIMITS.otherMultiValued`), whose
 *   `value` is required (RFC 7643 §2.4: the entry's significant value);
 * - attributes not declared (schema extensions by URN, anything else) are passed through.
 * Every attribute is optional unless declared `required`.
 */
import * as z from 'zod';
import { LIMITS } from './limits.js';
import type { AttrDef, ResourceSchema } from './schema.js';

const str = z.string().max(LIMITS.stringChars);

function valueSchema(def: AttrDef, inMultiValued = false): z.ZodType {
  if (def.input) return def.input;
  if (def.mutability === 'readOnly' || def.mutability === 'writeOnly') return z.unknown();
  let one: z.ZodType;
  switch (def.type) {
    case 'boolean':
      one = z.boolean();
      break;
    case 'complex': {
      const shape: Record<string, z.ZodType> = {};
      for (const sub of def.subAttributes ?? []) {
        const v = valueSchema(sub);
        shape[sub.name] = (def.multiValued && sub.name === 'value') || sub.required ? v : v.optional();
      }
      one = z.object(shape).strip();
      break;
    }
    default:
      one = str;
  }
  if (!def.multiValued || inMultiValued) return one;
  const max = def.maxValues ?? { max: LIMITS.otherMultiValued, message: `at most ${LIMITS.otherMultiValued} values` };
  return max.message === undefined ? z.array(one).max(max.max) : z.array(one).max(max.max, max.message);
}

/** The zod schema of a resource's canonical body (after `canonicalResource`), from its declaration. */
export function inputSchema(schema: ResourceSchema): z.ZodObject<Record<string, z.ZodType>> {
  const shape: Record<string, z.ZodType> = {};
  for (const def of schema.attributes) {
    const v = valueSchema(def);
    shape[def.name] = def.required ? v : v.optional();
  }
  return z.object(shape).catchall(z.unknown());
}
