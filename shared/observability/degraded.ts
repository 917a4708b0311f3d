/**
 * Listings that had to fall back to smaller pages (shared/aws/pages.ts): each
 * one is logged, counted (`ListingsDegraded`, dimension `operation`) and kept
 * for the run that caused it, so a sweep's result can say it happened. The
 * run is found through AsyncLocalStorage: `scan --org` runs many account-regions
 * in one process at once, and each must report only its own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { logger } from './log.js';
import { count } from './metrics.js';

export interface Degradation {
  /** `DescribeInstances`, … */
  operation: string;
  /** What was listed (`listing`, `$Default,$Latest of all templates`, …). */
  detail: string;
  /** The page size that timed out, and the one tried next. */
  from: number;
  to: number;
  /** Why: the error of the page that timed out, in words. */
  error: string;
}

const runs = new AsyncLocalStorage<Degradation[]>();

/** Records that a listing falls back to a smaller page. */
export function recordDegradation(d: Degradation): void {
  logger.warn('listing timed out at this page size; trying smaller pages', { ...d });
  count('ListingsDegraded', 1, { name: 'operation', value: d.operation });
  runs.getStore()?.push({ ...d });
}

/** Runs `body` and returns, with its result, the degradations recorded while it ran (its own only). */
export async function collectDegradations<T>(body: () => Promise<T>): Promise<{ result: T; degraded: Degradation[] }> {
  const degraded: Degradation[] = [];
  const result = await runs.run(degraded, body);
  return { result, degraded };
}
