/**
 * The full reconcile of one account and region, page by page so that the
 * estate is never held in memory: judge and publish every resource, then
 * archive the findings of resources that no longer exist.
 */
import { logger } from './log.js';
import type { ResourceRef, Subject } from './model.js';
import { processSubjects, refKey, type PipelineDeps } from './pipeline.js';
import type { Inventory, PublishResult } from './ports.js';
import { failIfUnpublished } from './results.js';

/** Lists the resources that have an active imds-guard finding. */
export interface ActiveFindingIndex {
  activeRefs(): Promise<ResourceRef[]>;
}

export interface SweepInput {
  inventory: Inventory;
  deps: PipelineDeps;
  activeFindings?: ActiveFindingIndex;
}

export interface SweepSummary {
  evaluated: number;
  nonCompliant: number;
  remediated: number;
  findingsPublished: number;
  archived: number;
}

export async function sweep({ inventory, deps, activeFindings }: SweepInput): Promise<SweepSummary> {
  const summary: SweepSummary = { evaluated: 0, nonCompliant: 0, remediated: 0, findingsPublished: 0, archived: 0 };
  const seen = new Set<string>();
  const published: (PublishResult | undefined)[] = [];

  async function judge(subjects: Subject[]): Promise<void> {
    const result = await processSubjects(subjects, deps);
    for (const { verdict, outcome } of result.reports) {
      seen.add(refKey(verdict.ref));
      summary.evaluated += 1;
      if (verdict.compliance === 'NON_COMPLIANT') summary.nonCompliant += 1;
      if (outcome?.status === 'remediated') summary.remediated += 1;
    }
    summary.findingsPublished += result.findings?.published ?? 0;
    published.push(result.findings, result.annotations);
  }

  for (const pages of [inventory.instances(), inventory.launchTemplates(), inventory.launchConfigurations()]) {
    for await (const page of pages) {
      await judge(page);
      logger.debug('sweep page', { size: page.length, evaluated: summary.evaluated });
    }
  }
  await judge([await inventory.accountDefaults()]);

  if (deps.findings && activeFindings) {
    const gone = (await activeFindings.activeRefs()).filter((ref) => !seen.has(refKey(ref)));
    if (gone.length > 0) {
      const archived = await deps.findings.archive(gone);
      summary.archived = archived.published;
      published.push(archived);
    }
  }
  // Everything that could be done is done; what could not is an error, so the run is visible and retried.
  failIfUnpublished(...published);
  return summary;
}
