import * as z from 'zod';
import { MalformedResponse } from './errors.js';

/**
 * The parts of a signature-verified `<saml:Assertion>` the checks read, in plain types. It is built
 * only from the content the signature covers (node-saml hands us the signed bytes, re-parsed), so
 * nothing here can come from a wrapped, unsigned copy.
 */
export interface VerifiedAssertion {
  readonly id: string;
  readonly issueInstant: string | undefined;
  readonly issuer: string | undefined;
  readonly nameId: { readonly value: string; readonly format: string | undefined } | undefined;
  /** Bearer subject confirmations (SAML profiles §4.1.4.2); other methods are ignored. */
  readonly bearer: readonly SubjectConfirmationData[];
  readonly conditions: {
    readonly notBefore: string | undefined;
    readonly notOnOrAfter: string | undefined;
    /** One entry per AudienceRestriction: the assertion is for us only if EVERY restriction names us. */
    readonly audienceRestrictions: readonly (readonly string[])[];
  };
  readonly sessionIndex: string | undefined;
  /** Attribute name → values (an attribute sent twice has its values merged). */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

export interface SubjectConfirmationData {
  readonly recipient: string | undefined;
  readonly notBefore: string | undefined;
  readonly notOnOrAfter: string | undefined;
  readonly inResponseTo: string | undefined;
}

export const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

// xml2js (node-saml's settings: explicitCharkey, stripPrefix): elements are arrays of objects with
// attributes under `$` and text under `_`.
const Attrs = z.record(z.string(), z.string()).optional();
const Text = z.object({ _: z.string().optional(), $: Attrs }).loose();
const Node = <S extends z.ZodRawShape>(shape: S) => z.object({ $: Attrs, ...shape }).loose();

const Xml2JsAssertion = z.object({
  Assertion: Node({
    Issuer: z.array(Text).optional(),
    Subject: z
      .array(
        Node({
          NameID: z.array(Text).optional(),
          SubjectConfirmation: z.array(Node({ SubjectConfirmationData: z.array(Node({})).optional() })).optional(),
        }),
      )
      .optional(),
    Conditions: z
      .array(Node({ AudienceRestriction: z.array(Node({ Audience: z.array(Text).optional() })).optional() }))
      .optional(),
    AuthnStatement: z.array(Node({})).optional(),
    AttributeStatement: z
      .array(Node({ Attribute: z.array(Node({ AttributeValue: z.array(z.union([Text, z.string()])).optional() })).optional() }))
      .optional(),
  }),
});

const text = (t: z.infer<typeof Text> | undefined): string | undefined => {
  const v = t?._?.trim();
  return v === undefined || v === '' ? undefined : v;
};

/**
 * Reads node-saml's parse of the verified assertion (`profile.getAssertion()`) into a
 * `VerifiedAssertion`. Anything outside the expected shape is a malformed response.
 */
export function toVerifiedAssertion(parsed: unknown): VerifiedAssertion {
  const r = Xml2JsAssertion.safeParse(parsed);
  if (!r.success) throw new MalformedResponse('the assertion does not have the SAML 2.0 shape', { cause: r.error });
  const a = r.data.Assertion;
  const id = a.$?.ID;
  // The id becomes part of a storage key (the replay cache), and xs:ID values of real IdPs are short.
  if (!id || id.length > 256) throw new MalformedResponse('the assertion has no usable ID');
  if ((a.Subject?.length ?? 0) > 1 || (a.Conditions?.length ?? 0) > 1) {
    throw new MalformedResponse('the assertion has several Subject or Conditions elements');
  }
  const subject = a.Subject?.[0];
  const nameIdNode = subject?.NameID?.[0];
  const nameIdValue = text(nameIdNode);
  // The NameID becomes a userName and part of a storage key (issuer + subject): e-mail sized only.
  if (nameIdValue !== undefined && Buffer.byteLength(nameIdValue) > 512) throw new MalformedResponse('the NameID is longer than 512 bytes');
  const conditions = a.Conditions?.[0];

  // Attribute names are the IdP's: a null-prototype record, so `constructor`, `toString` or
  // `__proto__` are plain attributes, not inherited members (review #13).
  const attributes: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const statement of a.AttributeStatement ?? []) {
    for (const attribute of statement.Attribute ?? []) {
      const name = attribute.$?.Name;
      if (!name) continue;
      const values = (attribute.AttributeValue ?? [])
        .map((v) => (typeof v === 'string' ? v.trim() : text(v)))
        .filter((v): v is string => v !== undefined && v !== '');
      (Object.hasOwn(attributes, name) ? attributes[name]! : (attributes[name] = [])).push(...values);
    }
  }

  return {
    id,
    issueInstant: a.$?.IssueInstant,
    issuer: text(a.Issuer?.[0]),
    nameId: nameIdValue ? { value: nameIdValue, format: nameIdNode?.$?.Format } : undefined,
    bearer: (subject?.SubjectConfirmation ?? [])
      .filter((c) => c.$?.Method === BEARER)
      .flatMap((c) => c.SubjectConfirmationData ?? [{ $: {} }])
      .map((d) => ({
        recipient: d.$?.Recipient,
        notBefore: d.$?.NotBefore,
        notOnOrAfter: d.$?.NotOnOrAfter,
        inResponseTo: d.$?.InResponseTo,
      })),
    conditions: {
      notBefore: conditions?.$?.NotBefore,
      notOnOrAfter: conditions?.$?.NotOnOrAfter,
      audienceRestrictions: (conditions?.AudienceRestriction ?? []).map((ar) =>
        (ar.Audience ?? []).map(text).filter((v): v is string => v !== undefined),
      ),
    },
    sessionIndex: a.AuthnStatement?.[0]?.$?.SessionIndex,
    attributes,
  };
}
