/**
 * A controllable fault point between the handlers and DynamoDB (Local): a loopback TCP proxy that
 * passes requests through, or fails chosen ones the ways a real network and a real database fail.
 *
 * It reads the HTTP/1.1 framing of each request on its way through (request line, headers,
 * `Content-Length` body, RFC 9112 §6), because the SDK keeps connections alive and reuses them: a
 * fault that only acted on new connections would miss most requests. `X-Amz-Target` names the
 * DynamoDB operation (`DynamoDB_20120810.TransactWriteItems`), so a fault can target "the next
 * TransactWriteItems" or "the 3rd request from now".
 *
 * Faults (each one per request):
 * - `reset`: the connection is reset before the request reaches the database (nothing written);
 * - `kill`: the request reaches the database, and the connection is cut as the response starts to
 *   come back, so the client cannot know whether the write committed (it did): the "half-written"
 *   fault that a JVM dying or a network cut mid-request produces;
 * - `stall`: the request is held and never answered (until the rule ends, then reset);
 * - `throttle`: DynamoDB's own throttling answer, HTTP 400 `ThrottlingException` in the JSON
 *   protocol (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html);
 * - `drop` (a rule with `reset` for everything, plus new connections are reset on accept).
 *
 * Used by the tests (`startTestStack({ faults: true })`) and usable by `npm start`; it only listens
 * on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';

/** What happens to a request a rule takes. */
export type FaultKind = 'reset' | 'kill' | 'stall' | 'throttle';

/** Which requests a rule is about. */
export interface FaultSelector {
  /** DynamoDB operation (`TransactWriteItems`, `GetItem`, …); any when omitted. */
  readonly op?: string;
  /** The rule starts at the nth matching request from now (1 = the next one). Default 1. */
  readonly nth?: number;
  /** How many matching requests it takes from there. Default 1; `Infinity` until `clear()`. */
  readonly times?: number;
}

/** One fault rule. */
export interface FaultRule extends FaultSelector {
  readonly fault: FaultKind;
  /** The rule ends after this many milliseconds (stalled requests are then reset). */
  readonly forMs?: number;
  /**
   * Once this rule has taken a request, every later request (of any operation) gets this fault
   * until `clear()`: an outage that starts at a chosen call, e.g. a kill, then a dead database.
   */
  readonly then?: FaultKind;
}

/** A request the proxy saw, and what it did with it. */
export interface SeenRequest {
  /** The DynamoDB operation, or `?` when the request had no `X-Amz-Target`. */
  readonly op: string;
  readonly fault: FaultKind | 'pass';
}

/** The test-facing control of a running proxy. */
export interface FaultControl {
  /** Resets every request and every new connection until `clear()`: the database is unreachable. */
  drop(): void;
  /** Holds every request unanswered for `ms` (then resets it), or until `clear()` when omitted. */
  stall(ms?: number): void;
  /** Forwards the next matching request(s), then cuts the connection before the response arrives. */
  killNext(op?: string, times?: number): void;
  /** Answers the next matching request(s) with DynamoDB's `ThrottlingException` (HTTP 400). */
  throttleNext(op?: string, times?: number): void;
  /** Resets the connection on the next matching request(s) before they reach the database. */
  failNext(op?: string, times?: number): void;
  /**
   * An outage that starts mid-operation: the first `after` requests pass, the next one gets `first`
   * (e.g. `kill`: it commits, its answer is lost), and every later one is reset until `clear()`.
   */
  outageAfter(after: number, first?: FaultKind): void;
  /** Adds a rule (first matching rule in insertion order wins). */
  add(rule: FaultRule): void;
  /** Removes every rule and resets the requests held by a stall; traffic passes again. */
  clear(): void;
  /** Every request seen since start (or `resetLog()`), in order. */
  readonly seen: readonly SeenRequest[];
  /** How many requests a fault took (of one kind, or of any). */
  fired(kind?: FaultKind): number;
  /** Forgets `seen`. */
  resetLog(): void;
}

/** A running fault proxy. */
export interface FaultProxy extends FaultControl {
  /** `http://127.0.0.1:<port>`: give it to the handlers as `DYNAMODB_ENDPOINT`. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Options of `startFaultProxy`. */
export interface FaultProxyOptions {
  /** `host:port` (or a function giving it, read per connection) of the real database. */
  readonly target: { host: string; port: number } | (() => { host: string; port: number });
  /** Port to listen on (127.0.0.1); a free one when omitted. */
  readonly port?: number;
}

interface ActiveRule {
  readonly rule: FaultRule;
  readonly op: string | undefined;
  readonly nth: number;
  readonly times: number;
  seen: number;
  taken: number;
  readonly expiresAt: number;
}

/** Largest request head the proxy reads (DynamoDB requests have small heads). */
const MAX_HEAD = 64 * 1024;

const THROTTLE_BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
  message: 'Rate of requests exceeds the allowed throughput.',
});

/** Starts a fault proxy on 127.0.0.1 in front of `target`. Traffic passes until a fault is set. */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const targetOf = typeof opts.target === 'function' ? opts.target : () => opts.target as { host: string; port: number };
  let rules: ActiveRule[] = [];
  let dropping = false;
  /** The fault of every request once a rule with `then` has fired. */
  let outage: FaultKind | undefined;
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  /** Requests held by a stall: resetting them is how a stall ends. */
  const held = new Set<Socket>();

  const expire = (): void => {
    const now = Date.now();
    const before = rules.length;
    rules = rules.filter((r) => r.expiresAt > now);
    if (rules.length !== before && !rules.some((r) => r.rule.fault === 'stall')) releaseHeld();
  };
  const releaseHeld = (): void => {
    for (const s of held) reset(s);
    held.clear();
  };

  /** Counts the request against every rule that matches it and returns the fault to apply. */
  const decide = (op: string): FaultKind | 'pass' => {
    expire();
    if (dropping) return 'reset';
    if (outage) return outage;
    let chosen: FaultKind | 'pass' = 'pass';
    for (const r of rules) {
      if (r.op !== undefined && r.op !== op) continue;
      r.seen += 1;
      if (chosen === 'pass' && r.seen >= r.nth && r.taken < r.times) {
        r.taken += 1;
        chosen = r.rule.fault;
        if (r.rule.then) outage = r.rule.then;
      }
    }
    rules = rules.filter((r) => r.taken < r.times);
    return chosen;
  };

  const server: Server = createServer((client) => {
    if (dropping) {
      reset(client);
      return;
    }
    sockets.add(client);
    client.on('close', () => {
      sockets.delete(client);
      held.delete(client);
    });
    client.on('error', () => undefined);
    handleConnection(client);
  });

  function handleConnection(client: Socket): void {
    let upstream: Socket | undefined;
    let buffer = Buffer.alloc(0);
    /** Set while a killed request is in flight: the first response byte ends the connection. */
    let killing = false;
    /** Once framing cannot be read (chunked bodies), bytes flow through untouched. */
    let raw = false;

    const getUpstream = (): Socket => {
      if (upstream && !upstream.destroyed) return upstream;
      const { host, port } = targetOf();
      const up = connect({ host, port });
      sockets.add(up);
      up.on('close', () => sockets.delete(up));
      up.on('data', (chunk) => {
        if (killing) {
          // The database answered, so the write is done; the client never learns it.
          reset(up);
          reset(client);
          return;
        }
        client.write(chunk);
      });
      up.on('error', () => reset(client));
      up.on('end', () => client.end());
      upstream = up;
      return up;
    };

    const pump = (): void => {
      while (!client.destroyed && !held.has(client)) {
        if (raw) {
          if (buffer.length) getUpstream().write(buffer);
          buffer = Buffer.alloc(0);
          return;
        }
        const headEnd = buffer.indexOf('\r\n\r\n');
        if (headEnd < 0) {
          if (buffer.length > MAX_HEAD) reset(client);
          return;
        }
        const head = buffer.subarray(0, headEnd).toString('latin1');
        const headers = parseHeaders(head);
        if (headers['transfer-encoding'] !== undefined) {
          // DynamoDB clients send Content-Length; anything else is passed through unexamined.
          raw = true;
          continue;
        }
        const length = Number(headers['content-length'] ?? '0');
        const total = headEnd + 4 + (Number.isFinite(length) && length > 0 ? length : 0);
        if (buffer.length < total) return;
        const request = buffer.subarray(0, total);
        buffer = buffer.subarray(total);
        const target = headers['x-amz-target'] ?? '';
        const op = target.includes('.') ? target.slice(target.lastIndexOf('.') + 1) : target || '?';
        const fault = decide(op);
        seen.push({ op, fault });
        switch (fault) {
          case 'pass':
            getUpstream().write(request);
            break;
          case 'kill':
            killing = true;
            getUpstream().write(request);
            return;
          case 'reset':
            reset(client);
            return;
          case 'stall':
            held.add(client);
            return;
          case 'throttle':
            client.write(
              'HTTP/1.1 400 Bad Request\r\n' +
                'Content-Type: application/x-amz-json-1.0\r\n' +
                `x-amzn-RequestId: ${randomUUID()}\r\n` +
                `Content-Length: ${Buffer.byteLength(THROTTLE_BODY)}\r\n` +
                'Connection: keep-alive\r\n\r\n' +
                THROTTLE_BODY,
            );
            break;
        }
      }
    };

    client.on('data', (chunk) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      pump();
    });
    client.on('end', () => upstream?.end());
    client.on('close', () => {
      if (upstream && !upstream.destroyed) upstream.destroy();
    });
  }

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', rej);
      res();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const add = (rule: FaultRule): void => {
    rules.push({
      rule,
      op: rule.op,
      nth: rule.nth ?? 1,
      times: rule.times ?? 1,
      seen: 0,
      taken: 0,
      expiresAt: rule.forMs === undefined ? Infinity : Date.now() + rule.forMs,
    });
    if (rule.forMs !== undefined) setTimeout(expire, rule.forMs + 1).unref();
  };

  const control: FaultProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    drop() {
      dropping = true;
      // Pooled connections idle in the client's agent: reset them now, as a dead peer would.
      for (const s of sockets) reset(s);
    },
    stall(ms) {
      add({ fault: 'stall', times: Infinity, ...(ms === undefined ? {} : { forMs: ms }) });
    },
    killNext(op, times = 1) {
      add({ fault: 'kill', times, ...(op ? { op } : {}) });
    },
    throttleNext(op, times = 1) {
      add({ fault: 'throttle', times, ...(op ? { op } : {}) });
    },
    failNext(op, times = 1) {
      add({ fault: 'reset', times, ...(op ? { op } : {}) });
    },
    outageAfter(after, first = 'reset') {
      add({ fault: first, nth: after + 1, times: 1, then: 'reset' });
    },
    add,
    clear() {
      rules = [];
      dropping = false;
      outage = undefined;
      releaseHeld();
    },
    get seen() {
      return seen;
    },
    fired(kind) {
      return seen.filter((s) => s.fault !== 'pass' && (kind === undefined || s.fault === kind)).length;
    },
    resetLog() {
      seen.length = 0;
    },
    async close() {
      control.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
  return control;
}

/** Ends a connection with a TCP RST (ECONNRESET at the peer), as a dead process or a network cut does. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** Header names (lower-cased) to values, from a request head. */
function parseHeaders(head: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}
