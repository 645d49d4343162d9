/**
 * The refusal every check throws: a stable `code` (what tests, refusal records and docs name) and a
 * message for the human who reads it. It is pure — no HTTP status, no envelope: each endpoint group
 * maps it once to its own error (`CheckFactory`), e.g. a 401 `invalid_token` for Universal Logout,
 * the `invalid_id_token` sign-in refusal for OIDC.
 */
export class CheckRefusal extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CheckRefusal';
    this.code = code;
  }
}
