import { requireIssuer } from '../../core/checks/index.js';
import { idTokenCheck } from './errors.js';
import type { IdTokenPayload } from './payload.js';

/**
 * `iss` must be the connection's issuer (OIDC Core §3.1.3.7 step 2), compared as the shared issuer
 * check does: exactly, but for trailing slashes (`normalizeIssuer`).
 */
export const checkIssuer = idTokenCheck('checkIssuer', (claims: IdTokenPayload, x: { readonly issuer: string }): void => {
  requireIssuer(claims.iss, x.issuer, 'The ID token');
});
