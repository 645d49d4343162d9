import type { Logger } from '@aws-lambda-powertools/logger';
import { AppError, isThrottle, Throttled } from './errors.js';
import type { HttpResponse } from './http.js';

/** The three error envelopes of DESIGN.md. */
export type Envelope = 'api' | 'scim' | 'oauth';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * Renders any thrown value in a route group's envelope. Errors a caller may see (`expose`) keep
 * their message; anything else is logged in full and answered generically: never a stack trace.
 */
export function renderError(err: unknown, envelope: Envelope, logger: Logger, requestId?: string): HttpResponse {
  let e: AppError;
  if (err instanceof AppError) e = err;
  else if (isThrottle(err)) e = new Throttled(5, { cause: err });
  else e = new AppError(500, 'internal_error', 'Internal error', { cause: err });

  if (!e.expose) logger.error('unhandled error', { requestId, error: err as Error });
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
        body: JSON.stringify({ error: e.expose ? e.code : 'server_error', error_description: message }),
      };
    default:
      return {
        status: e.status,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ error: { code: e.expose ? e.code : 'internal_error', message } }),
      };
  }
}
