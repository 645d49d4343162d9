import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Kinds of bearer secrets. Each token reads `idpb_<region>_<kind>_<id>_<secret>`: a readable prefix
 * naming kind and region (so a leaked token is recognisable and a wrong-region token can be told
 * apart), a lookup id, and 256 random bits.
 */
export const TOKEN_KINDS = ['scim', 'api', 'mcp', 'session', 'oauth-access', 'oauth-refresh'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** Crockford-free lowercase base32 alphabet without `_`, so ids split cleanly. */
const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A random id of `len` base32 characters. */
function randomId(len = 20): string {
  const bytes = randomBytes(len);
  let out = '';
  for (let i = 0; i < len; i++) out += ID_ALPHABET[bytes[i]! & 31];
  return out;
}

let lastMs = 0;
let seq = 0;
/**
 * A time-sortable id: 10 characters of milliseconds (base32, fixed width), 4 of a per-process
 * sequence, then randomness. Sorting ids as strings sorts by creation time.
 */
export function sortableId(now = Date.now()): string {
  return timeIdPrefix(now) + nextSeq(now) + randomId(8);
}

/** The first 10 characters of every `sortableId` made at `ms`: ids sort before/after it by time. */
export function timeIdPrefix(ms: number): string {
  let t = '';
  let n = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    t = ID_ALPHABET[n % 32]! + t;
    n = Math.floor(n / 32);
  }
  return t;
}

function nextSeq(now: number): string {
  if (now === lastMs) seq = (seq + 1) % 1_048_576;
  else {
    lastMs = now;
    seq = 0;
  }
  let s = '';
  let m = seq;
  for (let i = 0; i < 4; i++) {
    s = ID_ALPHABET[m % 32]! + s;
    m = Math.floor(m / 32);
  }
  return s;
}

export interface MintedToken {
  readonly id: string;
  /** The secret to show once. */
  readonly token: string;
  /** HMAC-SHA-256 of the token with the pepper: the only thing stored. */
  readonly hash: string;
}

export interface ParsedToken {
  readonly region: string;
  readonly kind: TokenKind;
  readonly id: string;
}

const TOKEN_RE = /^idpb_([a-z]{2,8})_(scim|api|mcp|session|oauth-access|oauth-refresh)_([0-9a-z]{20})_([A-Za-z0-9_-]{43})$/;

/** Parses a token's readable prefix; undefined when it is not one of ours. */
export function parseToken(token: string): ParsedToken | undefined {
  const m = TOKEN_RE.exec(token);
  if (!m) return undefined;
  return { region: m[1]!, kind: m[2] as TokenKind, id: m[3]! };
}

/**
 * Keyed hashing of bearer secrets. A slow password hash buys nothing for 256-bit random secrets
 * and would cost every SCIM request tens of milliseconds (docs/reference/DESIGN.md, "Tokens and secrets").
 */
export class TokenHasher {
  constructor(private readonly pepper: string) {}

  hash(secret: string): string {
    return createHmac('sha256', this.pepper).update(secret).digest('base64url');
  }

  /** Constant-time comparison of a presented secret against a stored hash. */
  verify(secret: string, storedHash: string): boolean {
    const a = Buffer.from(this.hash(secret));
    const b = Buffer.from(storedHash);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  mint(region: string, kind: TokenKind): MintedToken {
    const id = randomId(20);
    const token = `idpb_${region}_${kind}_${id}_${randomBytes(32).toString('base64url')}`;
    return { id, token, hash: this.hash(token) };
  }

  /** A one-time code (SSO, OAuth): 256 bits, stored hashed. */
  code(): { code: string; hash: string } {
    const code = randomBytes(32).toString('base64url');
    return { code, hash: this.hash(code) };
  }
}

/** Constant-time string equality (admin key, client secrets). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}
