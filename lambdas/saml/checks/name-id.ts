import * as z from 'zod';
import { UnsupportedNameIdFormat } from '../errors.js';
import type { VerifiedAssertion } from '../assertion.js';

export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
/** SAML core §8.3.7: an opaque, stable, pairwise id (Entra ID's usual Name identifier). */
export const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** A NameID is the subject recorded for Universal Logout's `iss_sub`: bounded like any id we store. */
const MAX_NAME_ID = 256;

const Email = z.email();

/**
 * Step 12 — the NameID names the user.
 *
 * By default it is an email address (seed 001: "Name ID format: EmailAddress"). Okta's default
 * format is Unspecified (`docs/reference/okta-protocols.md` §6); it is accepted when its value is
 * an email address, which it is with "Application username: Email".
 *
 * With `opaque` (connections of other presets: Entra ID, generic SAML), a persistent or
 * unspecified NameID that is not an email address is accepted too: it is the stable subject, and
 * the email comes from the attribute statements (`readProfile`). A transient NameID (SAML core
 * §8.3.8) is never accepted: it names nobody twice.
 */
export function checkNameId(assertion: VerifiedAssertion, opts: { opaque?: boolean } = {}): { value: string; format: string } {
  const nameId = assertion.nameId;
  const format = nameId?.format ?? NAMEID_UNSPECIFIED;
  const refuse = () => new UnsupportedNameIdFormat(nameId?.format, nameId?.value);
  if (!nameId || nameId.value === '' || nameId.value.length > MAX_NAME_ID) throw refuse();
  if (Email.safeParse(nameId.value).success && (format === NAMEID_EMAIL || format === NAMEID_UNSPECIFIED)) return { value: nameId.value, format };
  if (opts.opaque && (format === NAMEID_PERSISTENT || format === NAMEID_UNSPECIFIED)) return { value: nameId.value, format };
  throw refuse();
}
