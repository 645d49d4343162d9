import type { Config } from '../platform/config.js';
import type { ProviderPreset } from '../core/model/connection.js';
import { AppError } from '../core/errors.js';

/**
 * What a refusal's fix may name beyond the configuration: the SP URLs of the connection the
 * response was meant for (a SAML connection's own ACS URL and entity id), and the IdP's preset, so
 * the fix uses that vendor's field names.
 */
export interface RefusalHints {
  readonly acsUrl?: string;
  readonly entityId?: string;
  readonly preset?: ProviderPreset;
}

type Fix = (c: Config, h: RefusalHints) => string;

/** `okta` and the default: the Okta admin console's words; `entra`: the Entra admin center's. */
const entra = (h: RefusalHints) => h.preset === 'entra';
const samlApp = (h: RefusalHints) => (entra(h) ? 'In Entra ID (Enterprise applications → the app → Single sign-on)' : 'In Okta');
const CLOCK_FIX: Fix = () => 'Sign in again. If it keeps happening, the clock of the IdP or of this server is off by more than 3 minutes.';

/**
 * Every way a sign-in can be refused, OIDC and SAML alike, with what the user is told to do about
 * it: the single catalogue the refusal page (`page.ts`), the SAML test-login report and the audit
 * record read. The fixes come from the seeds' troubleshooting tables (000: "Users can authenticate
 * in Okta but cannot enter", "The OIDC callback fails", mixed US/EU URLs; 001: `invalid_signature`
 * after certificate rotation, users not assigned, the SAML checks; 003: unverified email). Codes
 * and statuses are stable: support and tests rely on them.
 */
export const REFUSALS = {
  sign_in_disabled: {
    status: 403,
    title: 'Okta sign-in is turned off for this workspace',
    fix: (_c, h) =>
      h.preset && h.preset !== 'okta'
        ? "A workspace admin can turn on sign-in for this connection on the admin page's Connections tab."
        : 'A workspace admin can turn on "Enable Okta sign-in" for the Okta connection (admin page → Connections → Okta) and save it.',
  },
  okta_not_configured: {
    status: 409,
    title: 'Single sign-on is not set up for this workspace',
    fix: () => 'A workspace admin must add a connection (admin page → Connections: for Okta the Okta domain, Client ID and Client secret) and save it first.',
  },
  user_not_provisioned: {
    status: 403,
    title: 'Your account is not provisioned in this workspace',
    fix: (_c, h) =>
      entra(h)
        ? "Assign the user to the enterprise application in Entra ID (Users and groups) and let provisioning create the account, or turn on Just-in-time provisioning for this connection on the admin page's Connections tab."
        : 'Confirm the user is assigned to the Okta app and is provisioned (Okta: Provisioning > Push New Users), or that Just-in-time provisioning is enabled for the connection (admin page → Connections).',
  },
  user_not_assigned: {
    status: 403,
    title: 'You are not assigned to this application in Okta',
    fix: (_c, h) =>
      entra(h)
        ? 'In the Entra admin center open Enterprise applications > the app > Users and groups, add the user (or a group of theirs), and sign in again.'
        : 'In the Okta Admin console open the app, then Assignments > Assign > People or Groups, assign the user, and sign in again.',
  },
  user_deactivated: {
    status: 403,
    title: 'Your account in this workspace is deactivated',
    fix: () =>
      'Okta provisioning deactivated this account (the user was unassigned or deactivated in Okta). An Okta admin can assign the user to the app again; provisioning then reactivates the account.',
  },
  user_ambiguous: {
    status: 409,
    title: 'Several accounts in this workspace match your email address',
    fix: () => 'A workspace admin must remove the duplicate account, or provision the user through Okta so that the accounts are linked by Okta user id.',
  },
  email_missing: {
    status: 400,
    title: 'Okta did not send an email address',
    fix: () => 'Make sure the Okta user has a primary email and that the app requests the "openid email profile" scopes (SAML: the "email" attribute statement).',
  },
  unknown_issuer: {
    status: 400,
    title: 'This Okta org is not connected to any workspace in this region',
    fix: (c: Config) =>
      `Check the Okta domain of the workspace's Okta connection (admin page → Connections), and use the URLs of the workspace's own region (this is the ${c.REGION_ID.toUpperCase()} region): do not mix US and EU URLs in the same Okta app instance.`,
  },
  ambiguous_issuer: {
    status: 400,
    // Several workspaces use the org, or none has proven its claim yet (review #20): either way the org alone names no workspace.
    title: 'This Okta org does not name one workspace',
    fix: (c: Config) =>
      `Set the Okta app's Initiate login URI to name the workspace: ${c.API_URL}/api/okta/oidc/login?team_id={app.team_id} (with the team_id tenant setting).`,
  },
  workspace_not_found: {
    status: 404,
    title: 'This workspace does not exist in this region',
    fix: (c: Config) =>
      `Use the setup URLs of the workspace's region (this is the ${c.REGION_ID.toUpperCase()} region): do not mix US and EU URLs in the same Okta app instance, and check the team_id tenant setting in Okta.`,
  },
  unknown_email_domain: {
    status: 404,
    title: 'No workspace signs in users of this email domain',
    fix: () => "Use your workspace's sign-in link, or ask a workspace admin to claim your email domain (admin page → Domains).",
  },
  missing_workspace: {
    status: 400,
    title: 'The sign-in link does not name a workspace',
    fix: () => 'Start sign-in with your work email, or from the Okta dashboard tile, or with a link that carries team_id.',
  },
  connection_not_found: {
    status: 404,
    title: 'This sign-in connection does not exist',
    fix: () => 'Use the sign-in link shown in the connection\'s setup values, or ask a workspace admin which connection to use.',
  },
  connection_disabled: {
    status: 403,
    title: 'Sign-in through this connection is turned off',
    fix: () => 'A workspace admin can turn sign-in on for this connection (admin page → Connections), or you can sign in through another connection of the workspace.',
  },
  choose_connection: {
    status: 409,
    title: 'Choose how to sign in',
    fix: () => 'This workspace signs in through several identity providers: start again from a link that names the connection, or with your work e-mail.',
  },
  tenant_mismatch: {
    status: 403,
    title: 'The ID token is from another Microsoft Entra tenant',
    fix: () => "Check the Directory (tenant) ID of the workspace's Entra connection: it must be the tenant of the app registration users sign in to.",
  },
  hosted_domain_mismatch: {
    status: 403,
    title: 'This Google account is not in the workspace\'s Google Workspace domain',
    fix: () => 'Sign in with your Google Workspace account of the domain the connection names, or ask an admin to correct the hosted domain.',
  },
  groups_overage: {
    status: 403,
    title: 'The identity provider sent too many groups to include them',
    fix: () => "Assign groups to the app (Entra: Token configuration > groups assigned to the application), or provision group memberships by SCIM.",
  },
  invalid_request: {
    status: 400,
    title: 'The sign-in request is malformed',
    fix: () => 'Start sign-in again from the app or from the Okta dashboard.',
  },
  invalid_return_to: {
    status: 400,
    title: 'The sign-in link points to a destination outside this service',
    fix: () => 'Start sign-in again from the app; links that send you elsewhere after sign-in are refused.',
  },
  invalid_state: {
    status: 400,
    title: 'This sign-in has expired or was already completed',
    fix: (c: Config) =>
      `Start sign-in again from the app. If it keeps failing, confirm the Okta app's Redirect URI exactly matches the region-specific callback URL: ${c.API_URL}/api/okta/oidc/callback.`,
  },
  browser_mismatch: {
    status: 400,
    title: 'Sign-in finished in a different browser than it started in',
    fix: () => 'Start sign-in again and finish it in the same browser window (cookies must be allowed for this site).',
  },
  redirect_uri_mismatch: {
    status: 400,
    title: 'The OIDC callback failed: redirect URI mismatch',
    fix: (c: Config) => `Confirm the Okta app's Redirect URI exactly matches the region-specific callback URL: ${c.API_URL}/api/okta/oidc/callback.`,
  },
  invalid_client: {
    status: 502,
    title: 'Okta rejected this workspace\'s client credentials',
    fix: () => "Copy the Client ID and Client secret again from the Okta app's General tab into the workspace's Okta connection (admin page → Connections) and save.",
  },
  invalid_id_token: {
    status: 502,
    title: 'The ID token from Okta failed validation',
    fix: () =>
      "Check that the Okta domain and Client ID of the workspace's Okta connection (admin page → Connections) belong to this Okta app. If Okta just rotated its signing keys, sign in again.",
  },
  invalid_signature: {
    // Seed 001, troubleshooting: "Test login fails invalid_signature — Okta has rotated — re-fetch".
    status: 403,
    title: 'The sign-in response has an invalid signature',
    fix: (_c, h) =>
      entra(h)
        ? 'Entra ID may have rotated its signing certificate: download Certificate (Base64) under Single sign-on → SAML Certificates into the connection, or make the connection from the App Federation Metadata Url so it follows rotations.'
        : "Re-fetch the X.509 certificate from Okta → Sign On tab (View SAML setup instructions) and paste it into the workspace's SAML settings.",
  },
  idp_unreachable: {
    status: 502,
    title: 'Okta could not be reached',
    fix: () => "Check the Okta domain of the workspace's Okta connection (admin page → Connections; for example acme.okta.com) and try again.",
  },
  idp_error: {
    // 403: the IdP refused (a SAML error status, an OAuth error at the redirect URI).
    status: 403,
    title: 'Okta refused the sign-in',
    fix: () => "The message above is Okta's. Fix the Okta app's settings it names, then sign in again.",
  },
  saml_not_configured: {
    status: 404,
    title: 'SAML single sign-on is not set up for this workspace',
    fix: () =>
      "A workspace admin pastes the Identity Provider Single Sign-On URL, Issuer and X.509 certificate from Okta (Sign On tab → View SAML setup instructions) into the workspace's SAML settings.",
  },
  missing_saml_response: {
    status: 400,
    title: 'The sign-in response is missing',
    fix: () => 'The ACS URL only accepts the HTTP-POST binding from the IdP. Start the sign-in from the app or the Okta dashboard.',
  },
  payload_too_large: {
    status: 413,
    title: 'The sign-in response is too large',
    fix: () => 'Send fewer groups in the groups attribute statement (seed 001: filter Starts with your prefix).',
  },
  malformed_response: {
    status: 400,
    title: 'The sign-in response is not a SAML 2.0 Response',
    fix: () => 'Send a SAML 2.0 Response with the HTTP-POST binding (Okta does this by default).',
  },
  unsigned_response: {
    status: 403,
    title: 'The sign-in response is not signed',
    fix: (_c, h) =>
      entra(h)
        ? 'In Entra ID → Single sign-on → SAML Certificates → Signing Option, choose Sign SAML assertion (or response and assertion) with SHA-256.'
        : 'In Okta → Sign On → SAML settings → Advanced, set Response and/or Assertion Signature to Signed (RSA-SHA256).',
  },
  signature_wrapping: {
    status: 403,
    title: 'The sign-in response was tampered with',
    fix: () => 'None on your side: an IdP never sends this. Contact support with the request id if it persists.',
  },
  weak_signature_algorithm: {
    status: 403,
    title: 'The sign-in response uses a weak signature algorithm',
    fix: (_c, h) =>
      entra(h)
        ? 'In Entra ID → Single sign-on → SAML Certificates, set Signing Algorithm to SHA-256.'
        : 'In Okta → Sign On → SAML settings → Advanced, set Signature Algorithm to RSA-SHA256 and Digest Algorithm to SHA256.',
  },
  issuer_mismatch: {
    status: 403,
    title: 'The sign-in response comes from another identity provider',
    fix: (_c, h) =>
      entra(h)
        ? 'Copy the Microsoft Entra Identifier (Single sign-on → Set up the app) into the connection, or make the connection from the App Federation Metadata Url.'
        : "Copy the Identity Provider Issuer from Okta → Sign On tab → View SAML setup instructions into the workspace's SAML settings.",
  },
  destination_mismatch: {
    status: 403,
    title: 'The sign-in response was sent to another address',
    fix: (c, h) =>
      entra(h)
        ? `${samlApp(h)} → Basic SAML Configuration, set Reply URL (Assertion Consumer Service URL) to ${h.acsUrl ?? 'the ACS URL of the connection'}.`
        : `In Okta, set Single sign-on URL to ${h.acsUrl ?? 'the ACS URL of the connection'} (the workspace's region, ${c.REGION_ID.toUpperCase()}; do not mix US and EU URLs).`,
  },
  recipient_mismatch: {
    status: 403,
    title: 'The sign-in assertion is addressed to another recipient',
    fix: (_c, h) =>
      entra(h)
        ? `${samlApp(h)} → Basic SAML Configuration, set Reply URL (Assertion Consumer Service URL) to ${h.acsUrl ?? 'the ACS URL of the connection'}.`
        : `In Okta, set Single sign-on URL (and Recipient URL) to ${h.acsUrl ?? 'the ACS URL of the connection'}.`,
  },
  audience_mismatch: {
    status: 403,
    title: 'The sign-in assertion is meant for another application',
    fix: (_c, h) =>
      entra(h)
        ? `${samlApp(h)} → Basic SAML Configuration, set Identifier (Entity ID) to ${h.entityId ?? 'the entity id of the connection'}.`
        : `In Okta, set Audience URI (SP Entity ID) to ${h.entityId ?? 'the entity id of the connection'}.`,
  },
  expired: {
    status: 403,
    title: 'The sign-in assertion has expired',
    fix: CLOCK_FIX,
  },
  not_yet_valid: {
    status: 403,
    title: 'The sign-in assertion is not valid yet',
    fix: CLOCK_FIX,
  },
  unknown_request: {
    status: 403,
    title: 'This sign-in was not started here, expired or was already completed',
    fix: () => 'Start the sign-in again from the app.',
  },
  in_response_to_mismatch: {
    status: 403,
    title: 'The sign-in response answers two different requests',
    fix: () => 'Start the sign-in again from the app.',
  },
  idp_initiated_disabled: {
    status: 403,
    title: 'Sign-in must start from the app',
    fix: () => "Start the sign-in from the app, or allow IdP-initiated sign-in in the workspace's SAML settings.",
  },
  replayed_assertion: {
    status: 403,
    title: 'This sign-in response was already used',
    fix: () => 'Start a new sign-in from the app or the Okta dashboard.',
  },
  invalid_relay_state: {
    status: 400,
    title: 'The sign-in response points to a destination outside the app',
    fix: () => 'In Okta, leave Default RelayState blank, or set it to a path of the app such as /projects.',
  },
  unsolicited_bridge_destination: {
    // Login CSRF into the admin portal (review #21): see lambdas/saml/checks/relay-state.ts.
    status: 403,
    title: 'A sign-in started at the identity provider cannot open this page',
    fix: () =>
      'Open the admin page from its own sign-in link (it starts the sign-in here), and in Okta leave Default RelayState blank or set it to a path of the app.',
  },
  unsupported_name_id_format: {
    status: 403,
    title: 'The sign-in assertion does not name the user by email address',
    fix: (_c, h) =>
      entra(h)
        ? 'In Entra ID → Single sign-on → Attributes & Claims, send the emailaddress claim (user.mail), or a persistent Name identifier with it.'
        : 'In Okta → SAML settings, set Name ID format to EmailAddress and Application username to Email.',
  },
  missing_email: {
    status: 403,
    title: 'The sign-in assertion carries no email address',
    fix: (_c, h) =>
      entra(h)
        ? 'In Entra ID → Single sign-on → Attributes & Claims, keep the emailaddress claim (http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress = user.mail) and give the user a mail address.'
        : 'In Okta, add the attribute statement email = user.email and set Name ID format to EmailAddress.',
  },
  throttled: {
    status: 429,
    title: 'Too many sign-ins at once',
    fix: () => 'Try again in a few seconds; nothing was changed.',
  },
  storage_unavailable: {
    status: 503,
    title: 'Sign-in is temporarily unavailable',
    fix: () => 'Our storage is briefly unreachable. Try again in a few seconds; nothing was changed.',
  },
  server_error: {
    status: 500,
    title: 'Sign-in failed because of an internal error',
    fix: () => 'Try again in a moment. If it keeps failing, contact support with the request id below.',
  },
} as const satisfies Record<string, { status: number; title: string; fix: Fix }>;

export type RefusalCode = keyof typeof REFUSALS;

/** Who a refused sign-in was about, as far as it is known. */
export interface RefusalSubject {
  readonly teamId?: string;
  readonly protocol?: 'oidc' | 'saml';
  /** The connection the sign-in went through (`okta`, `saml`, or a generated id). */
  readonly connectionId?: string;
  readonly issuer?: string;
  readonly subject?: string;
  readonly email?: string;
  readonly userId?: string;
}

/**
 * A refused sign-in. Thrown by the checks of both protocols and the core; rendered once, as an
 * HTML page naming cause and fix (`page.ts`), and audited in the workspace's trail when the
 * workspace is known (`refuse.ts`).
 */
export class SignInRefused extends AppError {
  readonly refusal: RefusalCode;
  readonly about: RefusalSubject;
  readonly hints: RefusalHints;

  constructor(refusal: RefusalCode, detail: string, about: RefusalSubject = {}, options?: { cause?: unknown; hints?: RefusalHints }) {
    super(REFUSALS[refusal].status, refusal, detail, options);
    this.refusal = refusal;
    this.about = about;
    this.hints = options?.hints ?? {};
  }

  /** The page is ours and says only what the user may know, whatever the status. */
  override get expose(): boolean {
    return this.refusal !== 'server_error';
  }

  /** The catalogue's title. */
  get title(): string {
    return REFUSALS[this.refusal].title;
  }

  /** What to do about it, in the words of the IdP's admin console. */
  fix(config: Config): string {
    return REFUSALS[this.refusal].fix(config, this.hints);
  }

  /** A copy that also knows more about who was refused and what the fix may name (known values win). */
  with(about: RefusalSubject, hints: RefusalHints = {}): SignInRefused {
    const known = Object.fromEntries(Object.entries(this.about).filter(([, v]) => v !== undefined));
    return new SignInRefused(this.refusal, this.message, { ...about, ...known }, { cause: this.cause, hints: { ...hints, ...this.hints } });
  }
}
