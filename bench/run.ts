/**
 * `npm run bench`: every benchmark, one process each (handlers keep one configuration per process,
 * so each bench runs its own local stack). Universal Logout first, then SCIM when `bench/scim.ts`
 * exists. Loopback only; each bench bounds its own size.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benches = ['cold-start.ts', 'logout.ts', 'scim.ts'].map((f) => join(here, f)).filter((f) => existsSync(f));

function run(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit', env: process.env });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file.slice(here.length + 1)} ==`);
  if ((await run(file)) !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
