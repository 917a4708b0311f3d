/**
 * What a handler returns and when it must fail: a pipeline run that could not
 * publish everything is an error, so the event is retried rather than lost.
 */
import type { PipelineResult } from '../engine/pipeline.js';
import type { PublishResult } from '../engine/ports.js';
import { ImdsGuardError } from '../errors.js';

export interface HandlerResult {
  status: 'done' | 'ignored' | 'rejected';
  reason?: string;
  evaluated?: number;
  nonCompliant?: number;
  remediated?: number;
  findingsPublished?: number;
}

export class PublishError extends ImdsGuardError {
  override name = 'PublishError';
  constructor(readonly failed: PublishResult['failed']) {
    const shown = failed.slice(0, 10).map((f) => `${f.id}: ${f.error}`).join('; ');
    super(`${failed.length} item(s) could not be published: ${shown}${failed.length > 10 ? '; …' : ''}`);
  }
}

/** Throws when something could be published but was not (a sink that is switched off is logged, not retried). */
export function failIfUnpublished(...results: (PublishResult | undefined)[]): void {
  const failed = results.filter((r) => r?.unavailable === undefined).flatMap((r) => r?.failed ?? []);
  if (failed.length > 0) throw new PublishError(failed);
}

export function summarise(result: PipelineResult): HandlerResult {
  return {
    status: 'done',
    evaluated: result.reports.length,
    nonCompliant: result.reports.filter((r) => r.verdict.compliance === 'NON_COMPLIANT').length,
    remediated: result.reports.filter((r) => r.outcome?.status === 'remediated').length,
    findingsPublished: result.findings?.published ?? 0,
  };
}
