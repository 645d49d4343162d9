/**
 * Evaluates a parsed filter against a resource's SCIM representation (RFC 7644 §3.4.2.2), reading
 * types and `caseExact` from the schema: strings compare case-insensitively unless the attribute is
 * `caseExact` (id, externalId, member values), dateTimes as instants, booleans only with eq/ne.
 */
import { InvalidFilter } from './errors.js';
import type { AttrPath, CompValue, Filter } from './filter.js';
import { findAttr, knownExtension, type AttrDef, type ResourceSchema } from './schema.js';

export type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Case-insensitive property read (RFC 7643 §2.1) of OWN properties only: `constructor`,
 * `toString` or `__proto__` are not attributes of any resource (review #14).
 */
export function lookup(obj: unknown, name: string): unknown {
  if (!isObj(obj)) return undefined;
  if (Object.hasOwn(obj, name)) return obj[name];
  const n = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === n) return obj[k];
  return undefined;
}

interface Scope {
  readonly obj: unknown;
  readonly defs: readonly AttrDef[] | undefined;
  /** Only the top level may name schema URNs. */
  readonly top: boolean;
}

interface Target {
  readonly def: AttrDef | undefined;
  readonly values: unknown[];
}

function rootFor(path: AttrPath, scope: Scope, schema: ResourceSchema): { obj: unknown; defs: readonly AttrDef[] | undefined } | undefined {
  if (path.uri === undefined) return { obj: scope.obj, defs: scope.defs };
  if (!scope.top) return undefined;
  if (path.uri.toLowerCase() === schema.core.toLowerCase()) return { obj: scope.obj, defs: scope.defs };
  const ext = knownExtension(schema, path.uri);
  return { obj: lookup(scope.obj, ext ?? path.uri), defs: ext ? schema.extensions[ext] : undefined };
}

function target(path: AttrPath, scope: Scope, schema: ResourceSchema): Target {
  const root = rootFor(path, scope, schema);
  if (!root) return { def: undefined, values: [] };
  const def = findAttr(root.defs, path.attr);
  const raw = lookup(root.obj, path.attr);
  if (path.sub !== undefined) {
    const subDef = findAttr(def?.subAttributes, path.sub);
    const elems = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    return { def: subDef, values: elems.map((e) => lookup(e, path.sub!)).filter((v) => v !== undefined && v !== null) };
  }
  if (Array.isArray(raw)) {
    // A multi-valued attribute without a sub-attribute compares its elements' `value` (RFC 7644 §3.4.2.2).
    const valueDef = def?.type === 'complex' ? findAttr(def.subAttributes, 'value') : def;
    return { def: valueDef, values: raw.map((e) => (isObj(e) ? e.value : e)).filter((v) => v !== undefined && v !== null) };
  }
  return { def, values: raw === undefined || raw === null ? [] : [raw] };
}

function present(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.values(v).some(present);
  return true;
}

function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return undefined;
}

function compareOne(def: AttrDef | undefined, op: string, actual: unknown, expected: Exclude<CompValue, null>): boolean {
  const type = def?.type ?? (typeof actual === 'boolean' ? 'boolean' : typeof actual === 'number' ? 'decimal' : 'string');
  if (type === 'boolean') {
    if (op !== 'eq' && op !== 'ne') throw new InvalidFilter(`Invalid filter: "${op}" is not defined for boolean attributes.`);
    const a = asBool(actual);
    const e = asBool(expected);
    return a !== undefined && a === e;
  }
  if (type === 'complex') return false;
  if (type === 'dateTime') {
    const a = Date.parse(String(actual));
    const e = typeof expected === 'string' ? Date.parse(expected) : Number.NaN;
    if (Number.isNaN(e)) {
      if (op === 'co' || op === 'sw' || op === 'ew') return compareStrings(String(actual), String(expected), op, true);
      throw new InvalidFilter(`Invalid filter: "${String(expected)}" is not a dateTime.`);
    }
    return ordered(a - e, op);
  }
  if ((type === 'integer' || type === 'decimal') && typeof expected === 'number') {
    const a = Number(actual);
    return !Number.isNaN(a) && ordered(a - expected, op);
  }
  if (typeof expected === 'boolean') {
    if (op === 'gt' || op === 'ge' || op === 'lt' || op === 'le') throw new InvalidFilter(`Invalid filter: "${op}" cannot compare with a boolean.`);
  }
  return compareStrings(String(actual), String(expected), op, def?.caseExact ?? false);
}

function compareStrings(actual: string, expected: string, op: string, caseExact: boolean): boolean {
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'eq':
    case 'ne':
      return a === e;
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    default:
      return ordered(a < e ? -1 : a > e ? 1 : 0, op);
  }
}

function ordered(d: number, op: string): boolean {
  switch (op) {
    case 'eq':
    case 'ne':
      return d === 0;
    case 'gt':
      return d > 0;
    case 'ge':
      return d >= 0;
    case 'lt':
      return d < 0;
    case 'le':
      return d <= 0;
    default:
      return false;
  }
}

function evalIn(f: Filter, scope: Scope, schema: ResourceSchema): boolean {
  switch (f.kind) {
    case 'and':
      return evalIn(f.left, scope, schema) && evalIn(f.right, scope, schema);
    case 'or':
      return evalIn(f.left, scope, schema) || evalIn(f.right, scope, schema);
    case 'not':
      return !evalIn(f.filter, scope, schema);
    case 'present': {
      const root = rootFor(f.path, scope, schema);
      if (!root) return false;
      const raw = lookup(root.obj, f.path.attr);
      if (f.path.sub === undefined) return present(raw);
      const elems = Array.isArray(raw) ? raw : [raw];
      return elems.some((e) => present(lookup(e, f.path.sub!)));
    }
    case 'compare': {
      const t = target(f.path, scope, schema);
      if (f.value === null) {
        // `attr eq null` asks for an unassigned attribute; `ne null` for an assigned one.
        const has = t.values.some(present);
        return f.op === 'ne' ? has : f.op === 'eq' ? !has : false;
      }
      const expected = f.value;
      const any = t.values.some((v) => compareOne(t.def, f.op, v, expected));
      // `ne` holds when no value equals (so an absent attribute is "not equal").
      return f.op === 'ne' ? !any : any;
    }
    case 'valuePath': {
      const root = rootFor(f.path, scope, schema);
      if (!root) return false;
      const def = findAttr(root.defs, f.path.attr);
      const raw = lookup(root.obj, f.path.attr);
      const elems = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
      return elems.some((e) => isObj(e) && evalIn(f.filter, { obj: e, defs: def?.subAttributes, top: false }, schema));
    }
  }
}

/** True when `resource` (its SCIM JSON) satisfies `filter`; type misuse throws `InvalidFilter`. */
export function matches(filter: Filter, resource: Json, schema: ResourceSchema): boolean {
  return evalIn(filter, { obj: resource, defs: schema.attributes, top: true }, schema);
}

/** True when one element of a multi-valued attribute satisfies a value filter (PATCH `emails[type eq "work"]`). */
export function elementMatches(filter: Filter, element: unknown, def: AttrDef | undefined, schema: ResourceSchema): boolean {
  return isObj(element) && evalIn(filter, { obj: element, defs: def?.subAttributes, top: false }, schema);
}

/** Checks a filter's operators against the schema without a resource (so misuse is a 400 even on empty results). */
export function checkFilter(filter: Filter, schema: ResourceSchema): void {
  probe(filter, schema);
}

/** Evaluates every comparison once against a typed dummy value so that type misuse surfaces early. */
function probe(f: Filter, schema: ResourceSchema, defs: readonly AttrDef[] | undefined = schema.attributes, top = true): void {
  switch (f.kind) {
    case 'and':
    case 'or':
      probe(f.left, schema, defs, top);
      probe(f.right, schema, defs, top);
      return;
    case 'not':
      probe(f.filter, schema, defs, top);
      return;
    case 'present':
      return;
    case 'valuePath': {
      const root = rootFor(f.path, { obj: {}, defs, top }, schema);
      const def = root ? findAttr(root.defs, f.path.attr) : undefined;
      probe(f.filter, schema, def?.subAttributes, false);
      return;
    }
    case 'compare': {
      if (f.value === null) return;
      const root = rootFor(f.path, { obj: {}, defs, top }, schema);
      if (!root) return;
      let def = findAttr(root.defs, f.path.attr);
      if (def && f.path.sub !== undefined) def = findAttr(def.subAttributes, f.path.sub);
      else if (def?.multiValued && def.type === 'complex') def = findAttr(def.subAttributes, 'value');
      if (!def) return;
      const sample: Record<string, unknown> = { boolean: true, dateTime: '2000-01-01T00:00:00Z', integer: 0, decimal: 0 };
      compareOne(def, f.op, sample[def.type] ?? 'x', f.value);
    }
  }
}
