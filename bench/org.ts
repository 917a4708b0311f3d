/**
 * Benchmark 5: `imds-guard scan --org` over an organization — 50 accounts ×
 * 4 regions × 200 instances (plus 4 launch templates and 2 launch
 * configurations per account-region) against the local fake at 50 ms per
 * call, default concurrency (8 account-regions at once). Reports the calls
 * made against the fewest the API limits allow (one AssumeRole per member
 * account included), wall time, and the peak RSS of the CLI process.
 *
 *   npx tsx bench/org.ts [accounts] [regions] [instances] [ms per call] [concurrency]
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
}

interface Child extends ChildCost {
  code: number;
  rows: number;
  accounts: number;
  accountsOk: number;
  assumeRoleCalls: number;
  reportBytes: number;
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
  const monitoring = ceilDiv(nonCompliant, 500);
  return {
    minimum: { ec2: ar * ec2, autoscaling: ar * autoscaling, monitoring: ar * monitoring, organizations: ceilDiv(accounts, 20), sts: 1 + (accounts - 1) },
    detail:
      `per account-region: ec2 ${ec2} (DescribeInstances, DescribeLaunchTemplateVersions, DescribeLaunchTemplates, GetInstanceMetadataDefaults), ` +
      `autoscaling ${autoscaling} (DescribeLaunchConfigurations, DescribeAutoScalingGroups once: the auto-scaling-group kind's listing ` +
      `also fills the templates' "used by"), monitoring ${monitoring} (GetMetricData); ` +
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
      ...callsMade(fake),
      minimum,
      minimumDetail: detail,
    };
  } finally {
    await fake.close();
  }
}

export function formatOrg(r: OrgBenchResult): string {
  const total = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);
  const services = [...new Set([...Object.keys(r.minimum), ...Object.keys(r.calls)])].sort();
  const lines = [
    `scan --org: ${r.accounts} accounts × ${r.regions} regions × ${r.instances} instances, ${r.latencyMs} ms per call, concurrency ${r.concurrency} account-regions`,
    `  wall time ${(r.wallMs / 1000).toFixed(1)} s · CPU ${(r.cpuMs / 1000).toFixed(1)} s · peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB · ${r.rows.toLocaleString('en-US')} rows, JSON report ${(r.reportBytes / 2 ** 20).toFixed(1)} MiB`,
    `  calls ${total(r.calls).toLocaleString('en-US')} (minimum ${total(r.minimum).toLocaleString('en-US')}); AssumeRole ${r.byOperation['sts:AssumeRole'] ?? 0} for ${r.accounts - 1} member accounts`,
    ...services.map((s) => `    ${s.padEnd(14)} ${String(r.calls[s] ?? 0).padStart(6)}  (minimum ${r.minimum[s] ?? 0})`),
    `  minimum: ${r.minimumDetail}`,
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [a, g, n, ms, c] = process.argv.slice(2).map(Number);
  benchOrg(a || 50, g || 4, n || 200, ms ?? 50, c || DEFAULT_ORG_CONCURRENCY)
    .then((r) => {
      console.log(formatOrg(r));
      console.log(JSON.stringify(r.byOperation));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
