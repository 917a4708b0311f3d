/**
 * What a handler returns and when it must fail: a pipeline run that could not
 * publish everything is an error, so the event is retried rather than lost.
 */
import type { PipelineResult } from '../engine/pipeline.js';
import type { UnreadKind } from '../engine/unread.js';
import type { Degradation } from '../observability/degraded.js';

export interface HandlerResult {
  /** `partial`: some kinds could not be read (`unread`); the others were judged and published. */
  status: 'done' | 'partial' | 'ignored' | 'rejected';
  reason?: string;
  evaluated?: number;
  nonCompliant?: number;
  remediated?: number;
  findingsPublished?: number;
  unread?: UnreadKind[];
  degraded?: Degradation[];
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
