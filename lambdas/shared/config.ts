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
  /** Local mode allows plain-HTTP loopback issuers and uses local stand-ins for AWS services. */
  LOCAL_MODE: boolish,
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  /** Local secret store (JSON file); only read in local mode. */
  SECRETS_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

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
