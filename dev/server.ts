import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { matchRoute, type EndpointGroup, type RouteMatch } from '../lambdas/platform/routes.js';

/** A Lambda handler as API Gateway HTTP API (payload format 2.0) invokes it. */
export type LocalHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** Loads the handler of an endpoint group. */
export type HandlerLoader = (group: EndpointGroup) => Promise<LocalHandler>;

/**
 * Serves a request that no route of the public contract matched (dev-only pages, such as the demo
 * app under `/demo-app`); resolves false when the path is not its own, and the server answers
 * API Gateway's 404. It reads the body itself. It can never shadow a route of `ROUTES`.
 */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Options of `startLocalServer`. */
export interface LocalServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to bind; default 127.0.0.1 (a local stack holds secrets: never expose it by default). */
  readonly host?: string;
  /**
   * Variables merged into `process.env` after the server listens and before any handler loads.
   * Handlers read their configuration at import, so this is the last moment to set it; a function
   * receives the real base URL (useful with port 0, since `API_URL` must equal it).
   */
  readonly env?: Readonly<Record<string, string>> | ((url: string) => Readonly<Record<string, string>>);
  /** Where handlers come from; default `lambdas/<group>/handler.ts`. Tests inject their own. */
  readonly loadHandler?: HandlerLoader;
  /** Called with errors a handler threw (API Gateway answers those with a bare 500). */
  readonly onError?: (err: unknown, event: APIGatewayProxyEventV2) => void;
  /** Local-only pages for paths outside the route table (never deployed). */
  readonly extraRoutes?: ExtraRoutes;
}

/** A running local API. */
export interface LocalServer {
  /** `http://<host>:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, closes idle keep-alive ones, and waits for the rest. */
  close(): Promise<void>;
}

/** API Gateway's payload limit for HTTP APIs; larger bodies get its 413 without reaching a handler. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** What API Gateway itself answers (not a handler): its bodies are `{"message": …}`. */
const GATEWAY_ERRORS = {
  badRequest: { status: 400, message: 'Bad Request' },
  notFound: { status: 404, message: 'Not Found' },
  tooLarge: { status: 413, message: 'Request Entity Too Large' },
  internal: { status: 500, message: 'Internal Server Error' },
} as const;

/**
 * Each group's Lambda entry. Static imports (not a computed path) so that TypeScript checks every
 * handler's signature, vitest and tsx can resolve them, and a new group cannot be forgotten here.
 */
const HANDLER_MODULES: Record<EndpointGroup, () => Promise<{ handler: LocalHandler }>> = {
  scim: () => import('../lambdas/scim/handler.js'),
  oidc: () => import('../lambdas/oidc/handler.js'),
  saml: () => import('../lambdas/saml/handler.js'),
  'universal-logout': () => import('../lambdas/universal-logout/handler.js'),
  'scim-oauth': () => import('../lambdas/scim-oauth/handler.js'),
  admin: () => import('../lambdas/admin/handler.js'),
  tokens: () => import('../lambdas/tokens/handler.js'),
  audit: () => import('../lambdas/audit/handler.js'),
};

/** Loads `lambdas/<group>/handler.ts` the first time its group is called, as a cold start would. */
export const defaultHandlerLoader: HandlerLoader = async (group) => (await HANDLER_MODULES[group]()).handler;

/**
 * Serves the stack's routes over plain HTTP the way API Gateway HTTP API does: each request becomes
 * a payload-2.0 event for the handler of the matched route's group, and the handler's result
 * becomes the response. Unmatched routes and oversized bodies get API Gateway's own answers.
 */
export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
  const host = opts.host ?? '127.0.0.1';
  const load = opts.loadHandler ?? defaultHandlerLoader;
  // One promise per group: concurrent first requests share one import, like one cold start.
  const handlers = new Map<EndpointGroup, Promise<LocalHandler>>();
  const handlerFor = (group: EndpointGroup): Promise<LocalHandler> => {
    let h = handlers.get(group);
    if (!h) {
      h = load(group);
      // A failed import is retried on the next request (the file may be fixed meanwhile).
      h.catch(() => handlers.delete(group));
      handlers.set(group, h);
    }
    return h;
  };
  const onError =
    opts.onError ??
    ((err: unknown, event: APIGatewayProxyEventV2) => {
      console.error(`[local-api] ${event.routeKey} failed (request ${event.requestContext.requestId}):`, err);
    });

  const server = createServer((req, res) => {
    serve(req, res, handlerFor, onError, opts.extraRoutes).catch((err: unknown) => {
      // Only the transport can fail here (a client that went away mid-body): nothing to answer.
      if (!res.headersSent) sendGatewayError(res, GATEWAY_ERRORS.internal, { close: true });
      else res.destroy(err instanceof Error ? err : undefined);
    });
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', rej);
      res();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (opts.env) Object.assign(process.env, typeof opts.env === 'function' ? opts.env(url) : opts.env);
  return { url, port, close: () => closeServer(server) };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handlerFor: (group: EndpointGroup) => Promise<LocalHandler>,
  onError: (err: unknown, event: APIGatewayProxyEventV2) => void,
  extraRoutes?: ExtraRoutes,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const { rawPath } = splitUrl(req.url);
  let match: RouteMatch | undefined;
  try {
    match = matchRoute(method, rawPath);
  } catch {
    // A malformed percent-escape in a path parameter (decodeURIComponent throws).
    req.resume();
    return sendGatewayError(res, GATEWAY_ERRORS.badRequest);
  }
  if (!match) {
    if (extraRoutes && (await extraRoutes(req, res))) return;
    req.resume();
    return sendGatewayError(res, GATEWAY_ERRORS.notFound);
  }
  const body = await readBody(req, MAX_REQUEST_BYTES);
  if (body === 'too-large') return sendGatewayError(res, GATEWAY_ERRORS.tooLarge, { close: true });

  const event = toApiGatewayEvent(req, body, match);
  let result: APIGatewayProxyResultV2;
  try {
    const handler = await handlerFor(match.route.group);
    result = await handler(event, lambdaContext(match.route.group, event.requestContext.requestId));
  } catch (err) {
    onError(err, event);
    return sendGatewayError(res, GATEWAY_ERRORS.internal);
  }
  writeResult(res, result, event.requestContext.requestId);
}

/**
 * Builds the payload-2.0 event API Gateway would send for this request
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
 * header names lower-cased with duplicates joined by commas, the Cookie header moved to `cookies`,
 * duplicate query parameters joined by commas, and a body that is base64-encoded unless its type is
 * `text/*` or `application/json` — which means browser form posts (SAML ACS) arrive base64-encoded,
 * exactly as on AWS.
 */
export function toApiGatewayEvent(req: IncomingMessage, body: Buffer, match: RouteMatch, now = new Date()): APIGatewayProxyEventV2 {
  const { rawPath, rawQueryString } = splitUrl(req.url);

  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!values) continue;
    if (name === 'cookie') {
      cookies = values.flatMap((v) => v.split(';')).map((c) => c.trim()).filter((c) => c.length > 0);
    } else {
      headers[name] = values.join(',');
    }
  }
  const sourceIp = normalizeIp(req.socket.remoteAddress);
  const localPort = req.socket.localPort;
  // API Gateway adds these; handlers that log or rate-limit by client read them.
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  if (localPort !== undefined) headers['x-forwarded-port'] ??= String(localPort);
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) query[k] = k in query ? `${query[k]},${v}` : v;

  const host = headers.host ?? 'localhost';
  const domainName = host.replace(/:\d+$/, '');
  const requestId = randomUUID();
  const hasBody = body.length > 0;
  const text = isTextBody(headers['content-type']);

  return {
    version: '2.0',
    routeKey: match.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: { ...match.pathParameters } } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: (req.method ?? 'GET').toUpperCase(),
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: match.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}

/** The path and query exactly as the client sent them (API Gateway's `rawPath`/`rawQueryString`). */
function splitUrl(url = '/'): { rawPath: string; rawQueryString: string } {
  const q = url.indexOf('?');
  return q === -1 ? { rawPath: url, rawQueryString: '' } : { rawPath: url.slice(0, q), rawQueryString: url.slice(q + 1) };
}

/** API Gateway passes only JSON and `text/*` through as text; everything else is base64. */
function isTextBody(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type.startsWith('text/') || type === 'application/json';
}

/**
 * Writes a handler's result as API Gateway does for payload 2.0: `cookies` become separate
 * Set-Cookie headers, a base64 body is decoded, and a result without `statusCode` (a string or
 * plain object) is sent as a 200 JSON body.
 */
export function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2, requestId: string): void {
  res.setHeader('apigw-requestid', requestId);
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
    return;
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  if (result.cookies && result.cookies.length > 0) res.setHeader('set-cookie', result.cookies);
  const body = result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode ?? 200);
  res.end(body);
}

function sendGatewayError(res: ServerResponse, err: { status: number; message: string }, opts: { close?: boolean } = {}): void {
  const body = JSON.stringify({ message: err.message });
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(opts.close ? { connection: 'close' } : {}),
  });
  res.end(body);
}

/** Reads the whole body, or stops at `limit` bytes (the rest is never buffered). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return 'too-large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A Lambda context good enough for handlers and Powertools (which reads the names and request id). */
function lambdaContext(group: EndpointGroup, requestId: string): Context {
  const deadline = Date.now() + 30_000;
  const functionName = `idp-bridge-local-${group}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function normalizeIp(ip: string | undefined): string {
  if (!ip) return '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` in API Gateway's format: `10/Apr/2022:13:30:05 +0000`. */
function clfTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((res, rej) => {
    server.close((err) => (err ? rej(err) : res()));
    // Keep-alive sockets (fetch keeps them) would otherwise hold close() open for seconds.
    server.closeIdleConnections();
    // A request still running after a grace period (a hung handler) must not block shutdown.
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}
