/**
 * Benchmark 6: `imds-guard scan --org --output jsonl` over an organization —
 * N accounts × 4 regions × 200 instances (plus 4 launch templates and 2
 * launch configurations per account-region) against the local fake at 50 ms
 * per call, default concurrency (8 account-regions at once). Reports the
 * calls made against the fewest the API limits allow (one AssumeRole per
 * member account included), wall time, and the peak RSS of the CLI process.
 * Several sizes side by side show whether memory grows with the number of
 * accounts (it should not: rows are written and released per account-region),
 * and the measured rate projects an organization of 1,000 accounts × 17
 * regions.
 *
 *   npx tsx bench/org.ts [accounts[,accounts…]] [regions] [instances] [ms per call] [concurrency]
 */
import './env.js';
import { DEFAULT_ORG_CONCURRENCY } from '../cli/args/options.js';
import { callsMade, startFakeAws, type CallsMade, type FakeAws } from './fake-aws.js';
import { estateFor } from './sweep.js';
import { childCost, runChild, type ChildCost } from './child.js';

export interface OrgBenchResult extends ChildCost, CallsMade {
  accounts: number;
  regions: number;
  instances: number;
  latencyMs: number;
  concurrency: number;
  rows: number;
  reportBytes: number;
  assumeRoleCalls: number;
  minimum: Record<string, number>;
  minimumDetail: string;
  /** Account-regions per migration stage, and the SEARCH calls made for them (one per account-region). */
  stages: Record<string, number>;
  searches: number;
}

interface Child extends ChildCost {
  code: number;
  rows: number;
  accounts: number;
  accountsOk: number;
  assumeRoleCalls: number;
  reportBytes: number;
  stages: Record<string, number>;
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];

/** The fewest calls: per account-region what a one-account scan needs, plus the organization's own. */
function minimumCalls(fake: FakeAws, accounts: number, regions: number): { minimum: Record<string, number>; detail: string } {
  const { instances: N, launchTemplates: T, launchConfigurations: L, latestDiffersEvery, nonCompliantShare } = fake.estate;
  const D = ceilDiv(T, latestDiffersEvery);
  const every = 1 / (nonCompliantShare || Infinity);
  let nonCompliant = 0;
  for (let i = 0; i < N; i++) if (Math.floor(i / every) !== Math.floor((i + 1) / every) || i % 20 === 0) nonCompliant++;
  const ar = accounts * regions;
  const ec2 = ceilDiv(N, 1000) + ceilDiv(T + D, 200) + ceilDiv(T, 200) + 1;
  // Launch configurations, and the Auto Scaling groups once per region for the report's "used by".
  const autoscaling = ceilDiv(L, 100) + 1;
  // The usage evidence of the non-compliant instances, and the migration stage's one account-wide SEARCH.
  const monitoring = ceilDiv(nonCompliant, 500) + 1;
  return {
    minimum: { ec2: ar * ec2, autoscaling: ar * autoscaling, monitoring: ar * monitoring, organizations: ceilDiv(accounts, 20), sts: 1 + (accounts - 1) },
    detail:
      `per account-region: ec2 ${ec2} (DescribeInstances, DescribeLaunchTemplateVersions, DescribeLaunchTemplates, GetInstanceMetadataDefaults), ` +
      `autoscaling ${autoscaling} (DescribeLaunchConfigurations, DescribeAutoScalingGroups once: the auto-scaling-group kind's listing ` +
      `also fills the templates' "used by"), monitoring ${monitoring} (GetMetricData: ceil(${nonCompliant}/500) per-instance + 1 SEARCH for the stage); ` +
      `organizations ListAccounts ceil(${accounts}/20); sts GetCallerIdentity 1 + AssumeRole ${accounts - 1} (one per member account, none for the caller's)`,
  };
}

function runOrgChild(url: string, regions: readonly string[], concurrency: number): Promise<Child> {
  return runChild<Child>('./org-child.ts', [], { AWS_ENDPOINT_URL: url, BENCH_REGIONS: regions.join(','), BENCH_CONCURRENCY: String(concurrency) });
}

export async function benchOrg(accounts = 50, regionCount = 4, instances = 200, latencyMs = 50, concurrency = DEFAULT_ORG_CONCURRENCY): Promise<OrgBenchResult> {
  const regions = REGIONS.slice(0, regionCount);
  const fake = await startFakeAws({ ...estateFor(instances), organizationAccounts: accounts }, { latencyMs });
  try {
    const child = await runOrgChild(fake.url, regions, concurrency);
    if (child.accountsOk !== accounts) throw new Error(`expected ${accounts} accounts read, got ${child.accountsOk}`);
    const { minimum, detail } = minimumCalls(fake, accounts, regions.length);
    return {
      accounts,
      regions: regions.length,
      instances,
      latencyMs,
      concurrency,
      ...childCost(child),
      rows: child.rows,
      reportBytes: child.reportBytes,
      assumeRoleCalls: child.assumeRoleCalls,
      stages: child.stages,
      searches: fake.metricSearches.count,
      ...callsMade(fake),
      minimum,
      minimumDetail: detail,
    };
  } finally {
    await fake.close();
  }
}

const total = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);

export function formatOrg(r: OrgBenchResult): string {
  const services = [...new Set([...Object.keys(r.minimum), ...Object.keys(r.calls)])].sort();
  const lines = [
    `scan --org: ${r.accounts} accounts × ${r.regions} regions × ${r.instances} instances, ${r.latencyMs} ms per call, concurrency ${r.concurrency} account-regions`,
    `  wall time ${(r.wallMs / 1000).toFixed(1)} s · CPU ${(r.cpuMs / 1000).toFixed(1)} s · peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB · ${r.rows.toLocaleString('en-US')} rows, JSON Lines ${(r.reportBytes / 2 ** 20).toFixed(1)} MiB (streamed)`,
    `  calls ${total(r.calls).toLocaleString('en-US')} (minimum ${total(r.minimum).toLocaleString('en-US')}); AssumeRole ${r.byOperation['sts:AssumeRole'] ?? 0} for ${r.accounts - 1} member accounts`,
    ...services.map((s) => `    ${s.padEnd(14)} ${String(r.calls[s] ?? 0).padStart(6)}  (minimum ${r.minimum[s] ?? 0})`),
    `  stage: ${Object.entries(r.stages).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'} · ${r.searches} SEARCH calls for ${r.accounts * r.regions} account-regions (${(r.searches / (r.accounts * r.regions)).toFixed(2)} per account-region)`,
    `  minimum: ${r.minimumDetail}`,
  ];
  return lines.join('\n');
}

/** Calls made per account-region: all but the organization's own (ListAccounts, AssumeRole) and the one GetCallerIdentity. */
function perAccountRegion(r: OrgBenchResult): number {
  const own = (r.byOperation['organizations:ListAccounts'] ?? 0) + (r.byOperation['sts:AssumeRole'] ?? 0) + (r.byOperation['sts:GetCallerIdentity'] ?? 0);
  return (total(r.calls) - own) / (r.accounts * r.regions);
}

/** Calls beyond one-account scans of every account-region: only the organization's own (ListAccounts, AssumeRole). */
function orgOverhead(r: OrgBenchResult): string {
  const listAccounts = r.byOperation['organizations:ListAccounts'] ?? 0;
  const assumeRole = r.byOperation['sts:AssumeRole'] ?? 0;
  return `ListAccounts ${listAccounts} (minimum ${r.minimum.organizations}), AssumeRole ${assumeRole} (one per member account: ${r.accounts - 1})`;
}

/** The same organization at several sizes, side by side, and the projection to 1,000 accounts × 17 regions. */
export function formatOrgScaling(results: readonly OrgBenchResult[], projectRegions = 17): string {
  const head = `${'accounts'.padStart(8)} ${'acct-regions'.padStart(12)} ${'rows'.padStart(9)} ${'wall s'.padStart(7)} ${'CPU s'.padStart(7)} ${'peak RSS'.padStart(9)} ${'calls'.padStart(7)} ${'minimum'.padStart(7)} ${'AssumeRole'.padStart(10)} ${'acct-regions/s'.padStart(14)}`;
  const lines = [`scan --org at several sizes (${results[0]?.regions ?? 4} regions × ${results[0]?.instances ?? 200} instances, ${results[0]?.latencyMs ?? 50} ms per call, concurrency ${results[0]?.concurrency ?? DEFAULT_ORG_CONCURRENCY}, --output jsonl)`, `  ${head}`];
  for (const r of results) {
    const ar = r.accounts * r.regions;
    lines.push(
      `  ${String(r.accounts).padStart(8)} ${String(ar).padStart(12)} ${r.rows.toLocaleString('en-US').padStart(9)} ${(r.wallMs / 1000).toFixed(1).padStart(7)} ${(r.cpuMs / 1000).toFixed(1).padStart(7)} ` +
        `${`${(r.maxRssKiB / 1024).toFixed(0)} MiB`.padStart(9)} ${String(total(r.calls)).padStart(7)} ${String(total(r.minimum)).padStart(7)} ${String(r.byOperation['sts:AssumeRole'] ?? 0).padStart(10)} ${(ar / (r.wallMs / 1000)).toFixed(1).padStart(14)}`,
    );
  }
  const smallest = results[0];
  const largest = results.at(-1);
  if (smallest && largest && largest !== smallest) {
    const growth = (largest.maxRssKiB / smallest.maxRssKiB - 1) * 100;
    lines.push(`  peak RSS at ${largest.accounts} accounts is ${growth >= 0 ? '+' : ''}${growth.toFixed(0)}% of the ${smallest.accounts}-account run (${(largest.accounts / smallest.accounts).toFixed(0)}x the accounts, ${(largest.rows / smallest.rows).toFixed(0)}x the rows)`);
  }
  for (const r of results) lines.push(`  ${r.accounts} accounts: the organization's own calls: ${orgOverhead(r)}; ${perAccountRegion(r).toFixed(2)} calls per account-region`);
  if (largest) {
    const ar = largest.accounts * largest.regions;
    const projected = largest.accounts * projectRegions;
    const perAr = perAccountRegion(largest);
    const rate = ar / (largest.wallMs / 1000);
    const latencyBound = Math.ceil(projected / largest.concurrency) * perAr * (largest.latencyMs / 1000);
    const cpuBound = (largest.cpuMs / ar) * projected / 1000;
    lines.push(
      `  projected ${largest.accounts} accounts × ${projectRegions} regions (${projected.toLocaleString('en-US')} account-regions) at the measured ${rate.toFixed(1)} account-regions/s: ${(projected / rate / 60).toFixed(0)} min`,
      `    bounded by latency: ${projected.toLocaleString('en-US')} account-regions ÷ ${largest.concurrency} at once × ${perAr.toFixed(0)} calls each × ${largest.latencyMs} ms = ${(latencyBound / 60).toFixed(0)} min if every call waited in turn;`,
      `    by CPU: ${(largest.cpuMs / ar).toFixed(0)} ms per account-region (SDK parsing, judging, writing; one event loop) × ${projected.toLocaleString('en-US')} = ${(cpuBound / 60).toFixed(0)} min`,
    );
  }
  return lines.join('\n');
}

/** 50, 200 and 1,000 accounts (or the sizes given), one after the other. */
export async function benchOrgScaling(sizes: readonly number[] = [50, 200, 1000], regions = 4, instances = 200, latencyMs = 50, concurrency = DEFAULT_ORG_CONCURRENCY): Promise<OrgBenchResult[]> {
  const out: OrgBenchResult[] = [];
  for (const accounts of sizes) out.push(await benchOrg(accounts, regions, instances, latencyMs, concurrency));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [sizes, ...rest] = process.argv.slice(2);
  const [g, n, ms, c] = rest.map(Number);
  const accounts = (sizes ?? '50').split(',').map(Number).filter((x) => x > 0);
  benchOrgScaling(accounts, g || 4, n || 200, ms ?? 50, c || DEFAULT_ORG_CONCURRENCY)
    .then((results) => {
      for (const r of results) {
        console.log(formatOrg(r));
        console.log(JSON.stringify(r.byOperation));
      }
      if (results.length > 1) console.log(`\n${formatOrgScaling(results)}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
