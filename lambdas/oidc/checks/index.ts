import type { JWTVerifyGetKey } from 'jose';
import { checkAlg } from './alg.js';
import { checkAudience } from './audience.js';
import { checkIssuer } from './issuer.js';
import { checkNonce } from './nonce.js';
import { checkSignature } from './signature.js';
import { checkSubject } from './subject.js';
import { checkTimes } from './times.js';

export { InvalidIdToken, type IdTokenCheck } from './errors.js';

/** What an ID token is checked against. */
export interface IdTokenExpectations {
  /** The workspace's Okta org issuer. */
  readonly issuer: string;
  /** The workspace's Okta client id. */
  readonly clientId: string;
  /** The nonce of this flow. */
  readonly nonce: string;
  /** The issuer's key set (`IssuerKeySets.forJwksUri(jwks_uri)`). */
  readonly keys: JWTVerifyGetKey;
  readonly now: Date;
}

/** Verified ID token claims: `sub` checked, everything else as Okta sent it. */
export type IdTokenClaims = Record<string, unknown> & { sub: string };

/**
 * Validates an ID token as Okta's guide and OIDC Core §3.1.3.7 ask, one named check at a time:
 * algorithm, signature (JWKS), issuer, audience, times, nonce, subject. Throws `InvalidIdToken`
 * naming the failed check.
 */
export async function validateIdToken(idToken: string, x: IdTokenExpectations): Promise<IdTokenClaims> {
  checkAlg(idToken);
  const claims = await checkSignature(idToken, x.keys);
  checkIssuer(claims.iss, x.issuer);
  checkAudience(claims.aud, claims.azp, x.clientId);
  checkTimes(claims.exp, claims.iat, x.now);
  checkNonce(claims.nonce, x.nonce);
  const sub = checkSubject(claims.sub);
  return { ...claims, sub };
}
