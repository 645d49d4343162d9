import { WeakSignatureAlgorithm } from '../errors.js';
import type { SignatureInfo } from '../envelope.js';

/** SHA-256 or stronger (OIN rule: SHA-256 only; `docs/reference/okta-protocols.md` §6). */
const STRONG_SIGNATURE_METHODS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const STRONG_DIGESTS = new Set([
  'http://www.w3.org/2001/04/xmlenc#sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512',
]);

const short = (uri: string | undefined) => (uri ?? '(none)').replace(/^.*#/, '').toUpperCase();

/**
 * Step 4 — every signature uses RSA-SHA256 (or stronger) and SHA-256 (or stronger) digests.
 * xml-crypto still verifies RSA-SHA1, which is collision-prone; an attacker cannot downgrade a
 * signature (SignedInfo is signed), but a misconfigured IdP can, and the admin should know.
 */
export function checkSignatureAlgorithm(signatures: readonly SignatureInfo[]): string {
  for (const s of signatures) {
    if (!s.signatureMethod || !STRONG_SIGNATURE_METHODS.has(s.signatureMethod)) throw new WeakSignatureAlgorithm(short(s.signatureMethod));
    const weak = s.digestMethods.find((d) => !STRONG_DIGESTS.has(d));
    if (weak !== undefined || s.digestMethods.length === 0) throw new WeakSignatureAlgorithm(`digest ${short(weak)}`);
  }
  return [...new Set(signatures.map((s) => short(s.signatureMethod)))].join(', ');
}
