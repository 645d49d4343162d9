import { TokenCheckFailed } from './errors.js';

/**
 * `aud` must name this endpoint's public URL (Okta UL guide: "the endpoint URL without query or
 * fragment"; RFC 8417 §2.2 for SETs). A token for another endpoint or another region's stack is
 * refused, so a JWT captured at one receiver cannot be replayed at another (RFC 8725 §3.9).
 */
export function checkAudience(aud: unknown, expected: string): void {
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  const want = expected.replace(/\/+$/, '');
  if (!list.some((a) => a.replace(/\/+$/, '') === want)) {
    throw new TokenCheckFailed('checkAudience', `The JWT aud must be ${expected}${list.length ? `, not ${list.join(', ')}` : ' (it is missing)'}.`, 'invalid_audience');
  }
}
