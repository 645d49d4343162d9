import { createHash } from 'node:crypto';
import { safeEqual } from '../core/crypto.js';

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. Same alphabet for an S256 challenge (43). */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

function isValidVerifier(v: string): boolean {
  return VERIFIER.test(v);
}

export function isValidS256Challenge(c: string): boolean {
  return S256_CHALLENGE.test(c);
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
export function verifyS256(verifier: string, challenge: string): boolean {
  if (!isValidVerifier(verifier)) return false;
  return safeEqual(createHash('sha256').update(verifier, 'ascii').digest('base64url'), challenge);
}
