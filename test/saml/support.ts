/**
 * Helpers of the SAML tests: a workspace wired to a local IdP over the admin API, ACS posts, the
 * host app's code exchange, and XML signature wrapping builders.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { expect } from 'vitest';
import type { SamlIdp } from '../../dev/saml-idp/index.js';
import { api, type ApiClient, type ApiResponse } from '../support/http.js';
import type { TestStack } from '../support/stack.js';

export const SAML_NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

/** A workspace whose SAML connection trusts `idp`. */
export interface SamlWorkspace {
  readonly teamId: string;
  readonly acsUrl: string;
  readonly audience: string;
  readonly metadataUrl: string;
  readonly loginUrl: string;
  readonly admin: ApiClient;
}

/** Options of `samlWorkspace`. */
export interface SamlWorkspaceOptions {
  readonly certificates?: readonly string[];
  readonly allowIdpInitiated?: boolean;
  readonly groupPrefix?: string;
  /** JIT through the Okta connection's switch (SAML follows it); default true. */
  readonly jit?: boolean;
  readonly roleMappings?: { groups: { group: string; role: string; grants?: string[] }[] };
}

/** Creates a workspace over the admin API and connects it to `idp` (seed 001 steps 1–8). */
export async function samlWorkspace(stack: TestStack, idp: SamlIdp, opts: SamlWorkspaceOptions = {}): Promise<SamlWorkspace> {
  const admin = api(stack.url, stack.adminKey);
  const created = await admin.post<{ id: string; setup: Record<string, string> }>('/api/admin/workspaces', { name: `SAML ${Math.random().toString(36).slice(2, 8)}` });
  expect(created.status).toBe(201);
  const teamId = created.json.id;
  const okta = await admin.put(`/api/admin/workspaces/${teamId}/okta`, {
    domain: 'acme.okta.com',
    clientId: 'client',
    clientSecret: 'secret',
    signInEnabled: true,
    jitEnabled: opts.jit ?? true,
  });
  expect(okta.status).toBe(200);
  await configureSaml(admin, teamId, idp, opts);
  if (opts.roleMappings) {
    const res = await admin.put(`/api/admin/workspaces/${teamId}/role-mappings`, { groups: opts.roleMappings.groups, roleValues: [] });
    expect(res.status).toBe(200);
  }
  const setup = created.json.setup;
  return {
    teamId,
    acsUrl: setup.samlAcsUrl!,
    audience: setup.samlAudienceUri!,
    metadataUrl: setup.samlMetadataUrl!,
    loginUrl: `${stack.url}/api/saml/${teamId}/login`,
    admin,
  };
}

/** `PUT /api/admin/workspaces/{id}/saml` (rotation: pass two certificates). */
export async function configureSaml(admin: ApiClient, teamId: string, idp: SamlIdp, opts: SamlWorkspaceOptions = {}): Promise<void> {
  const res = await admin.put(`/api/admin/workspaces/${teamId}/saml`, {
    idpSsoUrl: idp.ssoUrl,
    idpEntityId: idp.entityId,
    idpCertificates: opts.certificates ?? [idp.certificatePem],
    allowIdpInitiated: opts.allowIdpInitiated ?? true,
    ...(opts.groupPrefix !== undefined ? { groupPrefix: opts.groupPrefix } : {}),
  });
  expect(res.status, res.text).toBe(200);
}

/** Posts an HTTP-POST binding form to the ACS, as the browser does after Okta's auto-submit page. */
export function postAcs(stack: TestStack, acsUrl: string, form: Record<string, string> | URLSearchParams): Promise<ApiResponse> {
  const body = form instanceof URLSearchParams ? form : new URLSearchParams(form);
  return api(stack.url).post(new URL(acsUrl).pathname, body.toString(), {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

/** The error code a refusal page carries. */
export function errorCode(res: ApiResponse): string | null {
  return res.headers.get('x-idpb-error');
}

/** The one-time code of a redirect to `{APP_URL}/auth/callback?code=…`. */
export function codeFrom(res: ApiResponse): string {
  expect(res.status, res.text).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.pathname.endsWith('/auth/callback')).toBe(true);
  const code = location.searchParams.get('code');
  expect(code).toBeTruthy();
  return code!;
}

/** The host app's side: exchange the code, then introspect the session token. */
export async function exchangeAndIntrospect(stack: TestStack, code: string) {
  const app = api(stack.url, stack.adminKey);
  const exchanged = await app.post<{ user: { id: string; username: string; given_name: string | null }; roles: string[]; session_token: string; expires_at: string }>(
    '/api/sso/token',
    { code },
  );
  expect(exchanged.status, exchanged.text).toBe(200);
  const introspected = await app.post<Record<string, unknown>>(
    '/api/tokens/introspect',
    new URLSearchParams({ token: exchanged.json.session_token }).toString(),
    { headers: { 'content-type': 'application/x-www-form-urlencoded' } },
  );
  expect(introspected.status).toBe(200);
  return { exchanged: exchanged.json, introspected: introspected.json };
}

/** Base64 of an XML text, as the SAMLResponse form field carries it. */
export function b64(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}

export function parseXml(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

export function serialize(doc: Document): string {
  return new XMLSerializer().serializeToString(doc);
}

function child(el: Element, ns: string, local: string): Element {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) return n as Element;
  }
  throw new Error(`no ${local} under ${el.localName}`);
}

/** Replaces the NameID (and email attribute values) of an assertion element in place. */
function impersonate(assertion: Element, email: string): void {
  const nameId = child(child(assertion, SAML_NS.assertion, 'Subject'), SAML_NS.assertion, 'NameID');
  nameId.textContent = email;
  const values = assertion.getElementsByTagNameNS(SAML_NS.assertion, 'AttributeValue');
  for (let i = 0; i < values.length; i++) if (values[i]!.textContent?.includes('@')) values[i]!.textContent = email;
}

/**
 * XSW #1 (Somorovsky et al., "On Breaking SAML", 2012, XSW3 shape): a forged, unsigned assertion
 * for `email` inserted BEFORE the genuine signed one, so a consumer that reads "the first
 * assertion" reads the forgery while the signature still verifies.
 */
export function wrapForgedAssertionBefore(signedXml: string, email: string): string {
  const doc = parseXml(signedXml);
  const response = doc.documentElement!;
  const genuine = child(response, SAML_NS.assertion, 'Assertion');
  const forged = genuine.cloneNode(true) as Element;
  forged.setAttribute('ID', `${genuine.getAttribute('ID')}-forged`);
  forged.removeChild(child(forged, SAML_NS.dsig, 'Signature'));
  impersonate(forged, email);
  response.insertBefore(forged, genuine);
  return serialize(doc);
}

/**
 * XSW #2 (XSW4 shape): the genuine signed assertion is moved INSIDE a forged one, which takes its
 * place and carries a copy of the genuine signature, so the only top-level assertion is the forgery
 * while the signature's reference still resolves to the genuine, nested one.
 */
export function wrapGenuineInsideForged(signedXml: string, email: string): string {
  const doc = parseXml(signedXml);
  const response = doc.documentElement!;
  const genuine = child(response, SAML_NS.assertion, 'Assertion');
  const forged = genuine.cloneNode(true) as Element;
  forged.setAttribute('ID', `${genuine.getAttribute('ID')}-forged`);
  impersonate(forged, email);
  response.replaceChild(forged, genuine);
  forged.appendChild(genuine);
  return serialize(doc);
}

/**
 * XSW #3 (XSW1 shape, Response signature): a new Response with a forged assertion wraps the
 * genuine signed Response; the genuine Response's signature is copied to the new root, whose
 * reference still points at the genuine (now nested) Response.
 */
export function wrapSignedResponse(signedXml: string, email: string): string {
  const doc = parseXml(signedXml);
  const genuine = doc.documentElement!;
  const forgedRoot = genuine.cloneNode(true) as Element;
  forgedRoot.setAttribute('ID', `${genuine.getAttribute('ID')}-forged`);
  impersonate(child(forgedRoot, SAML_NS.assertion, 'Assertion'), email);
  // The forged root keeps a copy of the genuine signature (as cloned) and carries the genuine
  // Response inside that signature's Object, where some verifiers find the referenced id.
  const sig = child(forgedRoot, SAML_NS.dsig, 'Signature');
  const object = doc.createElementNS(SAML_NS.dsig, 'ds:Object');
  object.appendChild(genuine.cloneNode(true));
  sig.appendChild(object);
  doc.replaceChild(forgedRoot, genuine);
  return serialize(doc);
}

/**
 * Same-id wrapping: the forged assertion takes the genuine assertion's ID, and the genuine one is
 * hidden in an Extensions element, so an id lookup could resolve to either.
 */
export function wrapWithDuplicateId(signedXml: string, email: string): string {
  const doc = parseXml(signedXml);
  const response = doc.documentElement!;
  const genuine = child(response, SAML_NS.assertion, 'Assertion');
  const forged = genuine.cloneNode(true) as Element;
  impersonate(forged, email);
  const extensions = doc.createElementNS(SAML_NS.protocol, 'saml2p:Extensions');
  response.replaceChild(forged, genuine);
  extensions.appendChild(genuine);
  response.insertBefore(extensions, child(response, SAML_NS.protocol, 'Status'));
  return serialize(doc);
}

/**
 * Comment injection (CVE-2017-11428 family): a comment inside the NameID of a signed assertion.
 * Canonicalization drops comments, so the signature still holds; a consumer that reads only the
 * first text node would see a truncated, different identity.
 */
export function injectCommentInNameId(signedXml: string, at: number): string {
  const doc = parseXml(signedXml);
  const nameId = doc.getElementsByTagNameNS(SAML_NS.assertion, 'NameID')[0]!;
  const value = nameId.textContent ?? '';
  while (nameId.firstChild) nameId.removeChild(nameId.firstChild);
  nameId.appendChild(doc.createTextNode(value.slice(0, at)));
  nameId.appendChild(doc.createComment(''));
  nameId.appendChild(doc.createTextNode(value.slice(at)));
  return serialize(doc);
}

/** Replaces the first occurrence of `from` in a signed document (a tampered response). */
export function tamper(xml: string, from: string, to: string): string {
  expect(xml.includes(from)).toBe(true);
  return xml.replace(from, to);
}
