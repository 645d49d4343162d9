import { requireAudience } from '../../core/checks/index.js';
import { tokenCheck } from './errors.js';

/**
 * `aud` must name this endpoint's public URL (Okta UL guide: "the endpoint URL without query or
 * fragment"; RFC 8417 §2.2 for SETs). A token for another endpoint or another region's stack is
 * refused, so a JWT captured at one receiver cannot be replayed at another (RFC 8725 §3.9).
 */
export const checkAudience = tokenCheck('checkAudience', (aud: unknown, expected: string): void => {
  requireAudience(aud, expected, 'The JWT', { url: true });
});
