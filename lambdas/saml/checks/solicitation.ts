import { IdpInitiatedDisabled, InResponseToMismatch, UnknownRequest } from '../errors.js';
import type { SubjectConfirmationData } from '../assertion.js';
import type { ResponseEnvelope } from '../envelope.js';
import type { SamlRequestRecord } from '../../store/saml-requests.js';

/** Who started the sign-in. */
export type Solicitation =
  | { readonly kind: 'sp-initiated'; readonly request: SamlRequestRecord }
  | { readonly kind: 'idp-initiated' };

/**
 * Step 10 — a response that answers an AuthnRequest answers one this workspace started and that is
 * still pending; an unsolicited (IdP-initiated) one is accepted only where the workspace allows it.
 *
 * The request id is read from the bearer SubjectConfirmationData, which the assertion's signature
 * covers (profiles §4.1.4.2 requires it there for solicited responses). `Response/@InResponseTo`
 * may be outside every signature, so it may only agree: an attacker who adds it to an IdP-initiated
 * response must not turn it into an SP-initiated one.
 */
export function checkSolicitation(
  envelope: ResponseEnvelope,
  confirmation: SubjectConfirmationData,
  pending: SamlRequestRecord | undefined,
  allowIdpInitiated: boolean,
): Solicitation {
  const requestId = confirmation.inResponseTo;
  if (envelope.inResponseTo !== undefined && envelope.inResponseTo !== requestId) throw new InResponseToMismatch();
  if (requestId !== undefined) {
    if (!pending || pending.requestId !== requestId) throw new UnknownRequest(requestId);
    return { kind: 'sp-initiated', request: pending };
  }
  if (!allowIdpInitiated) throw new IdpInitiatedDisabled();
  return { kind: 'idp-initiated' };
}
