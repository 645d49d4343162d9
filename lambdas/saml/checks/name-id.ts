import * as z from 'zod';
import { UnsupportedNameIdFormat } from '../errors.js';
import type { VerifiedAssertion } from '../assertion.js';

export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

const Email = z.email();

/**
 * Step 12 — the NameID is an email address (seed 001: "Name ID format: EmailAddress"). Okta's
 * default format is Unspecified (`okta-protocols.md` §6); it is accepted when its value is an email
 * address, which it is with "Application username: Email". The NameID is the subject recorded
 * with the IdP entity id for Universal Logout's `iss_sub`.
 */
export function checkNameId(assertion: VerifiedAssertion): { value: string; format: string } {
  const nameId = assertion.nameId;
  const format = nameId?.format ?? NAMEID_UNSPECIFIED;
  if (!nameId || (format !== NAMEID_EMAIL && format !== NAMEID_UNSPECIFIED) || !Email.safeParse(nameId.value).success) {
    throw new UnsupportedNameIdFormat(nameId?.format, nameId?.value);
  }
  return { value: nameId.value, format };
}
