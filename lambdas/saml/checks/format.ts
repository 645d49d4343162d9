import { MalformedResponse, SignatureWrapping } from '../errors.js';
import type { ResponseEnvelope } from '../envelope.js';

/**
 * The response has the shape of a Web SSO Response (SAML profiles §4.1.4.2): exactly one plain
 * Assertion. Several assertions are how signature-wrapping attacks smuggle an unsigned one next to
 * a signed one; encrypted assertions are refused because no SP decryption key is configured.
 */
export function checkFormat(envelope: ResponseEnvelope): string {
  if (!envelope.responseId) throw new MalformedResponse('the Response has no ID');
  if (envelope.encryptedAssertionCount > 0) {
    throw new MalformedResponse(
      'encrypted assertions are not supported (in Okta → SAML settings → Advanced, set Assertion Encryption to Unencrypted)',
    );
  }
  if (envelope.assertionCount === 0) throw new MalformedResponse('the Response carries no Assertion');
  if (envelope.assertionCount > 1) throw new SignatureWrapping(`the Response carries ${envelope.assertionCount} assertions`);
  return `Response ${envelope.responseId} with one assertion`;
}
