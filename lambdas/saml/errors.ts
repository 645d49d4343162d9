import { SignInRefused } from '../signin/refusals.js';

/**
 * Why a SAML sign-in was refused, one class per cause (seed 001's troubleshooting table), each a
 * `SignInRefused` whose code, status, title and fix come from the one sign-in catalogue
 * (`lambdas/signin/refusals.ts`): the page the user sees, the test-login report and the audit
 * record all say the same thing, for SAML as for OIDC. The classes only word the detail.
 */

/** The workspace does not exist in this region (or the id is not a workspace id). */
export class WorkspaceNotFound extends SignInRefused {
  constructor(teamId: string) {
    super('workspace_not_found', `Workspace ${teamId} does not exist in this region.`);
  }
}

/** The seeds' `/api/saml/{team_id}/…` URLs address the `saml` connection, which is not set up. */
export class SamlNotConfigured extends SignInRefused {
  constructor() {
    super('saml_not_configured', 'SAML single sign-on is not set up for this workspace.');
  }
}

/** `/api/sso/saml/{team_id}/{connection_id}/…` names no SAML connection of the workspace. */
export class SamlConnectionNotFound extends SignInRefused {
  constructor(connectionId: string) {
    super('connection_not_found', `The workspace has no SAML connection "${connectionId}".`);
  }
}

export class MissingSamlResponse extends SignInRefused {
  constructor() {
    super('missing_saml_response', 'The request carries no SAMLResponse form field.');
  }
}

export class SamlPayloadTooLarge extends SignInRefused {
  constructor(limit: number) {
    super('payload_too_large', `The SAML response exceeds ${limit} bytes.`);
  }
}

export class MalformedResponse extends SignInRefused {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('malformed_response', `The SAMLResponse is not a well-formed SAML 2.0 Response: ${detail}.`, {}, options);
  }
}

export class IdpError extends SignInRefused {
  constructor(status: string, message: string | undefined) {
    super('idp_error', `The IdP answered with status ${status}${message ? `: ${message}` : ''}.`);
  }
}

export class UnsignedResponse extends SignInRefused {
  constructor() {
    super('unsigned_response', 'Neither the SAML Response nor its Assertion is signed.');
  }
}

/** Seed 001, troubleshooting: "Test login fails invalid_signature — Okta has rotated — re-fetch". */
export class InvalidSignature extends SignInRefused {
  constructor(options?: { cause?: unknown }) {
    super(
      'invalid_signature',
      'The signature does not verify with the X.509 certificate(s) configured for this connection; the IdP may have rotated its signing certificate.',
      {},
      options,
    );
  }
}

/** The structure only a forged document has: several assertions, duplicate ids, a detached signature. */
export class SignatureWrapping extends SignInRefused {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('signature_wrapping', `The signed content of the response is not what it presents (${detail}); refused as an XML signature wrapping attempt.`, {}, options);
  }
}

export class WeakSignatureAlgorithm extends SignInRefused {
  constructor(algorithm: string) {
    super('weak_signature_algorithm', `The response is signed with ${algorithm}; only SHA-256 or stronger is accepted.`);
  }
}

export class IssuerMismatch extends SignInRefused {
  constructor(expected: string, received: string | undefined) {
    super('issuer_mismatch', `The assertion was issued by ${received ?? '(no issuer)'}, not by the configured IdP ${expected}.`);
  }
}

export class DestinationMismatch extends SignInRefused {
  constructor(acsUrl: string, received: string) {
    super('destination_mismatch', `The response was sent to ${received}, not to this connection's ACS URL ${acsUrl}.`, {}, { hints: { acsUrl } });
  }
}

export class RecipientMismatch extends SignInRefused {
  constructor(acsUrl: string, received: readonly string[]) {
    super(
      'recipient_mismatch',
      `The assertion's bearer Recipient is ${received.length ? received.join(', ') : '(none)'}, not this connection's ACS URL ${acsUrl}.`,
      {},
      { hints: { acsUrl } },
    );
  }
}

export class AudienceMismatch extends SignInRefused {
  constructor(expected: string, received: readonly string[]) {
    super(
      'audience_mismatch',
      `The assertion is meant for ${received.length ? received.join(', ') : '(no audience)'}, not for this connection (${expected}).`,
      {},
      { hints: { entityId: expected } },
    );
  }
}

export class Expired extends SignInRefused {
  constructor(notOnOrAfter: string) {
    super('expired', `The assertion expired at ${notOnOrAfter}.`);
  }
}

export class NotYetValid extends SignInRefused {
  constructor(notBefore: string) {
    super('not_yet_valid', `The assertion is not valid before ${notBefore}.`);
  }
}

export class UnknownRequest extends SignInRefused {
  constructor(requestId: string) {
    super(
      'unknown_request',
      `The response answers sign-in request ${requestId}, which this connection did not start, which expired, or which was already completed.`,
    );
  }
}

export class InResponseToMismatch extends SignInRefused {
  constructor() {
    super('in_response_to_mismatch', 'The Response and its Assertion answer different sign-in requests.');
  }
}

export class IdpInitiatedDisabled extends SignInRefused {
  constructor() {
    super('idp_initiated_disabled', 'This connection accepts only sign-ins started from the app (SP-initiated); this one was started at the IdP.');
  }
}

export class ReplayedAssertion extends SignInRefused {
  constructor(assertionId: string) {
    super('replayed_assertion', `Assertion ${assertionId} was already used; a SAML assertion signs in once.`);
  }
}

export class InvalidRelayState extends SignInRefused {
  constructor() {
    super('invalid_relay_state', 'The RelayState is not a path of the app; refusing to redirect there.');
  }
}

/**
 * An unsolicited (IdP-initiated) response asks to land on a page of the bridge itself (`/admin`,
 * the SCIM OAuth consent). Nothing ties such a response to the browser that posts it, so accepting
 * it would let anyone holding a signed response for their own account log a victim's browser into
 * the admin portal under that account (login CSRF, review #21). Those pages are reached through
 * SP-initiated sign-in, whose stored request binds the destination.
 */
export class UnsolicitedBridgeDestination extends SignInRefused {
  constructor() {
    super(
      'unsolicited_bridge_destination',
      'A sign-in started at the IdP cannot land on a page of the sign-in bridge (such as /admin); only sign-ins started here can.',
    );
  }
}

export class InvalidReturnTo extends SignInRefused {
  constructor() {
    super('invalid_return_to', 'return_to must be a path of the app, such as /projects/42.');
  }
}

export class UnsupportedNameIdFormat extends SignInRefused {
  constructor(format: string | undefined, value: string | undefined) {
    super('unsupported_name_id_format', `The NameID ${value ? `"${value}" ` : ''}has format ${format ?? '(none)'}; an email address is required.`);
  }
}

export class MissingEmail extends SignInRefused {
  constructor() {
    super('missing_email', 'The assertion carries no usable email address (NameID or the email attribute).');
  }
}

/** Entra ID: the assertion's `tenantid` claim names another directory than the connection's issuer. */
export class TenantMismatch extends SignInRefused {
  constructor(expected: string, received: string) {
    super('tenant_mismatch', `The assertion is from Entra tenant ${received}, not from the connection's tenant ${expected}.`);
  }
}

/** Entra ID sent `groups.link` instead of the groups (more than 150 in a SAML token). */
export class GroupsOverage extends SignInRefused {
  constructor() {
    super('groups_overage', 'The identity provider left the groups out of the assertion (more groups than a token carries) and sent a link to fetch them instead.');
  }
}
