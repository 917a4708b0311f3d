/**
 * Watch and roll back, end to end over mocked EC2 and CloudWatch:
 * the flip records the previous options on the instance, the watch reads
 * MetadataNoTokenRejected, and rolls back to exactly what was recorded, or
 * clears the watch after a clean window. Every write is counted.
 */
import { restoreOfRecorded } from '../support/watched.js';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  ModifyInstanceMetadataOptionsCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { remediate } from '../../shared/act/index.js';
import { decide } from '../../shared/engine/decide.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import type { InstanceSubject } from '../../shared/kinds/instance/subject.js';
import type { Tags } from '../../shared/model.js';
import { createRejectedCalls } from '../../shared/watch/metrics.js';
import { findWatched, runWatch, watchedOf } from '../../shared/watch/index.js';
import { decodePrevious, encodePrevious } from '../../shared/watch/tags.js';
import { ACCOUNT, instanceSubject, policy, REGION } from '../act/helpers.js';
import { ec2Error } from '../support/aws-errors.js';
import { mockedAws } from '../support/mocked-aws.js';

const { clients, ec2, writes } = mockedAws();
const cw = mockClient(CloudWatchClient);
const ID = 'i-0abc1234def567890';
const FLIP = new Date('2026-05-01T10:00:00.000Z');
const HOUR = 3_600_000;
/** An instance with every option set, none of them defaults, so "exactly" is tested. */
const BEFORE = { httpTokens: 'optional', httpPutResponseHopLimit: 3, httpEndpoint: 'enabled', httpProtocolIpv6: 'enabled', instanceMetadataTags: 'enabled' } as const;

/** Tags as the mock EC2 holds them after the calls so far. */
function tagsWritten(): Tags {
  const tags: Tags = {};
  for (const call of ec2.calls()) {
    const cmd = call.args[0];
    if (cmd instanceof CreateTagsCommand) for (const t of cmd.input.Tags ?? []) tags[t.Key!] = t.Value ?? '';
    if (cmd instanceof DeleteTagsCommand) for (const t of cmd.input.Tags ?? []) delete tags[t.Key!];
  }
  return tags;
}

async function flip(subject: InstanceSubject = instanceSubject({ metadata: { ...BEFORE } })): Promise<Tags> {
  const p = policy({ lowerHopLimit: true });
  const plan = decide(evaluate(subject, p, FLIP), p, { now: FLIP, usage: { noTokenCalls: 0, lookbackDays: 14 } });
  expect(plan.execute).toBe(true);
  const [outcome] = await remediate([plan], { clients, policy: p, account: ACCOUNT, now: () => FLIP });
  expect(outcome?.status).toBe('remediated');
  return tagsWritten();
}

function rejected(points: [string, number][]) {
  cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
    MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: points.map(([t]) => new Date(t)), Values: points.map(([, v]) => v), StatusCode: 'Complete' })),
  }));
}

const watchDeps = (at: Date, mode: 'enforce' | 'dry-run' = 'enforce', rollback: 'auto' | 'alert' = 'auto') => ({
  ec2: clients.ec2,
  rejectedCalls: createRejectedCalls(new CloudWatchClient({ region: REGION })),
  policy: policy({ mode, rollback, guardWindowHours: 24 }),
  now: () => at,
});

beforeEach(() => {
  ec2.reset();
  cw.reset();
  ec2.on(CreateTagsCommand).resolves({});
  ec2.on(DeleteTagsCommand).resolves({});
  ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceId: ID, InstanceMetadataOptions: { State: 'pending', HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
});

/** DescribeInstances answers what the last ModifyInstanceMetadataOptions asked for (the restore's read-back). */
function describeAnswersLastModify(): void {
  ec2.on(DescribeInstancesCommand).callsFake(() => {
    const last = ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).at(-1)?.args[0].input;
    const { InstanceId: _, ...options } = last ?? {};
    return { Reservations: [{ Instances: [{ InstanceId: ID, MetadataOptions: { State: 'pending', ...options } }] }] };
  });
}

describe('flip records what it changed, before changing it', () => {
  it('CreateTags (flipped-at, previous) comes before ModifyInstanceMetadataOptions', async () => {
    const tags = await flip();
    expect(writes()).toEqual(['CreateTags', 'ModifyInstanceMetadataOptions']);
    expect(tags['imds-guard:flipped-at']).toBe(FLIP.toISOString());
    expect(decodePrevious(tags['imds-guard:previous']!)).toEqual(BEFORE);
    expect(tags['imds-guard:previous']!.length).toBeLessThanOrEqual(256);
  });

  it('no record, no flip: a failed CreateTags leaves the instance untouched and the outcome says so', async () => {
    ec2.on(CreateTagsCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const p = policy();
    const plan = decide(evaluate(instanceSubject(), p, FLIP), p, { now: FLIP, usage: { noTokenCalls: 0, lookbackDays: 14 } });
    const [outcome] = await remediate([plan], { clients, policy: p, account: ACCOUNT, now: () => FLIP });
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome!.message).toContain('nothing was changed');
  });

  it('a failed modify removes the record again, and the outcome reports both', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(ec2Error('IncorrectInstanceState', "The instance 'i-0a1b2c3d4e5f60718' is not in a state from which it can be modified."));
    const p = policy();
    const plan = decide(evaluate(instanceSubject(), p, FLIP), p, { now: FLIP, usage: { noTokenCalls: 0, lookbackDays: 14 } });
    const [outcome] = await remediate([plan], { clients, policy: p, account: ACCOUNT, now: () => FLIP });
    expect(writes()).toEqual(['CreateTags', 'ModifyInstanceMetadataOptions', 'DeleteTags']);
    expect(tagsWritten()).toEqual({});
    expect(outcome!.message).toMatch(/IncorrectInstanceState.*watch record was removed again: DeleteTags \(watch record\) ok/);
  });

  it('a hop-limit-only change is not watched (MetadataNoTokenRejected says nothing about it)', async () => {
    const p = policy({ lowerHopLimit: true });
    const subject = instanceSubject({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 5, httpEndpoint: 'enabled' } });
    const v = evaluate(subject, p, FLIP);
    const plan = decide(v, p, { now: FLIP, usage: { noTokenCalls: 0, lookbackDays: 14 } });
    await remediate([plan], { clients, policy: p, account: ACCOUNT, now: () => FLIP });
    expect(writes()).toEqual(['ModifyInstanceMetadataOptions']);
  });
});

describe('watch', () => {
  it('rejected datapoints in the window: restores exactly the recorded options, reads them back, marks the instance, ends the watch', async () => {
    const tags = await flip();
    ec2.resetHistory();
    describeAnswersLastModify();
    rejected([
      ['2026-05-01T10:05:00Z', 0],
      ['2026-05-01T10:10:00Z', 3],
      ['2026-05-01T11:40:00Z', 2],
    ]);
    const at = new Date(FLIP.getTime() + 2 * HOUR);
    const [result] = await runWatch(watchDeps(at), [{ instanceId: ID, record: watchedOf({ InstanceId: ID, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }).record }]);
    expect(result).toMatchObject({ action: 'rollback', ok: true, wrote: true, rollback: 'restored' });
    // pending mark, restore, read back, "restored" mark, end of the watch
    expect(writes()).toEqual(['CreateTags', 'ModifyInstanceMetadataOptions', 'CreateTags', 'DeleteTags']);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: [ID] });
    expect(ec2.commandCalls(CreateTagsCommand)[0]!.args[0].input.Tags![0]!.Value).toContain('action=pending;by=watch');
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)[0]!.args[0].input).toEqual(restoreOfRecorded(ID));
    const after = tagsWritten();
    expect(after['imds-guard:flipped-at']).toBeUndefined();
    expect(after['imds-guard:rolled-back']).toBe(
      `at=${at.toISOString()};action=restored;rejected=5;first=2026-05-01T10:10:00.000Z;last=2026-05-01T11:40:00.000Z`,
    );
    // one GetMetricData for the watch, over the flip's window
    const q = cw.commandCalls(GetMetricDataCommand);
    expect(q).toHaveLength(1);
    expect(q[0]!.args[0].input.MetricDataQueries?.[0]?.MetricStat?.Metric?.MetricName).toBe('MetadataNoTokenRejected');

    // The finding says "rolled back" with the evidence, and the instance is not flipped again, not even on request.
    const rolledBack = instanceSubject({ metadata: { ...BEFORE }, tags: after });
    const v = evaluate(rolledBack, policy(), at);
    expect(v.compliance).toBe('NON_COMPLIANT');
    expect(v.checks[0]!.reason).toContain('Rolled back by imds-guard at 2026-05-01T12:00:00.000Z: 5 rejected');
    expect(v.checks[0]!.reason).toContain('restored and read back');
    expect(v.checks[0]!.reason).toContain('5 rejected IMDSv1 calls (MetadataNoTokenRejected) between 2026-05-01T10:10:00.000Z and 2026-05-01T11:40:00.000Z');
    for (const humanRequest of [false, true]) {
      const plan = decide(v, policy(), { now: at, usage: { noTokenCalls: 0, lookbackDays: 14 }, humanRequest });
      expect(plan.execute).toBe(false);
      expect(plan.gates.find((g) => g.gate === 'not-rolled-back')?.passed).toBe(false);
    }
  });

  it('IMDS_GUARD_ROLLBACK=alert marks and keeps the record, changes nothing', async () => {
    const tags = await flip();
    ec2.resetHistory();
    rejected([['2026-05-01T10:10:00Z', 1]]);
    const [result] = await runWatch(watchDeps(new Date(FLIP.getTime() + HOUR), 'enforce', 'alert'), [watchedOf({ InstanceId: ID, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })]);
    expect(result).toMatchObject({ action: 'alert', ok: true });
    expect(writes()).toEqual(['CreateTags']);
    // only the mark is written: the record (previous options) stays for a person's `imds-guard rollback`
    expect(Object.keys(tagsWritten())).toEqual(['imds-guard:rolled-back']);
    expect(tagsWritten()['imds-guard:rolled-back']).toContain('action=alert;rejected=1');
    expect(tags['imds-guard:previous']).toBe(encodePrevious(BEFORE, FLIP));
  });

  it('no rejected datapoints: waits inside the window, clears the watch after it (with settling margin)', async () => {
    const tags = await flip();
    const watched = [watchedOf({ InstanceId: ID, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })];
    ec2.resetHistory();
    rejected([['2026-05-01T10:10:00Z', 0]]);
    const [early] = await runWatch(watchDeps(new Date(FLIP.getTime() + 23 * HOUR)), watched);
    expect(early).toMatchObject({ action: 'wait', wrote: false });
    expect(writes()).toEqual([]);
    const [done] = await runWatch(watchDeps(new Date(FLIP.getTime() + 24.5 * HOUR)), watched);
    expect(done).toMatchObject({ action: 'clear', ok: true, wrote: true });
    expect(writes()).toEqual(['CreateTags', 'DeleteTags']);
    const after = tagsWritten();
    expect(after['imds-guard:flipped-at']).toBeUndefined();
    // only the open-watch tag goes; the record of the previous options stays for a rollback by hand
    expect(ec2.commandCalls(DeleteTagsCommand)[0]!.args[0].input.Tags).toEqual([{ Key: 'imds-guard:flipped-at' }]);
    expect(after['imds-guard:verified-at']).toBe(new Date(FLIP.getTime() + 24.5 * HOUR).toISOString());
  });

  it('outside enforce mode the watch judges but writes nothing', async () => {
    const tags = await flip();
    ec2.resetHistory();
    rejected([['2026-05-01T10:10:00Z', 4]]);
    const [r] = await runWatch(watchDeps(new Date(FLIP.getTime() + HOUR), 'dry-run'), [watchedOf({ InstanceId: ID, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })]);
    expect(r).toMatchObject({ action: 'rollback', wrote: false });
    expect(r!.message).toContain('not in enforce mode');
    expect(writes()).toEqual([]);
  });

  it('with nothing watched, costs one DescribeInstances and no GetMetricData', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    expect(await runWatch(watchDeps(FLIP))).toEqual([]);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters?.[0]).toEqual({ Name: 'tag-key', Values: ['imds-guard:flipped-at'] });
    expect(cw.calls()).toHaveLength(0);
  });

  it('reads 1200 watched instances in 3 GetMetricData calls (500 queries each at most)', async () => {
    rejected([]);
    const many = Array.from({ length: 1200 }, (_, i) => ({ instanceId: `i-${i.toString(16).padStart(17, '0')}`, record: { flippedAt: FLIP, previous: 'tokens=optional' } }));
    const results = await runWatch(watchDeps(new Date(FLIP.getTime() + HOUR)), many);
    expect(results.every((r) => r.action === 'wait')).toBe(true);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.MetricDataQueries?.length)).toEqual([500, 500, 200]);
  });

  it('findWatched follows pages', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-1', Tags: [{ Key: 'imds-guard:flipped-at', Value: FLIP.toISOString() }] }] }], NextToken: 't' })
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-2', Tags: [{ Key: 'imds-guard:flipped-at', Value: 'garbage' }] }] }] });
    const found = await findWatched(clients.ec2);
    expect(found.map((w) => w.instanceId)).toEqual(['i-1', 'i-2']);
    expect(found[0]!.record.flippedAt).toEqual(FLIP);
    expect(found[1]!.record.flippedAt).toBeUndefined();
  });
});
