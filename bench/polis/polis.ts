/**
 * Ory Polis (`@boxyhq/saml-jackson` 26.2.0) in this process, on the benchmark's DynamoDB Local,
 * behind a thin node:http shim modelled on Polis's own SCIM route (`pages/api/scim/v2.0/[...directory]`):
 * the same SCIM workload client then drives Polis and idp-bridge over loopback HTTP
 * (docs/reference/peer-bench.md describes the set-up).
 *
 * Polis lives in `bench/polis/node_modules` (274 MB), installed on demand with
 * `npm --prefix bench/polis install --ignore-scripts`, never in the root package.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const POLIS_VERSION = '26.2.0';

/** The slice of Polis's API the shim uses (its own `.d.ts` lives in bench/polis only). */
interface PolisRequest {
  method: string;
  body: unknown;
  directoryId: string;
  resourceType: string;
  resourceId: string | undefined;
  apiSecret: string | null;
  query: { count?: number; startIndex?: number; filter?: string };
}
interface PolisControllers {
  directorySyncController: {
    directories: {
      create(p: { name: string; tenant: string; product: string; type: string }): Promise<{ data: { id: string; scim: { secret: string } } | null; error: unknown }>;
    };
    requests: { handle(r: PolisRequest): Promise<{ status: number; data: unknown }> };
  };
}
type Jackson = (opts: Record<string, unknown>) => Promise<PolisControllers>;

/** Installs Polis into bench/polis when it is not there yet (skipping install scripts). */
export function ensurePolisInstalled(log: (s: string) => void): void {
  if (existsSync(join(here, 'node_modules', '@boxyhq', 'saml-jackson', 'package.json'))) return;
  log(`installing @boxyhq/saml-jackson@${POLIS_VERSION} into bench/polis (once; about 270 MB)…`);
  execFileSync('npm', ['--prefix', here, 'install', '--ignore-scripts', '--no-audit', '--no-fund'], { stdio: 'inherit', timeout: 600_000 });
}

/**
 * Counts Polis's DynamoDB calls by wrapping `send` of the DynamoDB client class Polis loads (an
 * integer increment per call: no effect on its timings). Call before `startPolis`.
 */
export function countPolisCalls(): () => number {
  const require = createRequire(createRequire(join(here, 'package.json')).resolve('@boxyhq/saml-jackson'));
  const { DynamoDBClient } = require('@aws-sdk/client-dynamodb') as { DynamoDBClient: { prototype: { send: (...args: unknown[]) => Promise<unknown> } } };
  let calls = 0;
  const original = DynamoDBClient.prototype.send;
  DynamoDBClient.prototype.send = function send(this: unknown, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  return () => calls;
}

export interface PolisServer {
  /** SCIM base URL of the benchmark directory, e.g. `http://127.0.0.1:1234/api/scim/v2.0/<id>`. */
  readonly baseUrl: string;
  readonly token: string;
  /** Another directory (tenant) with its own SCIM base URL and secret. */
  directory(name: string): Promise<{ baseUrl: string; token: string }>;
  close(): Promise<void>;
}

/** Starts Polis (dynamodb engine on `endpoint`) and its HTTP shim on 127.0.0.1. */
export async function startPolis(endpoint: string): Promise<PolisServer> {
  // Polis's DynamoDB client reads credentials from the environment; DynamoDB Local accepts any.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.BOXYHQ_NO_ANALYTICS = '1';
  const require = createRequire(join(here, 'package.json'));
  const mod = require('@boxyhq/saml-jackson') as { default?: Jackson } & Jackson;
  const jackson: Jackson = typeof mod.default === 'function' ? mod.default : mod;
  const controllers = await jackson({
    externalUrl: 'http://127.0.0.1',
    samlPath: '/api/oauth/saml',
    noAnalytics: true,
    db: { engine: 'dynamodb', url: endpoint, dynamodb: { region: 'us-east-1', readCapacityUnits: 5, writeCapacityUnits: 5 } },
  });
  const dsync = controllers.directorySyncController;
  const newDirectory = async (name: string) => {
    const dir = await dsync.directories.create({ name, tenant: name, product: 'bench', type: 'okta-scim-v2' });
    if (!dir.data) throw new Error(`Polis: creating the directory failed: ${JSON.stringify(dir.error)}`);
    return { id: dir.data.id, token: dir.data.scim.secret };
  };
  const first = await newDirectory('bench');

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: String(err) }));
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/api\/scim\/v2\.0\/([^/]+)\/(Users|Groups)(?:\/([^/]+))?\/?$/i.exec(url.pathname);
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const q = url.searchParams;
    // As Polis's route does: numbers parsed, the bearer secret passed through.
    const out = await dsync.requests.handle({
      method: req.method ?? 'GET',
      body: raw ? (JSON.parse(raw) as unknown) : undefined,
      directoryId: decodeURIComponent(m[1]!),
      resourceType: m[2]!.toLowerCase(),
      resourceId: m[3] ? decodeURIComponent(m[3]) : undefined,
      apiSecret: (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || null,
      query: {
        ...(q.get('count') ? { count: parseInt(q.get('count')!, 10) } : {}),
        ...(q.get('startIndex') ? { startIndex: parseInt(q.get('startIndex')!, 10) } : {}),
        ...(q.get('filter') ? { filter: q.get('filter')! } : {}),
      },
    });
    const body = out.data === undefined || out.status === 204 ? '' : JSON.stringify(out.data);
    res.writeHead(out.status, { 'content-type': 'application/scim+json' }).end(body);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const base = (id: string) => `http://127.0.0.1:${port}/api/scim/v2.0/${id}`;
  return {
    baseUrl: base(first.id),
    token: first.token,
    async directory(name: string) {
      const d = await newDirectory(name);
      return { baseUrl: base(d.id), token: d.token };
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
