import { SAML, SamlStatusError, ValidateInResponseTo } from '@node-saml/node-saml';
import { toVerifiedAssertion, type VerifiedAssertion } from '../assertion.js';
import type { SignInRefused } from '../../signin/refusals.js';
import { IdpError, InvalidSignature, MalformedResponse, SignatureWrapping, UnsignedResponse } from '../errors.js';
import type { ResponseEnvelope } from '../envelope.js';

/** What the signature check hands to the checks after it. */
export interface SignatureOutcome {
  readonly assertion: VerifiedAssertion;
  /** Index of the configured certificate that verified (0 or 1 during a rotation). */
  readonly certificateIndex: number;
  readonly signed: readonly ('response' | 'assertion')[];
}

/** The SP side node-saml needs; every other check is ours, so node-saml's own are switched off. */
export interface SignatureSp {
  readonly entityId: string;
  readonly acsUrl: string;
}

/**
 * node-saml's error messages of a structurally forged document (xml.js `getVerifiedXml` and
 * saml.js `validatePostResponseAsync`): several assertions, a reference that is not the signature's
 * parent, duplicated ids, extra transforms or references.
 */
const WRAPPING =
  /multiple assertions|more than one element|does not refer to it's parent|Too many signatures|too many transforms|signed references|ref URI included quote|reference uri not found|Cannot obtain assertion from signed data/i;

/** Maps a node-saml failure to the refusal named after its cause. */
export function refusalFromNodeSaml(err: unknown): SignInRefused {
  if (err instanceof SamlStatusError) return new IdpError('error', err.message);
  const message = err instanceof Error ? err.message : String(err);
  if (WRAPPING.test(message)) return new SignatureWrapping(message.replace(/^Invalid signature:?\s*/i, ''), { cause: err });
  if (/Invalid (document )?signature|No response found/i.test(message)) return new InvalidSignature({ cause: err });
  return new MalformedResponse(message, { cause: err });
}

/**
 * Step 3 — a configured certificate (one of two while the IdP rotates) verifies the Response's or
 * the Assertion's signature, and every signature that is present verifies: a Response whose own
 * signature is broken is refused even when its assertion's holds.
 *
 * Verification is node-saml's `validatePostResponseAsync`, which defeats XML signature wrapping:
 * it accepts exactly one assertion, requires the signature's reference to be its parent element
 * and unique in the document, and returns the bytes the signature covers. Its audience, time and
 * InResponseTo checks are switched off here because the next steps do them with named errors
 * (and with storage that works across Lambda instances).
 */
export async function checkSignature(
  envelope: ResponseEnvelope,
  certificates: readonly string[],
  sp: SignatureSp,
): Promise<SignatureOutcome> {
  const signed = [...new Set(envelope.signatures.map((s) => s.on))];
  if (signed.length === 0) throw new UnsignedResponse();
  if (certificates.length === 0) throw new InvalidSignature();
  const SAMLResponse = Buffer.from(envelope.xml, 'utf8').toString('base64');
  let last: SignInRefused = new InvalidSignature();
  for (const [index, cert] of certificates.entries()) {
    const saml = new SAML({
      idpCert: cert,
      issuer: sp.entityId,
      callbackUrl: sp.acsUrl,
      audience: false,
      acceptedClockSkewMs: -1,
      validateInResponseTo: ValidateInResponseTo.never,
      wantAuthnResponseSigned: signed.includes('response'),
      wantAssertionsSigned: signed.includes('assertion'),
    });
    try {
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse });
      if (!profile?.getAssertion) throw new MalformedResponse('no assertion in the signed content');
      return { assertion: toVerifiedAssertion(profile.getAssertion()), certificateIndex: index, signed };
    } catch (err) {
      last = err instanceof MalformedResponse ? err : refusalFromNodeSaml(err);
      // Only a plain mismatch can succeed with the other certificate; anything else is final.
      if (!(last instanceof InvalidSignature)) throw last;
    }
  }
  throw last;
}
