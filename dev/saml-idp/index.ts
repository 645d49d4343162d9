/**
 * A local SAML 2.0 identity provider for tests and the local demo: it builds Okta-shaped
 * `<saml2p:Response>` documents and signs them with xml-crypto (RSA-SHA256, exclusive c14n,
 * enveloped signature) using a key generated at start. `saml-idp` from npm cannot be installed
 * here (`docs/reference/local-emulation.md` §5), so this is the stand-in.
 *
 * The shape follows what Okta sends for an OIN SAML app (`docs/reference/okta-protocols.md` §6): the
 * Issuer is the IdP entity id, Recipient and Destination are the ACS URL, the Audience is the SP
 * entity id, and the Response and the Assertion are signed independently (either, or both).
 *
 * `flavor: 'entra'` plays a Microsoft Entra ID enterprise application instead: the issuer is
 * `https://sts.windows.net/{tenant id}/`, the SSO URL `https://login.microsoftonline.com/{tid}/saml2`,
 * only the assertion is signed (Entra's default "Sign SAML assertion"), and `entraUser` gives the
 * persistent NameID and the claim-URI attributes Entra sends (`tenantid`, `objectidentifier`,
 * `emailaddress`, `name` = the UPN, `givenname`, `surname`, `displayname`, `groups` as object ids).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { generateSigningKeyPair, type SigningKeyPair } from './keys.js';

export { generateSigningKeyPair, type SigningKeyPair } from './keys.js';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** Entra ID's SAML claim URIs (the "SAML token claims reference" of the Microsoft identity platform). */
export const ENTRA_CLAIM = {
  tenantId: 'http://schemas.microsoft.com/identity/claims/tenantid',
  objectId: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
  identityProvider: 'http://schemas.microsoft.com/identity/claims/identityprovider',
  authnMethods: 'http://schemas.microsoft.com/claims/authnmethodsreferences',
  groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
  groupsLink: 'http://schemas.microsoft.com/claims/groups.link',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  givenName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  surname: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
} as const;

/** Who an Entra-style response is about. */
export interface EntraUser {
  /** `user.mail`; absent for a user without a mailbox (then only the UPN names them). */
  readonly email?: string;
  /** `user.userprincipalname`, sent as the `name` claim; default the e-mail. */
  readonly upn?: string;
  readonly givenName?: string;
  readonly surname?: string;
  readonly displayName?: string;
  /** Group object ids (Entra sends ids, not names, unless told otherwise). */
  readonly groups?: readonly string[];
  /** Send `groups.link` instead of the groups (more than 150 groups: the overage form). */
  readonly groupsOverage?: boolean;
  /** The user's object id; default derived from the UPN. */
  readonly objectId?: string;
}
export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

/** Which element(s) carry an enveloped signature. */
export type SignTarget = 'assertion' | 'response' | 'both' | 'none';

const SIGNATURE_ALGORITHMS = {
  sha256: { signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', digest: 'http://www.w3.org/2001/04/xmlenc#sha256' },
  sha1: { signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digest: 'http://www.w3.org/2000/09/xmldsig#sha1' },
} as const;

/** Options of one SAML Response. Times default to an assertion valid from now-1 min to now+5 min. */
export interface BuildResponseOptions {
  /** The SP's ACS URL: Destination and Recipient (Okta's "Single sign-on URL"). */
  readonly acsUrl: string;
  /** The SP entity id (Okta's "Audience URI"). */
  readonly audience: string;
  readonly nameId: string;
  /** Default emailAddress (seed 001: "Name ID format: EmailAddress"). */
  readonly nameIdFormat?: string;
  /** Attribute statements, e.g. `{email, firstName, lastName, groups: [...]}`. */
  readonly attributes?: Readonly<Record<string, string | readonly string[]>>;
  /** The AuthnRequest ID for SP-initiated logins; absent for IdP-initiated ones. */
  readonly inResponseTo?: string;
  readonly notBefore?: Date;
  readonly notOnOrAfter?: Date;
  /** Default now. */
  readonly issueInstant?: Date;
  readonly sign: SignTarget;
  /** Default sha256; sha1 exists to prove the SP refuses it. */
  readonly signatureAlgorithm?: keyof typeof SIGNATURE_ALGORITHMS;
  /** Overrides (to build wrong responses on purpose). */
  readonly issuer?: string;
  readonly destination?: string | null;
  readonly recipient?: string;
  readonly assertionId?: string;
  readonly responseId?: string;
  /** A non-success top-level status code (then no assertion is included). */
  readonly statusCode?: string;
  readonly statusMessage?: string;
  /** Signs with this key instead of the IdP's own (a "wrong certificate"). */
  readonly signingKey?: SigningKeyPair;
}

/** What `parseAuthnRequest` reads from an SP's HTTP-Redirect AuthnRequest. */
export interface ParsedAuthnRequest {
  readonly id: string;
  readonly issuer: string;
  readonly acsUrl: string | undefined;
  readonly destination: string | undefined;
  readonly nameIdFormat: string | undefined;
  readonly forceAuthn: boolean;
  readonly relayState: string | undefined;
}

/** A running local IdP. */
export interface SamlIdp {
  readonly entityId: string;
  readonly ssoUrl: string;
  readonly certificatePem: string;
  /** Its key pair (tests sign tampered documents with it). */
  readonly keys: SigningKeyPair;
  readonly flavor: 'okta' | 'entra';
  /** Entra: the tenant id of the issuer. */
  readonly tenantId: string | undefined;
  /**
   * IdP metadata (SAML metadata §2.4.3): entity id, signing certificate(s) and SSO endpoints, as
   * Okta's "Identity Provider metadata" link and Entra's "App Federation Metadata Url" serve it.
   * `certificates` overrides the advertised certificates (a rotation in progress).
   */
  metadataXml(opts?: { certificates?: readonly string[] }): string;
  /** The NameID and claim-URI attributes Entra sends for `user` (persistent, pairwise per app). */
  entraUser(user: EntraUser): Pick<BuildResponseOptions, 'nameId' | 'nameIdFormat' | 'attributes'>;
  /** The signed Response, base64-encoded as the HTTP-POST binding sends it (`SAMLResponse`). */
  buildResponse(opts: BuildResponseOptions): string;
  /** The same Response as XML text. */
  buildResponseXml(opts: BuildResponseOptions): string;
  /** Signs an element of an XML document (`xpath` selects it) the way `buildResponse` does. */
  signElement(xml: string, xpath: string, opts?: { signingKey?: SigningKeyPair; signatureAlgorithm?: keyof typeof SIGNATURE_ALGORITHMS }): string;
  /** Decodes an SP's HTTP-Redirect sign-in URL (`SAMLRequest`, deflated and base64-encoded). */
  parseAuthnRequest(redirectUrl: string): ParsedAuthnRequest;
  /**
   * Answers an SP-initiated sign-in like Okta: reads the AuthnRequest from the redirect URL and
   * returns the form the browser would POST to the ACS.
   */
  respondTo(redirectUrl: string, user: Omit<BuildResponseOptions, 'acsUrl' | 'inResponseTo' | 'sign'> & { sign?: SignTarget; acsUrl?: string }): {
    acsUrl: string;
    form: URLSearchParams;
    request: ParsedAuthnRequest;
  };
}

/** Options of `createSamlIdp`. */
export interface SamlIdpOptions {
  /** Which IdP to play; default `okta`. */
  readonly flavor?: 'okta' | 'entra';
  /** Entra: the directory (tenant) id in the issuer; default a random UUID. */
  readonly tenantId?: string;
  /** Default `http://www.okta.com/exk<random>` (Okta) or `https://sts.windows.net/{tid}/` (Entra). */
  readonly entityId?: string;
  readonly ssoUrl?: string;
  /** Reuse a key pair (two IdP objects of one org, or a rotated key). */
  readonly keys?: SigningKeyPair;
}

/** Escapes text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Okta's ids look like `id` + digits; any NCName starting with a letter or `_` will do. */
export function samlId(): string {
  return `id${randomBytes(16).toString('hex')}`;
}

function iso(d: Date): string {
  return d.toISOString();
}

function attributeXml(name: string, value: string | readonly string[]): string {
  const values = typeof value === 'string' ? [value] : value;
  const vals = values
    .map(
      (v) =>
        `<saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">${xmlEscape(v)}</saml2:AttributeValue>`,
    )
    .join('');
  return `<saml2:Attribute Name="${xmlEscape(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified">${vals}</saml2:Attribute>`;
}

/** XPath of the Response's Assertion and of the Response itself. */
export const XPATH = {
  response: "/*[local-name(.)='Response']",
  assertion: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']",
} as const;

/**
 * Signs the element `xpath` selects with an enveloped signature placed right after its `Issuer`
 * child, where the SAML schema wants it (SAML core §5.4.1 and the schema's sequence order).
 */
export function signXmlElement(
  xml: string,
  xpath: string,
  key: SigningKeyPair,
  algorithm: keyof typeof SIGNATURE_ALGORITHMS = 'sha256',
): string {
  const alg = SIGNATURE_ALGORITHMS[algorithm];
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: alg.signature,
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath,
    digestAlgorithm: alg.digest,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${xpath}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

/** Builds the unsigned Response text. */
export function buildUnsignedResponseXml(entityId: string, opts: BuildResponseOptions, now = new Date()): string {
  const issueInstant = opts.issueInstant ?? now;
  const notBefore = opts.notBefore ?? new Date(now.getTime() - 60_000);
  const notOnOrAfter = opts.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000);
  const issuer = xmlEscape(opts.issuer ?? entityId);
  const responseId = opts.responseId ?? samlId();
  const assertionId = opts.assertionId ?? samlId();
  const destination = opts.destination === undefined ? opts.acsUrl : opts.destination;
  const inResponseTo = opts.inResponseTo ? ` InResponseTo="${xmlEscape(opts.inResponseTo)}"` : '';
  const statusCode = opts.statusCode ?? STATUS_SUCCESS;
  const status =
    `<saml2p:Status><saml2p:StatusCode Value="${xmlEscape(statusCode)}"/>` +
    (opts.statusMessage ? `<saml2p:StatusMessage>${xmlEscape(opts.statusMessage)}</saml2p:StatusMessage>` : '') +
    `</saml2p:Status>`;
  const attributes = Object.entries(opts.attributes ?? {});
  const assertion =
    statusCode !== STATUS_SUCCESS
      ? ''
      : `<saml2:Assertion xmlns:saml2="${NS.assertion}" ID="${assertionId}" IssueInstant="${iso(issueInstant)}" Version="2.0">` +
        `<saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">${issuer}</saml2:Issuer>` +
        `<saml2:Subject>` +
        `<saml2:NameID Format="${xmlEscape(opts.nameIdFormat ?? NAMEID_EMAIL)}">${xmlEscape(opts.nameId)}</saml2:NameID>` +
        `<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
        `<saml2:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${iso(notOnOrAfter)}" Recipient="${xmlEscape(opts.recipient ?? opts.acsUrl)}"/>` +
        `</saml2:SubjectConfirmation>` +
        `</saml2:Subject>` +
        `<saml2:Conditions NotBefore="${iso(notBefore)}" NotOnOrAfter="${iso(notOnOrAfter)}">` +
        `<saml2:AudienceRestriction><saml2:Audience>${xmlEscape(opts.audience)}</saml2:Audience></saml2:AudienceRestriction>` +
        `</saml2:Conditions>` +
        `<saml2:AuthnStatement AuthnInstant="${iso(issueInstant)}" SessionIndex="${samlId()}">` +
        `<saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext>` +
        `</saml2:AuthnStatement>` +
        (attributes.length > 0 ? `<saml2:AttributeStatement>${attributes.map(([n, v]) => attributeXml(n, v)).join('')}</saml2:AttributeStatement>` : '') +
        `</saml2:Assertion>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<saml2p:Response xmlns:saml2p="${NS.protocol}"${destination !== null ? ` Destination="${xmlEscape(destination)}"` : ''} ID="${responseId}"${inResponseTo} IssueInstant="${iso(issueInstant)}" Version="2.0">` +
    `<saml2:Issuer xmlns:saml2="${NS.assertion}" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">${issuer}</saml2:Issuer>` +
    status +
    assertion +
    `</saml2p:Response>`
  );
}

function firstElement(doc: Document, ns: string, local: string): Element | undefined {
  return doc.getElementsByTagNameNS(ns, local)[0] ?? undefined;
}

/** Decodes a deflated, base64-encoded HTTP-Redirect `SAMLRequest` (SAML bindings §3.4.4.1). */
export function parseAuthnRequest(redirectUrl: string): ParsedAuthnRequest {
  const url = new URL(redirectUrl);
  const encoded = url.searchParams.get('SAMLRequest');
  if (!encoded) throw new Error('The redirect URL carries no SAMLRequest');
  const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const req = doc.documentElement;
  if (!req || req.localName !== 'AuthnRequest' || req.namespaceURI !== NS.protocol) throw new Error('Not an AuthnRequest');
  const id = req.getAttribute('ID');
  if (!id) throw new Error('The AuthnRequest has no ID');
  const issuer = firstElement(doc, NS.assertion, 'Issuer')?.textContent ?? '';
  const policy = firstElement(doc, NS.protocol, 'NameIDPolicy');
  return {
    id,
    issuer,
    acsUrl: req.getAttribute('AssertionConsumerServiceURL') ?? undefined,
    destination: req.getAttribute('Destination') ?? undefined,
    nameIdFormat: policy?.getAttribute('Format') ?? undefined,
    forceAuthn: req.getAttribute('ForceAuthn') === 'true',
    relayState: url.searchParams.get('RelayState') ?? undefined,
  };
}

/**
 * Starts a local SAML IdP with a fresh key pair (about 0.2–1 s: RSA key generation). Create one per
 * test file and reuse it; pass `keys` to share a key between two IdP objects.
 */
export async function createSamlIdp(opts: SamlIdpOptions = {}): Promise<SamlIdp> {
  const flavor = opts.flavor ?? 'okta';
  const keys = opts.keys ?? (await generateSigningKeyPair(flavor === 'entra' ? 'Microsoft Azure Federated SSO Certificate' : 'local-saml-idp'));
  const tenantId = flavor === 'entra' ? (opts.tenantId ?? randomUUID()) : undefined;
  const entityId = opts.entityId ?? (flavor === 'entra' ? `https://sts.windows.net/${tenantId}/` : `http://www.okta.com/exk${randomBytes(8).toString('hex')}`);
  const ssoUrl =
    opts.ssoUrl ?? (flavor === 'entra' ? `https://login.microsoftonline.com/${tenantId}/saml2` : `https://local-idp.example/app/${randomBytes(4).toString('hex')}/sso/saml`);
  // Entra signs the assertion only by default; Okta's OIN apps sign both here.
  const defaultSign: SignTarget = flavor === 'entra' ? 'assertion' : 'both';

  const buildResponseXml = (o: BuildResponseOptions): string => {
    let xml = buildUnsignedResponseXml(entityId, o);
    const key = o.signingKey ?? keys;
    const alg = o.signatureAlgorithm ?? 'sha256';
    const hasAssertion = (o.statusCode ?? STATUS_SUCCESS) === STATUS_SUCCESS;
    // The assertion first: a Response signature then covers the signed assertion, as Okta does.
    if ((o.sign === 'assertion' || o.sign === 'both') && hasAssertion) xml = signXmlElement(xml, XPATH.assertion, key, alg);
    if (o.sign === 'response' || o.sign === 'both') xml = signXmlElement(xml, XPATH.response, key, alg);
    return xml;
  };

  return {
    entityId,
    ssoUrl,
    certificatePem: keys.certificatePem,
    keys,
    flavor,
    tenantId,
    metadataXml: (o = {}) => idpMetadataXml(entityId, ssoUrl, o.certificates ?? [keys.certificatePem]),
    entraUser: (u) => entraAssertionFields(tenantId ?? randomUUID(), entityId, u),
    buildResponseXml,
    buildResponse: (o) => Buffer.from(buildResponseXml(o), 'utf8').toString('base64'),
    signElement: (xml, xpath, o = {}) => signXmlElement(xml, xpath, o.signingKey ?? keys, o.signatureAlgorithm),
    parseAuthnRequest,
    respondTo(redirectUrl, user) {
      const request = parseAuthnRequest(redirectUrl);
      const acsUrl = user.acsUrl ?? request.acsUrl;
      if (!acsUrl) throw new Error('The AuthnRequest names no ACS URL; pass acsUrl');
      const SAMLResponse = Buffer.from(
        buildResponseXml({ ...user, acsUrl, inResponseTo: request.id, sign: user.sign ?? defaultSign }),
        'utf8',
      ).toString('base64');
      const form = new URLSearchParams({ SAMLResponse });
      if (request.relayState !== undefined) form.set('RelayState', request.relayState);
      return { acsUrl, form, request };
    },
  };
}

/** Base64 body of a PEM certificate, as metadata's `ds:X509Certificate` carries it. */
function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

/** IdP metadata of an entity: signing KeyDescriptors and the HTTP-Redirect and HTTP-POST SSO endpoints. */
export function idpMetadataXml(entityId: string, ssoUrl: string, certificates: readonly string[]): string {
  const keys = certificates
    .map(
      (pem) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="${NS.dsig}"><ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${xmlEscape(entityId)}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    keys +
    `<md:NameIDFormat>${NAMEID_EMAIL}</md:NameIDFormat><md:NameIDFormat>${NAMEID_PERSISTENT}</md:NameIDFormat>` +
    `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${xmlEscape(ssoUrl)}"/>` +
    `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${xmlEscape(ssoUrl)}"/>` +
    `</md:IDPSSODescriptor></md:EntityDescriptor>`
  );
}

/**
 * Entra's NameID and claims for a user. The persistent NameID is pairwise (per IdP entity and
 * user, like Entra's per-app persistent identifier), never an e-mail address.
 */
export function entraAssertionFields(tenantId: string, entityId: string, u: EntraUser): Pick<BuildResponseOptions, 'nameId' | 'nameIdFormat' | 'attributes'> {
  const upn = u.upn ?? u.email ?? 'user@contoso.onmicrosoft.com';
  const objectId = u.objectId ?? uuidFrom(`oid:${tenantId}:${upn}`);
  const nameId = createHash('sha256').update(`${entityId}|${objectId}`).digest('base64url').slice(0, 43);
  const attributes: Record<string, string | readonly string[]> = {
    [ENTRA_CLAIM.tenantId]: tenantId,
    [ENTRA_CLAIM.objectId]: objectId,
    [ENTRA_CLAIM.identityProvider]: `https://sts.windows.net/${tenantId}/`,
    [ENTRA_CLAIM.authnMethods]: 'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password',
    [ENTRA_CLAIM.name]: upn,
    ...(u.email ? { [ENTRA_CLAIM.email]: u.email } : {}),
    ...(u.givenName ? { [ENTRA_CLAIM.givenName]: u.givenName } : {}),
    ...(u.surname ? { [ENTRA_CLAIM.surname]: u.surname } : {}),
    ...(u.displayName ? { [ENTRA_CLAIM.displayName]: u.displayName } : {}),
    ...(u.groupsOverage
      ? { [ENTRA_CLAIM.groupsLink]: `https://graph.windows.net/${tenantId}/users/${objectId}/getMemberObjects` }
      : u.groups && u.groups.length > 0
        ? { [ENTRA_CLAIM.groups]: u.groups }
        : {}),
  };
  return { nameId, nameIdFormat: NAMEID_PERSISTENT, attributes };
}

/** A stable UUID-shaped id from a seed (object ids of the stand-in's users). */
function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
