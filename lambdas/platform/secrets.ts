import { readFile, writeFile, mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Where secret values live: Secrets Manager on AWS, a local JSON file under `npm start`. */
export interface SecretStore {
  /** The secret's value; throws when it does not exist. Cached for at most `maxAgeMs`. */
  get(name: string): Promise<string>;
  /** Creates or replaces a secret (per-workspace Okta client secrets). */
  put(name: string, value: string): Promise<void>;
}

const DEFAULT_MAX_AGE_MS = 5 * 60_000;

/** Secrets Manager with an in-memory cache bounded by age (Powertools' `getSecret({ maxAge })` pattern). */
export class AwsSecretStore implements SecretStore {
  private readonly cache = new Map<string, { value: string; at: number }>();
  private sdk: Promise<{ client: SecretsManagerClient; mod: typeof import('@aws-sdk/client-secrets-manager') }> | undefined;
  constructor(private readonly maxAgeMs = DEFAULT_MAX_AGE_MS) {}

  /** Loaded on first use: most requests are served from the cache, and cold starts stay short. */
  private load() {
    this.sdk ??= import('@aws-sdk/client-secrets-manager').then((mod) => ({ client: new mod.SecretsManagerClient({}), mod }));
    return this.sdk;
  }

  async get(name: string): Promise<string> {
    const hit = this.cache.get(name);
    if (hit && Date.now() - hit.at < this.maxAgeMs) return hit.value;
    const { client, mod } = await this.load();
    const out = await client.send(new mod.GetSecretValueCommand({ SecretId: name }));
    if (out.SecretString === undefined) throw new Error(`Secret ${name} has no string value`);
    this.cache.set(name, { value: out.SecretString, at: Date.now() });
    return out.SecretString;
  }

  async put(name: string, value: string): Promise<void> {
    const { client, mod } = await this.load();
    try {
      await client.send(new mod.PutSecretValueCommand({ SecretId: name, SecretString: value }));
    } catch (err) {
      if (!(err instanceof mod.ResourceNotFoundException)) throw err;
      await client.send(new mod.CreateSecretCommand({ Name: name, SecretString: value }));
    }
    this.cache.set(name, { value, at: Date.now() });
  }
}

/** Local stand-in for Secrets Manager: one JSON file (mode 0600) under the data folder. */
export class FileSecretStore implements SecretStore {
  private data: Record<string, string> | undefined;
  constructor(private readonly file: string) {}

  private async load(): Promise<Record<string, string>> {
    if (this.data) return this.data;
    try {
      this.data = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, string>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.data = {};
    }
    return this.data;
  }

  async get(name: string): Promise<string> {
    const data = await this.load();
    const v = data[name];
    if (v === undefined) throw new Error(`Secret ${name} not found`);
    return v;
  }

  async put(name: string, value: string): Promise<void> {
    const data = await this.load();
    data[name] = value;
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 2), { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
