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
