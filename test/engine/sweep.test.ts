import { beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../shared/verdict.js';
import { KIND_NAMES, refKey, type ResourceKind, type ResourceRef } from '../../shared/model.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import type { FindingsSink, Inventory, PublishResult, Report } from '../../shared/engine/ports.js';
import { PublishError } from '../../shared/engine/unpublished.js';
import { sweep } from '../../shared/engine/sweep.js';
import { NothingReadError } from '../../shared/engine/unread.js';
import { AwsCallError } from '../../shared/aws/batch.js';
import { takeCounts } from '../../shared/observability/metrics.js';
import type { ChangeFilter } from '../../shared/sinks/published.js';
import { accountDefaults, instance, launchConfiguration, launchTemplate, ref } from '../support/subjects.js';
import type { Subject } from '../../shared/kinds/subject.js';
import { ec2Error } from '../support/aws-errors.js';

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

/** A listing that fails the way an edge's does: an AwsCallError around the SDK's error. */
function denied(operation: string): AwsCallError {
  const sdk = ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.');
  return new AwsCallError(operation, 'listing, page size 1000', sdk);
}

/** The test inventory with `failing` throwing after `pagesFirst` of its pages (its whole listing when 0). */
function failingInventory(failing: ResourceKind, pagesFirst = 0): Inventory {
  const base = inventory();
  return {
    pages: ((kind: ResourceKind) => {
      if (kind !== failing) return base.pages(kind);
      return (async function* () {
        let n = 0;
        for await (const page of base.pages(kind)) {
          if (n++ >= pagesFirst) break;
          yield page;
        }
        throw denied(`List-${kind}`);
      })();
    }) as Inventory['pages'],
  };
}

/** One stale resource per kind, as a previous sweep's findings would name them. */
const STALE: Record<ResourceKind, ResourceRef> = {
  instance: ref('instance', 'i-0ffffffffffffff99'),
  'launch-template': ref('launch-template', 'lt-0ffffffffffffff99'),
  'launch-configuration': ref('launch-configuration', 'deleted-lc'),
  'account-defaults': ref('account-defaults', '210987654321'),
  'auto-scaling-group': ref('auto-scaling-group', 'deleted-asg'),
};

describe('sweep when one kind cannot be listed', () => {
  beforeEach(() => {
    takeCounts();
  });

  it.each(KIND_NAMES.map((k) => [k]))('%s: the other kinds are published, its findings are not archived, the summary names it', async (failing) => {
    const findings = sink();
    const all = await sweep({ inventory: inventory(), deps: { policy: DEFAULT_POLICY, loader, findings: sink() } });
    const summary = await sweep({
      inventory: failingInventory(failing),
      deps: { policy: DEFAULT_POLICY, loader, findings },
      activeFindings: { activeRefs: async () => Object.values(STALE) },
    });
    const failingIds = (await collect(inventory().pages(failing))).map((s) => s.ref.id);
    expect(findings.publishedIds.sort()).toEqual(ALL_IDS.filter((id) => !failingIds.includes(id)).sort());
    expect(summary.evaluated).toBe(all.evaluated - failingIds.length);
    // Stale findings of the kinds that were read are archived; the unread kind's are left as they are.
    expect(findings.archivedIds.sort()).toEqual(KIND_NAMES.filter((k) => k !== failing).map((k) => STALE[k].id).sort());
    expect(summary.unread).toEqual([
      { kind: failing, operation: `List-${failing}`, error: expect.stringMatching(/UnauthorizedOperation: You are not authorized/) },
    ]);
    expect(takeCounts()).toContainEqual({ name: 'KindsUnread', dimension: { name: 'kind', value: failing }, value: 1 });
  });

  it('a kind that fails after its first page keeps what it read published, and still archives nothing of it', async () => {
    const findings = sink();
    const summary = await sweep({
      inventory: failingInventory('instance', 1),
      deps: { policy: DEFAULT_POLICY, loader, findings },
      activeFindings: { activeRefs: async () => [STALE.instance, ref('instance', 'i-0aaaaaaaaaaaaaaa3'), STALE['launch-configuration']] },
    });
    expect(findings.publishedIds).toEqual(expect.arrayContaining(['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2']));
    expect(findings.publishedIds).not.toContain('i-0aaaaaaaaaaaaaaa3');
    expect(findings.archivedIds).toEqual(['deleted-lc']);
    expect(summary.unread?.map((u) => u.kind)).toEqual(['instance']);
  });

  it('the published state is not told that an unread kind is gone (change filter)', async () => {
    const findings = sink();
    const gone = [STALE.instance, STALE['launch-configuration']];
    const archived: ResourceRef[][] = [];
    const changes = changeFilterStub(gone, archived);
    await sweep({ inventory: failingInventory('launch-configuration'), deps: { policy: DEFAULT_POLICY, loader, findings }, changes });
    expect(findings.archivedIds).toEqual([STALE.instance.id]);
    expect(archived).toEqual([[STALE.instance]]);
  });

  it('fails, archiving nothing, when no kind could be read', async () => {
    const findings = sink();
    const nothing: Inventory = {
      pages: ((kind: ResourceKind) =>
        (async function* () {
          throw denied(`List-${kind}`);
        })()) as Inventory['pages'],
    };
    const run = sweep({ inventory: nothing, deps: { policy: DEFAULT_POLICY, loader, findings }, activeFindings: { activeRefs: async () => Object.values(STALE) } });
    await expect(run).rejects.toBeInstanceOf(NothingReadError);
    await expect(run).rejects.toThrow(/^no resource kind could be read: instance \(List-instance/);
    expect(findings.archivedIds).toEqual([]);
    expect(findings.publishedIds).toEqual([]);
  });

  it('an error of the judging itself is not mistaken for an unread kind', async () => {
    const broken = sink();
    broken.publish = async () => {
      throw new Error('sink broke');
    };
    await expect(sweep({ inventory: inventory(), deps: { policy: DEFAULT_POLICY, loader, findings: broken } })).rejects.toThrow('sink broke');
  });
});

const ALL_IDS = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', 'i-0aaaaaaaaaaaaaaa3', 'lt-0aaaaaaaaaaaaaaa1', 'old-lc', '123456789012'];

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

/** A change filter whose state says `gone` have findings and the sweep did not see them; records what it is told was archived. */
function changeFilterStub(gone: ResourceRef[], archived: ResourceRef[][]): ChangeFilter {
  return {
    known: true,
    counts: { new: 0, changed: 0, refresh: 0, unchanged: 0 },
    select: (reports) => [...reports],
    publishes: () => true,
    recordPublished: () => undefined,
    gone: (seen) => gone.filter((r) => !seen.has(refKey(r))),
    recordArchived: (refs) => void archived.push([...refs]),
    save: async () => undefined,
  };
}
