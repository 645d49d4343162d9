/**
 * Refusals are traced (DESIGN.md, invariants): every refused request leaves a structured log line
 * and a metric, and an audit record (`<area>.refused`, aggregated per source) in the target
 * workspace when the code that refused it knows that workspace exists.
 *
 * Code that refuses attaches what it knows to the error it throws with `withRefusal`; the Lambda
 * wrapper (`lambda.ts`) traces every 401/403 (and any error carrying a refusal) before it answers.
 */

/** What the refusing code knows about a refusal. */
export interface RefusalContext {
  /** The workspace the request targeted, only when it is known to exist (its audit trail gets the record). */
  readonly teamId?: string;
  /** Stable cause, e.g. `scim.token_unknown`, `logout.signature_invalid`, `admin.key_wrong`. */
  readonly cause: string;
  /** Non-secret facts (claimed issuer, subject, token id prefix…); never a secret or a whole token. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

const REFUSAL = Symbol.for('idp-bridge.refusal');

/** Attaches refusal facts to an error about to be thrown; returns the same error. */
export function withRefusal<E extends Error>(err: E, ctx: RefusalContext): E {
  Object.defineProperty(err, REFUSAL, { value: ctx, enumerable: false, configurable: true });
  return err;
}

/** The refusal facts attached to a thrown value, if any. */
export function refusalOf(err: unknown): RefusalContext | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  return (err as { [REFUSAL]?: RefusalContext })[REFUSAL];
}
