/**
 * Typed errors, one family per protocol envelope. Each carries an HTTP status, a stable `code`
 * (the spec's error name where the spec has one) and an optional `cause`. `expose` follows
 * oidc-provider and middy: only errors below 500 show their message to the caller.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
  }

  get expose(): boolean {
    return this.status < 500;
  }
}

/** Admin/host-app API errors, rendered as `{error: {code, message}}`. */
export class ApiError extends AppError {}

export class BadRequest extends ApiError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(400, options?.code ?? 'bad_request', message, options);
  }
}
export class Unauthorized extends ApiError {
  constructor(message = 'A valid platform admin key is required.') {
    super(401, 'unauthorized', message, { headers: { 'www-authenticate': 'Bearer' } });
  }
}
export class Forbidden extends ApiError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}
export class NotFound extends ApiError {
  constructor(message = 'Not found.') {
    super(404, 'not_found', message);
  }
}
export class Conflict extends ApiError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}
export class PayloadTooLarge extends ApiError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `The request body exceeds ${limit} bytes.`);
  }
}
export class MethodNotAllowed extends ApiError {
  constructor() {
    super(405, 'method_not_allowed', 'Method not allowed on this path.');
  }
}
export class NotImplemented extends ApiError {
  constructor(what: string) {
    super(501, 'not_implemented', `${what} is not implemented yet.`);
  }
  override get expose(): boolean {
    return true;
  }
}
/** Storage throttled after the SDK's own retries; callers should come back later. */
export class Throttled extends ApiError {
  constructor(retryAfterSeconds = 5, options?: { cause?: unknown }) {
    super(429, 'throttled', 'Too many requests; retry later.', {
      ...options,
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

/** OAuth 2.0 errors (RFC 6749 §5.2, RFC 7662), rendered as `{error, error_description}`. */
export class OAuthError extends AppError {}
export class InvalidRequest extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_request', description);
  }
}
export class InvalidClient extends OAuthError {
  constructor(description = 'Client authentication failed.') {
    super(401, 'invalid_client', description, { headers: { 'www-authenticate': 'Basic realm="idp-bridge"' } });
  }
}
export class InvalidGrant extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_grant', description);
  }
}
export class UnsupportedGrantType extends OAuthError {
  constructor(description = 'Unsupported grant_type.') {
    super(400, 'unsupported_grant_type', description);
  }
}
export class InvalidScope extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_scope', description);
  }
}
export class InvalidToken extends OAuthError {
  constructor(description = 'The access token is invalid, expired or revoked.') {
    super(401, 'invalid_token', description, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
  }
}
export class InsufficientScope extends OAuthError {
  constructor(description: string) {
    super(403, 'insufficient_scope', description);
  }
}
export class AccessDenied extends OAuthError {
  constructor(description: string) {
    super(403, 'access_denied', description);
  }
}

/** True for DynamoDB/SDK throttling errors that survived the SDK's retries. */
export function isThrottle(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name ?? '';
  return (
    name === 'ProvisionedThroughputExceededException' ||
    name === 'ThrottlingException' ||
    name === 'RequestLimitExceeded' ||
    (name === 'TransactionCanceledException' &&
      JSON.stringify((err as { CancellationReasons?: unknown }).CancellationReasons ?? []).includes('Throttl'))
  );
}
