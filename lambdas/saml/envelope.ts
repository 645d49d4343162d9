import { DOMParser } from '@xmldom/xmldom';
import { MalformedResponse } from './errors.js';

/** SAML 2.0 and XML-DSig namespaces (SAML core §1.2). */
export const SAML_NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

/** The top-level StatusCode of a successful Response (SAML core §3.2.2.2). */
export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

/** Algorithms of one enveloped signature found on the Response or on its Assertion. */
export interface SignatureInfo {
  readonly on: 'response' | 'assertion';
  readonly signatureMethod: string | undefined;
  readonly digestMethods: readonly string[];
}

/**
 * What can be read from a SAMLResponse BEFORE its signature is checked. None of it is trusted:
 * it only routes the request (which sign-in request it claims to answer), names the IdP's status,
 * and says which signatures to expect. Identity and conditions are read later, and only from the
 * content the signature covers.
 */
export interface ResponseEnvelope {
  /** The decoded XML text handed to node-saml. */
  readonly xml: string;
  readonly responseId: string | undefined;
  readonly destination: string | undefined;
  /** `Response/@InResponseTo` (unsigned unless the Response is signed). */
  readonly inResponseTo: string | undefined;
  /** The sign-in request this response claims to answer, to look it up early (unverified). */
  readonly requestIdHint: string | undefined;
  readonly status: { readonly code: string; readonly subCode: string | undefined; readonly message: string | undefined };
  readonly assertionCount: number;
  readonly encryptedAssertionCount: number;
  readonly signatures: readonly SignatureInfo[];
}

/** Largest decoded SAMLResponse accepted: Okta's are a few KB; thousands of groups stay far below. */
export const MAX_RESPONSE_XML_BYTES = 192 * 1024;

function children(el: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) {
      const e = n as Element;
      if (e.namespaceURI === ns && e.localName === local) out.push(e);
    }
  }
  return out;
}

function signatureOf(el: Element, on: SignatureInfo['on']): SignatureInfo[] {
  return children(el, SAML_NS.dsig, 'Signature').map((sig) => {
    const signedInfo = children(sig, SAML_NS.dsig, 'SignedInfo')[0];
    const method = signedInfo ? children(signedInfo, SAML_NS.dsig, 'SignatureMethod')[0] : undefined;
    const digests = signedInfo
      ? children(signedInfo, SAML_NS.dsig, 'Reference').flatMap((r) => children(r, SAML_NS.dsig, 'DigestMethod'))
      : [];
    return {
      on,
      signatureMethod: method?.getAttribute('Algorithm') ?? undefined,
      digestMethods: digests.map((d) => d.getAttribute('Algorithm') ?? ''),
    };
  });
}

function attr(el: Element | undefined, name: string): string | undefined {
  const v = el?.getAttribute(name);
  return v === null || v === undefined || v === '' ? undefined : v;
}

/**
 * Decodes the base64 `SAMLResponse` of the HTTP-POST binding (SAML bindings §3.5.4) and reads its
 * envelope. A DOCTYPE is refused outright: SAML never needs one, and DTDs are how XML entity
 * expansion and external-entity attacks arrive.
 */
export function readEnvelope(samlResponse: string): ResponseEnvelope {
  const compact = samlResponse.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new MalformedResponse('SAMLResponse is not base64');
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > MAX_RESPONSE_XML_BYTES) throw new MalformedResponse(`the decoded response exceeds ${MAX_RESPONSE_XML_BYTES} bytes`);
  const xml = bytes.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new MalformedResponse('a DOCTYPE or entity declaration is not allowed');

  let doc: Document;
  const problems: string[] = [];
  try {
    doc = new DOMParser({
      errorHandler: {
        warning: () => undefined,
        error: (m: unknown) => problems.push(String(m)),
        fatalError: (m: unknown) => problems.push(String(m)),
      },
    }).parseFromString(xml, 'text/xml');
  } catch (err) {
    throw new MalformedResponse('not well-formed XML', { cause: err });
  }
  if (problems.length > 0) throw new MalformedResponse('not well-formed XML');
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== SAML_NS.protocol || root.localName !== 'Response') {
    throw new MalformedResponse('the root element is not samlp:Response');
  }

  const status = children(root, SAML_NS.protocol, 'Status')[0];
  const statusCode = status ? children(status, SAML_NS.protocol, 'StatusCode')[0] : undefined;
  const subCode = statusCode ? children(statusCode, SAML_NS.protocol, 'StatusCode')[0] : undefined;
  const statusMessage = status ? children(status, SAML_NS.protocol, 'StatusMessage')[0] : undefined;

  const assertions = children(root, SAML_NS.assertion, 'Assertion');
  const scdInResponseTo = assertions
    .flatMap((a) => children(a, SAML_NS.assertion, 'Subject'))
    .flatMap((s) => children(s, SAML_NS.assertion, 'SubjectConfirmation'))
    .flatMap((c) => children(c, SAML_NS.assertion, 'SubjectConfirmationData'))
    .map((d) => attr(d, 'InResponseTo'))
    .find((v) => v !== undefined);
  const inResponseTo = attr(root, 'InResponseTo');

  return {
    xml,
    responseId: attr(root, 'ID'),
    destination: attr(root, 'Destination'),
    inResponseTo,
    requestIdHint: inResponseTo ?? scdInResponseTo,
    status: {
      code: attr(statusCode, 'Value') ?? '(missing)',
      subCode: attr(subCode, 'Value'),
      message: statusMessage?.textContent?.trim() || undefined,
    },
    assertionCount: assertions.length,
    encryptedAssertionCount: children(root, SAML_NS.assertion, 'EncryptedAssertion').length,
    signatures: [...signatureOf(root, 'response'), ...assertions.flatMap((a) => signatureOf(a, 'assertion'))],
  };
}
