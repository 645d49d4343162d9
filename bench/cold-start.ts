/**
 * Bundle size and module init time of every Lambda, built the way CDK builds them (esbuild, ESM,
 * minified, AWS SDK and @smithy left to the runtime). Init is measured in a fresh Node process per
 * function: the time to import the bundle, which builds the dependencies of a cold start (config,
 * clients, repositories). Targets: ≤ 300 KB (SAML ≤ 1 MB) and ≤ 150 ms.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ENDPOINT_GROUPS } from '../lambdas/platform/routes.js';
import { TEST_ENV } from '../test/fixtures/config.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the project, so that the bundles resolve the AWS SDK from node_modules as Lambda's runtime provides it.
const out = mkdtempSync(join(root, '.bench-out-'));
const RUNS = 5;

const env = { ...process.env, ...TEST_ENV, AWS_REGION: 'us-east-1', LOG_LEVEL: 'ERROR' };

const rows: Record<string, string | number>[] = [];
try {
  for (const group of ENDPOINT_GROUPS) {
    const outfile = join(out, group, 'index.mjs');
    await build({
      entryPoints: [join(root, 'lambdas', group, 'handler.ts')],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*', '@smithy/*'],
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
      outfile,
      logLevel: 'error',
    });
    const probe = join(out, group, 'probe.mjs');
    writeFileSync(
      probe,
      `const t = performance.now(); const m = await import(${JSON.stringify(outfile)}); const ms = performance.now() - t;` +
        `if (typeof m.handler !== 'function') process.exit(2); console.log(ms.toFixed(1));`,
    );
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(process.execPath, [probe], { env, cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${group}: init failed: ${r.stderr}`);
      times.push(Number(r.stdout.trim()));
    }
    times.sort((a, b) => a - b);
    const kb = statSync(outfile).size / 1024;
    rows.push({ function: group, 'bundle KB': Number(kb.toFixed(1)), 'init ms (median of 5)': times[Math.floor(RUNS / 2)]!, 'init ms (max)': times[RUNS - 1]! });
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.table(rows);
console.log(JSON.stringify({ name: 'cold-start', rows }));
