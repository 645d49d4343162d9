import { CheckRefusal, requireAudience } from '../../core/checks/index.js';
import { idTokenCheck } from './errors.js';
import type { IdTokenPayload } from './payload.js';

/**
 * `aud` must contain the connection's client id; with several audiences `azp` must be our client
 * id (OIDC Core §3.1.3.7 steps 3–5). A token minted for another app of the same IdP is refused.
 */
export const checkAudience = idTokenCheck('checkAudience', (claims: IdTokenPayload, x: { readonly clientId: string }): void => {
  const list = requireAudience(claims.aud, x.clientId, 'The ID token', { label: `client ${x.clientId}` });
  if (list.length > 1 && claims.azp !== x.clientId) {
    throw new CheckRefusal('azp_mismatch', `The ID token has several audiences and its azp is not client ${x.clientId}.`);
  }
});
