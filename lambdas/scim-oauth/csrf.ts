import { createHash } from 'node:crypto';
import { safeEqual, type TokenHasher } from '../core/crypto.js';
import { authorizationParams, type AuthorizationRequest } from './authorize-request.js';

/** How long a consent page may be left open before its approval is refused. */
export const CONSENT_TTL_SECONDS = 600;

/** A digest of the exact request shown on the consent page, so an approval cannot be replayed for another one. */
function requestDigest(r: AuthorizationRequest): string {
  const p = authorizationParams(r);
  return createHash('sha256')
    .update(JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]])))
    .digest('base64url');
}

/**
 * The consent form's anti-CSRF token: an HMAC (keyed with the token pepper) over the admin's
 * session id, the request shown and an expiry. A cross-site page can neither read it (the consent
 * page is same-origin, framing is forbidden) nor forge it; the session cookie is also `SameSite=Lax`
 * (OWASP CSRF cheat sheet: synchronizer token, HMAC-based variant).
 */
export function consentToken(hasher: TokenHasher, sessionId: string, r: AuthorizationRequest, nowSeconds: number): string {
  const exp = nowSeconds + CONSENT_TTL_SECONDS;
  return `${exp}.${hasher.hash(`scim-oauth-consent|${sessionId}|${requestDigest(r)}|${exp}`)}`;
}

/** True when `token` was issued for this session and request and has not expired. */
export function verifyConsentToken(hasher: TokenHasher, token: string | undefined, sessionId: string, r: AuthorizationRequest, nowSeconds: number): boolean {
  if (!token) return false;
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
  if (!m) return false;
  const exp = Number(m[1]);
  if (exp <= nowSeconds) return false;
  return safeEqual(m[2]!, hasher.hash(`scim-oauth-consent|${sessionId}|${requestDigest(r)}|${exp}`));
}
