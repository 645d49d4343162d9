/**
 * Brings an incoming SCIM resource body into canonical form before validation: attribute names in
 * their schema spelling (RFC 7643 §2.1: names are case-insensitive), extension objects under their
 * canonical URN, `"True"`/`"False"` strings as booleans (Entra, docs/reference/okta-protocols.md §7), bare strings in
 * multi-valued complex attributes as `{value}`, and `null` as unassigned (RFC 7644 §3.5.2).
 */
import { PROTOTYPE_KEYS } from '../json.js';
import { InvalidValue } from './errors.js';
import { dynamoSize, LIMITS } from './limits.js';
import { findAttr, isUrn, knownExtension, type AttrDef, type ResourceSchema } from './schema.js';
import type { Json } from './evaluate.js';

/**
 * Largest stored representation of one resource, in DynamoDB's own size terms (`dynamoSize`).
 * DynamoDB items stop at 400 KB, and the audit record of a change holds the resource twice.
 */
const MAX_RESOURCE_BYTES = LIMITS.resourceBytes;
const MAX_DEPTH = LIMITS.depth;

/**
 * Refuses values DynamoDB cannot store, so they answer 400 `invalidValue` instead of failing the
 * write: numbers beyond ±2^53 (the document client refuses them) or non-zero ones below 1E-130
 * (DynamoDB's smallest magnitude), empty map keys, deep nesting,
 * and representations too large for one item. Free-form extension objects are where these hide.
 */
export function assertStorable(value: unknown, what: string): void {
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth > MAX_DEPTH) throw new InvalidValue(`${what}: "${path}" is nested too deeply.`);
    if (typeof v === 'number' && (!Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER)) {
      throw new InvalidValue(`${what}: "${path}" is a number outside ±${Number.MAX_SAFE_INTEGER}.`);
    }
    // DynamoDB numbers stop at a magnitude of 1E-130: a smaller non-zero one (5e-324) fails the write.
    if (typeof v === 'number' && v !== 0 && Math.abs(v) < 1e-130) {
      throw new InvalidValue(`${what}: "${path}" is a number too close to zero to store (below 1E-130).`);
    }
    if (Array.isArray(v)) v.forEach((e, i) => walk(e, depth + 1, `${path}[${i}]`));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, e] of Object.entries(v)) {
        if (k.length === 0) throw new InvalidValue(`${what}: "${path}" has an empty attribute name.`);
        // The DynamoDB marshaller reads `.constructor` to recognise plain objects (review #8c).
        if (PROTOTYPE_KEYS.has(k)) throw new InvalidValue(`${what}: "${k}" cannot be an attribute name.`);
        walk(e, depth + 1, path ? `${path}.${k}` : k);
      }
    }
  };
  walk(value, 0, '');
  const size = dynamoSize(value);
  if (size > MAX_RESOURCE_BYTES) throw new InvalidValue(`${what}: the resource would take ${size} bytes of storage; the limit is ${MAX_RESOURCE_BYTES}.`);
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Coerces Entra's string booleans; anything else is returned as is (validation rejects it later). */
function coerceBoolean(v: unknown): unknown {
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return v;
}

/** Canonicalises one attribute value by its definition. */
export function canonicalValue(def: AttrDef | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (!def) return v;
  if (def.multiValued) {
    const arr = Array.isArray(v) ? v : [v];
    return arr.map((e) => canonicalSingle(def, e)).filter((e) => e !== undefined);
  }
  return canonicalSingle(def, v);
}

function canonicalSingle(def: AttrDef, v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (def.type === 'boolean') return coerceBoolean(v);
  if (def.type !== 'complex') return v;
  if (!isObj(v)) return def.multiValued && (typeof v === 'string' || typeof v === 'number') ? { value: v } : v;
  const out: Json = {};
  for (const [k, sv] of Object.entries(v)) {
    const sub = findAttr(def.subAttributes, k);
    const value = canonicalValue(sub, sv);
    if (value !== undefined) out[sub?.name ?? k] = value;
  }
  return out;
}

/**
 * Canonical form of a whole resource body. Unknown core attributes are dropped (RFC 7644 §3.3
 * lets a service provider ignore them); unknown extension URNs are kept as sent, so that custom
 * IdP schemas survive a round trip. `schemas`, `id` and `meta` are left out: callers decide.
 */
export function canonicalResource(body: Json, schema: ResourceSchema): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(body)) {
    const lk = k.toLowerCase();
    if (lk === 'schemas' || lk === 'id' || lk === 'meta') continue;
    if (isUrn(k)) {
      if (k.toLowerCase() === schema.core.toLowerCase() && isObj(v)) {
        // Core attributes sent under the core URN: merge them in.
        Object.assign(out, canonicalResource(v, schema));
        continue;
      }
      const ext = knownExtension(schema, k);
      if (!isObj(v)) continue;
      const defs = ext ? schema.extensions[ext] : undefined;
      const obj: Json = {};
      for (const [ak, av] of Object.entries(v)) {
        const d = findAttr(defs, ak);
        const value = canonicalValue(d, av);
        if (value !== undefined) obj[d?.name ?? ak] = value;
      }
      out[ext ?? k] = obj;
      continue;
    }
    const def = findAttr(schema.attributes, k);
    if (!def) continue;
    const value = canonicalValue(def, v);
    if (value !== undefined) out[def.name] = value;
  }
  return out;
}
