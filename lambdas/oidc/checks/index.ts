import type { JWTVerifyGetKey } from 'jose';
import { runChecks } from '../../core/checks/index.js';
import { checkAlg } from './alg.js';
import { checkAudience } from './audience.js';
import type { IdTokenCheck } from './errors.js';
import { checkIssuer } from './issuer.js';
import { checkNonce } from './nonce.js';
import type { IdTokenPayload } from './payload.js';
import { checkSignature } from './signature.js';
import { checkSubject } from './subject.js';
import { checkTimes } from './times.js';

export { InvalidIdToken, type IdTokenCheck } from './errors.js';

/** What an ID token is checked against: the context of every claim check. */
export interface IdTokenExpectations {
  /** The connection's issuer, as the admin entered it. */
  readonly issuer: string;
  /** The connection's client id. */
  readonly clientId: string;
  /** The nonce of this flow. */
  readonly nonce: string;
  /** The issuer's key set (`IssuerKeySets.forJwksUri(jwks_uri)`). */
  readonly keys: JWTVerifyGetKey;
  readonly now: Date;
}

/** Verified ID token claims: `sub` checked, everything else as the IdP sent it. */
export type IdTokenClaims = Record<string, unknown> & { sub: string };

/**
 * The claim checks, in order, each a named check of (claims, expectations) (`lambdas/core/checks`).
 * Adding one is a file here and a line in this list.
 */
const CLAIM_CHECKS = [checkIssuer, checkAudience, checkTimes, checkNonce, checkSubject] as const;

/**
 * Validates an ID token as OIDC Core §3.1.3.7 and Okta's guide ask, one named check at a time:
 * algorithm and signature (JWKS) on the compact token, then the claim pipeline — issuer, audience,
 * times, nonce, subject. Throws `InvalidIdToken` naming the failed check. Provider-specific claims
 * (Entra `tid`, Google `hd`) are checked after it (`../provider-claims.ts`).
 */
export async function validateIdToken(idToken: string, x: IdTokenExpectations): Promise<IdTokenClaims> {
  checkAlg(idToken);
  const claims = await checkSignature(idToken, x.keys);
  await runChecks<IdTokenCheck, IdTokenPayload, IdTokenExpectations>(CLAIM_CHECKS, claims, x);
  return { ...claims, sub: claims.sub as string };
}
