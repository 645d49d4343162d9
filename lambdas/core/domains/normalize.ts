import { domainToASCII } from 'node:url';

/** RFC 1035 §2.3.4: a name of at most 253 characters in text form, labels of 1–63. */
const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** LDH labels (RFC 1123 §2.1) after IDNA; `xn--` labels are LDH too. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** A top-level label is alphabetic or an IDNA A-label (no all-numeric TLD: that is an IP address). */
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * The one spelling of an e-mail domain that claims, challenges and routing compare: trimmed,
 * without a trailing dot (the root), IDNA-mapped to punycode by WHATWG's `domainToASCII` (which
 * also lower-cases, so `Bücher.Example.` and `xn--bcher-kva.example` are one domain), at least two
 * labels, and within DNS's length limits. Undefined for anything that is not such a domain
 * (an IP address, a single label, an empty label, an over-long name).
 */
export function normalizeDomain(input: string): string | undefined {
  if (typeof input !== 'string') return undefined;
  // Bounded before IDNA: a Unicode name cannot get shorter than a quarter of its punycode form.
  if (input.length > MAX_DOMAIN_LENGTH * 4) return undefined;
  const trimmed = input.trim().replace(/\.$/, '');
  if (trimmed === '' || trimmed.includes('..') || /[\s@/\\:[\]%?#]/.test(trimmed)) return undefined;
  const ascii = domainToASCII(trimmed);
  if (!ascii || ascii.length > MAX_DOMAIN_LENGTH) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2) return undefined;
  if (!labels.every((l) => l.length <= MAX_LABEL_LENGTH && LABEL.test(l))) return undefined;
  if (!TLD.test(labels[labels.length - 1]!)) return undefined;
  return ascii;
}

/** The normalised domain of an e-mail address (the part after its last `@`), if it is one. */
export function emailDomainOf(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 1) return undefined;
  return normalizeDomain(email.slice(at + 1));
}
