import * as z from 'zod';
import { safeEqual } from '../core/crypto.js';
import { InvalidClient, InvalidRequest } from '../core/errors.js';
import type { HttpRequest } from '../platform/http.js';
import type { SecretStore } from '../platform/secrets.js';

/**
 * The one OAuth client Okta uses for SCIM across every tenant (OIN rule: "the client ID and secret
 * are shared by all customer tenants"); the approving admin's workspace decides the tenant. Its id
 * and secret live in one secret, `config.SCIM_OAUTH_CLIENT_SECRET_NAME`, as JSON.
 */
export interface OinClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

const ClientSecretJson = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(16) });

/** Reads the client from the secret store (cached there with a max age). A bad secret is a 500: it is our misconfiguration. */
export async function loadOinClient(secrets: SecretStore, name: string): Promise<OinClient> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await secrets.get(name));
  } catch (err) {
    throw new Error(`Secret ${name} is not the SCIM OAuth client JSON {clientId, clientSecret}`, { cause: err });
  }
  return ClientSecretJson.parse(parsed);
}

/** Decodes one `client_secret_basic` credential part (RFC 6749 §2.3.1: form-urlencoded, then Basic). */
function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/**
 * Client authentication at the token endpoint (RFC 6749 §2.3.1): `client_secret_basic` or
 * `client_secret_post` — Okta's choice is undocumented, so both are accepted, but never both in one
 * request (§2.3: "MUST NOT use more than one authentication method"). The secret is compared in
 * constant time. Returns the authenticated client id.
 */
export function authenticateClient(req: HttpRequest, form: Readonly<Record<string, string>>, client: OinClient): string {
  const header = req.headers.authorization;
  const basic = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  const posted = form.client_secret !== undefined;
  if (basic && posted) throw new InvalidRequest('Use one client authentication method: client_secret_basic or client_secret_post, not both.');
  let id: string | undefined;
  let secret: string | undefined;
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) throw new InvalidClient('Malformed Basic credentials.');
    try {
      id = formDecode(decoded.slice(0, i));
      secret = formDecode(decoded.slice(i + 1));
    } catch {
      throw new InvalidClient('Malformed Basic credentials.');
    }
    if (form.client_id !== undefined && form.client_id !== id) throw new InvalidRequest('client_id does not match the authenticated client.');
  } else if (posted) {
    id = form.client_id;
    secret = form.client_secret;
  }
  if (id === undefined || secret === undefined) throw new InvalidClient('Client authentication is required (client_secret_basic or client_secret_post).');
  // Both comparisons always run, so timing does not tell which one failed.
  const idOk = safeEqual(id, client.clientId);
  const secretOk = safeEqual(secret, client.clientSecret);
  if (!idOk || !secretOk) throw new InvalidClient();
  return id;
}
