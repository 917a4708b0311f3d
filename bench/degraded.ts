/**
 * Benchmark 8: a sweep against an endpoint whose listings slow down with the
 * page size — a full page (1000 instances, 200 template versions, 100
 * configurations or findings) passes the request timeout, a fifth of it does
 * not. The same sweep (bench/sweep-child.ts, the real wiring) runs twice on a
 * fresh fake each time: with the default request timeout (nothing times out:
 * the normal sweep) and with a timeout below the full-page latency (the
 * listings degrade to smaller pages). Prints both runs' calls and wall time,
 * the listings that degraded, and whether the findings stored are the same.
 *
 *   npx tsx bench/degraded.ts [instances] [--full-page-ms 1500] [--timeout-ms 1000]
 */
import './env.js';
import { FINGERPRINT_FIELD } from '../shared/findings/fingerprint.js';
import type { Degradation } from '../shared/observability/degraded.js';
import { callsMade, startFakeAws, type CallsMade, type FakeAws } from './fake-aws.js';
import { childCost, runChild, type ChildCost } from './child.js';
import { estateFor, seedStaleFindings } from './sweep.js';

interface Child extends ChildCost {
  summary: { evaluated: number; archived: number; findingsPublished: number; degraded?: Degradation[]; unread?: unknown[] };
}

export interface DegradedRun extends ChildCost, CallsMade {
  timeoutMs: number;
  evaluated: number;
  archived: number;
  degraded: Degradation[];
  /** Finding Id → what it says (compliance, record state, fingerprint of its content). */
  findings: Map<string, string>;
}

export interface DegradedBenchResult {
  instances: number;
  latencyMs: number;
  fullPageMs: number;
  normal: DegradedRun;
  degraded: DegradedRun;
  sameFindings: boolean;
}

function findingsOf(fake: FakeAws): Map<string, string> {
  return new Map([...fake.findings.values()].map((f) => [f.Id, `${f.ComplianceStatus ?? ''}|${f.RecordState}|${f.ProductFields[FINGERPRINT_FIELD] ?? ''}`]));
}

async function once(instances: number, latencyMs: number, fullPageMs: number, timeoutMs: number | undefined): Promise<DegradedRun> {
  const fake = await startFakeAws(estateFor(instances), { latencyMs, pageLatency: { fullPageMs } });
  try {
    seedStaleFindings(fake, Math.ceil(instances / 100));
    const env: Record<string, string> = { AWS_ENDPOINT_URL: fake.url };
    if (timeoutMs !== undefined) env.IMDS_GUARD_REQUEST_TIMEOUT_MS = String(timeoutMs);
    const child = await runChild<Child>('./sweep-child.ts', [], env);
    if (child.summary.unread) throw new Error(`the sweep could not read every kind: ${JSON.stringify(child.summary.unread)}`);
    return {
      timeoutMs: timeoutMs ?? 10_000,
      ...childCost(child),
      ...callsMade(fake),
      evaluated: child.summary.evaluated,
      archived: child.summary.archived,
      degraded: child.summary.degraded ?? [],
      findings: findingsOf(fake),
    };
  } finally {
    await fake.close();
  }
}

function same(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([id, v]) => b.get(id) === v);
}

export async function benchDegraded(instances = 5000, latencyMs = 50, fullPageMs = 1500, timeoutMs = 1000): Promise<DegradedBenchResult> {
  if (!(fullPageMs > timeoutMs && fullPageMs / 5 < timeoutMs)) throw new Error('choose a full-page latency above the timeout and a fifth of it below');
  const normal = await once(instances, latencyMs, fullPageMs, undefined);
  const degraded = await once(instances, latencyMs, fullPageMs, timeoutMs);
  return { instances, latencyMs, fullPageMs, normal, degraded, sameFindings: same(normal.findings, degraded.findings) };
}

export function formatDegraded(r: DegradedBenchResult): string {
  const total = (run: DegradedRun): number => Object.values(run.calls).reduce((a, b) => a + b, 0);
  const ops = [...new Set([...Object.keys(r.normal.byOperation), ...Object.keys(r.degraded.byOperation)])].sort();
  const lines = [
    `degraded sweep: ${r.instances} instances (${Math.ceil(r.instances / 50)} templates, ${Math.ceil(r.instances / 100)} configurations); ` +
      `${r.latencyMs} ms per call + up to ${r.fullPageMs} ms for a full listing page (proportional to the page size)`,
    `  ${'run'.padEnd(34)} ${'calls'.padStart(6)} ${'wall'.padStart(8)} ${'evaluated'.padStart(10)} ${'findings'.padStart(9)}`,
  ];
  for (const [name, run] of [
    [`normal (timeout ${r.normal.timeoutMs} ms)`, r.normal],
    [`degraded (timeout ${r.degraded.timeoutMs} ms)`, r.degraded],
  ] as const) {
    lines.push(`  ${name.padEnd(34)} ${String(total(run)).padStart(6)} ${`${(run.wallMs / 1000).toFixed(2)} s`.padStart(8)} ${String(run.evaluated).padStart(10)} ${String(run.findings.size).padStart(9)}`);
  }
  lines.push(`  findings equal to the normal sweep's (id, compliance, record state, content fingerprint): ${r.sameFindings ? 'yes' : 'NO'}`);
  lines.push('  calls by operation (normal → degraded, timed-out attempts included):');
  for (const op of ops) {
    const a = r.normal.byOperation[op] ?? 0;
    const b = r.degraded.byOperation[op] ?? 0;
    lines.push(`    ${op.padEnd(44)} ${String(a).padStart(5)} → ${String(b).padStart(5)}${b !== a ? ` (${b > a ? '+' : ''}${b - a})` : ''}`);
  }
  lines.push(`  listings that fell back to smaller pages: ${r.degraded.degraded.length === 0 ? 'none' : ''}`);
  for (const d of r.degraded.degraded) lines.push(`    ${d.operation} (${d.detail}): ${d.from} → ${d.to}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const instances = Number(args.find((a, i) => /^\d+$/.test(a) && !args[i - 1]?.startsWith('--')) ?? 5000);
  console.log(formatDegraded(await benchDegraded(instances, 50, flag('--full-page-ms', 1500), flag('--timeout-ms', 1000))));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
