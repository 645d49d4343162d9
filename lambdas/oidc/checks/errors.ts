import { SignInRefused } from '../../signin/index.js';

/** The named ID token checks, in the order they run (Okta's "Validate ID tokens" guide, OIDC Core §3.1.3.7). */
export type IdTokenCheck = 'checkAlg' | 'checkSignature' | 'checkIssuer' | 'checkAudience' | 'checkTimes' | 'checkNonce' | 'checkSubject';

/** An ID token failed one named check; shown as the `invalid_id_token` refusal. */
export class InvalidIdToken extends SignInRefused {
  readonly check: IdTokenCheck;
  constructor(check: IdTokenCheck, message: string, options?: { cause?: unknown }) {
    super('invalid_id_token', message, {}, options);
    this.check = check;
  }
}
