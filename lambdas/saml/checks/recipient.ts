import { RecipientMismatch } from '../errors.js';
import type { SubjectConfirmationData, VerifiedAssertion } from '../assertion.js';

/**
 * Step 7 — the assertion has a bearer SubjectConfirmationData whose Recipient is this workspace's
 * ACS URL (SAML profiles §4.1.4.2: "MUST contain a Recipient attribute containing the
 * service provider's assertion consumer service URL"). Returns the confirmation used by the
 * time-window and InResponseTo checks.
 */
export function checkRecipient(assertion: VerifiedAssertion, acsUrl: string): SubjectConfirmationData {
  const match = assertion.bearer.find((c) => c.recipient === acsUrl);
  if (!match) {
    throw new RecipientMismatch(
      acsUrl,
      assertion.bearer.map((c) => c.recipient).filter((r): r is string => r !== undefined),
    );
  }
  return match;
}
