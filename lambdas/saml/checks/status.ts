import { IdpError } from '../errors.js';
import { STATUS_SUCCESS, type ResponseEnvelope } from '../envelope.js';

const shortStatus = (uri: string) => uri.replace(/^urn:oasis:names:tc:SAML:2\.0:status:/, '');

/**
 * Step 2 — the IdP reports success. Checked before the signature, as node-saml does: IdPs often
 * leave error responses unsigned, and the refusal is the same either way.
 */
export function checkStatus(envelope: ResponseEnvelope): string {
  const { code, subCode, message } = envelope.status;
  if (code !== STATUS_SUCCESS) {
    throw new IdpError(shortStatus(code) + (subCode ? `/${shortStatus(subCode)}` : ''), message);
  }
  return 'Success';
}
