/**
 * What the demo keeps between `npm start` runs, in `$DATA_DIR/demo.json` (mode 0600, inside the
 * git-ignored data folder): the stand-in org's private signing key, so that its JWKS (and every
 * token it signed) stays valid across restarts, and per region the demo workspace with the
 * credentials the stand-in uses against it. It holds secrets: never commit it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { JWK } from 'jose';

/** The demo workspace of one region and the credentials wired to it. */
export interface DemoWorkspaceState {
  readonly workspaceId: string;
  /** The OIDC app registered in the stand-in for this workspace. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** The SCIM token the stand-in pushes with (shown once by the admin API, so kept here). */
  readonly scimToken: string;
  readonly scimTokenId: string;
  /** The workspace's second connection: the app registered in the Entra stand-in. */
  readonly entra?: DemoEntraState;
}

/** The Entra connection of the demo workspace and its app registration in the Entra stand-in. */
export interface DemoEntraState {
  readonly connectionId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface DemoState {
  readonly version: 1;
  /** The stand-in org's private RSA signing key (JWK with `kid`). */
  readonly signingKey?: JWK;
  /** The Entra stand-in's signing key and tenant id (its issuer is `…/{tenantId}/v2.0`). */
  readonly entraSigningKey?: JWK;
  readonly entraTenantId?: string;
  /** By region id (`us`, `eu`): several regions may share one data folder. */
  readonly workspaces: Readonly<Record<string, DemoWorkspaceState>>;
}

export const DEMO_STATE_FILE = 'demo.json';

export const demoStatePath = (dataDir: string): string => join(dataDir, DEMO_STATE_FILE);

const EMPTY: DemoState = { version: 1, workspaces: {} };

/** Reads the demo state; a missing file is an empty state, an unreadable one an error naming it. */
export async function loadDemoState(file: string): Promise<DemoState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
    throw new Error(`Cannot read ${file}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: delete it to start the demo afresh.`, { cause: err });
  }
  const obj = (raw ?? {}) as Partial<DemoState>;
  const workspaces: Record<string, DemoWorkspaceState> = {};
  for (const [region, ws] of Object.entries(obj.workspaces ?? {})) {
    if (isWorkspaceState(ws)) workspaces[region] = ws;
  }
  const validKey = (key: JWK | undefined): key is JWK => !!key && typeof key === 'object' && key.kty === 'RSA' && typeof key.d === 'string' && typeof key.kid === 'string';
  const tenant = typeof obj.entraTenantId === 'string' && /^[0-9a-f-]{36}$/i.test(obj.entraTenantId) ? obj.entraTenantId : undefined;
  return {
    version: 1,
    ...(validKey(obj.signingKey) ? { signingKey: obj.signingKey } : {}),
    ...(validKey(obj.entraSigningKey) ? { entraSigningKey: obj.entraSigningKey } : {}),
    ...(tenant ? { entraTenantId: tenant } : {}),
    workspaces,
  };
}

function isWorkspaceState(v: unknown): v is DemoWorkspaceState {
  const o = v as Record<string, unknown> | null;
  return (
    !!o &&
    typeof o.workspaceId === 'string' &&
    typeof o.clientId === 'string' &&
    typeof o.clientSecret === 'string' &&
    typeof o.scimToken === 'string' &&
    typeof o.scimTokenId === 'string' &&
    (o.entra === undefined || isEntraState(o.entra))
  );
}

function isEntraState(v: unknown): v is DemoEntraState {
  const o = v as Record<string, unknown> | null;
  return !!o && typeof o.connectionId === 'string' && typeof o.clientId === 'string' && typeof o.clientSecret === 'string';
}

/** Writes the state atomically (write, then rename) with owner-only permissions. */
export async function saveDemoState(file: string, state: DemoState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}
