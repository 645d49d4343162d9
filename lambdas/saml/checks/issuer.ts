import { IssuerMismatch } from '../errors.js';
import type { VerifiedAssertion } from '../assertion.js';

/** Step 5 — the signed assertion's Issuer is the IdP entity id the workspace trusts (SAML core §2.3.3). */
export function checkIssuer(assertion: VerifiedAssertion, idpEntityId: string): string {
  if (assertion.issuer !== idpEntityId) throw new IssuerMismatch(idpEntityId, assertion.issuer);
  return assertion.issuer;
}
