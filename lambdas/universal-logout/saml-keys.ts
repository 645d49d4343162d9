import { X509Certificate, type KeyObject } from 'node:crypto';
import { errors, type CompactVerifyGetKey } from 'jose';
import type { Workspace } from '../shared/repos/workspaces.js';

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
 * The verification keys of an Okta org that a workspace trusts only through its SAML app. Okta
 * signs such Universal Logout JWTs with "the same key used for signing … SAML assertions" (Okta UL
 * guide), i.e. the certificates the admin pasted, so no JWKS is fetched. During a certificate
 * rotation two certificates are configured: like jose's own key sets, several candidates are
 * handed to the verifier through `JWKSMultipleMatchingKeys`, which `checkSignature` iterates.
 */
export function samlCertificateKeys(workspaces: readonly Workspace[]): Promise<CompactVerifyGetKey> {
  const pems = [...new Set(workspaces.flatMap((w) => w.saml?.idpCertificates ?? []))];
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
