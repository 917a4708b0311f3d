import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../shared/verdict.js';
import type { ResourceKind, ResourceRef } from '../../shared/model.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import type { FindingsSink, Inventory, PublishResult, Report } from '../../shared/engine/ports.js';
import { PublishError } from '../../shared/engine/unpublished.js';
import { sweep } from '../../shared/engine/sweep.js';
import { takeCounts } from '../../shared/observability/metrics.js';
import { accountDefaults, instance, launchConfiguration, launchTemplate, ref } from '../support/subjects.js';
import type { Subject } from '../../shared/kinds/subject.js';

async function* pages<T>(...batches: T[][]): AsyncGenerator<T[]> {
  for (const batch of batches) yield batch;
}

function inventory(): Inventory {
  const byKind: Partial<Record<ResourceKind, () => AsyncIterable<Subject[]>>> = {
    instance: () =>
      pages(
        [instance('i-0aaaaaaaaaaaaaaa1'), instance('i-0aaaaaaaaaaaaaaa2', { httpTokens: 'required' })],
        [instance('i-0aaaaaaaaaaaaaaa3')],
      ),
    'launch-template': () => pages([launchTemplate('lt-0aaaaaaaaaaaaaaa1', { httpTokens: 'required' })]),
    'launch-configuration': () => pages([launchConfiguration('old-lc')]),
    'account-defaults': () => pages([accountDefaults({ httpTokens: 'required' })]),
  };
  return { pages: ((kind: ResourceKind) => byKind[kind]?.() ?? pages()) as Inventory['pages'] };
}

function sink(failing: Set<string> = new Set()): FindingsSink & { publishedIds: string[]; archivedIds: string[] } {
  const publishedIds: string[] = [];
  const archivedIds: string[] = [];
  return {
    publishedIds,
    archivedIds,
    async publish(reports: readonly Report[]): Promise<PublishResult> {
      const failed = reports.filter((r) => failing.has(r.verdict.ref.id)).map((r) => ({ id: r.verdict.ref.id, error: 'boom' }));
      publishedIds.push(...reports.map((r) => r.verdict.ref.id).filter((id) => !failing.has(id)));
      return { published: reports.length - failed.length, failed };
    },
    async archive(refs: readonly ResourceRef[]): Promise<PublishResult> {
      archivedIds.push(...refs.map((r) => r.id));
      return { published: refs.length, failed: [] };
    },
    async annotate(outcomes: readonly Outcome[]): Promise<PublishResult> {
      return { published: outcomes.length, failed: [] };
    },
  };
}

const loader = { load: async () => [] };

describe('sweep', () => {
  it('judges every page of every kind and the account default, and counts the results', async () => {
    takeCounts();
    const findings = sink();
    const summary = await sweep({ inventory: inventory(), deps: { policy: DEFAULT_POLICY, loader, findings } });
    // No usage source here: two instances allow IMDSv1 without evidence, so their use is unknown and the stage is not ready.
    expect(summary).toEqual({ evaluated: 6, nonCompliant: 3, remediated: 0, findingsPublished: 6, archived: 0, stage: 'migrating', blockers: 1 });
    // One Stage metric for the account-region, with its stage as the dimension.
    const counted = takeCounts();
    expect(counted.filter((c) => c.name === 'Stage')).toEqual([{ name: 'Stage', dimension: { name: 'stage', value: 'migrating' }, value: 1 }]);
    expect(counted.find((c) => c.name === 'StageBlockers')?.value).toBe(1);
    expect(findings.publishedIds).toEqual([
      'i-0aaaaaaaaaaaaaaa1',
      'i-0aaaaaaaaaaaaaaa2',
      'i-0aaaaaaaaaaaaaaa3',
      'lt-0aaaaaaaaaaaaaaa1',
      'old-lc',
      '123456789012',
    ]);
  });

  it('archives the findings of resources that no longer exist, and only those', async () => {
    const findings = sink();
    const summary = await sweep({
      inventory: inventory(),
      deps: { policy: DEFAULT_POLICY, loader, findings },
      activeFindings: {
        activeRefs: async () => [ref('instance', 'i-0aaaaaaaaaaaaaaa1'), ref('instance', 'i-0ffffffffffffff99'), ref('launch-configuration', 'deleted-lc')],
      },
    });
    expect(findings.archivedIds).toEqual(['i-0ffffffffffffff99', 'deleted-lc']);
    expect(summary.archived).toBe(2);
  });

  it('finishes the whole sweep before failing with the ids it could not publish', async () => {
    const findings = sink(new Set(['i-0aaaaaaaaaaaaaaa2']));
    const run = sweep({ inventory: inventory(), deps: { policy: DEFAULT_POLICY, loader, findings } });
    await expect(run).rejects.toBeInstanceOf(PublishError);
    await expect(run).rejects.toThrow(/i-0aaaaaaaaaaaaaaa2: boom/);
    expect(findings.publishedIds).toContain('123456789012');
  });
});
