import { InvalidIdToken } from './errors.js';

/**
 * `aud` must contain the workspace's client id; with several audiences `azp` must be our client
 * id (OIDC Core §3.1.3.7 steps 3–5). A token minted for another Okta app is refused.
 */
export function checkAudience(aud: unknown, azp: unknown, clientId: string): void {
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  if (!list.includes(clientId)) {
    throw new InvalidIdToken('checkAudience', `The ID token is for ${list.join(', ') || '(no audience)'}, not for client ${clientId}.`);
  }
  if (list.length > 1 && azp !== clientId) {
    throw new InvalidIdToken('checkAudience', `The ID token has several audiences and its azp is not client ${clientId}.`);
  }
}
