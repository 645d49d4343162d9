/**
 * The fault-test loop: for one client request, an outage that starts at each storage call the
 * request makes in turn (k = 0, 1, …), for each kind of fault. Every round checks the three things
 * issue 8 asks for:
 *
 * 1. the client gets the success answer or 503 (429 for throttling) with an integer `Retry-After`
 *    in the protocol's envelope, never a 500 and never a hang;
 * 2. nothing is half-written: the invariants hold right after the failure (read from the table);
 * 3. the IdP's retry of the same request, once storage is back, converges to what one successful
 *    request would have produced.
 *
 * Failures of all rounds are collected and returned, so a failing test lists every broken round
 * (`k=2 kill: 500 …`) instead of the first one.
 */
import type { FaultControl, FaultKind } from '../../dev/fault-proxy.js';
import type { ApiResponse } from './http.js';
import { scanTable, type StoredItem } from './fault-table.js';
import type { TestStack } from './stack.js';

/** Which envelope the error answer must be in. */
export type ErrorEnvelope = 'scim' | 'api' | 'oauth' | 'page';

/** One client request under test. */
export interface FaultScenario<C> {
  /** Fresh subject for a round (runs with storage healthy). */
  setup(): Promise<C>;
  /** The request; the same call is the IdP's retry. */
  act(ctx: C): Promise<ApiResponse>;
  /** Statuses of a successful first attempt. */
  readonly ok: readonly number[];
  /** Statuses a retry may answer once the first attempt may have committed (e.g. 409 for a create). */
  readonly retryOk: readonly number[];
  readonly envelope: ErrorEnvelope;
  /** Invariants that hold at any moment (empty = fine). */
  invariants(items: StoredItem[], ctx: C): string[];
  /** The state one successful request produces (checked after the retry; empty = fine). */
  converged(items: StoredItem[], ctx: C): string[];
  /** A new request for the retry instead of the same one (a sign-in needs a fresh assertion). */
  retry?(ctx: C): Promise<ApiResponse>;
}

/** Which rounds to run. */
export interface RoundOptions {
  readonly kinds?: readonly FaultKind[];
  /**
   * Stall rounds are slow (they wait for the handler's storage timeout): by default only at the
   * commit (the last TransactWriteItems of the measured run, else its last write).
   */
  readonly stallAt?: 'commit' | 'all';
  /** How long a client waits for an answer before the round counts as a hang. */
  readonly deadlineMs?: number;
}

/** Answered within the deadline, or `undefined` (a hang). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Problems with an error answer: status, integer Retry-After, envelope. */
export function checkOutageAnswer(res: ApiResponse, want: 503 | 429, envelope: ErrorEnvelope): string[] {
  const out: string[] = [];
  if (res.status !== want) out.push(`status ${res.status} (want ${want}): ${res.text.slice(0, 160)}`);
  const ra = res.headers.get('retry-after');
  if (ra === null || !/^\d+$/.test(ra) || Number(ra) < 1) out.push(`Retry-After ${JSON.stringify(ra)} is not a positive integer`);
  const j = res.json as Record<string, unknown> | undefined;
  switch (envelope) {
    case 'scim':
      if (!Array.isArray(j?.schemas) || !(j.schemas as string[]).includes('urn:ietf:params:scim:api:messages:2.0:Error') || j.status !== String(want)) {
        out.push(`not a SCIM error envelope: ${res.text.slice(0, 160)}`);
      }
      break;
    case 'api':
      if (typeof (j?.error as { code?: unknown } | undefined)?.code !== 'string') out.push(`not an admin error envelope: ${res.text.slice(0, 160)}`);
      break;
    case 'oauth':
      if (typeof j?.error !== 'string') out.push(`not an OAuth error envelope: ${res.text.slice(0, 160)}`);
      break;
    case 'page':
      break;
  }
  if (/\bat .+\(.+:\d+:\d+\)/.test(res.text)) out.push('stack trace in the response');
  return out;
}

/** The storage calls (operations) a healthy run of the scenario makes: the steps an outage can start at. */
export async function measureSteps<C>(faults: FaultControl, s: FaultScenario<C>): Promise<string[]> {
  faults.clear();
  const ctx = await s.setup();
  faults.resetLog();
  const res = await s.act(ctx);
  if (!s.ok.includes(res.status)) throw new Error(`healthy run answered ${res.status}: ${res.text.slice(0, 300)}`);
  return faults.seen.map((r) => r.op);
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** The step of the commit: the last transaction, else the last write, else the last call. */
function commitStep(ops: readonly string[]): number {
  const tx = ops.lastIndexOf('TransactWriteItems');
  if (tx >= 0) return tx;
  for (let i = ops.length - 1; i >= 0; i--) if (WRITES.has(ops[i]!)) return i;
  return ops.length - 1;
}

/**
 * Runs every round and returns the failures (empty when all hold). Callers assert
 * `expect(failures).toEqual([])`.
 */
export async function runFaultRounds<C>(stack: TestStack & { faults: FaultControl }, s: FaultScenario<C>, opts: RoundOptions = {}): Promise<string[]> {
  const { faults } = stack;
  const kinds = opts.kinds ?? ['reset', 'kill', 'throttle', 'stall'];
  const deadline = opts.deadlineMs ?? 20_000;
  const ops = await measureSteps(faults, s);
  const steps = ops.length;
  const commit = commitStep(ops);
  const failures: string[] = [];
  /** Rounds in which the fault fired, per kind: a kind that never fired tested nothing. */
  const firedRounds = new Map<FaultKind, number>(kinds.map((k) => [k, 0]));
  for (let k = 0; k < steps; k++) {
    for (const kind of kinds) {
      if (kind === 'stall' && opts.stallAt !== 'all' && k !== commit) continue;
      const label = `k=${k}/${steps} (${ops[k]}) ${kind}`;
      faults.clear();
      const ctx = await s.setup();
      faults.resetLog();
      // The step is named by its operation and occurrence (the 2nd GetItem), not by its index: a
      // best-effort write that this request skips must not shift the fault to another call.
      const op = ops[k]!;
      const nth = ops.slice(0, k + 1).filter((o) => o === op).length;
      faults.add({ fault: kind, op, nth, times: 1, then: kind === 'kill' ? 'reset' : kind });

      const res = await within(s.act(ctx), deadline);
      const fired = faults.fired();
      faults.clear();
      // Best-effort writes (a token's lastUsedAt) are not made on every request, so a request may
      // make fewer storage calls than the measured one: then this round had no fault.
      if (fired > 0) firedRounds.set(kind, (firedRounds.get(kind) ?? 0) + 1);
      if (res === undefined) {
        failures.push(`${label}: no answer within ${deadline} ms (a storage call without a timeout?)`);
        continue;
      }
      if (!s.ok.includes(res.status)) {
        for (const p of checkOutageAnswer(res, kind === 'throttle' ? 429 : 503, s.envelope)) failures.push(`${label}: ${p}`);
      }
      const afterFault = s.invariants(await scanTable(stack), ctx);
      for (const p of afterFault) failures.push(`${label}: after the failure: ${p}`);

      const again = await (s.retry ?? s.act)(ctx);
      if (!s.ok.includes(again.status) && !s.retryOk.includes(again.status)) {
        failures.push(`${label}: retry answered ${again.status}: ${again.text.slice(0, 160)}`);
      }
      const items = await scanTable(stack);
      for (const p of [...s.invariants(items, ctx), ...s.converged(items, ctx)]) failures.push(`${label}: after the retry: ${p}`);
    }
  }
  for (const [kind, n] of firedRounds) if (n === 0) failures.push(`${kind}: the fault never fired in any round`);
  return failures;
}
