import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { BadRequest, PayloadTooLarge } from '../core/errors.js';
import type { Actor, AuditContext } from '../core/audit.js';
import { PROTOTYPE_KEYS } from '../core/json.js';

/** What every app core receives: a plain, typed request with lower-cased header names. */
export interface HttpRequest {
  readonly method: string;
  /** Raw path as the client sent it, without the query string. */
  readonly path: string;
  readonly routeKey: string;
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Set-Cookie style cookies sent by the browser, as `name=value` strings. */
  readonly cookies: readonly string[];
  readonly body: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly requestId: string;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
}

/** Largest request body any endpoint accepts (SCIM and SAML bodies included). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Turns an API Gateway HTTP API (payload 2.0) event into an `HttpRequest`. */
export function fromApiGateway(event: APIGatewayProxyEventV2): HttpRequest {
  // Null-prototype records: a header or parameter named `constructor` or `__proto__` is data, never
  // an inherited member (`'constructor' in {}` is true).
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new PayloadTooLarge(MAX_BODY_BYTES);
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  if (event.rawQueryString) {
    for (const [k, v] of new URLSearchParams(event.rawQueryString)) if (!Object.hasOwn(query, k)) query[k] = v;
  }
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    routeKey: event.routeKey,
    pathParams: event.pathParameters ? Object.fromEntries(Object.entries(event.pathParameters).filter((e): e is [string, string] => e[1] !== undefined)) : {},
    query,
    headers,
    cookies: event.cookies ?? [],
    body,
    sourceIp: event.requestContext.http.sourceIp,
    userAgent: event.requestContext.http.userAgent ?? headers['user-agent'] ?? '',
    requestId: event.requestContext.requestId,
  };
}

export function toApiGateway(res: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: res.status,
    headers: res.headers ?? {},
    ...(res.cookies && res.cookies.length > 0 ? { cookies: res.cookies } : {}),
    body: res.body ?? '',
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function redirect(location: string, cookies?: string[]): HttpResponse {
  return { status: 302, headers: { location, 'cache-control': 'no-store' }, ...(cookies ? { cookies } : {}), body: '' };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body,
  };
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Bearer token of an `Authorization` header, or undefined. */
export function bearerToken(req: HttpRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}


/** Deepest nesting of a JSON body; far beyond any real SCIM, OAuth or admin document. */
export const MAX_JSON_DEPTH = 64;

/** Why a JSON body was refused. */
export type JsonProblem = 'syntax' | 'prototype_key' | 'too_deep';

/**
 * `JSON.parse` for request bodies: refuses malformed JSON, nesting deeper than `MAX_JSON_DEPTH`
 * and, at any depth, a member named `__proto__`, `constructor` or `prototype`. Each protocol maps
 * the problem to its own envelope through `fail` (SCIM `invalidSyntax`, OAuth `invalid_request`,
 * admin `bad_request`). The walk is iterative, so a 100,000-deep array cannot overflow the stack.
 */
export function parseJson(text: string, fail: (message: string, problem: JsonProblem) => never): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('The request body is not valid JSON.', 'syntax');
  }
  const stack: [unknown, number][] = [[parsed, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return fail(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`, 'too_deep');
    if (Array.isArray(v)) {
      for (const e of v) if (e !== null && typeof e === 'object') stack.push([e, depth + 1]);
      continue;
    }
    for (const k of Object.keys(v)) {
      if (PROTOTYPE_KEYS.has(k)) return fail(`The request body may not contain a member named "${k}".`, 'prototype_key');
      const e = (v as Record<string, unknown>)[k];
      if (e !== null && typeof e === 'object') stack.push([e, depth + 1]);
    }
  }
  return parsed;
}

/**
 * Parses a form-encoded or JSON body into a flat string record (RFC 6749 and RFC 7662 accept
 * forms). Malformed JSON reads as an empty record (the caller's schema then names what is missing);
 * a prototype member name, in JSON or in a form, is a 400.
 */
export function formOrJson(req: HttpRequest): Record<string, string> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const refuse = (message: string): never => {
    throw new BadRequest(message, { code: 'invalid_request' });
  };
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (type.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = parseJson(req.body || '{}', (message, problem) => {
        if (problem === 'prototype_key') refuse(message);
        throw new SyntaxError(message);
      });
    } catch (err) {
      if (err instanceof BadRequest) throw err;
      return out;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return out;
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  }
  for (const [k, v] of new URLSearchParams(req.body)) {
    if (PROTOTYPE_KEYS.has(k)) refuse(`The request body may not contain a parameter named "${k}".`);
    out[k] = v;
  }
  return out;
}

/** The audit context of a request: who (the caller's actor), from where, under which request id. */
export function auditContextFrom(req: HttpRequest, teamId: string, region: string, actor: Actor): AuditContext {
  return { teamId, region, actor, source: { ip: req.sourceIp, userAgent: req.userAgent }, requestId: req.requestId };
}
