import { describe, expect, it } from 'vitest';
import type { Outcome, Plan } from '../../shared/verdict.js';
import type { ResourceRef, UsageEvidence } from '../../shared/model.js';
import type { Subject } from '../../shared/kinds/subject.js';
import { takeCounts } from '../../shared/observability/metrics.js';
import { processSubjects, runPipeline, type PipelineDeps } from '../../shared/engine/pipeline.js';
import { DEFAULT_POLICY, type Policy } from '../../shared/policy.js';
import type { FindingsSink, Loader, PublishResult, Report, UsageSource } from '../../shared/engine/ports.js';
import { annotationFor } from '../../shared/sinks/securityhub.js';
import { accountDefaults, instance, launchConfiguration, ref } from '../support/subjects.js';

class RecordingSink implements FindingsSink {
  published: Report[][] = [];
  archived: ResourceRef[][] = [];
  annotated: Outcome[][] = [];
  async publish(reports: readonly Report[]): Promise<PublishResult> {
    this.published.push([...reports]);
    return { published: reports.length, failed: [] };
  }
  async archive(refs: readonly ResourceRef[]): Promise<PublishResult> {
    this.archived.push([...refs]);
    return { published: refs.length, failed: [] };
  }
  async annotate(outcomes: readonly Outcome[]): Promise<PublishResult> {
    this.annotated.push([...outcomes]);
    return { published: outcomes.length, failed: [] };
  }
}

function fixedLoader(subjects: Subject[]): Loader & { calls: ResourceRef[][] } {
  const calls: ResourceRef[][] = [];
  return {
    calls,
    async load(refs) {
      calls.push([...refs]);
      return subjects.filter((s) => refs.some((r) => r.id === s.ref.id));
    },
  };
}

function usageOf(map: Record<string, UsageEvidence>): UsageSource & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    async usage(ids) {
      asked.push([...ids]);
      return new Map(ids.filter((id) => map[id]).map((id) => [id, map[id]!]));
    },
  };
}

const policy = (over: Partial<Policy> = {}): Policy => ({ ...DEFAULT_POLICY, ...over });

describe('runPipeline', () => {
  it('describes the refs, judges each subject and publishes one report per resource', async () => {
    const loader = fixedLoader([
      instance('i-0aaaaaaaaaaaaaaa1'),
      instance('i-0aaaaaaaaaaaaaaa2', { httpTokens: 'required' }),
    ]);
    const sink = new RecordingSink();
    const result = await runPipeline([ref('instance', 'i-0aaaaaaaaaaaaaaa1'), ref('instance', 'i-0aaaaaaaaaaaaaaa2')], {
      policy: policy(),
      loader,
      findings: sink,
    });
    expect(loader.calls).toHaveLength(1);
    expect(result.reports.map((r) => [r.verdict.ref.id, r.verdict.compliance])).toEqual([
      ['i-0aaaaaaaaaaaaaaa1', 'NON_COMPLIANT'],
      ['i-0aaaaaaaaaaaaaaa2', 'COMPLIANT'],
    ]);
    expect(sink.published).toHaveLength(1);
    expect(sink.published[0]).toHaveLength(2);
    expect(result.findings).toEqual({ published: 2, failed: [] });
  });

  it('judges the groups that launch from a changed configuration in the same run, and publishes them once', async () => {
    const group: Subject = {
      kind: 'auto-scaling-group',
      ref: ref('auto-scaling-group', 'workers'),
      name: 'workers',
      tags: {},
      sources: [{ type: 'launch-configuration', name: 'old-lc', found: true }],
    };
    const base = fixedLoader([launchConfiguration('old-lc'), group]);
    const asked: Subject[][] = [];
    const loader: Loader = {
      load: base.load,
      async related(subjects) {
        asked.push([...subjects]);
        return subjects.some((s) => s.ref.id === 'old-lc') ? [group.ref] : [];
      },
    };
    const sink = new RecordingSink();
    const result = await runPipeline([ref('launch-configuration', 'old-lc')], { policy: policy(), loader, findings: sink }, { dependants: true });
    // Matched on the described configuration; the group is described in a second load.
    expect(asked.map((a) => a.map((s) => s.ref.id))).toEqual([['old-lc']]);
    expect(base.calls.map((c) => c.map((r) => r.id))).toEqual([['old-lc'], ['workers']]);
    expect(result.reports.map((r) => [r.verdict.ref.kind, r.verdict.compliance])).toEqual([
      ['launch-configuration', 'NON_COMPLIANT'],
      ['auto-scaling-group', 'NON_COMPLIANT'],
    ]);
    expect(sink.published).toHaveLength(1);

    // A person's request (custom action, CLI fix) acts on what they chose, never on dependants.
    const chosen = await runPipeline([ref('launch-configuration', 'old-lc')], { policy: policy(), loader }, { humanRequest: true });
    expect(chosen.reports.map((r) => r.verdict.ref.id)).toEqual(['old-lc']);
    expect(asked).toHaveLength(1);
  });

  it('does nothing for no refs', async () => {
    const loader = fixedLoader([]);
    const result = await runPipeline([], { policy: policy(), loader });
    expect(result.reports).toEqual([]);
    expect(loader.calls).toHaveLength(0);
  });
});

describe('processSubjects', () => {
  it('asks for IMDSv1 usage only for non-compliant instances, and puts it on their reports', async () => {
    const usage = usageOf({ 'i-0aaaaaaaaaaaaaaa1': { noTokenCalls: 42, lookbackDays: 14 } });
    const { reports } = await processSubjects(
      [
        instance('i-0aaaaaaaaaaaaaaa1'),
        instance('i-0aaaaaaaaaaaaaaa2', { httpTokens: 'required' }),
        launchConfiguration('web-lc'),
      ],
      { policy: policy(), loader: fixedLoader([]), usage },
    );
    expect(usage.asked).toEqual([['i-0aaaaaaaaaaaaaaa1']]);
    expect(reports[0]!.usage).toEqual({ noTokenCalls: 42, lookbackDays: 14 });
    expect(reports[1]!.usage).toBeUndefined();
    expect(reports[2]!.usage).toBeUndefined();
  });

  it('passes every verdict to decide and the remediator, and annotates only plans with an action', async () => {
    const seen: Plan[][] = [];
    const sink = new RecordingSink();
    const deps: PipelineDeps = {
      policy: policy({ mode: 'dry-run' }),
      loader: fixedLoader([]),
      findings: sink,
      usage: usageOf({ 'i-0aaaaaaaaaaaaaaa1': { noTokenCalls: 0, lookbackDays: 14 } }),
      now: () => new Date('2026-11-23T00:00:00Z'),
      remediator: async (plans) => {
        seen.push([...plans]);
        return plans.map((plan) => ({
          plan,
          status: plan.execute ? 'remediated' : plan.action === 'none' ? 'skipped' : 'planned',
          message: plan.summary,
          at: new Date('2026-11-23T00:00:00Z'),
        }));
      },
    };
    const { reports } = await processSubjects(
      [instance('i-0aaaaaaaaaaaaaaa1'), instance('i-0aaaaaaaaaaaaaaa2', { httpTokens: 'required' }), accountDefaults()],
      deps,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map((p) => p.ref.id)).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', '123456789012']);
    // dry-run: the non-compliant instance gets a plan that is not executed
    const first = seen[0]![0]!;
    expect(first.action).toBe('modify-instance-metadata-options');
    expect(first.execute).toBe(false);
    expect(reports[0]!.outcome?.status).toBe('planned');
    // the compliant instance has nothing to do, so it is not annotated
    const annotatedIds = sink.annotated.flat().map((o) => o.plan.ref.id);
    expect(annotatedIds).toContain('i-0aaaaaaaaaaaaaaa1');
    expect(annotatedIds).not.toContain('i-0aaaaaaaaaaaaaaa2');
  });

  it('without a remediator makes no plans and no annotations', async () => {
    const sink = new RecordingSink();
    const { reports } = await processSubjects([instance('i-0aaaaaaaaaaaaaaa1')], {
      policy: policy(),
      loader: fixedLoader([]),
      findings: sink,
    });
    expect(reports[0]!.outcome).toBeUndefined();
    expect(sink.annotated).toEqual([]);
  });

  it('counts verdicts, findings, remediations and skips by gate for the metrics', async () => {
    takeCounts();
    const sink = new RecordingSink();
    await processSubjects(
      [instance('i-0aaaaaaaaaaaaaaa1'), instance('i-0aaaaaaaaaaaaaaa2'), instance('i-0aaaaaaaaaaaaaaa3', { httpTokens: 'required' })],
      {
        policy: policy({ mode: 'enforce' }),
        loader: fixedLoader([]),
        findings: sink,
        usage: usageOf({ 'i-0aaaaaaaaaaaaaaa1': { noTokenCalls: 0, lookbackDays: 14 }, 'i-0aaaaaaaaaaaaaaa2': { noTokenCalls: 7, lookbackDays: 14 } }),
        now: () => new Date('2026-11-23T00:00:00Z'),
        remediator: async (plans) =>
          plans.map((plan) => ({ plan, status: plan.execute ? 'remediated' : 'skipped', message: plan.summary, at: new Date('2026-11-23T00:00:00Z') })),
      },
    );
    const counted = Object.fromEntries(takeCounts().map((c) => [c.dimension ? `${c.name}{${c.dimension.name}=${c.dimension.value}}` : c.name, c.value]));
    const published = sink.published.flat().length;
    expect(counted).toEqual({
      'Verdicts{compliance=NON_COMPLIANT}': 2,
      'Verdicts{compliance=COMPLIANT}': 1,
      'Remediations{status=remediated}': 1,
      // the instance that still calls IMDSv1; the compliant one is not a "skip"
      'Skips{gate=imdsv1-unused}': 1,
      FindingsPublished: published,
    });
  });
});

describe('AMI look-up', () => {
  const NOW = new Date('2026-11-23T00:00:00Z');
  const young = instance('i-0aaaaaaaaaaaaaaa1', {}, { launchTime: new Date('2026-11-21T00:00:00Z'), imageId: 'ami-0000000000000young' });
  const old = instance('i-0aaaaaaaaaaaaaaa2', {}, { launchTime: new Date('2025-11-23T00:00:00Z'), imageId: 'ami-00000000000000old' });
  const depsWith = (asked: string[][]): PipelineDeps => ({
    policy: policy({ mode: 'dry-run', usageLookbackDays: 14 }),
    loader: fixedLoader([]),
    usage: usageOf({ 'i-0aaaaaaaaaaaaaaa2': { noTokenCalls: null, lookbackDays: 14 } }),
    now: () => NOW,
    images: async (ids) => {
      asked.push([...ids]);
      return new Map(ids.map((id) => [id, 'v2.0']));
    },
    remediator: async (plans) => plans.map((plan) => ({ plan, status: 'planned', message: plan.summary, at: NOW })),
  });

  it('asks only for the images of instances too young to judge by usage, the only ones the shortcut helps', async () => {
    const asked: string[][] = [];
    const { reports } = await processSubjects([young, old], depsWith(asked));
    expect(asked).toEqual([['ami-0000000000000young']]);
    const known = (i: number) => reports[i]!.outcome?.plan.gates.find((g) => g.gate === 'usage-known');
    expect(known(0)).toMatchObject({ passed: true, reason: expect.stringContaining('its AMI declares ImdsSupport v2.0') });
    // The old instance is judged by its (missing) usage, never by its AMI.
    expect(known(1)).toMatchObject({ passed: false, reason: expect.stringContaining('no MetadataNoToken datapoints') });
  });

  it('makes no image call when every instance is older than the look-back window', async () => {
    const asked: string[][] = [];
    await processSubjects([old], depsWith(asked));
    expect(asked).toEqual([]);
  });
});

describe('gates that fit the change', () => {
  const hopOnly = instance('i-0aaaaaaaaaaaaaaa3', { httpTokens: 'required', httpPutResponseHopLimit: 3, httpEndpoint: 'enabled' });
  const at = new Date('2026-11-23T00:00:00Z');
  const run = async (over: Partial<Policy>) => {
    const sink = new RecordingSink();
    // No MetadataNoToken datapoints: usage unknown.
    const usage = usageOf({});
    const { reports } = await processSubjects([hopOnly], {
      policy: policy({ mode: 'enforce', ...over }),
      loader: fixedLoader([]),
      findings: sink,
      usage,
      now: () => at,
      remediator: async (plans) =>
        plans.map((plan) => ({ plan, status: plan.execute ? 'remediated' : 'skipped', message: plan.execute ? 'changed' : plan.summary, at })),
    });
    return { outcome: reports[0]!.outcome!, sink };
  };

  it('a hop-limit-only change with usage unknown proceeds under the lowering setting', async () => {
    const { outcome } = await run({ lowerHopLimit: true });
    expect(outcome.status).toBe('remediated');
    expect(outcome.plan.target).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 2 });
  });

  it('without the setting the finding names hop-limit-lowering, not usage-unknown', async () => {
    const { outcome, sink } = await run({});
    expect(outcome.status).toBe('skipped');
    expect(outcome.plan.gates.filter((g) => !g.passed).map((g) => g.gate)).toEqual(['hop-limit-lowering']);
    expect(sink.annotated.flat().map((o) => o.plan.ref.id)).toEqual(['i-0aaaaaaaaaaaaaaa3']);
    const note = annotationFor(outcome, 'hop-limit').text;
    expect(note).toContain('only the hop limit would change (3 to the ceiling 2');
    expect(note).toContain('IMDS_GUARD_LOWER_HOP_LIMIT=true');
    expect(note).not.toMatch(/MetadataNoToken|usage/);
  });
});
