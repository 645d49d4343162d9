import { isIP } from 'node:net';
import * as z from 'zod';

const urlNoSlash = z
  .string()
  .url()
  .transform((u) => u.replace(/\/+$/, ''));

const boolish = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/**
 * Environment of every Lambda (and of the local server), parsed once at cold start. It holds secret
 * *names*, never secret values.
 */
const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  /** Data-residency label of this stack, e.g. `us` or `eu`; tokens carry it in their prefix. */
  REGION_ID: z.string().regex(/^[a-z]{2,8}$/, 'lowercase letters, e.g. us or eu'),
  /** Public base URL of this stack's API (API Gateway or custom domain), no trailing slash. */
  API_URL: urlNoSlash,
  /** Public base URL of the host app for this region; SSO ends at `{APP_URL}/auth/callback`. */
  APP_URL: urlNoSlash,
  ADMIN_KEY_SECRET_NAME: z.string().min(1),
  PEPPER_SECRET_NAME: z.string().min(1),
  /** Prefix of per-workspace secrets (Okta client secrets): `{prefix}/{team_id}/okta-client-secret`. */
  WORKSPACE_SECRET_PREFIX: z.string().min(1),
  /** The one OAuth client (id in the secret) Okta uses for SCIM OAuth across all tenants (OIN rule). */
  SCIM_OAUTH_CLIENT_SECRET_NAME: z.string().min(1).default('idp-bridge/scim-oauth-client'),
  EVENT_BUS_NAME: z.string().min(1),
  /**
   * Exact SCIM OAuth redirect URIs the platform allows besides Okta's documented callbacks
   * (a JSON array or a comma-separated list), e.g. for a custom Okta admin domain.
   */
  SCIM_OAUTH_REDIRECT_URIS: z.string().default(''),
  /** JSON object of the other regions' API URLs, e.g. `{"eu":"https://eu.api.example.com"}`. */
  PEER_REGIONS: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        return z.record(z.string(), z.string().url()).parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of region -> URL' });
        return z.NEVER;
      }
    }),
  /**
   * DNS servers that e-mail-domain verification asks for the TXT challenge (a comma-separated list of
   * `ip` or `ip:port`, IPv6 as `[::1]:53`), e.g. `127.0.0.1:5353`. Empty: the system resolver.
   */
  DNS_SERVERS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const servers = s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      for (const server of servers) {
        if (!isDnsServer(server)) {
          ctx.addIssue({ code: 'custom', message: `not an IP address with an optional port: ${server}` });
          return z.NEVER;
        }
      }
      return servers;
    }),
  /** Local mode allows plain-HTTP loopback issuers and uses local stand-ins for AWS services. */
  LOCAL_MODE: boolish,
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  /** Local secret store (JSON file); only read in local mode. */
  SECRETS_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** `ip`, `ip:port` or `[ipv6]:port`: the forms `dns.Resolver#setServers` accepts. */
function isDnsServer(s: string): boolean {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m) return isIP(s) === 6;
  const port = m[2] === undefined ? 53 : Number(m[2]);
  return isIP(m[1]!) !== 0 && port >= 1 && port <= 65_535;
}

export type Config = z.infer<typeof ConfigSchema>;

/** Parses the environment; throws an error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}
