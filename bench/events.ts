/**
 * Benchmark 2: one RunInstances event, end to end through functions/events.ts
 * (the real handler, real clients) against the fake endpoint: the AWS calls
 * it makes, how many of them are sequential round trips (the wall-time
 * difference between 50 ms and 0 ms per call, divided by 50 ms), and the
 * handler's own time with 0 ms latency. Each mode runs in a fresh process
 * (the policy is read at import), the fake in this one.
 *
 *   npx tsx bench/events.ts [--runs 15]
 */
import './env.js';
import { startFakeAws } from './fake-aws.js';
import { runChild } from './child.js';

export interface EventBenchResult {
  mode: string;
  runs: number;
  callsPerEvent: Record<string, number>;
  medianMs0: number;
  medianMs50: number;
  p90Ms0: number;
  roundTrips: number;
}

function child(url: string, mode: string, runs: number): Promise<{ ms0: number[]; ms50: number[]; calls: Record<string, number> }> {
  return runChild('./event-child.ts', [String(runs)], { AWS_ENDPOINT_URL: url, IMDS_GUARD_MODE: mode, IMDS_GUARD_USAGE_LOOKBACK_DAYS: '14' });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))] as number;

export async function benchEvents(runs = 15): Promise<EventBenchResult[]> {
  const results: EventBenchResult[] = [];
  for (const mode of ['detect', 'enforce']) {
    // Every instance HttpTokens=optional, so each event has something to report (and, in enforce mode, to fix).
    const fake = await startFakeAws({ instances: 10_000, launchTemplates: 1, launchConfigurations: 1, nonCompliantShare: 1 });
    try {
      const r = await child(fake.url, mode, runs);
      const m0 = median(r.ms0);
      const m50 = median(r.ms50);
      results.push({ mode, runs, callsPerEvent: r.calls, medianMs0: m0, medianMs50: m50, p90Ms0: p90(r.ms0), roundTrips: (m50 - m0) / 50 });
    } finally {
      await fake.close();
    }
  }
  return results;
}

export function formatEvents(results: EventBenchResult[]): string {
  const lines = ['per event: RunInstances (1 instance, HttpTokens=optional) -> functions/events.ts handler -> finding'];
  for (const r of results) {
    const total = Object.values(r.callsPerEvent).reduce((a, b) => a + b, 0);
    lines.push(`  mode ${r.mode}: ${total} AWS calls per event (${Object.entries(r.callsPerEvent).map(([k, v]) => `${k}=${v}`).join(', ')})`);
    lines.push(
      `    sequential round trips: ${r.roundTrips.toFixed(1)} (median ${r.medianMs50.toFixed(1)} ms at 50 ms/call - ${r.medianMs0.toFixed(1)} ms at 0 ms/call, / 50 ms)`,
    );
    lines.push(`    handler time excluding AWS latency: median ${r.medianMs0.toFixed(1)} ms, p90 ${r.p90Ms0.toFixed(1)} ms (${r.runs} warm invocations)`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--runs');
  benchEvents(i > 0 ? Number(process.argv[i + 1]) : 15)
    .then((r) => console.log(formatEvents(r)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
