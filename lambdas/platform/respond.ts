import type { Logger } from '@aws-lambda-powertools/logger';
import { StorageUnavailable } from '../core/errors.js';
import { errorView, renderEnvelope, toAppError, type Envelope } from './envelopes.js';
import type { HttpRequest, HttpResponse } from './http.js';

export type { Envelope } from './envelopes.js';

/**
 * Renders any thrown value in a registered envelope (envelopes.ts). Errors a caller may see
 * (`expose`) keep their message; anything else is logged in full and answered generically: never a
 * stack trace. Status and headers (`Retry-After` of 429/503, `Allow` of 405, `WWW-Authenticate`)
 * survive in every envelope. Only unexpected failures log at ERROR: a storage outage (503) or an
 * endpoint we deliberately do not serve (501) is a WARN without a stack (review #9, #15).
 */
export function renderError(err: unknown, envelope: Envelope, logger: Logger, requestId?: string, request?: HttpRequest): HttpResponse {
  const e = toAppError(err);
  if (e instanceof StorageUnavailable || e.status === 501) {
    const cause = e.cause as { name?: unknown; code?: unknown } | undefined;
    logger.warn(e instanceof StorageUnavailable ? 'storage unavailable' : 'not implemented', {
      requestId,
      code: e.code,
      ...(cause ? { cause: String(cause.code ?? cause.name ?? 'unknown') } : {}),
    });
  } else if (!e.expose) logger.error('unhandled error', { requestId, error: err as Error });
  return renderEnvelope(envelope, errorView(e, request));
}
