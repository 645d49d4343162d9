import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The one-time SSO code the host app exchanges at `POST /api/sso/token`.
 *
 * The session is created at sign-in (so Universal Logout or a SCIM deactivation in the code's
 * lifetime revokes it), but its token may only be stored hashed. The code item therefore carries
 * the session token sealed with a key derived from the code itself (HKDF-SHA-256 → AES-256-GCM):
 * the item is found by the code's keyed hash, and only whoever presents the code can open it.
 * A copy of the table reveals neither the code nor the token.
 */

/** How long the app has to exchange a code (seconds). */
export const SSO_CODE_TTL_SECONDS = 60;

const INFO = Buffer.from('idp-bridge sso-code v1');

function keyFor(code: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(code, 'utf8'), Buffer.alloc(0), INFO, 32));
}

/** Seals `secret` under `code`: `v1.<iv>.<ciphertext>.<tag>` (base64url). */
export function sealWithCode(code: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(code), iv);
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Opens what `sealWithCode` sealed; undefined when the code does not fit (GCM authentication fails). */
export function openWithCode(code: string, sealed: string): string | undefined {
  const [v, iv, ct, tag] = sealed.split('.');
  if (v !== 'v1' || !iv || !ct || !tag) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(code), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
