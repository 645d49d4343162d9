/**
 * `npm start`: the whole stack on this machine, no AWS account and no Docker.
 *
 * Environment: `PORT` (default 8787), `DATA_DIR` (default `.data`), `ADMIN_API_KEY` (default: the
 * stored one, else a new random one), `REGION_ID` (default `us`), `APP_URL`, `PEER_REGIONS` (JSON),
 * `LOG_LEVEL`. Ctrl-C stops everything it started, DynamoDB Local included.
 */
import { performance } from 'node:perf_hooks';
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

async function main(): Promise<void> {
  const opts = optionsFromEnv(process.env);
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
      `  Data:       ${stack.dataDir} (DynamoDB Local at ${stack.endpoint})`,
      '',
      `  curl -H "Authorization: Bearer ${stack.adminKey}" -H 'content-type: application/json' -X POST ${stack.url}/api/admin/workspaces -d '{"name":"Acme"}'`,
      '',
      `ready in ${Math.round(performance.now())} ms (Ctrl-C stops)`,
    ].join('\n'),
  );
}

await main();
