/** The instance kind's EC2 calls (shared/kinds/instance/aws.ts). */
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { DescribeInstancesCommandInput } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../shared/aws/batch.js';
import { describeInstancesByIds, pageInstances } from '../../../shared/kinds/instance/aws.js';
import { instance, instanceIds, mocked } from '../../aws/helpers.js';
import { ec2Error } from '../../support/aws-errors.js';

const ec2 = new EC2Client({ region: 'us-east-1' });
const mock = mocked(ec2);

/** Answers DescribeInstances for the ids asked, except `unknown` ones (which fail the call as EC2 does). */
function fakeEc2(unknown: ReadonlySet<string> = new Set(), namesInMessage = true) {
  mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    const ids = input.InstanceIds ?? [];
    const bad = ids.filter((id) => unknown.has(id));
    if (bad.length > 0) {
      const message = namesInMessage
        ? bad.length === 1
          ? `The instance ID '${bad[0]}' does not exist`
          : `The instance IDs '${bad.join(', ')}' do not exist`
        : 'One or more instance IDs do not exist';
      throw ec2Error('InvalidInstanceID.NotFound', message);
    }
    return { Reservations: [{ ReservationId: 'r-1', Instances: ids.map((id) => instance(id)) }] };
  });
}

describe('describeInstancesByIds', () => {
  it('describes 2,500 ids in exactly 3 calls of at most 1000 ids, with InstanceIds and no MaxResults', async () => {
    fakeEc2();
    const ids = instanceIds(2500);
    const { instances, missing } = await describeInstancesByIds(ec2, ids);
    const calls = mock.commandCalls(DescribeInstancesCommand);
    expect(calls).toHaveLength(3);
    const sizes = calls.map((c) => c.args[0].input.InstanceIds!.length).sort((a, b) => b - a);
    expect(sizes).toEqual([1000, 1000, 500]);
    for (const c of calls) {
      expect(c.args[0].input.MaxResults).toBeUndefined();
      expect(c.args[0].input.Filters).toBeUndefined();
    }
    expect(new Set(calls.flatMap((c) => c.args[0].input.InstanceIds))).toEqual(new Set(ids));
    expect(instances).toHaveLength(2500);
    expect(missing).toEqual([]);
  });

  it('issues the chunks concurrently, but never more than the cap at once', async () => {
    let inFlight = 0;
    let peak = 0;
    mock.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return { Reservations: [{ Instances: (input.InstanceIds ?? []).map((id) => instance(id)) }] };
    });
    const { instances } = await describeInstancesByIds(ec2, instanceIds(6500), { concurrency: 3 });
    expect(instances).toHaveLength(6500);
    expect(mock.commandCalls(DescribeInstancesCommand)).toHaveLength(7);
    expect(peak).toBe(3);
  });

  it('deduplicates ids before calling', async () => {
    fakeEc2();
    const [a, b] = instanceIds(2);
    await describeInstancesByIds(ec2, [a!, b!, a!, a!]);
    expect(mock.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.InstanceIds).toEqual([a, b]);
  });

  it('survives an unknown id among 10: drops the id EC2 names and describes the other 9 in one more call', async () => {
    const ids = instanceIds(10);
    fakeEc2(new Set([ids[4]!]));
    const { instances, missing } = await describeInstancesByIds(ec2, ids);
    expect(instances.map((i) => i.InstanceId)).toEqual(ids.filter((_, i) => i !== 4));
    expect(missing).toEqual([ids[4]]);
    const calls = mock.commandCalls(DescribeInstancesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.InstanceIds).toEqual(ids.filter((_, i) => i !== 4));
  });

  it('handles several unknown ids named in one message', async () => {
    const ids = instanceIds(10);
    fakeEc2(new Set([ids[1]!, ids[8]!]));
    const { instances, missing } = await describeInstancesByIds(ec2, ids);
    expect(instances).toHaveLength(8);
    expect(missing.sort()).toEqual([ids[1], ids[8]].sort());
    expect(mock.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
  });

  it('bisects when the error does not say which id is unknown', async () => {
    const ids = instanceIds(8);
    fakeEc2(new Set([ids[6]!]), false);
    const { instances, missing } = await describeInstancesByIds(ec2, ids);
    expect(instances).toHaveLength(7);
    expect(missing).toEqual([ids[6]]);
    // 8 → 4 ok + 4 fail → 2 ok + 2 fail → 1 fail + 1 ok: 1 + 2 + 2 + 2 calls
    expect(mock.commandCalls(DescribeInstancesCommand)).toHaveLength(7);
  });

  it('treats a malformed id as missing', async () => {
    mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
      const ids = input.InstanceIds ?? [];
      if (ids.includes('web-1')) throw ec2Error('InvalidInstanceID.Malformed', 'Invalid id: "web-1"');
      return { Reservations: [{ Instances: ids.map((id) => instance(id)) }] };
    });
    const [a] = instanceIds(1);
    const { instances, missing } = await describeInstancesByIds(ec2, [a!, 'web-1']);
    expect(instances.map((i) => i.InstanceId)).toEqual([a]);
    expect(missing).toEqual(['web-1']);
  });

  it('counts ids EC2 silently leaves out as missing', async () => {
    const [a, b] = instanceIds(2);
    mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(a!)] }] });
    expect((await describeInstancesByIds(ec2, [a!, b!])).missing).toEqual([b]);
  });

  it('propagates other errors with the call and the code in the message', async () => {
    mock.on(DescribeInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const failure = describeInstancesByIds(ec2, instanceIds(3));
    await expect(failure).rejects.toBeInstanceOf(AwsCallError);
    await expect(failure).rejects.toThrow(/DescribeInstances \(3 instance ids: .*\) failed: UnauthorizedOperation: You are not authorized/);
    await expect(failure).rejects.toMatchObject({ code: 'UnauthorizedOperation', operation: 'DescribeInstances' });
  });

  it('does not add a retry loop of its own for throttling (the SDK does that)', async () => {
    mock.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.'));
    await expect(describeInstancesByIds(ec2, instanceIds(3))).rejects.toThrow(/RequestLimitExceeded/);
    expect(mock.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });
});

describe('pageInstances', () => {
  it('pages DescribeInstances with MaxResults 1000 and no ids', async () => {
    mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-01')] }], NextToken: 't1' })
      .resolvesOnce({ Reservations: [], NextToken: 't2' }) // EC2 may return an empty page with a token
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-02'), instance('i-03')] }] });
    const pages = [];
    for await (const page of pageInstances(ec2)) pages.push(page.map((i) => i.InstanceId));
    expect(pages).toEqual([['i-01'], ['i-02', 'i-03']]);
    expect(mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { MaxResults: 1000 },
      { MaxResults: 1000, NextToken: 't1' },
      { MaxResults: 1000, NextToken: 't2' },
    ]);
  });
});
