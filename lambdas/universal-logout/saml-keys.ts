import { X509Certificate, type KeyObject } from 'node:crypto';
import { errors, type CompactVerifyGetKey } from 'jose';

const cache = new Map<string, KeyObject>();

function publicKeyOf(pem: string): KeyObject {
  let key = cache.get(pem);
  if (!key) {
    key = new X509Certificate(pem).publicKey;
    cache.set(pem, key);
  }
  return key;
}

/**
 * The verification keys of ONE workspace's SAML app: its own configured certificates, never
 * another workspace's (review #1: a union over every workspace connected to the org let one tenant
 * add a key for another tenant's logouts). Okta signs such Universal Logout JWTs with "the same
 * key used for signing … SAML assertions" (Okta UL guide), i.e. the certificates the admin pasted,
 * so no JWKS is fetched. During a certificate
 * rotation two certificates are configured: like jose's own key sets, several candidates are
 * handed to the verifier through `JWKSMultipleMatchingKeys`, which `checkSignature` iterates.
 */
export function samlCertificateKeys(certificates: readonly string[]): Promise<CompactVerifyGetKey> {
  const pems = [...new Set(certificates)];
  const getKey: CompactVerifyGetKey = async () => {
    const keys = pems.map(publicKeyOf);
    if (keys.length === 0) throw new errors.JWKSNoMatchingKey();
    if (keys.length === 1) return keys[0]!;
    const multiple = new errors.JWKSMultipleMatchingKeys() as errors.JWKSMultipleMatchingKeys & AsyncIterable<KeyObject>;
    (multiple as unknown as { [Symbol.asyncIterator]: () => AsyncGenerator<KeyObject> })[Symbol.asyncIterator] = async function* () {
      yield* keys;
    };
    throw multiple;
  };
  return Promise.resolve(getKey);
}
