/** A response with its body read once, as text and (when it is JSON) parsed. */
export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body when the response is JSON (`application/json`, `application/scim+json`, …), else undefined. */
  readonly json: T;
}

/** Per-request options. */
export interface RequestOptions {
  /** Extra headers (override the defaults). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Bearer token for this request only (overrides the client's). */
  readonly token?: string;
  /** Follow redirects? Default no: tests look at `location` themselves. */
  readonly redirect?: 'follow' | 'manual' | 'error';
}

/** A body to send: objects go as JSON, strings and `URLSearchParams` as they are. */
export type RequestBody = string | URLSearchParams | object;

/** The small client `api(url)` returns. */
export interface ApiClient {
  get<T = unknown>(path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  delete<T = unknown>(path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body?: RequestBody, opts?: RequestOptions): Promise<ApiResponse<T>>;
  put<T = unknown>(path: string, body?: RequestBody, opts?: RequestOptions): Promise<ApiResponse<T>>;
  patch<T = unknown>(path: string, body?: RequestBody, opts?: RequestOptions): Promise<ApiResponse<T>>;
  /** The same client with a bearer token on every request. */
  withToken(token: string): ApiClient;
}

/**
 * A tiny fetch wrapper for tests: `api(stack.url, stack.adminKey).post('/api/admin/workspaces', {name})`.
 * Never throws on an HTTP status: tests assert on `status`.
 */
export function api(baseUrl: string, token?: string): ApiClient {
  const send = async <T>(method: string, path: string, body: RequestBody | undefined, opts: RequestOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = {};
    const bearer = opts.token ?? token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let payload: string | URLSearchParams | undefined;
    if (typeof body === 'string' || body instanceof URLSearchParams) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(new URL(path, baseUrl), {
      method,
      headers: { ...headers, ...opts.headers },
      ...(payload !== undefined ? { body: payload } : {}),
      redirect: opts.redirect ?? 'manual',
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const json = (/[/+]json\b/.test(type) && text ? JSON.parse(text) : undefined) as T;
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    get: (path, opts) => send('GET', path, undefined, opts),
    delete: (path, opts) => send('DELETE', path, undefined, opts),
    post: (path, body, opts) => send('POST', path, body, opts),
    put: (path, body, opts) => send('PUT', path, body, opts),
    patch: (path, body, opts) => send('PATCH', path, body, opts),
    withToken: (t) => api(baseUrl, t),
  };
}
