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
/** 405 with the `Allow` header RFC 9110 §15.5.6 requires: the methods the path does serve. */
export class MethodNotAllowed extends ApiError {
  constructor(allow: readonly string[] = []) {
    super(405, 'method_not_allowed', 'Method not allowed on this path.', allow.length > 0 ? { headers: { allow: allow.join(', ') } } : undefined);
  }
}
/** How long clients are asked to wait after a storage outage or throttling (integer seconds, RFC 9110 §10.2.3). */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * The database could not be reached or failed on its side (connection refused or reset, a stalled
 * request that timed out, a 5xx from DynamoDB) after the SDK's own retries. Answered 503 with
 * `Retry-After` in every envelope (docs/reference/DESIGN.md, invariants): the request did not happen, or happened
 * whole (every multi-item change is one transaction), so the client's retry converges. Exposed: the
 * caller may know that it should retry, never why.
 */
export class StorageUnavailable extends ApiError {
  constructor(options?: { cause?: unknown }) {
    super(503, 'storage_unavailable', 'Storage is temporarily unavailable; retry later.', {
      ...options,
      headers: { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) },
    });
  }
  override get expose(): boolean {
    return true;
  }
}

/** Storage throttled after the SDK's own retries; callers should come back later. */
export class Throttled extends ApiError {
  constructor(retryAfterSeconds = STORAGE_RETRY_AFTER_SECONDS, options?: { cause?: unknown }) {
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

/** Node socket errors that mean "the database is not there" (or went away mid-request). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ESOCKETTIMEDOUT']);
/** SDK and DynamoDB error names of transient failures on the service side or in between. */
const OUTAGE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'NetworkingError',
]);

/**
 * True for errors that say the storage is unreachable or failing rather than that the request was
 * wrong: socket errors (`ECONNREFUSED`, `ECONNRESET`, "socket hang up"), the SDK's request and
 * connection time-outs, and any 5xx answer from DynamoDB (`InternalServerError`,
 * `ServiceUnavailable`, or an unparseable 5xx from a dying DynamoDB Local). Validation errors
 * (400s) are not outages: those are bugs and stay 500.
 */
export function isStorageOutage(err: unknown, depth = 0): boolean {
  if (depth > 4 || err === null || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  if (typeof e.name === 'string' && OUTAGE_NAMES.has(e.name)) return true;
  if (typeof e.message === 'string' && /socket hang up|ECONNREFUSED|ECONNRESET|connect ETIMEDOUT/i.test(e.message)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  return e.cause !== undefined && isStorageOutage(e.cause, depth + 1);
}
