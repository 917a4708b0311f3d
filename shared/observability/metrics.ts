/**
 * What the pipeline counts, for CloudWatch metrics: verdicts by compliance,
 * findings published or failed, remediations by status, skips by the gate
 * that stopped them, failures by stage, listings that fell back to smaller
 * pages, kinds a run could not read; and per sweep the account-region's
 * migration stage (`Stage`, 1 with the dimension `stage`) and its blockers. Plain counters with no AWS or
 * Powertools import, so the CLI (which never publishes them) pays nothing;
 * the Lambda handlers flush them as embedded metric format (shared/lambda/metrics.ts).
 */

export type MetricName =
  | 'Verdicts'
  | 'FindingsPublished'
  | 'FindingsFailed'
  | 'Remediations'
  | 'Skips'
  | 'Failures'
  | 'Stage'
  | 'StageBlockers'
  | 'ListingsDegraded'
  | 'KindsUnread';

export interface Counted {
  name: MetricName;
  /** One dimension at most: each metric has one way to break it down. */
  dimension?: { name: string; value: string };
  value: number;
}

const counts = new Map<string, Counted>();

/** Adds `value` (default 1) to a counter. */
export function count(name: MetricName, value = 1, dimension?: { name: string; value: string }): void {
  if (!(value > 0)) return;
  const key = dimension ? `${name}\u0000${dimension.name}\u0000${dimension.value}` : name;
  const current = counts.get(key);
  if (current) current.value += value;
  else counts.set(key, { name, ...(dimension ? { dimension: { ...dimension } } : {}), value });
}

/** The counters so far, and a fresh start (one invocation's worth per flush). */
export function takeCounts(): Counted[] {
  const out = [...counts.values()];
  counts.clear();
  return out;
}
