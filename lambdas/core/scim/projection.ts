/**
 * `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a response
 * carries. Attributes whose `returned` is `always` (`id`, plus `schemas`) survive both lists.
 */
import type { Json } from './evaluate.js';
import { parseAttrPath } from './filter.js';
import { findAttr, knownExtension, type ResourceSchema } from './schema.js';

/** top-level key (canonical) → 'all' or the set of sub-attribute keys (canonical). */
type Selection = Map<string, 'all' | Set<string>>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits a comma-separated query parameter into attribute paths. */
export function attributeList(param: string | undefined): string[] | undefined {
  if (param === undefined) return undefined;
  const list = param
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return list.length > 0 ? list : undefined;
}

function select(schema: ResourceSchema, paths: readonly string[]): Selection {
  const sel: Selection = new Map();
  const add = (key: string, sub?: string) => {
    const cur = sel.get(key);
    if (sub === undefined) sel.set(key, 'all');
    else if (cur !== 'all') sel.set(key, (cur ?? new Set<string>()).add(sub));
  };
  for (const raw of paths) {
    const whole = knownExtension(schema, raw);
    if (whole) {
      add(whole);
      continue;
    }
    let p;
    try {
      p = parseAttrPath(raw, (msg) => {
        throw new Error(msg);
      });
    } catch {
      continue; // An attribute that cannot exist selects nothing.
    }
    if (p.uri !== undefined && p.uri.toLowerCase() !== schema.core.toLowerCase()) {
      const ext = knownExtension(schema, p.uri) ?? p.uri;
      const def = findAttr(schema.extensions[ext], p.attr);
      add(ext, def?.name ?? p.attr);
      continue;
    }
    const def = findAttr(schema.attributes, p.attr);
    const key = def?.name ?? p.attr;
    const subDef = p.sub !== undefined ? findAttr(def?.subAttributes, p.sub) : undefined;
    add(key, p.sub === undefined ? undefined : (subDef?.name ?? p.sub));
  }
  return sel;
}

const ALWAYS = new Set(['schemas', 'id']);

function keyFor(resource: Json, key: string): string | undefined {
  const k = key.toLowerCase();
  return Object.keys(resource).find((x) => x.toLowerCase() === k);
}

function pickSubs(value: unknown, subs: Set<string>): unknown {
  const lower = new Set([...subs].map((s) => s.toLowerCase()));
  const pick = (o: unknown) => (isObj(o) ? Object.fromEntries(Object.entries(o).filter(([k]) => lower.has(k.toLowerCase()))) : o);
  return Array.isArray(value) ? value.map(pick) : pick(value);
}

function dropSubs(value: unknown, subs: Set<string>): unknown {
  const lower = new Set([...subs].map((s) => s.toLowerCase()));
  const drop = (o: unknown) => (isObj(o) ? Object.fromEntries(Object.entries(o).filter(([k]) => !lower.has(k.toLowerCase()))) : o);
  return Array.isArray(value) ? value.map(drop) : drop(value);
}

/** Applies `attributes` (allow-list) or else `excludedAttributes` (deny-list) to one resource. */
export function project(resource: Json, schema: ResourceSchema, attributes?: readonly string[], excluded?: readonly string[]): Json {
  if (attributes && attributes.length > 0) {
    const sel = select(schema, attributes);
    const out: Json = {};
    for (const [k, v] of Object.entries(resource)) {
      if (ALWAYS.has(k)) {
        out[k] = v;
        continue;
      }
      const want = [...sel.entries()].find(([sk]) => keyFor({ [k]: 1 }, sk) !== undefined)?.[1];
      if (!want) continue;
      out[k] = want === 'all' ? v : pickSubs(v, want);
    }
    return out;
  }
  if (excluded && excluded.length > 0) {
    const sel = select(schema, excluded);
    const out: Json = { ...resource };
    for (const [sk, what] of sel) {
      const k = keyFor(out, sk);
      if (!k || ALWAYS.has(k)) continue;
      if (what === 'all') delete out[k];
      else out[k] = dropSubs(out[k], what);
    }
    return out;
  }
  return resource;
}

/** True when a response with these lists would carry the attribute `name` (to skip loading it). */
export function wants(schema: ResourceSchema, name: string, attributes?: readonly string[], excluded?: readonly string[]): boolean {
  if (attributes && attributes.length > 0) return [...select(schema, attributes).keys()].some((k) => k.toLowerCase() === name.toLowerCase());
  if (excluded && excluded.length > 0) return select(schema, excluded).get(name) !== 'all';
  return true;
}

/** True only when `attributes` names the attribute (for attributes served on request, such as a list's `groups`). */
export function requested(schema: ResourceSchema, name: string, attributes?: readonly string[]): boolean {
  return !!attributes && [...select(schema, attributes).keys()].some((k) => k.toLowerCase() === name.toLowerCase());
}
