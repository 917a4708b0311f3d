/**
 * Listings that had to fall back to smaller pages (shared/aws/pages.ts): each
 * one is logged, counted (`ListingsDegraded`, dimension `operation`) and kept
 * for the run that caused it, so a sweep's result can say it happened; the
 * run also remembers the smaller size, so its next listing of the same
 * operation starts there instead of timing out again. The run is found
 * through AsyncLocalStorage: `scan --org` runs many account-regions in one
 * process at once, and each must report (and remember) only its own.
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

interface Run {
  degraded: Degradation[];
  /** Operation → the page size it fell back to in this run. */
  sizes: Map<string, number>;
}

const runs = new AsyncLocalStorage<Run>();

/** Records that a listing falls back to a smaller page. */
export function recordDegradation(d: Degradation): void {
  logger.warn('listing timed out at this page size; trying smaller pages', { ...d });
  count('ListingsDegraded', 1, { name: 'operation', value: d.operation });
  const run = runs.getStore();
  if (!run) return;
  run.degraded.push({ ...d });
  run.sizes.set(d.operation, Math.min(d.to, run.sizes.get(d.operation) ?? d.to));
}

/** The page size this run already fell back to for `operation`, if any. */
export function rememberedPageSize(operation: string): number | undefined {
  return runs.getStore()?.sizes.get(operation);
}

/** Runs `body` and returns, with its result, the degradations recorded while it ran (its own only). */
export async function collectDegradations<T>(body: () => Promise<T>): Promise<{ result: T; degraded: Degradation[] }> {
  const run: Run = { degraded: [], sizes: new Map() };
  const result = await runs.run(run, body);
  return { result, degraded: run.degraded };
}
