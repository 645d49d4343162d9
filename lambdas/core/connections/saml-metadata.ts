/**
 * Reads what a SAML connection needs from IdP metadata (SAML 2.0 Metadata, OASIS saml-metadata-2.0-os):
 * the IdP's entity id (§2.3.2 `EntityDescriptor/@entityID`), its single sign-on URL (§2.4.3
 * `IDPSSODescriptor/SingleSignOnService`, HTTP-Redirect preferred, else HTTP-POST) and its signing
 * certificates (§2.4.1.1 `KeyDescriptor` with `use="signing"` or no `use`, which means both).
 * A DOCTYPE or entity declaration is refused outright, as for SAML responses (`lambdas/saml/envelope.ts`).
 */
import { DOMParser } from '@xmldom/xmldom';
import { X509Certificate } from 'node:crypto';
import { pemOf } from './certificates.js';

export const METADATA_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

/** Most signing certificates kept (a connection holds at most four: `SamlConnectionItem`). */
const MAX_CERTIFICATES = 4;

/** What IdP metadata tells a SAML connection. */
export interface IdpMetadata {
  readonly entityId: string;
  readonly ssoUrl: string;
  /** PEM, in document order. */
  readonly certificates: readonly string[];
}

/** Metadata that cannot make a connection; the message says why (shown to the admin). */
export class InvalidMetadata extends Error {
  override readonly name = 'InvalidMetadata';
}

function elements(parent: Element | Document, ns: string, local: string, deep: boolean): Element[] {
  if (deep) return Array.from(parent.getElementsByTagNameNS(ns, local));
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) out.push(n as Element);
  }
  return out;
}

/** Parses IdP metadata XML; throws `InvalidMetadata` naming what is missing. */
export function parseIdpMetadata(xml: string): IdpMetadata {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new InvalidMetadata('a DOCTYPE or entity declaration is not allowed in metadata');
  const problems: string[] = [];
  let doc: Document;
  try {
    doc = new DOMParser({
      errorHandler: { warning: () => undefined, error: (m: unknown) => problems.push(String(m)), fatalError: (m: unknown) => problems.push(String(m)) },
    }).parseFromString(xml, 'text/xml') as unknown as Document;
  } catch (err) {
    throw new InvalidMetadata(`not well-formed XML (${err instanceof Error ? err.message : String(err)})`);
  }
  if (problems.length > 0 || !doc?.documentElement) throw new InvalidMetadata(`not well-formed XML (${problems[0] ?? 'no root element'})`);

  const root = doc.documentElement;
  if (root.namespaceURI !== METADATA_NS || (root.localName !== 'EntityDescriptor' && root.localName !== 'EntitiesDescriptor')) {
    throw new InvalidMetadata('the root element is not a SAML 2.0 EntityDescriptor');
  }
  const candidates = root.localName === 'EntityDescriptor' ? [root] : elements(root, METADATA_NS, 'EntityDescriptor', true);
  const idps = candidates.filter((e) => elements(e, METADATA_NS, 'IDPSSODescriptor', false).length > 0);
  if (idps.length === 0) throw new InvalidMetadata('no IDPSSODescriptor: this is not identity provider metadata');
  if (idps.length > 1) throw new InvalidMetadata('the metadata describes several identity providers; use the metadata URL of one');
  const entity = idps[0]!;
  const entityId = entity.getAttribute('entityID')?.trim();
  if (!entityId) throw new InvalidMetadata('the EntityDescriptor has no entityID');
  const idp = elements(entity, METADATA_NS, 'IDPSSODescriptor', false)[0]!;

  const services = elements(idp, METADATA_NS, 'SingleSignOnService', false);
  const service = services.find((s) => s.getAttribute('Binding') === BINDING.redirect) ?? services.find((s) => s.getAttribute('Binding') === BINDING.post);
  const ssoUrl = service?.getAttribute('Location')?.trim();
  if (!ssoUrl) throw new InvalidMetadata('no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding');

  const certificates: string[] = [];
  for (const kd of elements(idp, METADATA_NS, 'KeyDescriptor', false)) {
    const use = kd.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const x of elements(kd, DSIG_NS, 'X509Certificate', true)) {
      const pem = pemOf(x.textContent ?? '');
      try {
        new X509Certificate(pem);
      } catch {
        throw new InvalidMetadata('a signing X509Certificate is not a valid certificate');
      }
      if (!certificates.includes(pem)) certificates.push(pem);
    }
  }
  if (certificates.length === 0) throw new InvalidMetadata('no signing certificate (KeyDescriptor use="signing" with an X509Certificate)');
  return { entityId, ssoUrl, certificates: certificates.slice(0, MAX_CERTIFICATES) };
}
