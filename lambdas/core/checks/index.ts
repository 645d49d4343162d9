/**
 * The check pipeline shape shared by OIDC, SAML, Universal Logout and Shared Signals
 * (`pipeline.ts`), its refusal (`refusal.ts`) and the JWT claim checks they share (`jwt.ts`).
 */
export { CheckRefusal } from './refusal.js';
export { CheckRun, checkFactory, runChecks, type CheckOutcome, type NamedCheck, type Refuse } from './pipeline.js';
export {
  ASYMMETRIC_ALGS,
  audiences,
  isMalformedClaim,
  requireAlg,
  requireAudience,
  requireIssuer,
  requireTimes,
  type ClaimRefusalCode,
  type TimeClaims,
  type TimeRules,
} from './jwt.js';
