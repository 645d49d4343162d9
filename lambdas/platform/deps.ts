import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { loadConfig, type Config } from './config.js';
import { Db } from '../store/client.js';
import { TokenHasher } from '../core/crypto.js';
import { AwsSecretStore, FileSecretStore, type SecretStore } from './secrets.js';

/**
 * Everything a core needs from the outside world. Built once per cold start (the composition
 * root); tests build it against DynamoDB Local with the same function.
 */
export interface Deps {
  readonly config: Config;
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

export function buildDeps(config: Config, overrides: Partial<Omit<Deps, 'config'>> = {}): Deps {
  const secrets =
    overrides.secrets ??
    (config.LOCAL_MODE && config.SECRETS_FILE ? new FileSecretStore(config.SECRETS_FILE) : new AwsSecretStore());
  const db =
    overrides.db ??
    new Db({ tableName: config.TABLE_NAME, ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}) });
  const logger = overrides.logger ?? new Logger({ serviceName: 'idp-bridge', logLevel: config.LOG_LEVEL });
  const metrics = overrides.metrics ?? new Metrics({ namespace: 'idp-bridge', serviceName: 'idp-bridge', logger });
  let hasher: { pepper: string; h: TokenHasher } | undefined;
  return {
    config,
    db,
    secrets,
    logger,
    metrics,
    now: overrides.now ?? (() => new Date()),
    async hasher() {
      const pepper = await secrets.get(config.PEPPER_SECRET_NAME);
      if (!hasher || hasher.pepper !== pepper) hasher = { pepper, h: new TokenHasher(pepper) };
      return hasher.h;
    },
    adminKey: overrides.adminKey ?? (() => secrets.get(config.ADMIN_KEY_SECRET_NAME)),
  };
}

let singleton: Deps | undefined;

/** The process-wide dependencies, built from `process.env` on first use. */
export function getDeps(): Deps {
  singleton ??= buildDeps(loadConfig(process.env));
  return singleton;
}
