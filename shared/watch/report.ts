/**
 * Watch results as CloudWatch metrics (Powertools Metrics: an EMF log line,
 * no PutMetricData call). Namespace `imds-guard`, dimension `service`; the
 * `Rollbacks` metric feeds the member stack's rollback alarm (infra/stack.ts).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { WatchResult } from './index.js';

export const METRICS_NAMESPACE = 'imds-guard';
export const SERVICE_NAME = 'imds-guard';
export const ROLLBACK_METRIC = 'Rollbacks';

const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

export interface WatchSummary {
  watched: number;
  rolledBack: number;
  alerted: number;
  cleared: number;
  waiting: number;
  writeFailures: number;
}

export function summarize(results: readonly WatchResult[]): WatchSummary {
  const count = (f: (r: WatchResult) => boolean): number => results.filter(f).length;
  return {
    watched: results.length,
    // Counted when found, also outside enforce mode: the breakage happened either way.
    rolledBack: count((r) => r.action === 'rollback'),
    alerted: count((r) => r.action === 'alert'),
    cleared: count((r) => r.action === 'clear' && r.ok),
    waiting: count((r) => r.action === 'wait'),
    // A write that failed (retried next run); an unreadable record is reported, not retried in a loop.
    writeFailures: count((r) => !r.ok && r.wrote),
  };
}

export function publishWatchMetrics(summary: WatchSummary): void {
  metrics.addMetric(ROLLBACK_METRIC, MetricUnit.Count, summary.rolledBack + summary.alerted);
  metrics.addMetric('WatchCleared', MetricUnit.Count, summary.cleared);
  metrics.addMetric('WatchedInstances', MetricUnit.Count, summary.watched);
  metrics.addMetric('WatchWriteFailures', MetricUnit.Count, summary.writeFailures);
  metrics.publishStoredMetrics();
}
