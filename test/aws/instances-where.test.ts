import { DescribeInstancesCommand, type DescribeInstancesCommandInput } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { EXISTING_INSTANCE_STATES, pageInstancesWhere } from '../../shared/aws/instances-where.js';
import { AwsCallError } from '../../shared/aws/batch.js';
import { ec2Error } from '../support/aws-errors.js';
import { instance, instanceIds, mockedClients } from './helpers.js';

const { clients, ec2 } = mockedClients();
const FILTERS = [{ Name: 'tag-key', Values: ['imds-guard:flipped-at'] }, { Name: 'instance-state-name', Values: EXISTING_INSTANCE_STATES }];

async function all(pages: AsyncGenerator<unknown[]>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

describe('pageInstancesWhere', () => {
  it('without ids: pages of at most 1000 by filter, following NextToken', async () => {
    ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => ({
      Reservations: [{ Instances: [instance(input.NextToken ? 'i-0000000000000000b' : 'i-0000000000000000a')] }],
      ...(input.NextToken ? {} : { NextToken: 'next' }),
    }));
    expect(await all(pageInstancesWhere(clients.ec2, FILTERS))).toHaveLength(2);
    expect(ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: FILTERS, MaxResults: 1000 },
      { Filters: FILTERS, MaxResults: 1000, NextToken: 'next' },
    ]);
  });

  it('with ids: at most 1000 ids a call and no MaxResults (EC2 refuses both together)', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const ids = instanceIds(1500);
    await all(pageInstancesWhere(clients.ec2, FILTERS, ids));
    const inputs = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.InstanceIds?.length)).toEqual([1000, 500]);
    for (const input of inputs) expect(input.MaxResults).toBeUndefined();
  });

  it('a failed page names the operation', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', { attempts: 3 }));
    await expect(all(pageInstancesWhere(clients.ec2, FILTERS))).rejects.toBeInstanceOf(AwsCallError);
  });
});
