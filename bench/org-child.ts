/**
 * One `imds-guard scan --org` in its own process (spawned by bench/org.ts):
 * the real CLI wiring (runCli, default clients) against AWS_ENDPOINT_URL.
 * The JSON report is parsed and counted, not printed. Prints one JSON line.
 */
import './env.js';
import { runCli } from '../cli/run.js';
import type { ScanReport } from '../cli/scan.js';

const regions = (process.env.BENCH_REGIONS ?? 'us-east-1').split(',');
let stdout = '';
let stderr = '';
const started = performance.now();
const concurrency = process.env.BENCH_CONCURRENCY ? ['--concurrency', process.env.BENCH_CONCURRENCY] : [];
const code = await runCli(['scan', '--org', ...concurrency, ...regions.flatMap((r) => ['--region', r]), '--output', 'json'], {
  stdout: { write: (t: string) => (stdout += t) },
  stderr: { write: (t: string) => (stderr += t) },
  stdoutIsTTY: false,
  stderrIsTTY: false,
  stdinIsTTY: false,
  env: process.env,
  writeFile: async () => undefined,
  openFile: async () => ({ write: async () => undefined, close: async () => undefined }),
  confirm: async () => false,
});
const wallMs = performance.now() - started;
if (!stdout.startsWith('{')) {
  process.stderr.write(stderr);
  process.exit(3);
}
const report = JSON.parse(stdout) as ScanReport;
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    code,
    wallMs,
    maxRssKiB: usage.maxRSS,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    rows: report.rows.length,
    accounts: report.organization?.accounts.length ?? 0,
    accountsOk: report.organization?.accounts.filter((a) => a.status === 'ok').length ?? 0,
    assumeRoleCalls: report.organization?.assumeRoleCalls ?? 0,
    reportBytes: stdout.length,
  })}\n`,
);
