/**
 * `npm start`: the whole stack on this machine, no AWS account and no Docker.
 *
 * Environment: `PORT` (default 8787), `DATA_DIR` (default `.data`), `ADMIN_API_KEY` (default: the
 * stored one, else a new random one), `REGION_ID` (default `us`), `APP_URL`, `PEER_REGIONS` (JSON),
 * `LOG_LEVEL`; `DEMO=0` skips the demo (the Okta and Entra stand-ins, the demo workspace and app),
 * `OKTA_PORT` picks the Okta stand-in's port (default `PORT` + 1000, so that it never takes the port
 * of a second region started at `PORT` + 1) and `ENTRA_PORT` the Entra stand-in's (default `PORT` + 2000). Ctrl-C stops everything it started, DynamoDB Local and the
 * stand-in included. If the DynamoDB Local JVM dies, a `[dynamodb]` line says so, the API answers
 * 503 meanwhile, and the JVM is restarted on the same port and data (dev/dynamodb-local.ts).
 */
import { performance } from 'node:perf_hooks';
import { startDemo, type Demo } from './demo/index.js';
import { startStack, type Stack, type StackOptions } from './stack.js';

function optionsFromEnv(env: NodeJS.ProcessEnv): StackOptions {
  const port = env.PORT ? Number(env.PORT) : 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const logLevel = env.LOG_LEVEL?.toUpperCase();
  let peerRegions: Record<string, string> | undefined;
  if (env.PEER_REGIONS) {
    try {
      peerRegions = JSON.parse(env.PEER_REGIONS) as Record<string, string>;
    } catch {
      throw new Error(`PEER_REGIONS must be a JSON object like {"eu":"http://127.0.0.1:8788"}`);
    }
  }
  return {
    port,
    dataDir: env.DATA_DIR || '.data',
    ...(env.ADMIN_API_KEY ? { adminKey: env.ADMIN_API_KEY } : {}),
    ...(env.REGION_ID ? { regionId: env.REGION_ID } : {}),
    ...(env.APP_URL ? { appUrl: env.APP_URL } : {}),
    ...(peerRegions ? { peerRegions } : {}),
    ...(logLevel === 'DEBUG' || logLevel === 'INFO' || logLevel === 'WARN' || logLevel === 'ERROR' ? { logLevel } : {}),
  };
}

/** A stand-in's port: the variable when set, else the API port plus an offset (0 = a free one). */
function standinPort(env: NodeJS.ProcessEnv, name: 'OKTA_PORT' | 'ENTRA_PORT', apiPort: number, offset: number): number {
  const v = env[name];
  if (v) {
    const p = Number(v);
    if (!Number.isInteger(p) || p < 0 || p > 65_535) throw new Error(`${name} must be a port number, got "${v}"`);
    return p;
  }
  return apiPort === 0 || apiPort + offset > 65_535 ? 0 : apiPort + offset;
}

/** Whether to start the demo, and the stand-ins' ports. */
function demoFromEnv(env: NodeJS.ProcessEnv, apiPort: number): { enabled: boolean; oktaPort: number; entraPort: number } {
  const enabled = !['0', 'false', 'off', 'no'].includes((env.DEMO ?? '').trim().toLowerCase());
  return { enabled, oktaPort: standinPort(env, 'OKTA_PORT', apiPort, 1000), entraPort: standinPort(env, 'ENTRA_PORT', apiPort, 2000) };
}

/**
 * The demo wiring: the stand-in and the demo workspace start once the API is healthy, and the
 * demo pages are served under `/demo-app` (the local APP_URL). A demo that cannot start is
 * reported, and the stack runs on without it.
 */
function withDemo(opts: StackOptions, ports: { oktaPort: number; entraPort: number }, onStarted: (demo: Demo) => void): StackOptions {
  let demo: Demo | undefined;
  return {
    ...opts,
    extraRoutes: (req, res) => (demo ? demo.serve(req, res) : Promise.resolve(false)),
    afterStart: async (info) => {
      try {
        demo = await startDemo({
          apiUrl: info.url,
          adminKey: info.adminKey,
          dataDir: info.dataDir,
          appUrl: `${info.url}/demo-app`,
          oktaPort: ports.oktaPort,
          entraPort: ports.entraPort,
          regionId: info.env.REGION_ID ?? 'us',
        });
      } catch (err) {
        console.warn(`[demo] not started (the API runs without it; DEMO=0 skips it): ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      onStarted(demo);
      const started = demo;
      return () => started.close();
    },
  };
}

function demoLines(demo: Demo, stack: Stack): string[] {
  const lines = [
    `  Demo app:   ${demo.appUrl}   (sign in as ${demo.user.email}, no password)`,
    `  Okta:       ${demo.controlUrl}   (stand-in org ${demo.okta.issuer}: provision, deactivate, Universal Logout)`,
    `  Entra ID:   ${demo.entraSignInUrl}   (stand-in tenant ${demo.entra.issuer}: sign in as ${demo.entraUser.email}, created just in time)`,
    `  Workspace:  Demo ${demo.workspaceId}${demo.created ? ' (created)' : ''}: two live connections, okta + ${demo.entraConnectionId}; chooser at ${demo.chooserUrl}`,
  ];
  if (stack.env.APP_URL && stack.env.APP_URL !== `${stack.url}/demo-app`) {
    lines.push(`  Note: APP_URL is ${stack.env.APP_URL}, so sign-ins end in that app, not in the demo app.`);
  }
  return lines;
}

async function main(): Promise<void> {
  const baseOpts = optionsFromEnv(process.env);
  const demoEnv = demoFromEnv(process.env, baseOpts.port ?? 8787);
  let demo: Demo | undefined;
  const opts = demoEnv.enabled ? withDemo(baseOpts, demoEnv, (d) => (demo = d)) : baseOpts;
  let stack: Stack | undefined;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl-C means "now": the exit hook of dynamodb-local.ts still kills the JVM.
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    void (stack?.stop() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  try {
    stack = await startStack(opts);
  } catch (err) {
    const message = (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? `Port ${opts.port} is in use: stop the other process or set PORT.`
      : err instanceof Error ? err.message : String(err);
    console.error(`npm start failed: ${message}`);
    process.exit(1);
  }
  if (stopping) return; // Ctrl-C during start-up: shutdown() owns the exit.

  console.log(
    [
      '',
      `idp-bridge (region ${stack.env.REGION_ID}) is running locally`,
      `  API:        ${stack.url}`,
      `  Admin UI:   ${stack.url}/admin`,
      `  Admin key:  ${stack.adminKey}`,
      `  Data:       ${stack.dataDir} (DynamoDB Local at ${stack.endpoint}${stack.database ? ', restarted if it dies' : ''})`,
      ...(stack.database && !stack.database.loopbackOnly
        ? ['  Note:       DynamoDB Local listens on every interface (this machine refuses a private network namespace: `unshare -rn`); firewall its port on shared networks.']
        : []),
      `  Events:     ${stack.eventsFile} (lifecycle events from the outbox, at least once; dedupe on eventId)`,
      ...(demo ? demoLines(demo, stack) : []),
      '',
      `  curl -H "Authorization: Bearer ${stack.adminKey}" -H 'content-type: application/json' -X POST ${stack.url}/api/admin/workspaces -d '{"name":"Acme"}'`,
      '',
      `ready in ${Math.round(performance.now())} ms (Ctrl-C stops)`,
    ].join('\n'),
  );
}

await main();
