import { InvalidIdToken } from './errors.js';

/** `iss` must be exactly the workspace's Okta org issuer (OIDC Core §3.1.3.7 step 2). */
export function checkIssuer(iss: unknown, expected: string): void {
  if (iss !== expected) {
    throw new InvalidIdToken('checkIssuer', `The ID token was issued by ${typeof iss === 'string' ? iss : '(no issuer)'}, not by ${expected}.`);
  }
}
