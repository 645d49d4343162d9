/**
 * Redirect URIs Okta uses for SCIM OAuth in OIN integrations (Okta "Prepare your SCIM API service":
 * the authorization server must allow these, `{app}` being the app's name between `/app/` and
 * `/instance/` in the admin console URL):
 *
 * - `https://system-admin.okta.com/admin/app/cpc/{app}/oauth/callback`
 * - the same on `okta-emea.com`, `oktapreview.com` and `trexcloud.com`
 *
 * plus exact URIs the platform allows (`SCIM_OAUTH_REDIRECT_URIS`, e.g. a custom Okta URL domain).
 * Matching is exact on the parsed URL — no prefix or wildcard matching (RFC 9700 §2.1, §4.1.3).
 * Codes travel only over HTTPS: a plain-HTTP redirect URI (such as Okta's own test cell,
 * `http://system-admin.okta1.com:1802/…`) is accepted only when a local or test configuration
 * allowlists it exactly (RFC 9700 §2.6; review #16).
 */
const OKTA_CALLBACK = /^https:\/\/system-admin\.(okta|okta-emea|oktapreview|trexcloud)\.com\/admin\/app\/cpc\/([A-Za-z0-9_-]{1,100})\/oauth\/callback$/;
/** Okta's test cell: recognised for display (the consent page names the app), allowed only when allowlisted. */
const OKTA_TEST_CELL_CALLBACK = /^http:\/\/system-admin\.okta1\.com:1802\/admin\/app\/cpc\/([A-Za-z0-9_-]{1,100})\/oauth\/callback$/;

/** The Okta app name of a documented callback URI, or undefined when the URI is not one. */
export function oktaCallbackApp(uri: string): string | undefined {
  return OKTA_CALLBACK.exec(uri)?.[2] ?? OKTA_TEST_CELL_CALLBACK.exec(uri)?.[1];
}

/**
 * Parses the platform allowlist: a JSON array or a comma/whitespace-separated list of absolute
 * URIs. Entries that are not absolute https URLs without a fragment are dropped; `http:` entries
 * are kept only with `allowHttp` (local mode and tests).
 */
export function parseRedirectAllowlist(raw: string | readonly string[] | undefined, opts: { allowHttp?: boolean } = {}): string[] {
  if (raw === undefined) return [];
  let list: unknown = raw;
  if (typeof raw === 'string') {
    const t = raw.trim();
    if (t === '') return [];
    try {
      list = t.startsWith('[') ? JSON.parse(t) : t.split(/[\s,]+/);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(list)) return [];
  return list.filter((u): u is string => {
    if (typeof u !== 'string') return false;
    try {
      const url = new URL(u);
      return (url.protocol === 'https:' || (url.protocol === 'http:' && opts.allowHttp === true)) && url.hash === '' && url.href === u;
    } catch {
      return false;
    }
  });
}

/** True when `uri` may receive an authorization code: an Okta HTTPS callback, or exactly an allowlisted URI. */
export function isAllowedRedirectUri(uri: string, allowlist: readonly string[]): boolean {
  if (uri.length > 2048) return false;
  return OKTA_CALLBACK.test(uri) || allowlist.includes(uri);
}
