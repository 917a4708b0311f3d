/**
 * The events function fed by the queue: an SQS batch whose records are
 * EventBridge events runs as ONE pipeline; partial failures go back per
 * record (batchItemFailures); unreadable records are dropped with a log line.
 */
import { readFileSync } from 'node:fs';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Context, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ec2Error } from '../support/aws-errors.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const context = { invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:imds-guard-events` } as Context;
const fixture = (path: string): any => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));

const ec2 = mockClient(EC2Client);
const cloudWatch = mockClient(CloudWatchClient);
const securityHub = mockClient(SecurityHubClient);

const ids = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', 'i-0aaaaaaaaaaaaaaa3'];

function runInstancesOf(instanceId: string): unknown {
  const e = fixture('cloudtrail/RunInstances.json');
  e.detail.responseElements.instancesSet.items = [{ ...e.detail.responseElements.instancesSet.items[0], instanceId }];
  return e;
}

function record(n: number, body: string): SQSRecord {
  return { ...fixture('sqs/record.json'), messageId: `msg-${n}`, body };
}

function described(instanceIds: string[]) {
  return {
    Reservations: instanceIds.map((id) => ({
      Instances: [
        {
          InstanceId: id,
          LaunchTime: new Date('2025-01-01T00:00:00Z'),
          State: { Code: 16, Name: 'running' as const },
          MetadataOptions: { State: 'applied' as const, HttpTokens: 'optional' as const, HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' as const },
        },
      ],
    })),
  };
}

type Handler = { handler: (event: unknown, context: Context) => Promise<any> };
async function load(): Promise<Handler> {
  vi.resetModules();
  return (await import('../../functions/events.js')) as unknown as Handler;
}

beforeEach(() => {
  for (const mock of [ec2, cloudWatch, securityHub]) mock.reset();
  ec2.on(DescribeInstancesCommand).callsFake((input) => described(input.InstanceIds));
  cloudWatch.on(GetMetricDataCommand).callsFake((input) => ({
    MetricDataResults: input.MetricDataQueries.map((q: { Id: string }) => ({ Id: q.Id, Values: [0], Timestamps: [new Date()], StatusCode: 'Complete' })),
  }));
  securityHub.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('events handler on an SQS batch', () => {
  it('merges the records into one run: one DescribeInstances, one GetMetricData, one import for all', async () => {
    const { handler } = await load();
    const result = await handler({ Records: ids.map((id, n) => record(n, JSON.stringify(runInstancesOf(id)))) }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect([...(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.InstanceIds ?? [])].sort()).toEqual(ids);
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    const imports = securityHub.commandCalls(BatchImportFindingsCommand);
    expect(imports).toHaveLength(1);
    expect(imports[0]!.args[0].input.Findings).toHaveLength(6);
  });

  it('returns only the records whose findings failed (partial batch failure)', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake((input) => {
      const bad = input.Findings.filter((f: { Id: string }) => f.Id.includes(ids[1]!));
      return {
        SuccessCount: input.Findings.length - bad.length,
        FailedCount: bad.length,
        FailedFindings: bad.map((f: { Id: string }) => ({ Id: f.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'bad finding' })),
      };
    });
    const { handler } = await load();
    const result = await handler({ Records: ids.map((id, n) => record(n, JSON.stringify(runInstancesOf(id)))) }, context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
  });

  it('drops malformed bodies with a log line naming the messageId, and runs the rest', async () => {
    const { handler } = await load();
    const { logger } = await import('../../shared/observability/log.js'); // the instance the freshly loaded handler uses
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const records = [record(0, 'not json {'), record(1, JSON.stringify({ hello: 'world' })), record(2, JSON.stringify(runInstancesOf(ids[0]!)))];
    const result = await handler({ Records: records }, context);
    expect(result).toEqual({ batchItemFailures: [] });
    const dropped = errors.mock.calls.filter(([message]) => String(message).includes('queued record dropped')).map(([, fields]) => fields as any);
    expect(dropped.map((f) => f.messageId)).toEqual(['msg-0', 'msg-1']);
    expect(dropped[0].reason).toMatch(/not JSON/);
    expect(securityHub.commandCalls(BatchImportFindingsCommand)[0]!.args[0].input.Findings).toHaveLength(2);
  });

  it('hands the whole batch back when the describe fails for good', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const { handler } = await load();
    // Powertools: every record failed → the invocation fails, and the queue redelivers all of them.
    await expect(handler({ Records: ids.map((id, n) => record(n, JSON.stringify(runInstancesOf(id)))) }, context)).rejects.toThrow(/All records failed/);
  });

  it('still accepts a single EventBridge event', async () => {
    const { handler } = await load();
    await expect(handler(runInstancesOf(ids[0]!), context)).resolves.toMatchObject({ status: 'done', evaluated: 1 });
  });
});
