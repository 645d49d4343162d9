/**
 * HTTP calls the demo makes to the bridge (as Okta, and as the host app's backend), recorded so
 * that the pages can show each call's method, URL, status and answer.
 */

/** One HTTP exchange, as the control page shows it. Secrets never appear in it. */
export interface RecordedCall {
  readonly method: string;
  readonly url: string;
  /** The JSON (or text) sent; passwords are masked. */
  readonly request?: unknown;
  readonly status: number;
  /** The parsed JSON answer, the text of a non-JSON one, or null for an empty body. */
  readonly response: unknown;
}

export interface CallResult<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON answer (`application/json`, `application/scim+json`), else undefined. */
  readonly json: T | undefined;
  readonly call: RecordedCall;
}

export interface CallOptions {
  readonly bearer?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Objects are sent as JSON (with `contentType`, default `application/json`). */
  readonly body?: unknown;
  readonly contentType?: string;
  /** What to show as the request in the log, when it differs from the body (masked). */
  readonly shown?: unknown;
}

/** Bridge calls are local: anything slower than this is a hang, and the page should say so. */
const TIMEOUT_MS = 15_000;

/** Sends a request and records it; never throws on an HTTP status (callers look at `status`). */
export async function call<T = unknown>(method: string, url: string, opts: CallOptions = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  let payload: string | undefined;
  if (opts.body !== undefined) {
    payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] = opts.contentType ?? 'application/json';
  }
  const res = await fetch(url, {
    method,
    headers,
    ...(payload !== undefined ? { body: payload } : {}),
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  let json: T | undefined;
  if (/[/+]json\b/.test(type) && text) {
    try {
      json = JSON.parse(text) as T;
    } catch {
      json = undefined;
    }
  }
  const shown = opts.shown ?? opts.body;
  const recorded: RecordedCall = {
    method,
    url,
    ...(shown !== undefined ? { request: mask(shown) } : {}),
    status: res.status,
    response: json ?? (text === '' ? null : text.slice(0, 4000)),
  };
  return { status: res.status, headers: res.headers, json, call: recorded };
}

/** `password`, `clientSecret`, `client_secret`, `token`, `session_token` — not `token_type`. */
const SECRET_KEY = /(password|secret)$|(^|_)token$/i;

/** Masks values of secret-looking keys (passwords, tokens, secrets) in what the log shows. */
export function mask(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(mask);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, val]) => [k, SECRET_KEY.test(k) && typeof val === 'string' ? '••••••' : mask(val)]),
    );
  }
  return v;
}
