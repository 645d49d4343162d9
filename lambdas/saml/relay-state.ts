import type { Config } from '../platform/config.js';
import { checkReturnTo, SignInRefused } from '../signin/index.js';

/** RelayState is capped well above SAML bindings §3.4.3's 80 bytes, which Okta does not enforce. */
export const MAX_RELAY_STATE = 1024;

/** Where a sign-in lands after SAML: a page of the bridge itself, or a path of the host app. */
export type Destination = { readonly kind: 'bridge'; readonly path: string } | { readonly kind: 'app'; readonly path: string };

/**
 * A path of the host app, given relative (`/projects/42?tab=1`) or as an absolute URL under
 * `appUrl`. Returns the path relative to `appUrl`, `undefined` for an empty input, and `null` for
 * anything else — other origins, scheme-relative `//evil.example`, backslashes that browsers read
 * as slashes (`/\evil`), control characters and blanks, or `..` segments that climb out of the
 * app's base path.
 */
export function appPathFrom(input: string | undefined, appUrl: string): string | null | undefined {
  if (input === undefined || input === '') return undefined;
  if (input.length > MAX_RELAY_STATE) return null;
  // Browsers treat `\` as `/` and drop tabs/newlines inside URLs: both turn paths into hosts.
  if (/[\\\u0000-\u0020\u007f]/.test(input)) return null;
  const base = new URL(appUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  let candidate: URL;
  if (input.startsWith('/')) {
    if (input.startsWith('//')) return null;
    candidate = new URL(`${basePath}${input}`, base.origin);
  } else {
    try {
      candidate = new URL(input);
    } catch {
      return null;
    }
    if (candidate.username || candidate.password) return null;
  }
  if (candidate.origin !== base.origin) return null;
  const path = candidate.pathname;
  if (basePath !== '' && path !== basePath && !path.startsWith(`${basePath}/`)) return null;
  const relative = path.slice(basePath.length) || '/';
  return `${relative}${candidate.search}${candidate.hash}`;
}

/**
 * Resolves a requested landing place (`return_to`, RelayState): the bridge's own allowlisted pages
 * first (`/admin`, the SCIM OAuth consent — `checkReturnTo` of the sign-in core), then paths of the
 * host app. `undefined` when nothing was asked for, `null` when what was asked for is not allowed
 * (no open redirect).
 */
export function resolveDestination(input: string | undefined, config: Config): Destination | null | undefined {
  if (input === undefined || input === '') return undefined;
  if (input.length > MAX_RELAY_STATE) return null;
  try {
    return { kind: 'bridge', path: checkReturnTo(config, input) };
  } catch (err) {
    if (!(err instanceof SignInRefused)) throw err;
  }
  const app = appPathFrom(input, config.APP_URL);
  return app ? { kind: 'app', path: app } : null;
}
