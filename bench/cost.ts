/**
 * Benchmark 5: what imds-guard costs per month per account-region, the
 * previous design (every sweep re-imports every finding, every periodic
 * Config run puts every evaluation, one invocation per event) beside the new
 * one (publish what changed, put what differs, events in queue batches), in
 * the same run, from measured runs of the real code against the fake AWS:
 *
 * - sweeps (bench/sweep-child.ts): a first sweep (new design, state in S3),
 *   then one previous-design sweep and one new-design sweep of the unchanged
 *   estate: their calls, finding ingestions and GetMetricData metrics;
 * - the periodic Config run (bench/config-child.ts) twice: everything, then
 *   only the difference from what Config holds;
 * - refreshes: the real refresh rule (shared/findings/fingerprint.ts) over
 *   120 days of 6-hourly sweeps, the last 30 counted (steady state);
 * - a storm of 1,000 RunInstances events (bench/storm-child.ts), one
 *   invocation per event vs SQS batches.
 *
 * Monthly model: sweeps every 6 h (120/month), the Config periodic run every
 * 24 h (30/month), a daily change rate r: r × instances changed per day, each
 * published by the events function (2 findings) and evaluated once by the
 * change-triggered Config rule, in both designs. Lambda duration per
 * invocation = measured handler time at 0 ms per call + 50 ms per AWS call
 * (an upper bound: no call overlapped). List prices in PRICES, sources in docs/cost.md.
 *
 *   npx tsx bench/cost.ts [instances ...]
 */
import './env.js';
import { DAY_MS, refreshAgeMs } from '../shared/findings/fingerprint.js';
import { ACCOUNT, REGION, configurationName, instanceId, startFakeAws, templateId, type FakeAws } from './fake-aws.js';
import { estateFor, runSweepChild } from './sweep.js';
import { runChild } from './child.js';

/** List prices, us-east-1 (docs/cost.md gives the sources). */
export const PRICES = {
  /** Security Hub CSPM finding ingestion: first 10,000 per account-region-month free. */
  ingestionFree: 10_000,
  ingestion: 0.00003,
  /** AWS Config custom rule evaluations per account-region-month: tiers. */
  evaluationTiers: [
    [100_000, 0.001],
    [400_000, 0.0008],
    [Infinity, 0.0005],
  ] as const,
  /** CloudWatch GetMetricData, per metric requested. */
  metric: 0.01 / 1000,
  lambdaRequest: 0.2 / 1e6,
  /** arm64, first tier. */
  lambdaGbSecond: 0.0000133334,
  s3Get: 0.0004 / 1000,
  s3Put: 0.005 / 1000,
  sqsRequest: 0.4 / 1e6,
};

const SWEEPS_PER_MONTH = 120;
const CONFIG_RUNS_PER_MONTH = 30;
const DAYS = 30;
const MS_PER_CALL = 50;
const MEMORY_GB = { events: 0.5, 'config-rule': 0.5, sweep: 1 };
const BUCKET = 'imds-guard-bench-state';

export interface SweepRun {
  calls: Record<string, number>;
  total: number;
  ingestions: number;
  metrics: number;
  durationS: number;
}

export interface CostSize {
  instances: number;
  resources: number;
  first: SweepRun;
  previous: SweepRun;
  next: SweepRun;
  config: { previous: { puts: number; calls: number; durationS: number }; next: { puts: number; calls: number; durationS: number } };
  refreshesPerMonth: number;
}

function child(script: string, args: string[], url: string, env: Record<string, string> = {}): Promise<any> {
  return runChild(script, args, { AWS_ENDPOINT_URL: url, ...env });
}

const imports = (fake: FakeAws): number => [...fake.findings.values()].reduce((n, f) => n + f.imports, 0);
const sum = (calls: Record<string, number>): number => Object.values(calls).reduce((a, b) => a + b, 0);

async function measuredSweep(fake: FakeAws, env: Record<string, string>): Promise<SweepRun> {
  fake.reset();
  const before = imports(fake);
  const metricsBefore = fake.metricQueries.count;
  const run = await runSweepChild(fake.url, env);
  const calls = Object.fromEntries([...fake.calls].sort());
  const total = sum(calls);
  return { calls, total, ingestions: imports(fake) - before, metrics: fake.metricQueries.count - metricsBefore, durationS: (run.wallMs + total * MS_PER_CALL) / 1000 };
}

/** Resource keys of the bench estate, as shared/model.ts refKey writes them. */
function resourceKeys(fake: FakeAws): string[] {
  const k = (kind: string, id: string): string => `${ACCOUNT}/${REGION}/${kind}/${id}`;
  const keys: string[] = [];
  for (let i = 0; i < fake.estate.instances; i++) keys.push(k('instance', instanceId(i)));
  for (let t = 0; t < fake.estate.launchTemplates; t++) keys.push(k('launch-template', templateId(t)));
  for (let l = 0; l < fake.estate.launchConfigurations; l++) keys.push(k('launch-configuration', configurationName(l)));
  keys.push(k('account-defaults', ACCOUNT));
  return keys;
}

/** Findings refreshed in a steady-state month: the real rule, 6-hourly sweeps, days 90..120 counted. */
export function refreshesPerMonth(keys: readonly string[], refreshDays = 30, findingsPerResource = 2): number {
  const step = (24 / (SWEEPS_PER_MONTH / DAYS)) * 3600 * 1000;
  let count = 0;
  for (const key of keys) {
    const age = refreshAgeMs(key, refreshDays);
    let last = 0;
    for (let t = step; t <= 120 * DAY_MS; t += step) {
      if (t - last >= age) {
        last = t;
        if (t > 90 * DAY_MS) count++;
      }
    }
  }
  return count * findingsPerResource;
}

export async function benchCostSize(instances: number): Promise<CostSize> {
  const fake = await startFakeAws(estateFor(instances));
  try {
    const stateEnv = { IMDS_GUARD_STATE_BUCKET: BUCKET };
    const first = await measuredSweep(fake, stateEnv);
    const previous = await measuredSweep(fake, { BENCH_DESIGN: 'previous' });
    const next = await measuredSweep(fake, stateEnv);
    fake.reset();
    const runs = (await child('./config-child.ts', [], fake.url)) as { wallMs: number; calls: Record<string, number> }[];
    const evaluationsAfter = [...fake.evaluations.values()];
    // Every resource was put once by the first run; the second run adds its puts to those counts.
    const firstPuts = evaluationsAfter.length;
    const secondPuts = evaluationsAfter.reduce((n, c) => n + c, 0) - firstPuts;
    const [r0, r1] = runs as [(typeof runs)[number], (typeof runs)[number]];
    const config = {
      previous: { puts: firstPuts, calls: sum(r0.calls) - (r0.calls['config:GetComplianceDetailsByConfigRule'] ?? 0), durationS: (r0.wallMs + sum(r0.calls) * MS_PER_CALL) / 1000 },
      next: { puts: secondPuts, calls: sum(r1.calls), durationS: (r1.wallMs + sum(r1.calls) * MS_PER_CALL) / 1000 },
    };
    const keys = resourceKeys(fake);
    return { instances, resources: keys.length, first, previous, next, config, refreshesPerMonth: refreshesPerMonth(keys) };
  } finally {
    await fake.close();
  }
}

export interface StormResult {
  mode: string;
  invocations: number;
  calls: Record<string, number>;
  total: number;
  findingsOk: boolean;
  wallMs: number;
  payloadBytes: number;
}

/** 1,000 RunInstances events (every instance non-compliant): one invocation each, or SQS batches of `batch`. */
export async function benchStorm(events: number, batch: number): Promise<StormResult> {
  const fake = await startFakeAws({ instances: events + 10, launchTemplates: 1, launchConfigurations: 1, nonCompliantShare: 1 });
  try {
    const r = (await child('./storm-child.ts', [String(events), String(batch)], fake.url)) as Omit<StormResult, 'mode' | 'total' | 'findingsOk'>;
    let ok = true;
    for (let i = 1; i <= events; i++) {
      for (const check of ['imdsv2', 'hop-limit']) {
        const f = fake.findings.get(`imds-guard/${REGION}/${ACCOUNT}/instance/${instanceId(i)}/${check}`);
        if (!f || f.RecordState !== 'ACTIVE') ok = false;
      }
    }
    return { mode: batch > 0 ? `SQS batches of ${batch}` : 'one invocation per event', ...r, total: sum(r.calls), findingsOk: ok };
  } finally {
    await fake.close();
  }
}

interface Month {
  ingestions: number;
  evaluations: number;
  metrics: number;
  invocations: number;
  gbSeconds: number;
  s3Gets: number;
  s3Puts: number;
  sqsRequests: number;
}

function evaluationDollars(n: number): number {
  let left = n;
  let dollars = 0;
  let from = 0;
  for (const [upTo, price] of PRICES.evaluationTiers) {
    const inTier = Math.max(0, Math.min(left, upTo - from));
    dollars += inTier * price;
    left -= inTier;
    from = upTo;
  }
  return dollars;
}

function dollars(m: Month): Record<string, number> {
  const d = {
    ingestions: Math.max(0, m.ingestions - PRICES.ingestionFree) * PRICES.ingestion,
    evaluations: evaluationDollars(m.evaluations),
    metrics: m.metrics * PRICES.metric,
    lambda: m.invocations * PRICES.lambdaRequest + m.gbSeconds * PRICES.lambdaGbSecond,
    'S3 + SQS': m.s3Gets * PRICES.s3Get + m.s3Puts * PRICES.s3Put + m.sqsRequests * PRICES.sqsRequest,
  };
  return { ...d, total: Object.values(d).reduce((a, b) => a + b, 0) };
}

/** The month of one design at a daily change rate, from the measured runs. */
export function month(size: CostSize, storm: { eventDurationS: number }, design: 'previous' | 'new', rate: number): Month {
  const changes = Math.round(rate * size.instances) * DAYS; // instance changes per month
  const eventInvocations = changes; // conservative: changes spread over the day rarely share a batch
  const eventGbS = eventInvocations * storm.eventDurationS * MEMORY_GB.events;
  const configChangeGbS = changes * storm.eventDurationS * MEMORY_GB['config-rule'];
  if (design === 'previous') {
    return {
      ingestions: SWEEPS_PER_MONTH * size.previous.ingestions + 2 * changes,
      evaluations: CONFIG_RUNS_PER_MONTH * size.config.previous.puts + changes,
      metrics: SWEEPS_PER_MONTH * size.previous.metrics + changes,
      invocations: SWEEPS_PER_MONTH + CONFIG_RUNS_PER_MONTH + eventInvocations + changes,
      gbSeconds:
        SWEEPS_PER_MONTH * size.previous.durationS * MEMORY_GB.sweep + CONFIG_RUNS_PER_MONTH * size.config.previous.durationS * MEMORY_GB['config-rule'] + eventGbS + configChangeGbS,
      s3Gets: 0,
      s3Puts: 0,
      sqsRequests: 0,
    };
  }
  return {
    // Changes are imported once, by the events function; the sweep merges them from the read-back.
    ingestions: size.refreshesPerMonth + 2 * changes,
    evaluations: CONFIG_RUNS_PER_MONTH * size.config.next.puts + changes,
    metrics: SWEEPS_PER_MONTH * size.next.metrics + changes,
    invocations: SWEEPS_PER_MONTH + CONFIG_RUNS_PER_MONTH + eventInvocations + changes,
    gbSeconds: SWEEPS_PER_MONTH * size.next.durationS * MEMORY_GB.sweep + CONFIG_RUNS_PER_MONTH * size.config.next.durationS * MEMORY_GB['config-rule'] + eventGbS + configChangeGbS,
    s3Gets: SWEEPS_PER_MONTH,
    s3Puts: SWEEPS_PER_MONTH, // at most one per sweep, when something was published (refreshes make it most sweeps)
    sqsRequests: changes * 3, // send, receive, delete per event at worst
  };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n: number): string => `$${n < 10 ? fmt(n, 2) : fmt(n, 0)}`;

export function formatCost(sizes: CostSize[], storms: StormResult[]): string {
  const lines: string[] = [];
  const eventDurationS = (() => {
    const batched = storms.find((s) => s.mode === 'one invocation per event');
    return batched ? (batched.wallMs / batched.invocations + (batched.total / batched.invocations) * MS_PER_CALL) / 1000 : 0.3;
  })();
  for (const size of sizes) {
    lines.push(`cost: ${fmt(size.instances)} instances (${fmt(size.resources)} resources, ${fmt(2 * size.resources)} findings) — per account-region per month`);
    lines.push(
      `  sweep calls: first ${size.first.total}, unchanged re-run previous design ${size.previous.total} (${size.previous.ingestions} findings imported), ` +
        `new design ${size.next.total} (${size.next.ingestions} imported): ${Object.entries(size.next.calls).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    );
    lines.push(
      `  periodic Config run: previous design puts ${fmt(size.config.previous.puts)} evaluations every run; new design ${fmt(size.config.next.puts)} ` +
        `(${size.config.next.calls} calls, GetComplianceDetailsByConfigRule included); refreshes ${fmt(size.refreshesPerMonth)} findings/month`,
    );
    for (const rate of [0, 0.01]) {
      const prev = month(size, { eventDurationS }, 'previous', rate);
      const next = month(size, { eventDurationS }, 'new', rate);
      const dp = dollars(prev);
      const dn = dollars(next);
      lines.push(`  daily change ${rate * 100} %:${' '.repeat(22)}${'previous'.padStart(14)} ${'new'.padStart(12)}`);
      const row = (label: string, a: string, b: string): void => void lines.push(`    ${label.padEnd(34)} ${a.padStart(14)} ${b.padStart(12)}`);
      row('finding ingestions', fmt(prev.ingestions), fmt(next.ingestions));
      row('Config rule evaluations', fmt(prev.evaluations), fmt(next.evaluations));
      row('GetMetricData metrics', fmt(prev.metrics), fmt(next.metrics));
      row('Lambda invocations', fmt(prev.invocations), fmt(next.invocations));
      row('Lambda GB-seconds', fmt(prev.gbSeconds), fmt(next.gbSeconds));
      for (const k of Object.keys(dp)) row(`$ ${k}`, usd(dp[k] as number), usd(dn[k] as number));
      const ratio = (next.ingestions + next.evaluations) / (prev.ingestions + prev.evaluations);
      lines.push(`    ingestions + evaluations, new / previous: 1/${fmt(1 / ratio)}`);
    }
  }
  lines.push('storm: 1,000 RunInstances events (one new non-compliant instance each), detect mode');
  for (const s of storms) {
    lines.push(
      `  ${s.mode}: ${s.invocations} invocations, ${s.total} AWS calls (${Object.entries(s.calls).map(([k, v]) => `${k}=${v}`).join(', ')}); ` +
        `every instance has both findings: ${s.findingsOk ? 'yes' : 'NO'}${s.payloadBytes ? `; largest batch payload ${fmt(s.payloadBytes / 1024 / 1024, 2)} MB (Lambda limit 6 MB)` : ''}`,
    );
  }
  return lines.join('\n');
}

export async function benchCost(sizes: number[]): Promise<string> {
  const storms = [await benchStorm(1000, 0), await benchStorm(1000, 1000), await benchStorm(1000, 250)];
  const results: CostSize[] = [];
  for (const n of sizes) results.push(await benchCostSize(n));
  return formatCost(results, storms);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  benchCost(sizes.length ? sizes : [1000, 10_000, 50_000])
    .then((text) => console.log(text))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
