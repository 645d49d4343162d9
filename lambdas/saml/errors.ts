import { ApiError } from '../core/errors.js';

/**
 * Why a SAML sign-in was refused. Each refusal is named after its cause (the seed's
 * troubleshooting tables) and carries the fix an admin applies, so the page the user sees, the
 * test-login report and the audit record all say the same thing.
 */
export class SamlRefusal extends ApiError {
  /** What to do about it, in the words of the IdP's admin console. */
  readonly fix: string;

  constructor(status: number, code: string, message: string, fix: string, options?: { cause?: unknown }) {
    super(status, code, message, options);
    this.fix = fix;
  }
}

const CLOCK_FIX =
  'Sign in again. If it keeps happening, the clock of the IdP or of this server is off by more than 3 minutes.';

/** The workspace does not exist in this region (or the id is not a workspace id). */
export class WorkspaceNotFound extends SamlRefusal {
  constructor(teamId: string) {
    super(
      404,
      'workspace_not_found',
      `Workspace ${teamId} does not exist in this region.`,
      'Check the workspace id in the SAML URLs, and that the Okta app uses the URLs of the workspace\'s region.',
    );
  }
}

export class SamlNotConfigured extends SamlRefusal {
  constructor() {
    super(
      404,
      'saml_not_configured',
      'SAML single sign-on is not set up for this workspace.',
      'A workspace admin pastes the Identity Provider Single Sign-On URL, Issuer and X.509 certificate from Okta (Sign On tab → View SAML setup instructions) into the workspace\'s SAML settings.',
    );
  }
}

export class MissingSamlResponse extends SamlRefusal {
  constructor() {
    super(
      400,
      'missing_saml_response',
      'The request carries no SAMLResponse form field.',
      'The ACS URL only accepts the HTTP-POST binding from the IdP. Start the sign-in from the app or the Okta dashboard.',
    );
  }
}

export class SamlPayloadTooLarge extends SamlRefusal {
  constructor(limit: number) {
    super(413, 'payload_too_large', `The SAML response exceeds ${limit} bytes.`, 'Send fewer groups in the groups attribute statement (seed 001: filter Starts with your prefix).');
  }
}

export class MalformedResponse extends SamlRefusal {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(400, 'malformed_response', `The SAMLResponse is not a well-formed SAML 2.0 Response: ${detail}.`, 'Send a SAML 2.0 Response with the HTTP-POST binding (Okta does this by default).', options);
  }
}

export class IdpError extends SamlRefusal {
  constructor(status: string, message: string | undefined) {
    super(
      403,
      'idp_error',
      `The IdP answered with status ${status}${message ? `: ${message}` : ''}.`,
      'In Okta, check that the user is assigned to the app (Assignments → Assign → People or Groups) and can sign in to it.',
    );
  }
}

export class UnsignedResponse extends SamlRefusal {
  constructor() {
    super(
      403,
      'unsigned_response',
      'Neither the SAML Response nor its Assertion is signed.',
      'In Okta → Sign On → SAML settings → Advanced, set Response and/or Assertion Signature to Signed (RSA-SHA256).',
    );
  }
}

/** Seed 001, troubleshooting: "Test login fails invalid_signature — Okta has rotated — re-fetch". */
export class InvalidSignature extends SamlRefusal {
  constructor(options?: { cause?: unknown }) {
    super(
      403,
      'invalid_signature',
      'The signature does not verify with the X.509 certificate(s) configured for this workspace; Okta may have rotated its signing certificate.',
      'Re-fetch the X.509 certificate from Okta → Sign On tab (View SAML setup instructions) and paste it into the workspace\'s SAML settings.',
      options,
    );
  }
}

/** The structure only a forged document has: several assertions, duplicate ids, a detached signature. */
export class SignatureWrapping extends SamlRefusal {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      403,
      'signature_wrapping',
      `The signed content of the response is not what it presents (${detail}); refused as an XML signature wrapping attempt.`,
      'None on your side: an IdP never sends this. Contact support with the request id if it persists.',
      options,
    );
  }
}

export class WeakSignatureAlgorithm extends SamlRefusal {
  constructor(algorithm: string) {
    super(
      403,
      'weak_signature_algorithm',
      `The response is signed with ${algorithm}; only SHA-256 or stronger is accepted.`,
      'In Okta → Sign On → SAML settings → Advanced, set Signature Algorithm to RSA-SHA256 and Digest Algorithm to SHA256.',
    );
  }
}

export class IssuerMismatch extends SamlRefusal {
  constructor(expected: string, received: string | undefined) {
    super(
      403,
      'issuer_mismatch',
      `The assertion was issued by ${received ?? '(no issuer)'}, not by the configured IdP ${expected}.`,
      'Copy the Identity Provider Issuer from Okta → Sign On tab → View SAML setup instructions into the workspace\'s SAML settings.',
    );
  }
}

export class DestinationMismatch extends SamlRefusal {
  constructor(acsUrl: string, received: string) {
    super(
      403,
      'destination_mismatch',
      `The response was sent to ${received}, not to this workspace's ACS URL ${acsUrl}.`,
      `In Okta, set Single sign-on URL to ${acsUrl} (the workspace's region; do not mix US and EU URLs).`,
    );
  }
}

export class RecipientMismatch extends SamlRefusal {
  constructor(acsUrl: string, received: readonly string[]) {
    super(
      403,
      'recipient_mismatch',
      `The assertion's bearer Recipient is ${received.length ? received.join(', ') : '(none)'}, not this workspace's ACS URL ${acsUrl}.`,
      `In Okta, set Single sign-on URL (and Recipient URL) to ${acsUrl}.`,
    );
  }
}

export class AudienceMismatch extends SamlRefusal {
  constructor(expected: string, received: readonly string[]) {
    super(
      403,
      'audience_mismatch',
      `The assertion is meant for ${received.length ? received.join(', ') : '(no audience)'}, not for this workspace (${expected}).`,
      `In Okta, set Audience URI (SP Entity ID) to ${expected}.`,
    );
  }
}

export class Expired extends SamlRefusal {
  constructor(notOnOrAfter: string) {
    super(403, 'expired', `The assertion expired at ${notOnOrAfter}.`, CLOCK_FIX);
  }
}

export class NotYetValid extends SamlRefusal {
  constructor(notBefore: string) {
    super(403, 'not_yet_valid', `The assertion is not valid before ${notBefore}.`, CLOCK_FIX);
  }
}

export class UnknownRequest extends SamlRefusal {
  constructor(requestId: string) {
    super(
      403,
      'unknown_request',
      `The response answers sign-in request ${requestId}, which this workspace did not start, which expired, or which was already completed.`,
      'Start the sign-in again from the app.',
    );
  }
}

export class InResponseToMismatch extends SamlRefusal {
  constructor() {
    super(
      403,
      'in_response_to_mismatch',
      'The Response and its Assertion answer different sign-in requests.',
      'Start the sign-in again from the app.',
    );
  }
}

export class IdpInitiatedDisabled extends SamlRefusal {
  constructor() {
    super(
      403,
      'idp_initiated_disabled',
      'This workspace accepts only sign-ins started from the app (SP-initiated); this one was started at the IdP.',
      'Start the sign-in from the app, or allow IdP-initiated sign-in in the workspace\'s SAML settings.',
    );
  }
}

export class ReplayedAssertion extends SamlRefusal {
  constructor(assertionId: string) {
    super(
      403,
      'replayed_assertion',
      `Assertion ${assertionId} was already used; a SAML assertion signs in once.`,
      'Start a new sign-in from the app or the Okta dashboard.',
    );
  }
}

export class InvalidRelayState extends SamlRefusal {
  constructor() {
    super(
      400,
      'invalid_relay_state',
      'The RelayState is not a path of the app; refusing to redirect there.',
      'In Okta, leave Default RelayState blank, or set it to a path of the app such as /projects.',
    );
  }
}

/**
 * An unsolicited (IdP-initiated) response asks to land on a page of the bridge itself (`/admin`,
 * the SCIM OAuth consent). Nothing ties such a response to the browser that posts it, so accepting
 * it would let anyone holding a signed response for their own account log a victim's browser into
 * the admin portal under that account (login CSRF, review #21). Those pages are reached through
 * SP-initiated sign-in, whose stored request binds the destination.
 */
export class UnsolicitedBridgeDestination extends SamlRefusal {
  constructor() {
    super(
      403,
      'unsolicited_bridge_destination',
      'A sign-in started at the IdP cannot land on a page of the sign-in bridge (such as /admin); only sign-ins started here can.',
      'Open the admin page from its own sign-in link (it starts the sign-in here), and in Okta leave Default RelayState blank or set it to a path of the app.',
    );
  }
}

export class InvalidReturnTo extends SamlRefusal {
  constructor() {
    super(400, 'invalid_return_to', 'return_to must be a path of the app, such as /projects/42.', 'Link to the sign-in with a relative path of the app.');
  }
}

export class UnsupportedNameIdFormat extends SamlRefusal {
  constructor(format: string | undefined, value: string | undefined) {
    super(
      403,
      'unsupported_name_id_format',
      `The NameID ${value ? `"${value}" ` : ''}has format ${format ?? '(none)'}; an email address is required.`,
      'In Okta → SAML settings, set Name ID format to EmailAddress and Application username to Email.',
    );
  }
}

export class MissingEmail extends SamlRefusal {
  constructor() {
    super(
      403,
      'missing_email',
      'The assertion carries no usable email address (NameID or the email attribute).',
      'In Okta, add the attribute statement email = user.email and set Name ID format to EmailAddress.',
    );
  }
}
