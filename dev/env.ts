import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Secret names of a local stack. Locally they are keys of one JSON file (`FileSecretStore`); on AWS
 * the CDK stack creates Secrets Manager secrets under its own names.
 */
export const LOCAL_SECRET_NAMES = {
  adminKey: 'idp-bridge/admin-key',
  pepper: 'idp-bridge/token-pepper',
  scimOAuthClient: 'idp-bridge/scim-oauth-client',
  workspacePrefix: 'idp-bridge/workspaces',
} as const;

/** The client id Okta is given for SCIM OAuth locally (one client for all tenants, as in the OIN). */
export const LOCAL_SCIM_OAUTH_CLIENT_ID = 'okta-scim';

/** What a local stack needs to know to build the handlers' environment. */
export interface LocalEnvInput {
  /** Base URL the local server listens on, no trailing slash. */
  readonly apiUrl: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly secretsFile: string;
  /** Data-residency label; default `us`. */
  readonly regionId?: string;
  /** Host-app base URL; default `{apiUrl}/demo-app` (the demo app of a later issue lives there). */
  readonly appUrl?: string;
  /** Other local regions' API URLs, e.g. `{ eu: 'http://127.0.0.1:8788' }`. */
  readonly peerRegions?: Readonly<Record<string, string>>;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * The environment every handler reads at module load (`lambdas/platform/config.ts`), for local mode.
 * It holds secret names only; the values live in the secrets file.
 */
export function localEnv(input: LocalEnvInput): Record<string, string> {
  return {
    TABLE_NAME: input.tableName,
    REGION_ID: input.regionId ?? 'us',
    API_URL: input.apiUrl,
    APP_URL: input.appUrl ?? `${input.apiUrl}/demo-app`,
    ADMIN_KEY_SECRET_NAME: LOCAL_SECRET_NAMES.adminKey,
    PEPPER_SECRET_NAME: LOCAL_SECRET_NAMES.pepper,
    WORKSPACE_SECRET_PREFIX: LOCAL_SECRET_NAMES.workspacePrefix,
    SCIM_OAUTH_CLIENT_SECRET_NAME: LOCAL_SECRET_NAMES.scimOAuthClient,
    EVENT_BUS_NAME: 'local',
    PEER_REGIONS: JSON.stringify(input.peerRegions ?? {}),
    LOCAL_MODE: 'true',
    DYNAMODB_ENDPOINT: input.dynamoEndpoint,
    SECRETS_FILE: input.secretsFile,
    LOG_LEVEL: input.logLevel ?? 'INFO',
  };
}

/** The secrets a local stack starts with. */
export interface LocalSecrets {
  readonly adminKey: string;
  readonly pepper: string;
  readonly scimOAuthClient: { readonly clientId: string; readonly clientSecret: string };
}

/**
 * Makes sure the secrets file holds an admin key, a pepper and the SCIM OAuth client, generating
 * whatever is missing and keeping whatever is there: a pepper that changed would orphan every
 * stored token hash, and a new admin key on each start would break scripts. `adminKey`, when given
 * (`ADMIN_API_KEY`), replaces the stored one. Other entries (workspace secrets) are left alone.
 */
export async function ensureLocalSecrets(file: string, opts: { adminKey?: string } = {}): Promise<LocalSecrets> {
  let data: Record<string, string> = {};
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read secrets file ${file}`, { cause: err });
  }
  const before = JSON.stringify(data);
  const N = LOCAL_SECRET_NAMES;
  if (opts.adminKey) data[N.adminKey] = opts.adminKey;
  data[N.adminKey] ??= `idpb-admin-${randomBytes(32).toString('base64url')}`;
  data[N.pepper] ??= randomBytes(48).toString('base64url'); // 64 characters
  data[N.scimOAuthClient] ??= JSON.stringify({
    clientId: LOCAL_SCIM_OAUTH_CLIENT_ID,
    clientSecret: randomBytes(32).toString('base64url'),
  });
  if (JSON.stringify(data) !== before) {
    await mkdir(dirname(file), { recursive: true });
    // Write-then-rename, as FileSecretStore does, so a crash never leaves half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 2), { mode: 0o600 });
    await rename(tmp, file);
  }
  return {
    adminKey: data[N.adminKey]!,
    pepper: data[N.pepper]!,
    scimOAuthClient: JSON.parse(data[N.scimOAuthClient]!) as LocalSecrets['scimOAuthClient'],
  };
}
