/**
 * One `imds-guard scan --org --output jsonl` in its own process (spawned by
 * bench/org.ts): the real CLI wiring (runCli, default clients) against
 * AWS_ENDPOINT_URL. What the CLI writes is counted (lines, bytes) and
 * dropped, as a pipe to a file would take it; only the summary line is kept.
 * Prints one JSON line.
 */
import './env.js';
import { runCli } from '../cli/run.js';
import type { OrgScanSummary } from '../cli/org/scan.js';

const regions = (process.env.BENCH_REGIONS ?? 'us-east-1').split(',');
let lines = 0;
let bytes = 0;
let summary = '';
const stages: Record<string, number> = {};
let stderr = '';
const count = (t: string): void => {
  bytes += Buffer.byteLength(t);
  for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) lines += 1;
  if (t.startsWith('{"type":"summary"')) summary = t;
  // The migration stage of each account-region, from the account default's rows.
  for (const m of t.matchAll(/"stage":"([a-z]+)"/g)) stages[m[1]!] = (stages[m[1]!] ?? 0) + 1;
};
const started = performance.now();
const concurrency = process.env.BENCH_CONCURRENCY ? ['--concurrency', process.env.BENCH_CONCURRENCY] : [];
const code = await runCli(['scan', '--org', ...concurrency, ...regions.flatMap((r) => ['--region', r]), '--output', 'jsonl'], {
  stdout: { write: count },
  stderr: { write: (t: string) => (stderr += t) },
  stdoutIsTTY: false,
  stderrIsTTY: false,
  stdinIsTTY: false,
  env: process.env,
  writeFile: async () => undefined,
  openFile: async () => ({ write: async (t: string) => count(t), close: async () => undefined }),
  confirm: async () => false,
});
const wallMs = performance.now() - started;
if (!summary) {
  process.stderr.write(stderr);
  process.exit(3);
}
const report = JSON.parse(summary) as OrgScanSummary;
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    code,
    wallMs,
    maxRssKiB: usage.maxRSS,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    rows: lines - 1,
    accounts: report.organization.accounts.length,
    accountsOk: report.organization.accounts.filter((a) => a.status === 'ok').length,
    assumeRoleCalls: report.organization.assumeRoleCalls,
    reportBytes: bytes,
    stages,
  })}\n`,
);
