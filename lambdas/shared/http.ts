import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PayloadTooLarge } from './errors.js';

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
export const MAX_BODY_BYTES = 1024 * 1024;

/** Turns an API Gateway HTTP API (payload 2.0) event into an `HttpRequest`. */
export function fromApiGateway(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new PayloadTooLarge(MAX_BODY_BYTES);
  const query: Record<string, string> = {};
  if (event.rawQueryString) {
    for (const [k, v] of new URLSearchParams(event.rawQueryString)) if (!(k in query)) query[k] = v;
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

/** Parses a form-encoded or JSON body into a flat string record (RFC 6749 and RFC 7662 accept forms). */
export function formOrJson(req: HttpRequest): Record<string, string> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body || '{}');
    } catch {
      return {};
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  }
  return Object.fromEntries(new URLSearchParams(req.body));
}
