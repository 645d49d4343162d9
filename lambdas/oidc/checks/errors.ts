import { checkFactory, type CheckRefusal } from '../../core/checks/index.js';
import { SignInRefused } from '../../signin/index.js';

/** The named ID token checks, in the order they run (OIDC Core §3.1.3.7; Okta's "Validate ID tokens" guide). */
export type IdTokenCheck = 'checkAlg' | 'checkSignature' | 'checkIssuer' | 'checkAudience' | 'checkTimes' | 'checkNonce' | 'checkSubject';

/** An ID token failed one named check; shown as the `invalid_id_token` refusal. */
export class InvalidIdToken extends SignInRefused {
  readonly check: IdTokenCheck;
  constructor(check: IdTokenCheck, message: string, options?: { cause?: unknown }) {
    super('invalid_id_token', message, {}, options);
    this.check = check;
  }
}

/** The named ID token checks (`lambdas/core/checks/pipeline.ts`): every refusal is an `InvalidIdToken` naming its check. */
export const idTokenCheck = checkFactory<IdTokenCheck>((check, refusal: CheckRefusal) => new InvalidIdToken(check, refusal.message, { cause: refusal }));
