import { execFile } from 'node:child_process';
import { generateKeyPair, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const generateKeyPairAsync = promisify(generateKeyPair);

/** A signing key and its self-signed X.509 certificate, both PEM. Lives in memory only. */
export interface SigningKeyPair {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

/**
 * Generates an RSA-2048 key with node:crypto and a self-signed certificate for it with the
 * `openssl` CLI (node:crypto cannot issue certificates). The key touches the disk only inside a
 * private temporary folder (mode 0600) for the duration of the `openssl` call, then is deleted:
 * no private key is ever committed or kept (`docs/reference/local-emulation.md` §5 measured this recipe).
 */
export async function generateSigningKeyPair(commonName = 'local-saml-idp', days = 2): Promise<SigningKeyPair> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = await mkdtemp(join(tmpdir(), 'saml-idp-'));
  try {
    const keyFile = join(dir, 'key.pem');
    await writeFile(keyFile, privateKeyPem, { mode: 0o600 });
    const { stdout } = await execFileAsync('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-subj',
      `/CN=${commonName.replace(/[^A-Za-z0-9 .-]/g, '-')}`,
      '-days',
      String(days),
      '-sha256',
    ]);
    // Throws when openssl printed something that is not a certificate.
    new X509Certificate(stdout);
    return { privateKeyPem, certificatePem: stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
