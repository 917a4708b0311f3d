/**
 * `npm run typecheck:infra`: type-checks sst.config.ts and infra/ against
 * SST's generated types. `sst install` writes them to .sst/platform (about
 * 45 s on a fresh clone, a few seconds afterwards; needs only the npm
 * registry), then tsc checks with tsconfig.sst.json.
 */
import { spawnSync } from 'node:child_process';

function run(command: string, args: string[], env: Record<string, string> = {}): void {
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env }, shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

run('npx', ['sst', 'install', '--stage', 'ci'], {
  SST_SKIP_DEPENDENCY_CHECK: 'true',
  SST_NO_BUN: '1',
  SST_TELEMETRY_DISABLED: '1',
});
run('npx', ['tsc', '-p', 'tsconfig.sst.json']);
