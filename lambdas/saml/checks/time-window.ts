import { Expired, MalformedResponse, NotYetValid } from '../errors.js';
import type { SubjectConfirmationData, VerifiedAssertion } from '../assertion.js';

/** Clock skew tolerated between the IdP and this stack (Okta's own SDKs use minutes, not seconds). */
export const CLOCK_SKEW_MS = 3 * 60_000;

/** Outcome of the time-window check. */
export interface TimeWindow {
  /** The last instant (skew included) at which this assertion could still be accepted. */
  readonly acceptableUntil: Date;
}

function parseInstant(value: string, label: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new MalformedResponse(`${label} "${value}" is not a date-time`);
  return ms;
}

/**
 * Step 9 — now lies in the assertion's validity window, give or take `CLOCK_SKEW_MS`: the
 * Conditions' NotBefore/NotOnOrAfter (SAML core §2.5.1.2) and the bearer confirmation's
 * NotOnOrAfter, which the Web SSO profile requires (profiles §4.1.4.2).
 */
export function checkTimeWindow(
  assertion: VerifiedAssertion,
  confirmation: SubjectConfirmationData,
  now: Date,
  skewMs = CLOCK_SKEW_MS,
): TimeWindow {
  const t = now.getTime();
  if (!confirmation.notOnOrAfter) throw new MalformedResponse('the bearer SubjectConfirmationData has no NotOnOrAfter');
  const ends: [string, number][] = [[confirmation.notOnOrAfter, parseInstant(confirmation.notOnOrAfter, 'NotOnOrAfter')]];
  if (assertion.conditions.notOnOrAfter) {
    ends.push([assertion.conditions.notOnOrAfter, parseInstant(assertion.conditions.notOnOrAfter, 'NotOnOrAfter')]);
  }
  for (const start of [assertion.conditions.notBefore, confirmation.notBefore]) {
    if (start && t + skewMs < parseInstant(start, 'NotBefore')) throw new NotYetValid(start);
  }
  const [firstEnd, firstEndMs] = ends.reduce((a, b) => (b[1] < a[1] ? b : a));
  if (t - skewMs >= firstEndMs) throw new Expired(firstEnd);
  return { acceptableUntil: new Date(firstEndMs + skewMs) };
}
