/**
 * Benchmark 1: API economy and wall time of a full sweep, the REAL sweep
 * (shared/engine/sweep.ts wired as functions/sweep.ts wires it: real inventory,
 * loader, usage source and Security Hub sink on real SDK clients) against the
 * local fake AWS endpoint, at a fixed latency per call.
 *
 *   npx tsx bench/sweep.ts [instances ...] [--latency 50]
 *
 * Estate: N instances (30% HttpTokens=optional, 5% hop limit 3), N/50 launch
 * templates (every 10th with a `$Latest` newer than its default), N/100 launch
 * configurations, the account default, and N/100 stale findings of instances
 * that no longer exist (to be archived). Policy: the default (`detect`).
 */
import './env.js';
import { ACCOUNT, REGION, callsMade, instanceId, startFakeAws, type CallsMade, type Estate, type FakeAws } from './fake-aws.js';
import { childCost, runChild, type ChildCost } from './child.js';

export interface SweepBenchResult extends ChildCost, CallsMade {
  instances: number;
  latencyMs: number;
  minimum: Record<string, number>;
  minimumDetail: Record<string, string>;
  findings: number;
  evaluated: number;
  /** The account-region's migration stage, and the SEARCH calls made for it. */
  stage?: string;
  searches: number;
}

export function estateFor(instances: number): Estate {
  return { instances, launchTemplates: Math.ceil(instances / 50), launchConfigurations: Math.ceil(instances / 100) };
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** The fewest calls the API page and batch limits allow for this estate (what any sweep must at least make). */
export function minimumCalls(fake: FakeAws, stale: number, hopLimitCeiling = 2): { minimum: Record<string, number>; detail: Record<string, string> } {
  const { instances: N, launchTemplates: T, launchConfigurations: L, latestDiffersEvery } = fake.estate;
  const D = ceilDiv(T, latestDiffersEvery); // templates whose $Latest is not their default
  let nonCompliant = 0;
  const every = 1 / (fake.estate.nonCompliantShare || Infinity);
  for (let i = 0; i < N; i++) {
    const optional = Math.floor(i / every) !== Math.floor((i + 1) / every);
    const hop = i % 20 === 0 ? 3 : 2;
    if (optional || hop > hopLimitCeiling) nonCompliant++;
  }
  const resources = N + T + L + 1;
  const findings = 2 * resources; // two checks (imdsv2, hop-limit) per resource
  const ec2 = ceilDiv(N, 1000) + ceilDiv(T + D, 200) + ceilDiv(T, 200) + 1;
  const autoscaling = ceilDiv(L, 100);
  // The usage evidence of the non-compliant instances, and the migration stage's one account-wide SEARCH.
  const monitoring = ceilDiv(nonCompliant, 500) + 1;
  const importCalls = ceilDiv(findings + 2 * stale, 100);
  const getFindings = Math.max(1, ceilDiv(2 * stale, 100));
  return {
    minimum: { ec2, autoscaling, monitoring, securityhub: importCalls + getFindings },
    detail: {
      ec2: `DescribeInstances ceil(${N}/1000) + DescribeLaunchTemplateVersions($Default+$Latest of all) ceil((${T}+${D})/200) + DescribeLaunchTemplates ceil(${T}/200) + GetInstanceMetadataDefaults 1`,
      autoscaling: `DescribeLaunchConfigurations ceil(${L}/100)`,
      monitoring: `GetMetricData ceil(${nonCompliant} non-compliant instances/500) + 1 SEARCH (the migration stage)`,
      securityhub: `BatchImportFindings ceil((${findings} + ${2 * stale} archived)/100) + GetFindings(not updated this run) max(1, ceil(${2 * stale}/100))`,
    },
  };
}

/** Findings of instances that are gone, as a previous run would have left them. */
export function seedStaleFindings(fake: FakeAws, count: number): void {
  const productArn = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
  for (let k = 0; k < count; k++) {
    const id = instanceId(fake.estate.instances + 1_000_000 + k);
    for (const check of ['imdsv2', 'hop-limit']) {
      const findingId = `imds-guard/${REGION}/${ACCOUNT}/instance/${id}/${check}`;
      fake.findings.set(findingId, {
        Id: findingId,
        ProductArn: productArn,
        GeneratorId: `imds-guard/${check}`,
        AwsAccountId: ACCOUNT,
        ProductFields: { 'imds-guard/kind': 'instance', 'imds-guard/id': id, 'imds-guard/check': check },
        RecordState: 'ACTIVE',
        ComplianceStatus: 'FAILED',
        UpdatedAt: '2025-01-01T00:00:00.000Z',
        imports: 1,
        notes: 0,
      });
    }
  }
}

export interface ChildResult extends ChildCost {
  summary: { evaluated: number; archived: number; stage?: string };
}

/** Runs bench/sweep-child.ts in a fresh Node process against `url`. */
export function runSweepChild(url: string, extraEnv: Record<string, string> = {}): Promise<ChildResult> {
  return runChild<ChildResult>('./sweep-child.ts', [], { AWS_ENDPOINT_URL: url, ...extraEnv });
}

/** Runs one sweep (in a child process) against a fresh fake in this process. */
export async function benchSweep(instances: number, latencyMs: number): Promise<SweepBenchResult> {
  const fake = await startFakeAws(estateFor(instances), { latencyMs });
  try {
    const stale = Math.ceil(instances / 100);
    seedStaleFindings(fake, stale);
    const child = await runSweepChild(fake.url);
    const { minimum, detail } = minimumCalls(fake, stale);
    const archived = [...fake.findings.values()].filter((f) => f.RecordState === 'ARCHIVED').length;
    if (archived !== 2 * stale) throw new Error(`expected ${2 * stale} archived findings, found ${archived}`);
    return {
      instances,
      latencyMs,
      ...childCost(child),
      ...callsMade(fake),
      minimum,
      minimumDetail: detail,
      findings: fake.findings.size,
      evaluated: child.summary.evaluated,
      ...(child.summary.stage ? { stage: child.summary.stage } : {}),
      searches: fake.metricSearches.count,
    };
  } finally {
    await fake.close();
  }
}

export function formatSweep(r: SweepBenchResult): string {
  const lines: string[] = [];
  const inst = r.instances;
  lines.push(
    `sweep: ${inst} instances, ${Math.ceil(inst / 50)} launch templates, ${Math.ceil(inst / 100)} launch configurations; ` +
      `${r.latencyMs} ms per call; ${r.evaluated} resources evaluated, ${r.findings} findings stored`,
  );
  lines.push(`  ${'service'.padEnd(12)} ${'calls'.padStart(6)} ${'minimum'.padStart(8)} ${'over'.padStart(7)}`);
  let total = 0;
  let totalMin = 0;
  for (const service of Object.keys(r.minimum)) {
    const calls = r.calls[service] ?? 0;
    const min = r.minimum[service] ?? 0;
    total += calls;
    totalMin += min;
    lines.push(`  ${service.padEnd(12)} ${String(calls).padStart(6)} ${String(min).padStart(8)} ${pct(calls, min).padStart(7)}`);
  }
  for (const [service, calls] of Object.entries(r.calls)) {
    if (!(service in r.minimum)) {
      total += calls;
      lines.push(`  ${service.padEnd(12)} ${String(calls).padStart(6)} ${'0'.padStart(8)}   (unexpected)`);
    }
  }
  lines.push(`  ${'total'.padEnd(12)} ${String(total).padStart(6)} ${String(totalMin).padStart(8)} ${pct(total, totalMin).padStart(7)}`);
  lines.push(`  by operation: ${Object.entries(r.byOperation).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  lines.push(`  stage: ${r.stage ?? 'not computed'} · ${r.searches} SEARCH call${r.searches === 1 ? '' : 's'} for it (of the monitoring calls above)`);
  lines.push(
    `  wall time: ${(r.wallMs / 1000).toFixed(2)} s (sum of call latencies ${((total * r.latencyMs) / 1000).toFixed(1)} s; ` +
      `sweep process CPU ${(r.cpuMs / 1000).toFixed(2)} s, peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB)`,
  );
  return lines.join('\n');
}

function pct(calls: number, min: number): string {
  if (min === 0) return calls === 0 ? '+0.0%' : 'n/a';
  const p = ((calls - min) / min) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

export function minimumNotes(r: SweepBenchResult): string {
  return Object.entries(r.minimumDetail).map(([s, d]) => `  minimum ${s}: ${d}`).join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const li = args.indexOf('--latency');
  const latency = li >= 0 ? Number(args[li + 1]) : 50;
  const sizes = args.filter((a, i) => i !== li && i !== li + 1).map(Number).filter((n) => n > 0);
  for (const n of sizes.length ? sizes : [1000, 10_000, 50_000]) {
    const r = await benchSweep(n, latency);
    console.log(formatSweep(r));
    console.log(minimumNotes(r));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
