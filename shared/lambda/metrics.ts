/**
 * The pipeline's counters (shared/observability/metrics.ts) as CloudWatch metrics, through
 * Powertools Metrics: embedded metric format on stdout, which CloudWatch Logs
 * turns into metrics without an API call. Namespace `imds-guard`. Each
 * handler calls `flushMetrics()` once per invocation, also when it fails.
 * POWERTOOLS_METRICS_DISABLED=true turns the output off.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { takeCounts } from '../observability/metrics.js';

export const METRICS_NAMESPACE = 'imds-guard';

let metrics: Metrics | undefined;

export function flushMetrics(): void {
  const counted = takeCounts();
  if (counted.length === 0) return;
  metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'imds-guard' });
  let plain = 0;
  for (const c of counted) {
    if (c.dimension) {
      // A metric with its own dimension is emitted on its own (EMF: dimensions apply to a whole record).
      const single = metrics.singleMetric();
      single.addDimension(c.dimension.name, c.dimension.value);
      single.addMetric(c.name, MetricUnit.Count, c.value);
    } else {
      metrics.addMetric(c.name, MetricUnit.Count, c.value);
      plain++;
    }
  }
  if (plain > 0) metrics.publishStoredMetrics();
}
