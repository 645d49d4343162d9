/**
 * SCIM filters (RFC 7644 §3.4.2.2), parsed into a typed tree. Hand-written because no maintained
 * npm library parses the full grammar into a typed AST (Ory Polis splits on `eq `); the grammar is
 * small and the fuzz test (`test/scim/fuzz.test.ts`) holds it to "any input gives a tree or
 * `InvalidFilter`, never anything else".
 *
 * ```
 * FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
 * valuePath = attrPath "[" valFilter "]"
 * attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
 * logExp    = FILTER SP ("and" / "or") SP FILTER       ; "not" > "and" > "or"
 * attrPath  = [URI ":"] ATTRNAME *1subAttr
 * ```
 *
 * Tolerated beyond the grammar, because real IdPs send it (docs/reference/okta-protocols.md §7): unquoted string
 * values (`externalId eq jyoung`, Entra) and a sub-attribute after a value filter
 * (`emails[type eq "work"].value eq "x"`, Entra), read as `emails[type eq "work" and value eq "x"]`.
 * Operators and literals are case-insensitive.
 */
import { InvalidFilter } from './errors.js';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompValue = string | number | boolean | null;

/** `[uri:]attr[.sub]`; `uri` is kept as written, names as written (matching is case-insensitive). */
export interface AttrPath {
  readonly uri?: string;
  readonly attr: string;
  readonly sub?: string;
}

export type Filter =
  | { readonly kind: 'compare'; readonly path: AttrPath; readonly op: CompareOp; readonly value: CompValue }
  | { readonly kind: 'present'; readonly path: AttrPath }
  | { readonly kind: 'and' | 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'not'; readonly filter: Filter }
  | { readonly kind: 'valuePath'; readonly path: AttrPath; readonly filter: Filter };

/** A PATCH `path` (RFC 7644 §3.5.2): `attrPath` or `valuePath ["." subAttr]`. */
export interface PatchPath {
  readonly uri?: string;
  readonly attr: string;
  /** Sub-attribute: `name.givenName`, or the one after a value filter (`emails[…].value`). */
  readonly sub?: string;
  readonly filter?: Filter;
}

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
/** Longest filter accepted; longer ones are refused before parsing (a bound on work per request). */
const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 64;
/**
 * Longest comparison value, in UTF-8 bytes. Equality on userName, emails, externalId, displayName,
 * id or members becomes a DynamoDB key (partition keys stop at 2,048 bytes, review #8a); every
 * stored key value is at most 1,024 bytes (`limits.ts`), so a longer value could match nothing and
 * is refused as `invalidFilter` instead of reaching the database.
 */
const MAX_FILTER_VALUE_BYTES = 1024;

type Token =
  | { t: 'lparen' | 'rparen' | 'lbracket' | 'rbracket'; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'word'; v: string; at: number };

const ATTRNAME = /^(\$ref|[A-Za-z][A-Za-z0-9_-]*)$/;

function tokenize(input: string, fail: (msg: string) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ t: c === '(' ? 'lparen' : c === ')' ? 'rparen' : c === '[' ? 'lbracket' : 'rbracket', at: i });
      i++;
      continue;
    }
    if (c === '"') {
      // A JSON string (RFC 7644 §3.4.2.2: compValue strings follow RFC 7159).
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === '\\' ? 2 : 1;
      if (j >= input.length) fail(`unterminated string at position ${i + 1}`);
      let v: string;
      try {
        v = JSON.parse(input.slice(i, j + 1)) as string;
      } catch {
        fail(`invalid string escape at position ${i + 1}`);
      }
      out.push({ t: 'string', v, at: i });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < input.length && !' \t\n\r()[]"'.includes(input[j]!)) j++;
    out.push({ t: 'word', v: input.slice(i, j), at: i });
    i = j;
  }
  return out;
}

/** Parses `[uri:]attr[.sub]` (RFC 7644 §3.4.2.2 `attrPath`); the URN is everything before the last colon. */
export function parseAttrPath(word: string, fail: (msg: string) => never): AttrPath {
  let uri: string | undefined;
  let rest = word;
  if (/^urn:/i.test(word)) {
    const cut = word.lastIndexOf(':');
    uri = word.slice(0, cut);
    rest = word.slice(cut + 1);
    if (uri.length <= 4 || rest.length === 0) fail(`"${word}" is not an attribute path`);
  }
  const parts = rest.split('.');
  if (parts.length > 2 || !parts.every((p) => ATTRNAME.test(p))) fail(`"${word}" is not an attribute path`);
  return { ...(uri !== undefined ? { uri } : {}), attr: parts[0]!, ...(parts[1] !== undefined ? { sub: parts[1] } : {}) };
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly fail: (msg: string) => never,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isWord(w: string): boolean {
    const t = this.peek();
    return t?.t === 'word' && t.v.toLowerCase() === w;
  }

  done(): boolean {
    return this.pos >= this.tokens.length;
  }

  filter(inBrackets: boolean): Filter {
    if (++this.depth > MAX_DEPTH) this.fail('the filter is nested too deeply');
    let left = this.and(inBrackets);
    while (this.isWord('or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.and(inBrackets) };
    }
    this.depth--;
    return left;
  }

  private and(inBrackets: boolean): Filter {
    let left = this.not(inBrackets);
    while (this.isWord('and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.not(inBrackets) };
    }
    return left;
  }

  private not(inBrackets: boolean): Filter {
    if (this.isWord('not')) {
      this.pos++;
      if (this.peek()?.t !== 'lparen') this.fail('"not" must be followed by "("');
      this.pos++;
      const inner = this.filter(inBrackets);
      this.expect('rparen', ')');
      return { kind: 'not', filter: inner };
    }
    return this.primary(inBrackets);
  }

  private expect(t: Token['t'], what: string): void {
    if (this.peek()?.t !== t) this.fail(`expected "${what}"${this.where()}`);
    this.pos++;
  }

  private where(): string {
    const t = this.peek();
    return t ? ` at position ${t.at + 1}` : ' at the end';
  }

  private primary(inBrackets: boolean): Filter {
    const t = this.peek();
    if (!t) this.fail('unexpected end of filter');
    if (t.t === 'lparen') {
      this.pos++;
      const inner = this.filter(inBrackets);
      this.expect('rparen', ')');
      return inner;
    }
    if (t.t !== 'word') this.fail(`expected an attribute path${this.where()}`);
    this.pos++;
    const path = parseAttrPath(t.v, this.fail);
    if (this.peek()?.t === 'lbracket') {
      if (inBrackets) this.fail('value filters cannot be nested');
      if (path.sub !== undefined) this.fail(`a value filter applies to a multi-valued attribute, not to "${t.v}"`);
      this.pos++;
      const inner = this.filter(true);
      this.expect('rbracket', ']');
      // Entra: `emails[type eq "work"].value eq "x"` ≡ `emails[type eq "work" and value eq "x"]`.
      const next = this.peek();
      if (next?.t === 'word' && next.v.startsWith('.')) {
        this.pos++;
        const sub = next.v.slice(1);
        if (!ATTRNAME.test(sub)) this.fail(`"${next.v}" is not a sub-attribute`);
        const cond = this.condition({ attr: sub });
        return { kind: 'valuePath', path, filter: { kind: 'and', left: inner, right: cond } };
      }
      return { kind: 'valuePath', path, filter: inner };
    }
    return this.condition(path);
  }

  private condition(path: AttrPath): Filter {
    const opTok = this.peek();
    if (opTok?.t !== 'word') this.fail(`expected an operator${this.where()}`);
    const op = opTok.v.toLowerCase();
    this.pos++;
    if (op === 'pr') return { kind: 'present', path };
    if (!COMPARE_OPS.has(op)) this.fail(`unknown operator "${opTok.v}"`);
    const v = this.peek();
    if (!v || (v.t !== 'string' && v.t !== 'word')) this.fail(`expected a value after "${opTok.v}"${this.where()}`);
    this.pos++;
    // Lower-cased as the case-insensitive keys are (`İ` grows from 2 to 3 bytes).
    if (Buffer.byteLength(v.v.toLowerCase()) > MAX_FILTER_VALUE_BYTES) this.fail(`the value compared with "${opTok.v}" is longer than ${MAX_FILTER_VALUE_BYTES} bytes`);
    return { kind: 'compare', path, op: op as CompareOp, value: v.t === 'string' ? v.v : literal(v.v) };
  }
}

function literal(word: string): CompValue {
  const w = word.toLowerCase();
  if (w === 'true') return true;
  if (w === 'false') return false;
  if (w === 'null') return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(word)) return Number(word);
  // Entra sends unquoted strings (`externalId eq jyoung`); anything else is taken as a string too.
  return word;
}

/** Parses a filter; throws `InvalidFilter` (400 `invalidFilter`) with the reason. */
export function parseFilter(input: string): Filter {
  const fail = (msg: string): never => {
    throw new InvalidFilter(`Invalid filter: ${msg}.`);
  };
  if (input.length > MAX_FILTER_LENGTH) fail(`longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(input, fail);
  if (tokens.length === 0) fail('empty filter');
  const p = new Parser(tokens, fail);
  const f = p.filter(false);
  if (!p.done()) fail('unexpected input after the end of the expression');
  return f;
}

/** Parses a PATCH path; any problem is an `InvalidPath` (400 `invalidPath`). */
export function parsePatchPath(input: string, onError: (msg: string) => never): PatchPath {
  const s = input.trim();
  if (s.length === 0 || s.length > MAX_FILTER_LENGTH) onError('empty or over-long path');
  const open = s.indexOf('[');
  if (open === -1) {
    const p = parseAttrPath(s, onError);
    return p;
  }
  const close = closingBracket(s, open);
  if (close === -1) onError(`"${s}" has an unbalanced "["`);
  const head = parseAttrPath(s.slice(0, open), onError);
  if (head.sub !== undefined) onError(`"${s}": a value filter applies to a multi-valued attribute`);
  let filter: Filter;
  try {
    filter = parseFilterInBrackets(s.slice(open + 1, close));
  } catch (err) {
    if (err instanceof InvalidFilter) onError(`"${s}": ${err.message}`);
    throw err;
  }
  const tail = s.slice(close + 1);
  let sub: string | undefined;
  if (tail.length > 0) {
    if (!tail.startsWith('.') || !ATTRNAME.test(tail.slice(1))) onError(`"${s}" has unexpected text after "]"`);
    sub = tail.slice(1);
  }
  return { ...(head.uri !== undefined ? { uri: head.uri } : {}), attr: head.attr, filter, ...(sub !== undefined ? { sub } : {}) };
}

/** Index of the `]` closing the `[` at `open`, skipping quoted strings; -1 if none. */
function closingBracket(s: string, open: number): number {
  let inString = false;
  for (let i = open + 1; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ']') return i;
  }
  return -1;
}

function parseFilterInBrackets(input: string): Filter {
  const fail = (msg: string): never => {
    throw new InvalidFilter(`Invalid filter: ${msg}.`);
  };
  const tokens = tokenize(input, fail);
  if (tokens.length === 0) fail('empty value filter');
  const p = new Parser(tokens, fail);
  const f = p.filter(true);
  if (!p.done()) fail('unexpected input in the value filter');
  return f;
}

/** Renders a filter back to text (canonical: lower-case operators, quoted strings); used for cursor keys. */
export function formatFilter(f: Filter): string {
  const path = (p: AttrPath) => `${p.uri ? `${p.uri}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`.toLowerCase();
  switch (f.kind) {
    case 'compare':
      return `${path(f.path)} ${f.op} ${JSON.stringify(f.value)}`;
    case 'present':
      return `${path(f.path)} pr`;
    case 'and':
    case 'or':
      return `(${formatFilter(f.left)} ${f.kind} ${formatFilter(f.right)})`;
    case 'not':
      return `not (${formatFilter(f.filter)})`;
    case 'valuePath':
      return `${path(f.path)}[${formatFilter(f.filter)}]`;
  }
}
