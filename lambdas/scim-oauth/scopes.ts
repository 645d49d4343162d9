import { SCIM_SCOPES, type ScimScope } from '../core/scim/scopes.js';

/**
 * Requested but not stored: Okta support advises adding `offline_access` to get refresh tokens;
 * we always issue one, so it is accepted and has no further effect.
 */
const ACCEPTED_EXTRA = new Set(['offline_access']);

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token

/**
 * Parses a `scope` parameter (RFC 6749 §3.3: space-delimited, order-free). Absent or empty means
 * every SCIM scope (the OIN form makes scopes optional). Returns the unknown ones separately so
 * the caller can answer `invalid_scope`.
 */
export function parseScope(raw: string | undefined): { scopes: ScimScope[]; unknown: string[] } {
  const requested = (raw ?? '').split(' ').filter((s) => s.length > 0);
  const unknown = requested.filter((s) => !(SCIM_SCOPES as readonly string[]).includes(s) && !ACCEPTED_EXTRA.has(s));
  const known = SCIM_SCOPES.filter((s) => requested.includes(s));
  const malformed = requested.filter((s) => !SCOPE_TOKEN.test(s));
  return { scopes: requested.length === 0 || (known.length === 0 && unknown.length === 0) ? [...SCIM_SCOPES] : known, unknown: [...new Set([...unknown, ...malformed])] };
}
