import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { loadConfig, type Config } from './config.js';
import { openTable, type Db } from '../store/client.js';
import { buildRepos, type Repos } from '../store/repos.js';
import { TokenHasher } from '../core/crypto.js';
import { AwsSecretStore, FileSecretStore, type SecretStore } from './secrets.js';

/**
 * Everything a core needs from the outside world. Built once per cold start (the composition
 * root); tests build it against DynamoDB Local with the same function.
 */
export interface Deps {
  readonly config: Config;
  /** The repositories (store/repos.ts): what use cases read and write through. */
  readonly repos: Repos;
  /**
   * The table itself, for tests and tools (seeding items, counting round trips). Code under
   * lambdas/ outside the store asks `repos` (lint forbids `deps.db` there, eslint.config.js).
   */
  readonly db: Db;
  readonly secrets: SecretStore;
  readonly logger: Logger;
  /** CloudWatch metrics in EMF (namespace `idp-bridge`); the Lambda wrapper emits `Refusals` with it. */
  readonly metrics: Metrics;
  readonly now: () => Date;
  /** The token hasher keyed with the pepper from the secret store (cached by the store). */
  hasher(): Promise<TokenHasher>;
  /** The platform admin key (cached by the store). */
  adminKey(): Promise<string>;
}

export function buildDeps(config: Config, overrides: Partial<Omit<Deps, 'config' | 'repos'>> = {}): Deps {
  const secrets =
    overrides.secrets ??
    (config.LOCAL_MODE && config.SECRETS_FILE ? new FileSecretStore(config.SECRETS_FILE) : new AwsSecretStore());
  const db =
    overrides.db ??
    openTable({ tableName: config.TABLE_NAME, ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}) });
  const logger = overrides.logger ?? new Logger({ serviceName: 'idp-bridge', logLevel: config.LOG_LEVEL });
  const metrics = overrides.metrics ?? new Metrics({ namespace: 'idp-bridge', serviceName: 'idp-bridge', logger });
  const now = overrides.now ?? (() => new Date());
  let cached: { pepper: string; h: TokenHasher } | undefined;
  const hasher = async (): Promise<TokenHasher> => {
    const pepper = await secrets.get(config.PEPPER_SECRET_NAME);
    if (!cached || cached.pepper !== pepper) cached = { pepper, h: new TokenHasher(pepper) };
    return cached.h;
  };
  return {
    config,
    repos: buildRepos(db, { region: config.REGION_ID, now, hasher }),
    db,
    secrets,
    logger,
    metrics,
    now,
    hasher,
    adminKey: overrides.adminKey ?? (() => secrets.get(config.ADMIN_KEY_SECRET_NAME)),
  };
}

let singleton: Deps | undefined;

/** The process-wide dependencies, built from `process.env` on first use. */
export function getDeps(): Deps {
  singleton ??= buildDeps(loadConfig(process.env));
  return singleton;
}
