/**
 * Benchmark 5: the watch (shared/watch) on real SDK clients against
 * the fake endpoint, 50 ms per call: calls and wall time of one scheduled run
 * with nothing watched, with N instances inside their window (no breakage),
 * and with N watched of which 1% rejected IMDSv1 calls (rolled back).
 * Minimum calls: DescribeInstances max(1, ceil(N/1000)); GetMetricData
 * ceil(N/500) when N > 0; 3 writes per rollback.
 *
 *   npx tsx bench/watch.ts [N…]
 */
import './env.js';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { DEFAULT_POLICY } from '../shared/policy.js';
import { runWatch } from '../shared/watch/index.js';
import { createRejectedCalls } from '../shared/watch/metrics.js';
import { instanceId, startFakeAws } from './fake-aws.js';

export interface WatchBenchRow {
  watched: number;
  rejectedShare: number;
  calls: Record<string, number>;
  ms: number;
  rolledBack: number;
}

export async function benchWatch(sizes: readonly number[], latencyMs = 50): Promise<WatchBenchRow[]> {
  const rows: WatchBenchRow[] = [];
  for (const n of [0, ...sizes]) {
    for (const share of n === 0 ? [0] : [0, 0.01]) {
      const fake = await startFakeAws({ instances: Math.max(n, 1000) * 5, launchTemplates: 1, launchConfigurations: 1 });
      try {
        const flipped = new Date(Date.now() - 3_600_000).toISOString();
        for (let i = 0; i < n; i++) {
          // every 5th instance of the estate is watched
          fake.instanceTags.set(i * 5, new Map([['imds-guard:flipped-at', flipped], ['imds-guard:previous', `at=${flipped};tokens=optional;hop=2;endpoint=enabled`]]));
          if (i % Math.round(1 / (share || 1e-9)) === 0 && share > 0) fake.rejected.add(instanceId(i * 5));
        }
        fake.setLatency(latencyMs);
        const config = { region: 'us-east-1', endpoint: fake.url };
        const ec2 = new EC2Client(config);
        const cw = new CloudWatchClient(config);
        const started = performance.now();
        const results = await runWatch({ ec2, rejectedCalls: createRejectedCalls(cw), policy: { ...DEFAULT_POLICY, mode: 'enforce' }, now: () => new Date() });
        const ms = performance.now() - started;
        rows.push({ watched: n, rejectedShare: share, calls: Object.fromEntries(fake.calls), ms, rolledBack: results.filter((r) => r.action === 'rollback' && r.ok).length });
        ec2.destroy();
        cw.destroy();
      } finally {
        await fake.close();
      }
    }
  }
  return rows;
}

export function formatWatch(rows: readonly WatchBenchRow[]): string {
  const lines = ['| watched | rejected | DescribeInstances | GetMetricData | CreateTags | Modify… | DeleteTags | rolled back | wall time |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const c = (k: string): number => r.calls[k] ?? 0;
    lines.push(
      `| ${r.watched} | ${(r.rejectedShare * 100).toFixed(0)}% | ${c('ec2:DescribeInstances')} | ${c('monitoring:GetMetricData')} | ${c('ec2:CreateTags')} | ${c('ec2:ModifyInstanceMetadataOptions')} | ${c('ec2:DeleteTags')} | ${r.rolledBack} | ${(r.ms / 1000).toFixed(2)} s |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  console.log(formatWatch(await benchWatch(sizes.length ? sizes : [1000, 10_000])));
}
