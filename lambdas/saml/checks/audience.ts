import { AudienceMismatch } from '../errors.js';
import type { VerifiedAssertion } from '../assertion.js';

/**
 * Step 8 — every AudienceRestriction names this workspace's SP entity id (SAML core §2.5.1.4:
 * the assertion is addressed to the audiences of each restriction; with several, all apply).
 */
export function checkAudience(assertion: VerifiedAssertion, audience: string): string {
  const restrictions = assertion.conditions.audienceRestrictions;
  if (restrictions.length === 0 || !restrictions.every((names) => names.includes(audience))) {
    throw new AudienceMismatch(audience, [...new Set(restrictions.flat())]);
  }
  return audience;
}
