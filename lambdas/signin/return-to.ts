import type { Config } from '../platform/config.js';
import { SignInRefused } from './refusals.js';

/**
 * Bridge-internal destinations a sign-in may return to (with a session cookie instead of an app
 * code): the admin page and the SCIM OAuth consent step. Anything else is an open redirect.
 */
const ALLOWED_PATHS: readonly RegExp[] = [/^\/admin(\/[A-Za-z0-9._~\-/]*)?$/, /^\/api\/okta\/scim\/oauth\/authorize$/];

/** Longest destination kept (it rides in a stored state item and a redirect). */
const MAX_RETURN_TO = 2048;

/**
 * Checks a requested post-sign-in destination and returns it as a path + query on this API, or
 * throws `invalid_return_to`. Accepts a path (`/admin`) or an absolute URL on this API's origin;
 * the URL parser normalises `..`, backslashes and encodings first, so the allowlist sees the path
 * a browser would request.
 */
export function checkReturnTo(config: Config, raw: string): string {
  const refuse = () => new SignInRefused('invalid_return_to', 'The requested destination after sign-in is not allowed.');
  if (raw.length === 0 || raw.length > MAX_RETURN_TO || /[\u0000-\u001f\u007f\\]/.test(raw)) throw refuse();
  const relative = raw.startsWith('/') && !raw.startsWith('//');
  const base = new URL(config.API_URL);
  let url: URL;
  try {
    url = relative ? new URL(raw, base) : new URL(raw);
  } catch {
    throw refuse();
  }
  if (url.origin !== base.origin || url.username || url.password) throw refuse();
  if (!ALLOWED_PATHS.some((re) => re.test(url.pathname))) throw refuse();
  return `${url.pathname}${url.search}`;
}

/** The absolute URL of a checked destination. */
export function returnToUrl(config: Config, checked: string): string {
  return new URL(checked, config.API_URL).href;
}
