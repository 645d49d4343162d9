import { CheckRefusal } from './refusal.js';

/**
 * One check pipeline shape for every protocol (CONVENTIONS.md habit 8; panva/node-oidc-provider's
 * ordered checks): a **named check** is a function of `(input, context)` — the thing under check
 * and what it is checked against — that returns what it established or throws a `CheckRefusal`
 * with a code; a **pipeline** runs checks in order and stops at the first refusal, which names the
 * failing check.
 *
 * The group decides how a refusal reaches its caller (`Refuse`): a check made by a group's
 * `CheckFactory` throws the group's own error, carrying the check's name, whether it runs inside a
 * pipeline or alone (its unit test). Errors that are not refusals (a key set that cannot be
 * fetched, a storage outage) pass through untouched: they are not the token's fault.
 */

/** Turns a refusal of the named check into the group's error. */
export type Refuse<N extends string> = (check: N, refusal: CheckRefusal) => Error;

/** The context argument of a check: optional for a check that needs none (`C` = `unknown`). */
type ContextArg<C> = unknown extends C ? [context?: C] : [context: C];

/** A named check: `(input, context) => established value`, refusing with the group's error. */
export type NamedCheck<N extends string, I, C, O> = ((input: I, ...context: ContextArg<C>) => O) & { readonly checkName: N };

const isPromise = (v: unknown): v is Promise<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * The check constructor of one group: `const check = checkFactory(refuse)`, then
 * `export const checkAudience = check('checkAudience', (claims, x) => …)`.
 */
export function checkFactory<N extends string>(refuse: Refuse<N>) {
  return function check<K extends N, I, C = unknown, O = void>(name: K, run: (input: I, context: C) => O): NamedCheck<K, I, C, O> {
    const fail = (err: unknown): never => {
      throw err instanceof CheckRefusal ? refuse(name, err) : err;
    };
    const named = (input: I, ...[context]: ContextArg<C>): O => {
      let out: O;
      try {
        out = run(input, context as C);
      } catch (err) {
        return fail(err);
      }
      return (isPromise(out) ? out.catch(fail) : out) as O;
    };
    return Object.assign(named, { checkName: name });
  };
}

/** What a pipeline reports of each check (a SAML test login lists them; others log the failure). */
export interface CheckOutcome<N extends string> {
  readonly name: N;
  /** `skipped`: not reached, because an earlier check refused (it would read untrusted content). */
  readonly status: 'passed' | 'failed' | 'skipped';
  /** What the check established, for a human (`CheckRun.step`'s `describe`), or why it refused. */
  readonly detail?: string;
  readonly error?: unknown;
}

/**
 * Runs checks that share one input and context, in order. The first refusal stops the run and is
 * rethrown (already the group's error, naming the check); `observe` hears each outcome, so a caller
 * can report later checks as skipped. Checks that feed each other values run in sequence in their
 * caller instead (`verifySignedJwt`), each still a named check.
 */
export async function runChecks<N extends string, I, C>(
  checks: readonly NamedCheck<N, I, C, unknown>[],
  input: I,
  context: C,
  observe?: (outcome: CheckOutcome<N>) => void,
): Promise<void> {
  for (const check of checks) {
    try {
      await check(input, ...([context] as ContextArg<C>));
    } catch (error) {
      observe?.({ name: check.checkName, status: 'failed', detail: error instanceof Error ? error.message : String(error), error });
      throw error;
    }
    observe?.({ name: check.checkName, status: 'passed' });
  }
}

/**
 * A pipeline whose checks feed each other values, run step by step by its caller, recording every
 * outcome in the declared order: the shape of a report that lists each check as passed, failed or
 * skipped (the SAML test login). `step` runs one check and returns what it established; the first
 * refusal (`isRefusal`) is recorded and rethrown, and every later step is refused without running.
 * Errors that are not refusals (an outage) are rethrown unrecorded.
 */
export class CheckRun<N extends string> {
  private readonly outcomes = new Map<N, CheckOutcome<N>>();
  private failure: CheckOutcome<N> | undefined;

  constructor(
    private readonly names: readonly N[],
    private readonly isRefusal: (err: unknown) => boolean,
  ) {}

  async step<T>(name: N, check: () => T | Promise<T>, describe?: (value: T) => string): Promise<T> {
    if (this.failure) throw this.failure.error;
    let value: T;
    try {
      value = await check();
    } catch (error) {
      if (!this.isRefusal(error)) throw error;
      this.failure = { name, status: 'failed', detail: error instanceof Error ? error.message : String(error), error };
      this.outcomes.set(name, this.failure);
      throw error;
    }
    this.outcomes.set(name, { name, status: 'passed', ...(describe ? { detail: describe(value) } : {}) });
    return value;
  }

  /** The first refusal, if any: its check's name and error. */
  get failed(): CheckOutcome<N> | undefined {
    return this.failure;
  }

  /** Every declared check in order: passed, failed, or skipped (never reached). */
  list(): CheckOutcome<N>[] {
    return this.names.map((name) => this.outcomes.get(name) ?? { name, status: 'skipped' as const });
  }
}
