/**
 * Watch results as CloudWatch metrics (Powertools Metrics: an EMF log line,
 * no PutMetricData call). Namespace `imds-guard`, dimension `service`.
 *
 * | metric            | counts                                                                 |
 * |-------------------|------------------------------------------------------------------------|
 * | Breakages         | breakages found after a change, once each (rolled back, alerted, or a rollback that failed); the rollback alarm (infra/stack.ts) watches it |
 * | Rollbacks         | rollbacks that happened: restored and read back, nothing else           |
 * | RollbackFailures  | rollbacks tried that did not restore (AWS error, read-back differs)      |
 * | WatchWriteFailures| writes that failed and are retried at the next run                      |
 * | RefusedLaunches   | launches AWS refused because of enforcement, inside a graduation's guard window |
 * | EnforcementRollbacks | HttpTokensEnforced switched off again by the watch and read back     |
 * | EnforcementRollbackFailures | a switch-off tried that did not happen                        |
 *
 * Breakages also counts the first refused launch of a graduation's window.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { WatchResult } from './index.js';
import type { AccountWatchResult } from './account/watch.js';

export const METRICS_NAMESPACE = 'imds-guard';
export const SERVICE_NAME = 'imds-guard';
export const ROLLBACK_METRIC = 'Rollbacks';
/** What the rollback alarm watches: a person should look, whatever became of the rollback. */
export const BREAKAGE_METRIC = 'Breakages';
export const ROLLBACK_FAILURE_METRIC = 'RollbackFailures';

const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

export interface WatchSummary {
  watched: number;
  /** Breakages seen for the first time (a retried rollback is not a new breakage). */
  breakages: number;
  /** Restored and read back. */
  rolledBack: number;
  /** Tried and not restored (refused, failed, or not confirmed). */
  rollbackFailures: number;
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
    breakages: count((r) => (r.action === 'rollback' || r.action === 'alert') && r.firstSeen !== false),
    rolledBack: count((r) => r.rollback === 'restored'),
    rollbackFailures: count((r) => r.rollback === 'failed' || r.rollback === 'refused'),
    alerted: count((r) => r.action === 'alert'),
    cleared: count((r) => r.action === 'clear' && r.ok),
    waiting: count((r) => r.action === 'wait'),
    // A write that failed and is retried next run; a refusal for good is reported once, not retried.
    writeFailures: count((r) => !r.ok && r.wrote && r.rollback !== 'refused'),
  };
}

/** The instance watch's summary and, where it ran, the watch after graduation's result, in one EMF record. */
export function publishWatchMetrics(summary: WatchSummary, account?: AccountWatchResult): void {
  metrics.addMetric(BREAKAGE_METRIC, MetricUnit.Count, summary.breakages + (account?.breakage ? 1 : 0));
  if (account) {
    metrics.addMetric('RefusedLaunches', MetricUnit.Count, account.refused);
    metrics.addMetric('EnforcementRollbacks', MetricUnit.Count, account.rolledBack ? 1 : 0);
    metrics.addMetric('EnforcementRollbackFailures', MetricUnit.Count, account.rollbackFailed ? 1 : 0);
  }
  metrics.addMetric(ROLLBACK_METRIC, MetricUnit.Count, summary.rolledBack);
  metrics.addMetric(ROLLBACK_FAILURE_METRIC, MetricUnit.Count, summary.rollbackFailures);
  metrics.addMetric('WatchCleared', MetricUnit.Count, summary.cleared);
  metrics.addMetric('WatchedInstances', MetricUnit.Count, summary.watched);
  metrics.addMetric('WatchWriteFailures', MetricUnit.Count, summary.writeFailures);
  metrics.publishStoredMetrics();
}
