import { checkFactory, isMalformedClaim, type CheckRefusal } from '../../core/checks/index.js';
import { ApiError } from '../../core/errors.js';

/** The named authentication steps of a signed-JWT request, in the order they run. */
export type CheckName =
  | 'checkBearer'
  | 'checkTyp'
  | 'checkAlg'
  | 'checkIssuer'
  | 'checkSignature'
  | 'checkSubject'
  | 'checkAudience'
  | 'checkTimes'
  | 'checkNotReplayed';

/**
 * Error codes of RFC 8935 §2.4 (registered in IANA's "Security Event Token Error Codes"), so the
 * Shared Signals route can answer in its own envelope from the same failed check.
 */
export type SetErrorCode = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed' | 'access_denied';

/**
 * A signed-JWT request failed one named check. Universal Logout answers 401 (draft-parecki-oauth-
 * global-token-revocation §4: "401 if the request is not authenticated"); the message says which
 * check, for the human who reads the body (Okta reads only the status).
 */
export class TokenCheckFailed extends ApiError {
  readonly check: CheckName;
  readonly setError: SetErrorCode;
  constructor(check: CheckName, message: string, setError: SetErrorCode = 'authentication_failed', options?: { cause?: unknown }) {
    super(401, 'invalid_token', message, {
      ...(options?.cause !== undefined ? { cause: options.cause } : {}),
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
    this.check = check;
    this.setError = setError;
  }
}

/** The SET error code of a failed shared claim check (`lambdas/core/checks/jwt.ts`). */
const SET_ERROR_OF_CHECK: Partial<Record<CheckName, SetErrorCode>> = {
  checkAlg: 'invalid_key',
  checkIssuer: 'invalid_issuer',
  checkAudience: 'invalid_audience',
};

/** The SET error code of a refusal code that says more than its check (a key, not the signature, is at fault). */
const SET_ERROR_OF_CODE: Readonly<Record<string, SetErrorCode>> = {
  key_unknown: 'invalid_key',
  alg_not_allowed: 'invalid_key',
  replayed: 'authentication_failed',
};

/** Maps a refusal of a named check to the 401 (and its RFC 8935 code). */
export function tokenCheckFailed(check: CheckName, refusal: CheckRefusal): TokenCheckFailed {
  const setError = SET_ERROR_OF_CHECK[check] ?? SET_ERROR_OF_CODE[refusal.code] ?? (isMalformedClaim(refusal.code) ? 'invalid_request' : 'authentication_failed');
  return new TokenCheckFailed(check, refusal.message, setError, { cause: refusal });
}

/** The named checks of signed logout JWTs and SETs (`lambdas/core/checks/pipeline.ts`). */
export const tokenCheck = checkFactory<CheckName>(tokenCheckFailed);
