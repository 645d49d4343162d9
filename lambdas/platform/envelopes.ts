import { AppError, isStorageOutage, isThrottle, StorageUnavailable, Throttled } from '../core/errors.js';
import type { HttpRequest, HttpResponse } from './http.js';

/**
 * The error-renderer registry: one renderer per error envelope, so each protocol's error shape is
 * written once. `renderError` (respond.ts) and the Lambda wrapper (lambda.ts) render every thrown
 * error through it; a group whose protocol has its own envelope registers it beside its routes
 * (`registerEnvelope('ssf', …)` in the group's module) and names it in `makeHandler`.
 *
 * Built in, because several groups share them:
 * - `api`: the admin / host-app JSON envelope `{error: {code, message}}` (admin, audit, OIDC, SAML,
 *   Universal Logout);
 * - `scim`: RFC 7644 §3.12 `{schemas, status, scimType?, detail}` (scim);
 * - `oauth`: RFC 6749 §5.2 `{error, error_description}` (scim-oauth, tokens).
 */

/** An envelope's name: a built-in one or one a group registered. */
export type Envelope = 'api' | 'scim' | 'oauth' | (string & {});

/** What a renderer receives: the error as an `AppError`, and what the caller may see of it. */
export interface ErrorView {
  readonly error: AppError;
  /** The error's own message when it is exposed (`status < 500`, or opted in), else a generic one. */
  readonly message: string;
  /** The error's headers (`Retry-After`, `Allow`, `WWW-Authenticate`) plus `cache-control: no-store`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request, when the failure happened after it was parsed (absent for e.g. a 413 body). */
  readonly request?: HttpRequest;
}

/**
 * Renders one envelope. Returning `undefined` hands the error to the envelope's `fallback` (e.g.
 * RFC 8935 §2.4 defines only the 400 answer of an SSF receiver: its 5xx use the `api` envelope).
 */
export type EnvelopeRenderer = (view: ErrorView) => HttpResponse | undefined;

interface Registered {
  readonly render: EnvelopeRenderer;
  readonly fallback?: Envelope;
}

const REGISTRY = new Map<string, Registered>();

/**
 * Registers a group's envelope. Names are unique: registering another renderer under a taken name
 * throws at cold start instead of silently changing a protocol's answers.
 */
export function registerEnvelope(name: Envelope, render: EnvelopeRenderer, options: { fallback?: Envelope } = {}): void {
  const taken = REGISTRY.get(name);
  if (taken && taken.render !== render) throw new Error(`Error envelope "${name}" is already registered.`);
  if (options.fallback !== undefined && options.fallback === name) throw new Error(`Error envelope "${name}" cannot fall back to itself.`);
  REGISTRY.set(name, { render, ...(options.fallback !== undefined ? { fallback: options.fallback } : {}) });
}

/** Whether an envelope is registered (the Lambda wrapper checks its group's at cold start). */
export function isEnvelope(name: string): boolean {
  return REGISTRY.has(name);
}

/** The generic text every envelope shows for an error it may not expose. */
const INTERNAL_MESSAGE = 'An internal error occurred.';

/**
 * Any thrown value as an `AppError`: typed errors as they are, DynamoDB throttling as 429, a storage
 * outage as 503 (both with `Retry-After`), anything else a 500.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isThrottle(err)) return new Throttled(5, { cause: err });
  if (isStorageOutage(err)) return new StorageUnavailable({ cause: err });
  return new AppError(500, 'internal_error', 'Internal error', { cause: err });
}

/** What a caller may see of an error (see `ErrorView`). */
export function errorView(e: AppError, request?: HttpRequest): ErrorView {
  return {
    error: e,
    message: e.expose ? e.message : INTERNAL_MESSAGE,
    headers: { ...e.headers, 'cache-control': 'no-store' },
    ...(request ? { request } : {}),
  };
}

/**
 * Renders an error in a registered envelope, following `fallback`s. An unknown envelope is a
 * programming error: it throws rather than inventing a shape.
 */
export function renderEnvelope(name: Envelope, view: ErrorView): HttpResponse {
  const seen = new Set<string>();
  let current: Envelope | undefined = name;
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    const entry = REGISTRY.get(current);
    if (!entry) throw new Error(`No error envelope named "${current}" is registered.`);
    const res = entry.render(view);
    if (res) return res;
    current = entry.fallback;
  }
  throw new Error(`Error envelope "${name}" rendered nothing for status ${view.error.status}.`);
}

const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

registerEnvelope('api', ({ error: e, message, headers }) => ({
  status: e.status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ error: { code: e.expose ? e.code : 'internal_error', message } }),
}));

/** RFC 7644 §3.12; `scimType` comes from the SCIM error families of core/scim/errors.ts. */
registerEnvelope('scim', ({ error: e, message, headers }) => {
  const scimType = (e as { scimType?: string }).scimType;
  return {
    status: e.status,
    headers: { 'content-type': 'application/scim+json', ...headers },
    body: JSON.stringify({ schemas: [SCIM_ERROR_SCHEMA], status: String(e.status), ...(scimType ? { scimType } : {}), detail: message }),
  };
});

/** RFC 6749 §5.2; §4.1.2.1 names the 503 case `temporarily_unavailable`. */
registerEnvelope('oauth', ({ error: e, message, headers }) => ({
  status: e.status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ error: e instanceof StorageUnavailable ? 'temporarily_unavailable' : e.expose ? e.code : 'server_error', error_description: message }),
}));
