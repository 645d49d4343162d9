import { z } from 'zod';

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const httpsUrl = z
  .string()
  .url()
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL')
  .transform((u) => u.replace(/\/+$/, ''));

/**
 * One data-residency region: one independent stack with its own table, secrets, keys, API and URLs.
 * Unknown keys are rejected so that a typo (`apiURL`) fails loudly instead of being ignored.
 */
export const RegionConfigSchema = z
  .object({
    /** CloudFormation stack name and construct id, e.g. `UsStack`. */
    stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'letters, digits and hyphens, starting with a letter'),
    /** AWS region the stack deploys to, e.g. `us-east-1`. */
    awsRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1'),
    /** AWS account id; defaults to the CLI's current account (env-agnostic when unknown). */
    account: z.string().regex(/^\d{12}$/, '12 digits').optional(),
    /** Public base URL of this stack's API (custom domain or the execute-api URL), no trailing slash. */
    apiUrl: httpsUrl,
    /** Public base URL of the host app for this region; SSO ends at `{appUrl}/auth/callback`. */
    appUrl: httpsUrl,
    /** Optional custom domain for the HTTP API (needs `certificateArn`, an ACM certificate in `awsRegion`). */
    domainName: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lowercase DNS name such as api.example.com')
      .optional(),
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, 'an ACM certificate ARN')
      .optional(),
    /** Lambda log level (`LOG_LEVEL`). */
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /** Retention of the Lambda and access log groups, in days. */
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
        message: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(90),
    /** AWS X-Ray active tracing on every function. */
    tracing: z.boolean().default(false),
    /** Client id of the single SCIM OAuth client registered in the OIN (default `idp-bridge-scim-<region id>`). */
    scimOAuthClientId: z.string().regex(/^[A-Za-z0-9._-]{8,128}$/, '8-128 of A-Z a-z 0-9 . _ -').optional(),
    /** Exact SCIM OAuth redirect URIs allowed besides Okta's documented callbacks. */
    scimOAuthRedirectUris: z.array(z.string().url().startsWith('https://')).max(20).default([]),
    /** Name prefix of this stack's secrets (default `idp-bridge/<region id>`). */
    secretPrefix: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,200}$/, 'Secrets Manager name characters').optional(),
    /** API Gateway throttling of the default stage (requests per second and burst). */
    throttleRateLimit: z.number().int().positive().default(1000),
    throttleBurstLimit: z.number().int().positive().default(2000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.domainName === undefined) !== (c.certificateArn === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.domainName === undefined ? 'domainName' : 'certificateArn'],
        message: 'domainName and certificateArn must be set together',
      });
    }
    if (c.domainName !== undefined && new URL(c.apiUrl).host !== c.domainName) {
      ctx.addIssue({ code: 'custom', path: ['apiUrl'], message: `must be https://${c.domainName} when domainName is set` });
    }
    if (c.certificateArn !== undefined && c.certificateArn.split(':')[3] !== c.awsRegion) {
      ctx.addIssue({
        code: 'custom',
        path: ['certificateArn'],
        message: `a regional API Gateway domain needs a certificate in ${c.awsRegion}`,
      });
    }
  });

/** The data-residency label (`REGION_ID`), e.g. `us` or `eu`; tokens carry it in their prefix. */
const RegionIdSchema = z.string().regex(/^[a-z]{2,8}$/, 'region ids are 2-8 lowercase letters, e.g. us or eu');

export const RegionsSchema = z
  .record(RegionIdSchema, RegionConfigSchema)
  .superRefine((regions, ctx) => {
    const ids = Object.keys(regions);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'configure at least one region' });
    const seen = new Map<string, string>();
    for (const [id, r] of Object.entries(regions)) {
      const other = seen.get(r.stackName);
      if (other) ctx.addIssue({ code: 'custom', path: [id, 'stackName'], message: `same stack name as region ${other}` });
      seen.set(r.stackName, id);
    }
  });

export type RegionConfigInput = z.input<typeof RegionConfigSchema>;
export type RegionConfig = z.output<typeof RegionConfigSchema>;
export type RegionsInput = Record<string, RegionConfigInput>;
export type Regions = Record<string, RegionConfig>;

/** The context key holding the region map in `cdk.json` (or `-c idp-bridge:regions='{…}'`). */
export const REGIONS_CONTEXT_KEY = 'idp-bridge:regions';

export class RegionConfigError extends Error {
  override readonly name = 'RegionConfigError';
}

/**
 * Validates the region map; the error names every bad key as `idp-bridge:regions.<id>.<key>`.
 * Accepts a JSON string too, because `cdk -c key=value` passes strings.
 */
export function parseRegions(raw: unknown): Regions {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new RegionConfigError(`${REGIONS_CONTEXT_KEY}: not valid JSON`);
    }
  }
  if (value === undefined || value === null) {
    throw new RegionConfigError(`${REGIONS_CONTEXT_KEY}: missing; set it in cdk.json "context" or with -c`);
  }
  const parsed = RegionsSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((i) => {
      const keyPath = [REGIONS_CONTEXT_KEY, ...i.path.map(String)].join('.');
      if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${keyPath}.${k}: unknown key`);
      return [`${keyPath}: ${i.message}`];
    });
    throw new RegionConfigError(`Invalid region configuration:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

/**
 * Per-field overrides from context, so a platform team can set one value without rewriting the map:
 * `cdk deploy -c idp-bridge:eu:apiUrl=https://eu.api.acme.com -c idp-bridge:eu:logRetentionDays=365`.
 * `-c` passes strings; numbers and booleans are converted for the fields that expect them.
 */
export function applyContextOverrides(raw: unknown, tryGetContext: (key: string) => unknown): unknown {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return raw; // parseRegions reports it
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return raw;
  const keys = Object.keys(RegionConfigSchema.shape);
  const out: Record<string, unknown> = {};
  for (const [id, region] of Object.entries(value as Record<string, unknown>)) {
    if (typeof region !== 'object' || region === null) {
      out[id] = region;
      continue;
    }
    const copy: Record<string, unknown> = { ...region };
    for (const key of keys) {
      const override = tryGetContext(`idp-bridge:${id}:${key}`);
      if (override !== undefined) copy[key] = coerceField(key, override);
    }
    out[id] = copy;
  }
  return out;
}

const NUMBER_FIELDS = new Set(['logRetentionDays', 'throttleRateLimit', 'throttleBurstLimit']);
const BOOLEAN_FIELDS = new Set(['tracing']);

function coerceField(key: string, v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (NUMBER_FIELDS.has(key) && /^\d+$/.test(v)) return Number(v);
  if (BOOLEAN_FIELDS.has(key) && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}
