/**
 * The PATCH engine (RFC 7644 §3.5.2) over a resource's canonical SCIM JSON. It applies operations
 * in order to a copy and returns it; the caller validates the result exactly like a PUT body, so
 * PATCH can never store something PUT would refuse.
 *
 * IdP quirks accepted (docs/reference/okta-protocols.md §2, §7): capitalised ops (`Replace`), `"True"`/`"False"`
 * strings for booleans, a path-less replace whose value has dotted keys (`{"name.givenName": …}`)
 * or URN-qualified keys, Okta's path-less `{"active": false}` and group rename
 * `{"id": …, "displayName": …}` (the read-only `id` is ignored there), and `Add`/`Replace` with a
 * value-filter path that matches nothing, which creates the element the filter describes
 * (`emails[type eq "work"].value`), as Entra expects.
 */
import { PROTOTYPE_KEYS } from '../json.js';
import { elementMatches, lookup, type Json } from './evaluate.js';
import { InvalidPath, InvalidSyntax, InvalidValue, Mutability, NoTarget } from './errors.js';
import { parseAttrPath, parsePatchPath, type Filter, type PatchPath } from './filter.js';
import { canonicalValue } from './normalize.js';
import { findAttr, isUrn, knownExtension, type AttrDef, type ResourceSchema } from './schema.js';

export interface PatchOperation {
  readonly op: string;
  readonly path?: string;
  readonly value?: unknown;
}

type Kind = 'add' | 'replace' | 'remove';

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The op name, case-insensitively (Entra sends `Add`, `Replace`, `Remove`). */
export function opKind(op: string): Kind {
  const k = op.trim().toLowerCase();
  if (k === 'add' || k === 'replace' || k === 'remove') return k;
  throw new InvalidSyntax(`Unknown PATCH op "${op}": use add, replace or remove.`);
}

/** Parses a PATCH path, turning any problem into 400 `invalidPath`. */
export function patchPath(path: string): PatchPath {
  const parsed = parsePatchPath(path, (msg) => {
    throw new InvalidPath(`Invalid path: ${msg}.`);
  });
  assertSafePath(parsed);
  return parsed;
}

/**
 * A PATCH path may not name `constructor`, `prototype` or `__proto__` anywhere — attribute,
 * sub-attribute, a part of an extension URN, or an attribute inside its value filter (which
 * `derivable` would turn into a member of the created element): the result would be stored with
 * such a member, and the DynamoDB marshaller reads `.constructor` (review #8d).
 */
function assertSafePath(p: { uri?: string; attr: string; sub?: string; filter?: Filter }): void {
  const names = [p.attr, ...(p.sub !== undefined ? [p.sub] : []), ...(p.uri !== undefined ? p.uri.split(/[:.]/) : [])];
  const bad = names.find((n) => PROTOTYPE_KEYS.has(n));
  if (bad !== undefined) throw new InvalidPath(`Invalid path: "${bad}" cannot be an attribute name.`);
  const walk = (f: Filter): void => {
    switch (f.kind) {
      case 'and':
      case 'or':
        walk(f.left);
        walk(f.right);
        return;
      case 'not':
        walk(f.filter);
        return;
      case 'valuePath':
        assertSafePath(f.path);
        walk(f.filter);
        return;
      default:
        assertSafePath(f.path);
    }
  };
  if (p.filter) walk(p.filter);
}

interface Resolved {
  /** The object holding the attribute (the resource, or an extension object). */
  readonly container: Json;
  readonly def: AttrDef | undefined;
  /** The attribute's key in `container` (canonical spelling when known). */
  readonly key: string;
}

/**
 * Applies `ops` to a copy of `doc`. Throws the spec's errors: `invalidPath` for unknown
 * attributes, `mutability` for read-only ones, `noTarget` for a remove without path or a filter
 * that selects nothing where something is required, `invalidValue` for unusable values.
 */
export function applyPatch(doc: Json, ops: readonly PatchOperation[], schema: ResourceSchema): Json {
  const out = structuredClone(doc);
  for (const op of ops) applyOne(out, op, schema);
  return out;
}

function applyOne(doc: Json, op: PatchOperation, schema: ResourceSchema): void {
  const kind = opKind(op.op);
  const path = typeof op.path === 'string' ? op.path.trim() : undefined;
  if (path === undefined || path === '') {
    if (kind === 'remove') throw new NoTarget('A remove operation needs a "path" (RFC 7644 §3.5.2.2).');
    if (!isObj(op.value)) throw new InvalidValue(`A path-less ${kind} needs an object "value".`);
    applyPathless(doc, kind, op.value, schema);
    return;
  }
  applyAt(doc, kind, patchPath(path), op.value, schema);
}

function applyPathless(doc: Json, kind: Kind, value: Json, schema: ResourceSchema): void {
  for (const [k, v] of Object.entries(value)) {
    const lk = k.toLowerCase();
    // Okta's group rename carries the read-only `id`; `schemas` and `meta` are never targets.
    if (lk === 'id' || lk === 'schemas' || lk === 'meta') continue;
    if (isUrn(k)) {
      if (k.toLowerCase() === schema.core.toLowerCase() && isObj(v)) {
        applyPathless(doc, kind, v, schema);
        continue;
      }
      const ext = knownExtension(schema, k);
      if (ext || (isObj(v) && !knownExtension(schema, k.slice(0, k.lastIndexOf(':'))))) {
        // A whole extension object: each of its attributes is a target of its own.
        if (!isObj(v)) throw new InvalidValue(`"${k}" must be an object.`);
        const uri = ext ?? k;
        for (const [ak, av] of Object.entries(v)) applyAt(doc, kind, { uri, ...attrAndSub(ak) }, av, schema);
        continue;
      }
      applyAt(doc, kind, patchPath(k), v, schema);
      continue;
    }
    // Entra (aadOptscim062020): `{"name.givenName": "…"}` means the path `name.givenName`.
    if (k.includes('.') || k.includes('[')) {
      applyAt(doc, kind, patchPath(k), v, schema);
      continue;
    }
    applyAt(doc, kind, { attr: k }, v, schema);
  }
}

function attrAndSub(k: string): { attr: string; sub?: string } {
  const p = parseAttrPath(k, (msg) => {
    throw new InvalidPath(`Invalid path: ${msg}.`);
  });
  assertSafePath(p);
  return { attr: p.attr, ...(p.sub !== undefined ? { sub: p.sub } : {}) };
}

function resolve(doc: Json, path: PatchPath, schema: ResourceSchema, create: boolean): Resolved {
  let container: Json = doc;
  let defs: readonly AttrDef[] | undefined = schema.attributes;
  let free = false;
  if (path.uri !== undefined && path.uri.toLowerCase() !== schema.core.toLowerCase()) {
    const ext = knownExtension(schema, path.uri);
    const key = ext ?? existingKey(doc, path.uri) ?? path.uri;
    if (!ext && !/^urn:[a-z0-9][a-z0-9-]{0,31}:/i.test(path.uri)) throw new InvalidPath(`Invalid path: unknown schema "${path.uri}".`);
    let obj = doc[key];
    if (!isObj(obj)) {
      obj = {};
      if (create) doc[key] = obj;
    }
    container = obj as Json;
    defs = ext ? schema.extensions[ext] : undefined;
    // An extension this server has no schema for (an IdP's custom one) is stored as sent.
    free = !ext;
  }
  const def = findAttr(defs, path.attr);
  if (!def && !free) throw new InvalidPath(`Invalid path: "${path.attr}" is not an attribute of ${schema.name}.`);
  if (def && def.mutability === 'readOnly') throw new Mutability(`"${def.name}" is read-only.`);
  const key = def?.name ?? existingKey(container, path.attr) ?? path.attr;
  return { container, def, key };
}

function existingKey(obj: Json, name: string): string | undefined {
  const n = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === n);
}

function applyAt(doc: Json, kind: Kind, path: PatchPath, value: unknown, schema: ResourceSchema): void {
  const { container, def, key } = resolve(doc, path, schema, kind !== 'remove');
  if (path.filter) {
    applyFiltered(container, key, def, kind, path.filter, path.sub, value, schema);
  } else if (path.sub !== undefined) {
    applySub(container, key, def, kind, path.sub, value);
  } else {
    applyWhole(container, key, def, kind, value);
  }
  if (Array.isArray(container[key]) && (container[key] as unknown[]).length === 0) delete container[key];
  if (isObj(container[key]) && Object.keys(container[key] as Json).length === 0 && def?.type === 'complex') delete container[key];
}

function applyWhole(container: Json, key: string, def: AttrDef | undefined, kind: Kind, value: unknown): void {
  if (kind === 'remove') {
    // Entra removes members (or any multi-valued entries) by listing them in `value`.
    if (value !== undefined && value !== null && Array.isArray(container[key]) && def?.multiValued !== false) {
      const victims = Array.isArray(value) ? value : [value];
      container[key] = (container[key] as unknown[]).filter((e) => !victims.some((v) => sameEntry(e, v)));
      return;
    }
    delete container[key];
    return;
  }
  const v = canonicalValue(def, value);
  if (v === undefined) {
    if (kind === 'replace') delete container[key];
    return;
  }
  const multi = def ? def.multiValued : Array.isArray(value);
  if (multi) {
    const incoming = Array.isArray(v) ? v : [v];
    const existing = kind === 'add' && Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
    const merged = [...existing];
    for (const e of incoming) if (!merged.some((m) => deepEqual(m, e))) merged.push(e);
    container[key] = onePrimary(merged, incoming);
    return;
  }
  if ((def?.type === 'complex' || !def) && isObj(v) && isObj(container[key])) {
    // RFC 7644 §3.5.2.3: sub-attributes not given are left unchanged.
    container[key] = { ...(container[key] as Json), ...v };
    return;
  }
  container[key] = v;
}

function applySub(container: Json, key: string, def: AttrDef | undefined, kind: Kind, sub: string, value: unknown): void {
  if (def && def.type !== 'complex') throw new InvalidPath(`Invalid path: "${def.name}" has no sub-attributes.`);
  const subDef = findAttr(def?.subAttributes, sub);
  if (def && !subDef) throw new InvalidPath(`Invalid path: "${sub}" is not a sub-attribute of "${def.name}".`);
  if (subDef?.mutability === 'readOnly') throw new Mutability(`"${def?.name}.${subDef.name}" is read-only.`);
  const subKey = subDef?.name ?? sub;
  const v = kind === 'remove' ? undefined : canonicalValue(subDef, value);
  if (def?.multiValued || Array.isArray(container[key])) {
    const arr = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
    if (kind === 'remove') {
      for (const e of arr) if (isObj(e)) delete e[subKey];
      return;
    }
    if (v === undefined) return;
    if (arr.length === 0) container[key] = [{ [subKey]: v }];
    else for (const e of arr) if (isObj(e)) e[subKey] = v;
    return;
  }
  const obj = isObj(container[key]) ? (container[key] as Json) : {};
  if (kind === 'remove' || v === undefined) delete obj[subKey];
  else obj[subKey] = v;
  container[key] = obj;
}

function applyFiltered(container: Json, key: string, def: AttrDef | undefined, kind: Kind, filter: Filter, sub: string | undefined, value: unknown, schema: ResourceSchema): void {
  if (def && !def.multiValued) throw new InvalidPath(`Invalid path: a value filter needs a multi-valued attribute, "${def.name}" is not.`);
  const subDef = sub !== undefined ? findAttr(def?.subAttributes, sub) : undefined;
  if (sub !== undefined && def && !subDef) throw new InvalidPath(`Invalid path: "${sub}" is not a sub-attribute of "${def.name}".`);
  const subKey = subDef?.name ?? sub;
  const arr = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
  const hits = arr.filter((e) => elementMatches(filter, e, def, schema));
  if (kind === 'remove') {
    if (subKey === undefined) container[key] = arr.filter((e) => !hits.includes(e));
    else for (const e of hits) if (isObj(e)) delete e[subKey];
    return;
  }
  const elementDef = def ? { ...def, multiValued: false } : undefined;
  if (hits.length === 0) {
    const seed = derivable(filter);
    if (!seed) throw new NoTarget(`The filter in the path selects no value of "${key}" and does not describe one to create.`);
    const el: Json = { ...seed };
    if (subKey !== undefined) {
      const v = canonicalValue(subDef, value);
      if (v === undefined) return;
      el[subKey] = v;
    } else {
      const v = canonicalValue(elementDef, value);
      if (!isObj(v)) throw new InvalidValue(`The value for "${key}[…]" must be an object.`);
      Object.assign(el, v);
    }
    container[key] = onePrimary([...arr, el], [el]);
    return;
  }
  for (const e of hits) {
    if (!isObj(e)) continue;
    if (subKey !== undefined) {
      const v = canonicalValue(subDef, value);
      if (v === undefined) delete e[subKey];
      else e[subKey] = v;
    } else {
      const v = canonicalValue(elementDef, value);
      if (!isObj(v)) throw new InvalidValue(`The value for "${key}[…]" must be an object.`);
      if (kind === 'replace') for (const k of Object.keys(e)) delete e[k];
      Object.assign(e, v);
    }
  }
  container[key] = onePrimary(arr, hits);
}

/** `{type: "work"}` from `type eq "work"` (and-chains of eq only): the element a filter describes. */
function derivable(f: Filter): Json | undefined {
  if (f.kind === 'compare' && f.op === 'eq' && f.path.uri === undefined && f.path.sub === undefined && f.value !== null) return { [f.path.attr]: f.value };
  if (f.kind === 'and') {
    const l = derivable(f.left);
    const r = derivable(f.right);
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}

/** RFC 7643 §2.4: at most one `primary: true`; the most recently written one wins. */
function onePrimary(arr: unknown[], written: unknown[]): unknown[] {
  const winner = [...written].reverse().find((e) => isObj(e) && e.primary === true);
  if (!winner) return arr;
  for (const e of arr) if (isObj(e) && e !== winner && e.primary === true) e.primary = false;
  return arr;
}

/** Whether an existing entry is the one a removal names (by `value`, else by deep equality). */
function sameEntry(existing: unknown, named: unknown): boolean {
  const nv = isObj(named) ? lookup(named, 'value') : named;
  const ev = isObj(existing) ? lookup(existing, 'value') : existing;
  if (nv !== undefined && ev !== undefined) return String(nv) === String(ev);
  return deepEqual(existing, named);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
