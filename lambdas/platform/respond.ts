import type { Logger } from '@aws-lambda-powertools/logger';
import { AppError, isStorageOutage, isThrottle, StorageUnavailable, Throttled } from '../core/errors.js';
import type { HttpResponse } from './http.js';

/** The three error envelopes of DESIGN.md. */
export type Envelope = 'api' | 'scim' | 'oauth';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * Renders any thrown value in a route group's envelope. Errors a caller may see (`expose`) keep
 * their message; anything else is logged in full and answered generically: never a stack trace.
 * Status and headers (`Retry-After` of 429/503, `Allow` of 405, `WWW-Authenticate`) survive in
 * every envelope. Only unexpected failures log at ERROR: a storage outage (503) or an endpoint we
 * deliberately do not serve (501) is a WARN without a stack (review #9, #15).
 */
export function renderError(err: unknown, envelope: Envelope, logger: Logger, requestId?: string): HttpResponse {
  let e: AppError;
  if (err instanceof AppError) e = err;
  else if (isThrottle(err)) e = new Throttled(5, { cause: err });
  else if (isStorageOutage(err)) e = new StorageUnavailable({ cause: err });
  else e = new AppError(500, 'internal_error', 'Internal error', { cause: err });

  if (e instanceof StorageUnavailable || e.status === 501) {
    const cause = e.cause as { name?: unknown; code?: unknown } | undefined;
    logger.warn(e instanceof StorageUnavailable ? 'storage unavailable' : 'not implemented', {
      requestId,
      code: e.code,
      ...(cause ? { cause: String(cause.code ?? cause.name ?? 'unknown') } : {}),
    });
  } else if (!e.expose) logger.error('unhandled error', { requestId, error: err as Error });
  const message = e.expose ? e.message : 'An internal error occurred.';
  const headers: Record<string, string> = { ...e.headers, 'cache-control': 'no-store' };

  switch (envelope) {
    case 'scim': {
      const scimType = (e as { scimType?: string }).scimType;
      return {
        status: e.status,
        headers: { 'content-type': 'application/scim+json', ...headers },
        body: JSON.stringify({ schemas: [SCIM_ERROR_SCHEMA], status: String(e.status), ...(scimType ? { scimType } : {}), detail: message }),
      };
    }
    case 'oauth':
      return {
        status: e.status,
        headers: { 'content-type': 'application/json', ...headers },
        // RFC 6749 §4.1.2.1 names the 503 case `temporarily_unavailable`.
        body: JSON.stringify({ error: e instanceof StorageUnavailable ? 'temporarily_unavailable' : e.expose ? e.code : 'server_error', error_description: message }),
      };
    default:
      return {
        status: e.status,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ error: { code: e.expose ? e.code : 'internal_error', message } }),
      };
  }
}
