import type { Config } from '../../platform/config.js';
import { OKTA_SAML_CONNECTION_ID, type SamlConnection } from '../../core/model/connection.js';
import { SignInRefused } from '../../signin/refusals.js';
import type { Destination } from '../relay-state.js';
import type { SubjectConfirmationData } from '../assertion.js';
import type { ResponseEnvelope } from '../envelope.js';
import { ReplayedAssertion, UnknownRequest } from '../errors.js';
import { AssertionAlreadyUsed, RequestNotPending, type SamlRequestRecord, type SamlStore } from '../../store/saml-requests.js';
import { checkSignatureAlgorithm } from './algorithm.js';
import { checkTenant, readProfile, type SamlProfile } from './attributes.js';
import { checkAudience } from './audience.js';
import { checkDestination } from './destination.js';
import { checkFormat } from './format.js';
import { checkIssuer } from './issuer.js';
import { checkNameId } from './name-id.js';
import { checkRecipient } from './recipient.js';
import { checkRelayState } from './relay-state.js';
import { checkSignature, type SignatureOutcome } from './signature.js';
import { checkSolicitation, type Solicitation } from './solicitation.js';
import { checkStatus } from './status.js';
import { checkTimeWindow, type TimeWindow } from './time-window.js';

/**
 * The ACS checks, in the order they run. Pure checks come first; the one-time-use step writes to
 * storage, so it runs last and only for a response that passed everything else.
 */
export const ACS_CHECKS = [
  { name: 'response', label: 'Well-formed SAML response' },
  { name: 'status', label: 'IdP status' },
  { name: 'format', label: 'Exactly one assertion' },
  { name: 'signature', label: 'Signature' },
  { name: 'signature_algorithm', label: 'Signature algorithm (SHA-256)' },
  { name: 'issuer', label: 'Issuer' },
  { name: 'destination', label: 'Destination' },
  { name: 'recipient', label: 'Recipient' },
  { name: 'audience', label: 'Audience' },
  { name: 'time_window', label: 'Validity window (3 min skew)' },
  { name: 'in_response_to', label: 'InResponseTo / IdP-initiated' },
  { name: 'relay_state', label: 'RelayState' },
  { name: 'name_id', label: 'NameID' },
  { name: 'attributes', label: 'Attributes and group filter' },
  { name: 'one_time_use', label: 'Not replayed (one-time use)' },
] as const;

export type CheckName = (typeof ACS_CHECKS)[number]['name'];

/** One row of the outcome: what a test login shows the admin. */
export interface CheckOutcome {
  readonly name: CheckName;
  readonly label: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly detail?: string;
  readonly error?: SignInRefused;
}

/** Everything the checks need, gathered by the ACS handler. */
export interface AcsInput {
  /** The parsed envelope, or why the SAMLResponse could not be read. */
  readonly envelope: ResponseEnvelope | SignInRefused;
  readonly relayState: string | undefined;
  readonly teamId: string;
  /** The SAML connection the ACS URL addresses: its IdP's certificates, entity id and switches. */
  readonly saml: SamlConnection;
  /** The pending request the response claims to answer (read, not yet spent). */
  readonly pending: SamlRequestRecord | undefined;
  readonly sp: { readonly entityId: string; readonly acsUrl: string };
  readonly config: Config;
  readonly now: Date;
  readonly store: SamlStore;
}

/** A response that passed every check. */
export interface AcceptedResponse {
  readonly issuer: string;
  /** The NameID: the IdP subject recorded for Universal Logout's `iss_sub`. */
  readonly subject: string;
  readonly profile: SamlProfile;
  /** Every attribute statement as received (the test-login report lists them). */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  readonly solicitation: Solicitation;
  /** Where to land, already allowlisted (a bridge page or an app path); undefined = the app. */
  readonly destination: Destination | undefined;
  readonly assertionId: string;
  readonly sessionIndex: string | undefined;
  readonly certificateIndex: number;
}

/** What is known of a response once its signature verified (for refusal audit records). */
export interface VerifiedFacts {
  assertionId?: string;
  subject?: string;
  email?: string;
}

export type AcsResult =
  | { readonly ok: true; readonly outcomes: readonly CheckOutcome[]; readonly facts: VerifiedFacts; readonly accepted: AcceptedResponse }
  | { readonly ok: false; readonly outcomes: readonly CheckOutcome[]; readonly facts: VerifiedFacts; readonly refusal: SignInRefused };

class Stop extends Error {
  constructor(readonly refusal: SignInRefused) {
    super(refusal.code);
  }
}

/** Records each step's outcome; the first refusal stops the run. */
class Run {
  readonly outcomes = new Map<CheckName, CheckOutcome>();

  async step<T>(name: CheckName, check: () => T | Promise<T>, describe: (value: T) => string): Promise<T> {
    const label = ACS_CHECKS.find((c) => c.name === name)!.label;
    try {
      const value = await check();
      this.outcomes.set(name, { name, label, status: 'passed', detail: describe(value) });
      return value;
    } catch (err) {
      if (!(err instanceof SignInRefused)) throw err;
      this.outcomes.set(name, { name, label, status: 'failed', detail: err.message, error: err });
      throw new Stop(err);
    }
  }

  list(): CheckOutcome[] {
    return ACS_CHECKS.map((c) => this.outcomes.get(c.name) ?? { name: c.name, label: c.label, status: 'skipped' as const });
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Runs the ACS checks in order and reports every outcome. Stops at the first refusal; later checks
 * are reported as skipped, because they would read content that is not yet trusted.
 */
export async function runAcsChecks(input: AcsInput): Promise<AcsResult> {
  const run = new Run();
  const facts: VerifiedFacts = {};
  const { saml, sp } = input;
  try {
    const envelope = await run.step(
      'response',
      () => {
        if (input.envelope instanceof SignInRefused) throw input.envelope;
        return input.envelope;
      },
      (e) => `Response ${e.responseId ?? '(no ID)'}`,
    );
    await run.step('status', () => checkStatus(envelope), (s) => s);
    await run.step('format', () => checkFormat(envelope), (s) => s);
    const signature: SignatureOutcome = await run.step(
      'signature',
      () => checkSignature(envelope, saml.idpCertificates, sp),
      (s) => `${s.signed.join(' and ')} signed; verified with certificate ${s.certificateIndex + 1} of ${saml.idpCertificates.length}`,
    );
    const assertion = signature.assertion;
    facts.assertionId = assertion.id;
    if (assertion.nameId) facts.subject = assertion.nameId.value;
    await run.step('signature_algorithm', () => checkSignatureAlgorithm(envelope.signatures), (s) => s);
    const issuer = await run.step(
      'issuer',
      () => {
        const iss = checkIssuer(assertion, saml.idpEntityId);
        checkTenant(assertion, saml.idpEntityId);
        return iss;
      },
      (s) => s,
    );
    await run.step('destination', () => checkDestination(envelope, sp.acsUrl), (s) => s);
    const confirmation: SubjectConfirmationData = await run.step(
      'recipient',
      () => checkRecipient(assertion, sp.acsUrl),
      (c) => c.recipient ?? '',
    );
    await run.step('audience', () => checkAudience(assertion, sp.entityId), (s) => s);
    const window: TimeWindow = await run.step(
      'time_window',
      () => checkTimeWindow(assertion, confirmation, input.now),
      () => `valid now (${assertion.conditions.notBefore ?? '…'} – ${assertion.conditions.notOnOrAfter ?? confirmation.notOnOrAfter})`,
    );
    const solicitation = await run.step(
      'in_response_to',
      // A pending request answers only through the connection that started it: a response of
      // one IdP cannot spend a request made for another connection of the workspace.
      () => checkSolicitation(envelope, confirmation, (input.pending?.connectionId ?? OKTA_SAML_CONNECTION_ID) === saml.id ? input.pending : undefined, saml.allowIdpInitiated),
      (s) => (s.kind === 'sp-initiated' ? `SP-initiated, answers request ${s.request.requestId}` : 'IdP-initiated (allowed)'),
    );
    const destination = await run.step(
      'relay_state',
      () => checkRelayState(input.relayState, solicitation, input.config),
      (d) => (d ? `${d.kind === 'bridge' ? 'bridge page' : 'app path'} ${d.path}` : "(none: the app's start page)"),
    );
    // Seed 001 asks Okta for an email NameID; other IdPs (Entra: persistent) name the user opaquely.
    const opaque = saml.preset !== 'okta';
    const nameId = await run.step('name_id', () => checkNameId(assertion, { opaque }), (n) => `${n.value} (${n.format.replace(/^.*:/, '')})`);
    const profile = await run.step(
      'attributes',
      () => readProfile(assertion, nameId.value, saml.groupPrefix),
      (p) => {
        facts.email = p.email;
        return `email ${p.email}; ${plural(p.groupsReceived.length, 'group')} received, ${plural(p.groups.length, 'group')} after the ${
          saml.groupPrefix ? `"${saml.groupPrefix}" prefix` : 'empty'
        } filter`;
      },
    );
    await run.step(
      'one_time_use',
      () =>
        input.store
          .consume({
            teamId: input.teamId,
            assertionId: assertion.id,
            acceptableUntil: window.acceptableUntil,
            ...(solicitation.kind === 'sp-initiated' ? { requestId: solicitation.request.requestId } : {}),
          })
          .catch((err: unknown) => {
            if (err instanceof AssertionAlreadyUsed) throw new ReplayedAssertion(err.assertionId);
            if (err instanceof RequestNotPending) throw new UnknownRequest(err.requestId);
            throw err;
          }),
      () => `assertion ${assertion.id} used once`,
    );
    return {
      ok: true,
      outcomes: run.list(),
      facts,
      accepted: {
        issuer,
        subject: nameId.value,
        profile,
        attributes: assertion.attributes,
        solicitation,
        destination,
        assertionId: assertion.id,
        sessionIndex: assertion.sessionIndex,
        certificateIndex: signature.certificateIndex,
      },
    };
  } catch (err) {
    if (err instanceof Stop) return { ok: false, outcomes: run.list(), facts, refusal: err.refusal };
    throw err;
  }
}
