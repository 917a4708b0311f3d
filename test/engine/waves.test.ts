/**
 * Waves: the pure rule, and a 10-instance Auto Scaling group taken
 * through the pipeline, the watch and the pipeline again over a mocked EC2
 * that keeps the instances' tags and options between runs.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  ModifyInstanceMetadataOptionsCommand,
  type Filter,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRemediator } from '../../shared/act/index.js';
import { createWaveMembers } from '../../shared/wiring/wave-members.js';
import { decide } from '../../shared/engine/decide.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import type { MetadataOptions, Tags } from '../../shared/model.js';
import type { Plan } from '../../shared/verdict.js';
import { processSubjects } from '../../shared/engine/pipeline.js';
import { DEFAULT_POLICY, type Policy } from '../../shared/policy.js';
import type { UsageSource } from '../../shared/engine/ports.js';
import { runWatch } from '../../shared/watch/index.js';
import { createRejectedCalls } from '../../shared/watch/metrics.js';
import { applyWaves, waveGroupOf } from '../../shared/engine/waves.js';
import { ACCOUNT, instance, REGION } from '../support/subjects.js';

const NOW = new Date('2026-06-01T08:00:00.000Z');
const HOUR = 3_600_000;
const ASG = 'aws:autoscaling:groupName';
const policy: Policy = { ...DEFAULT_POLICY, mode: 'enforce' };
const ids = Array.from({ length: 10 }, (_, i) => `i-0${String(i).padStart(16, '0')}`);
const unused: UsageSource = { usage: async (list, days) => new Map(list.map((id) => [id, { noTokenCalls: 0, lookbackDays: days }])) };

function plansFor(tagsById: Record<string, Tags>, p: Policy = policy): { plans: Plan[]; tagsOf: (plan: Plan) => Tags | undefined } {
  const plans = Object.entries(tagsById).map(([id, tags]) =>
    decide(evaluate(instance(id, {}, { tags }), p, NOW), p, { now: NOW, usage: { noTokenCalls: 0, lookbackDays: 14 } }),
  );
  return { plans, tagsOf: (plan) => tagsById[plan.ref.id] };
}

const inGroup = (extra: Tags = {}): Tags => ({ [ASG]: 'web', ...extra });

describe('applyWaves (pure)', () => {
  const group = 'Auto Scaling group web';

  it('a fresh group switches IMDS_GUARD_WAVE_SIZE members (lowest ids first) and holds the rest with the wave gate', () => {
    const { plans, tagsOf } = plansFor(Object.fromEntries(ids.map((id) => [id, inGroup()])));
    const out = applyWaves(plans, tagsOf, new Map(), policy);
    expect(out.filter((p) => p.execute).map((p) => p.ref.id)).toEqual([ids[0]]);
    const held = out.filter((p) => !p.execute);
    expect(held).toHaveLength(9);
    for (const p of held) {
      expect(p.gates.at(-1)).toMatchObject({ gate: 'wave', passed: false });
      expect(p.summary).toContain('held for the next wave: Auto Scaling group web');
    }
    expect(applyWaves(plans, tagsOf, new Map(), { ...policy, waveSize: 3 }).filter((p) => p.execute)).toHaveLength(3);
  });

  it('holds every member while one is inside its guard window', () => {
    const { plans, tagsOf } = plansFor(Object.fromEntries(ids.slice(1).map((id) => [id, inGroup()])));
    const members = new Map([[group, [{ instanceId: ids[0]!, tags: inGroup({ 'imds-guard:flipped-at': NOW.toISOString() }) }]]]);
    expect(applyWaves(plans, tagsOf, members, policy).some((p) => p.execute)).toBe(false);
  });

  it('releases the rest once a member passed its window cleanly', () => {
    const { plans, tagsOf } = plansFor(Object.fromEntries(ids.slice(1).map((id) => [id, inGroup()])));
    const members = new Map([[group, [{ instanceId: ids[0]!, tags: inGroup({ 'imds-guard:verified-at': NOW.toISOString() }) }]]]);
    expect(applyWaves(plans, tagsOf, members, policy).filter((p) => p.execute)).toHaveLength(9);
  });

  it('a rollback stops the rest of the group', () => {
    const { plans, tagsOf } = plansFor(Object.fromEntries(ids.slice(1).map((id) => [id, inGroup()])));
    const members = new Map([
      [group, [{ instanceId: ids[0]!, tags: inGroup({ 'imds-guard:rolled-back': 'at=x', 'imds-guard:verified-at': NOW.toISOString() }) }]],
    ]);
    const out = applyWaves(plans, tagsOf, members, policy);
    expect(out.some((p) => p.execute)).toBe(false);
    expect(out[0]!.summary).toContain(`stopped because imds-guard found breakage on ${ids[0]}`);
  });

  it('leaves ungrouped instances alone, groups by the wave tag when set, and does nothing with IMDS_GUARD_WAVE_SIZE=0', () => {
    const { plans, tagsOf } = plansFor({ [ids[0]!]: {}, [ids[1]!]: {} });
    expect(applyWaves(plans, tagsOf, new Map(), policy).every((p) => p.execute)).toBe(true);
    const tagged = { ...policy, waveTag: 'app' };
    expect(waveGroupOf(inGroup({ app: 'billing' }), tagged)).toBe('app=billing');
    expect(waveGroupOf(inGroup(), tagged)).toBe('Auto Scaling group web');
    const many = plansFor(Object.fromEntries(ids.map((id) => [id, inGroup()])));
    expect(applyWaves(many.plans, many.tagsOf, new Map(), { ...policy, waveSize: 0 }).every((p) => p.execute)).toBe(true);
  });
});

describe('a 10-instance group through pipeline, watch and pipeline again', () => {
  const ec2 = mockClient(EC2Client);
  const cw = mockClient(CloudWatchClient);
  const client = new EC2Client({ region: REGION });
  /** The emulated world: per instance its options and tags. */
  let world: Map<string, { metadata: MetadataOptions; tags: Tags }>;

  const subjects = () => [...world].map(([id, w]) => instance(id, { ...w.metadata }, { tags: { ...w.tags } }));
  const describe_ = (filters: Filter[] = [], instanceIds?: string[]) => {
    const matching = [...world].filter(([id, w]) =>
      (!instanceIds || instanceIds.includes(id)) &&
      filters.every((f) => (f.Name?.startsWith('tag:') ? (f.Values ?? []).includes(w.tags[f.Name.slice(4)] ?? '\u0000') : f.Name === 'tag-key' ? (f.Values ?? []).some((k) => k in w.tags) : true)),
    );
    return {
      Reservations: [
        {
          Instances: matching.map(([id, w]) => ({
            InstanceId: id,
            State: { Name: 'running' as const },
            MetadataOptions: { HttpTokens: w.metadata.httpTokens, HttpPutResponseHopLimit: w.metadata.httpPutResponseHopLimit, HttpEndpoint: w.metadata.httpEndpoint },
            Tags: Object.entries(w.tags).map(([Key, Value]) => ({ Key, Value })),
          })),
        },
      ],
    };
  };

  beforeEach(() => {
    ec2.reset();
    cw.reset();
    world = new Map(ids.map((id) => [id, { metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' }, tags: { [ASG]: 'web' } }]));
    ec2.on(DescribeInstancesCommand).callsFake((input: { Filters?: Filter[]; InstanceIds?: string[] }) => describe_(input.Filters, input.InstanceIds));
    ec2.on(CreateTagsCommand).callsFake((input: { Resources: string[]; Tags: { Key: string; Value: string }[] }) => {
      for (const id of input.Resources) for (const t of input.Tags) world.get(id)!.tags[t.Key] = t.Value;
      return {};
    });
    ec2.on(DeleteTagsCommand).callsFake((input: { Resources: string[]; Tags: { Key: string }[] }) => {
      for (const id of input.Resources) for (const t of input.Tags) delete world.get(id)!.tags[t.Key];
      return {};
    });
    ec2.on(ModifyInstanceMetadataOptionsCommand).callsFake((input: { InstanceId: string; HttpTokens?: 'optional' | 'required'; HttpPutResponseHopLimit?: number; HttpEndpoint?: 'enabled' | 'disabled' }) => {
      const w = world.get(input.InstanceId)!;
      if (input.HttpTokens) w.metadata.httpTokens = input.HttpTokens;
      if (input.HttpPutResponseHopLimit !== undefined) w.metadata.httpPutResponseHopLimit = input.HttpPutResponseHopLimit;
      if (input.HttpEndpoint) w.metadata.httpEndpoint = input.HttpEndpoint;
      return { InstanceId: input.InstanceId, InstanceMetadataOptions: { State: 'pending', HttpTokens: w.metadata.httpTokens } };
    });
    cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: [], Values: [], StatusCode: 'Complete' })),
    }));
  });

  const run = async (at: Date) => {
    const deps = {
      policy,
      loader: { load: async () => [] },
      usage: unused,
      now: () => at,
      remediator: createRemediator({ clients: { region: REGION, ec2: client, autoScaling: new AutoScalingClient({ region: REGION }) }, policy, account: ACCOUNT, now: () => at }),
      waveMembers: createWaveMembers(client),
    };
    const before = ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).length;
    const result = await processSubjects(subjects(), deps);
    return { result, flipped: ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).length - before };
  };
  const watch = (at: Date) => runWatch({ ec2: client, rejectedCalls: createRejectedCalls(new CloudWatchClient({ region: REGION })), policy, now: () => at });

  it('flips 1, holds the other 9 during the window, flips the 9 after a clean window', async () => {
    const first = await run(NOW);
    expect(first.flipped).toBe(1);
    expect(world.get(ids[0]!)!.tags['imds-guard:flipped-at']).toBe(NOW.toISOString());
    const held = first.result.reports.filter((r) => r.outcome?.plan.gates.some((g) => g.gate === 'wave' && !g.passed));
    expect(held).toHaveLength(9);
    expect(held[0]!.outcome!.message).toContain('held for the next wave');

    // Inside the window: the watch waits, the pipeline flips nothing.
    expect((await watch(new Date(NOW.getTime() + 2 * HOUR))).map((r) => r.action)).toEqual(['wait']);
    expect((await run(new Date(NOW.getTime() + 2 * HOUR))).flipped).toBe(0);

    // After the window with no rejected calls: the watch clears, the rest follows.
    expect((await watch(new Date(NOW.getTime() + 25 * HOUR))).map((r) => r.action)).toEqual(['clear']);
    expect(world.get(ids[0]!)!.tags['imds-guard:verified-at']).toBeDefined();
    const third = await run(new Date(NOW.getTime() + 26 * HOUR));
    expect(third.flipped).toBe(9);
    expect([...world.values()].every((w) => w.metadata.httpTokens === 'required')).toBe(true);
  });

  it('dry-run: every plan shown, zero writes and no wave or SUPPRESSED look-ups', async () => {
    const dry = { ...policy, mode: 'dry-run' as const };
    let suppressedAsked = 0;
    const result = await processSubjects(subjects(), {
      policy: dry,
      loader: { load: async () => [] },
      usage: unused,
      now: () => NOW,
      remediator: createRemediator({ clients: { region: REGION, ec2: client, autoScaling: new AutoScalingClient({ region: REGION }) }, policy: dry, account: ACCOUNT, now: () => NOW }),
      waveMembers: createWaveMembers(client),
      suppressed: async () => {
        suppressedAsked++;
        return new Map();
      },
    });
    expect(result.reports.filter((r) => r.outcome?.status === 'planned')).toHaveLength(10);
    expect(ec2.calls()).toHaveLength(0);
    expect(suppressedAsked).toBe(0);
  });

  it('a rollback in the group stops the rest', async () => {
    await run(NOW);
    cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: [new Date(NOW.getTime() + 10 * 60_000)], Values: [2], StatusCode: 'Complete' })),
    }));
    expect((await watch(new Date(NOW.getTime() + HOUR))).map((r) => r.action)).toEqual(['rollback']);
    expect(world.get(ids[0]!)!.metadata.httpTokens).toBe('optional');
    const later = await run(new Date(NOW.getTime() + 30 * HOUR));
    expect(later.flipped).toBe(0);
    const reasons = later.result.reports.map((r) => r.outcome?.message ?? '');
    expect(reasons.filter((m) => m.includes('stopped because imds-guard found breakage on'))).toHaveLength(9);
    expect(reasons.filter((m) => m.includes('Rolled back by imds-guard at'))).toHaveLength(1);
  });
});
