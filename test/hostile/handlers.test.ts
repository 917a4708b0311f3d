/**
 * Hostile input at the Lambda entry points (functions/events.ts,
 * functions/config-rule.ts, functions/action.ts): garbage, oversized events,
 * missing fields, wrong types, injection-looking ids and events of another
 * account or region are rejected or ignored with a reason, and NO AWS call is
 * made (every SDK client class is mocked and its calls counted). Where valid
 * and hostile ids are mixed, only the valid ones reach AWS.
 */
import { readFileSync } from 'node:fs';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_IDS } from './mutate.js';

const ec2 = mockClient(EC2Client);
const cloudWatch = mockClient(CloudWatchClient);
const securityHub = mockClient(SecurityHubClient);
const mocks = [ec2, cloudWatch, securityHub, mockClient(AutoScalingClient), mockClient(ConfigServiceClient), mockClient(STSClient)];
const awsCalls = (): number => mocks.reduce((n, m) => n + m.calls().length, 0);
afterEach(() => {
  for (const m of mocks) m.reset();
});

const OWN = { account: '111122223333', region: 'us-east-1' };
const context = { invokedFunctionArn: `arn:aws:lambda:${OWN.region}:${OWN.account}:function:imds-guard` } as Context;
const fixture = (path: string): Record<string, any> => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));

type Handler = (event: unknown, context: Context) => Promise<{ status: string; reason?: string }>;
let events: Handler;
let configRule: Handler;
let action: Handler;
beforeAll(async () => {
  events = (await import('../../functions/events.js')).handler as Handler;
  configRule = (await import('../../functions/config-rule.js')).handler as Handler;
  action = (await import('../../functions/action.js')).handler as Handler;
});

function runInstances(ids: unknown[], edit: (e: Record<string, any>) => void = () => undefined): Record<string, any> {
  const event = fixture('cloudtrail/RunInstances.json');
  event.detail.responseElements.instancesSet.items = ids.map((instanceId) => ({ instanceId }));
  edit(event);
  return event;
}

async function expectNoAwsCall(handler: Handler, event: unknown, statuses = ['rejected', 'ignored']): Promise<string> {
  const result = await handler(event, context);
  expect(statuses).toContain(result.status);
  if (result.status !== 'done') expect(result.reason?.length ?? 0).toBeGreaterThan(0);
  expect(awsCalls()).toBe(0);
  return result.reason ?? '';
}

describe('events handler', () => {
  it('garbage of any shape: rejected, no AWS call', async () => {
    for (const garbage of [null, undefined, 42, 'RunInstances', [], {}, [fixture('cloudtrail/RunInstances.json')], { 'detail-type': 'AWS API Call via CloudTrail' }, { detail: null }]) {
      await expectNoAwsCall(events, garbage);
    }
    // Bare garbage, and garbage inside the envelope of each event the function takes.
    const enveloped = fc.record({
      'detail-type': fc.constantFrom('AWS API Call via CloudTrail', 'EC2 Instance State-change Notification'),
      source: fc.constantFrom('aws.ec2', 'aws.autoscaling'),
      account: fc.constant('111122223333'),
      region: fc.constant('us-east-1'),
      detail: fc.oneof(fc.jsonValue(), fc.anything()),
    });
    const seen = { envelopeRefused: 0, readFurther: 0 };
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.anything(), enveloped), async (garbage) => {
        const reason = await expectNoAwsCall(events, garbage);
        seen[/not a JSON object|unrecognised event format/.test(reason) ? 'envelopeRefused' : 'readFurther']++;
      }),
      { numRuns: 150 },
    );
    // Both the envelope check and the readers behind it are reached.
    expect(seen.envelopeRefused).toBeGreaterThan(30);
    expect(seen.readFurther).toBeGreaterThan(15);
  });

  it('injection-looking ids: rejected with the reasons, no AWS call', async () => {
    const reason = await expectNoAwsCall(events, runInstances(HOSTILE_IDS));
    expect(reason).toContain('i-123;rm -rf /');
    expect(reason).toMatch(/every id was invalid/);
  });

  it('oversized event (6 MB, 20,000 hostile ids): rejected, no AWS call', async () => {
    const event = runInstances(Array.from({ length: 20_000 }, (_, i) => `i-${i};rm`), (e) => {
      e.detail.requestParameters.junk = 'x'.repeat(6 * 1024 * 1024);
    });
    await expectNoAwsCall(events, event);
  });

  it('missing fields and wrong types: rejected or ignored, no AWS call', async () => {
    const cases: ((e: Record<string, any>) => void)[] = [
      (e) => delete e.detail,
      (e) => (e.detail.responseElements = null),
      (e) => delete e.detail.eventName,
      (e) => (e.detail.eventName = 42),
      (e) => (e.detail.responseElements.instancesSet.items = 'i-0123456789abcdef0'),
      (e) => (e.detail.responseElements.instancesSet.items = [{ instanceId: 123456789 }]),
      (e) => (e.detail.recipientAccountId = 111122223333),
      (e) => (e.detail.errorCode = 'Client.UnauthorizedOperation'),
      (e) => (e['detail-type'] = ['AWS API Call via CloudTrail']),
      (e) => (e.detail.eventSource = 'evil.example.com'),
    ];
    for (const edit of cases) await expectNoAwsCall(events, runInstances(['i-0123456789abcdef0'], edit));
  });

  it('events of another account or region: rejected, never acted on', async () => {
    const elsewhere: ((e: Record<string, any>) => void)[] = [
      (e) => ((e.account = '999999999999'), (e.detail.recipientAccountId = '999999999999')),
      (e) => (e.detail.recipientAccountId = '999999999999'),
      (e) => ((e.region = 'eu-west-1'), (e.detail.awsRegion = 'eu-west-1')),
      (e) => (e.detail.awsRegion = 'eu-west-1'),
    ];
    for (const edit of elsewhere) {
      const reason = await expectNoAwsCall(events, runInstances(['i-0123456789abcdef0'], edit));
      expect(reason).toMatch(/999999999999|eu-west-1/);
    }
    const stateChange = fixture('eventbridge/ec2-state-change-running.json');
    await expectNoAwsCall(events, { ...stateChange, account: '999999999999' });
    await expectNoAwsCall(events, { ...stateChange, region: 'eu-west-1' });
  });

  it('a custom action sent to the events function is not acted on', async () => {
    await expectNoAwsCall(events, fixture('securityhub/custom-action.json'));
  });

  it('tolerated shapes (a single item instead of a list; an odd envelope source; the record eventSource is what is checked): only the validated id is described', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0123456789abcdef0', State: { Name: 'running' }, MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } }] }],
    });
    securityHub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 2, FailedFindings: [] });
    for (const edit of [
      (e: Record<string, any>) => (e.detail.responseElements.instancesSet = { items: { instanceId: 'i-0123456789abcdef0' } }),
      (e: Record<string, any>) => (e.source = { $ne: null }),
    ]) {
      ec2.resetHistory();
      await events(runInstances(['i-0123456789abcdef0'], edit), context);
      expect(ec2.commandCalls(DescribeInstancesCommand).flatMap((c) => c.args[0].input.InstanceIds ?? [])).toEqual(['i-0123456789abcdef0']);
      expect(ec2.calls().every((c) => c.args[0] instanceof DescribeInstancesCommand)).toBe(true);
    }
  });

  it('valid and hostile ids mixed: only the valid id reaches AWS', async () => {
    const valid = 'i-0123456789abcdef0';
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: valid, State: { Name: 'running' }, MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' } }] }],
    });
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    securityHub.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 2, FailedFindings: [] });
    const result = await events(runInstances(['i-123;rm', valid, '../../etc/passwd', 'i-0123456789abcdef0 ']), context);
    expect(result.status).toBe('done');
    const described = ec2.commandCalls(DescribeInstancesCommand).flatMap((c) => c.args[0].input.InstanceIds ?? []);
    expect(described).toEqual([valid]);
    const imported = securityHub.commandCalls(BatchImportFindingsCommand).flatMap((c) => c.args[0].input.Findings ?? []);
    expect(imported.map((f) => f.Id)).toEqual([`imds-guard/us-east-1/111122223333/instance/${valid}/imdsv2`, `imds-guard/us-east-1/111122223333/instance/${valid}/hop-limit`]);
  });
});

describe('config-rule handler', () => {
  const invocation = (edit: (e: Record<string, any>) => void): Record<string, any> => {
    const e = fixture('config/change-instance.json');
    edit(e);
    return e;
  };
  const withItem = (edit: (item: Record<string, any>) => void) =>
    invocation((e) => {
      const inner = JSON.parse(e.invokingEvent);
      edit(inner.configurationItem);
      e.invokingEvent = JSON.stringify(inner);
    });

  it('garbage, other formats, other account or region: rejected, no AWS call (no PutEvaluations either)', async () => {
    for (const event of [
      null,
      {},
      'x',
      fixture('cloudtrail/RunInstances.json'),
      fixture('securityhub/custom-action.json'),
      invocation((e) => (e.invokingEvent = '{not json')),
      invocation((e) => (e.invokingEvent = 42)),
      invocation((e) => delete e.resultToken),
      invocation((e) => (e.accountId = '999999999999')),
      withItem((item) => (item.awsAccountId = '999999999999')),
      withItem((item) => (item.awsRegion = 'eu-west-1')),
    ]) {
      await expectNoAwsCall(configRule, event);
    }
  });

  it('an injection-looking resource id is never described', async () => {
    for (const id of HOSTILE_IDS.slice(0, 8)) {
      const event = withItem((item) => {
        item.resourceId = id;
        item.configuration.instanceId = id;
        item.ARN = `arn:aws:ec2:us-east-1:111122223333:instance/${id}`;
      });
      await expectNoAwsCall(configRule, event);
    }
  });
});

describe('action handler (Security Hub custom action)', () => {
  const custom = (edit: (e: Record<string, any>) => void): Record<string, any> => {
    const e = fixture('securityhub/custom-action.json');
    edit(e);
    return e;
  };

  it('garbage and wrong event types: rejected, no AWS call', async () => {
    for (const event of [null, [], {}, fixture('cloudtrail/RunInstances.json'), custom((e) => (e.source = 'aws.evil')), custom((e) => (e['detail-type'] = 42))]) {
      await expectNoAwsCall(action, event);
    }
  });

  it('findings of another account or region, hostile ids, or not ours: ignored with reasons, no AWS call', async () => {
    const hostile = custom((e) => {
      e.detail.findings = [
        ...HOSTILE_IDS.map((id) => ({ Id: `imds-guard/us-east-1/111122223333/instance/${id}/imdsv2`, ProductFields: { 'imds-guard/kind': 'instance', 'imds-guard/id': id } })),
        { Id: 'imds-guard/eu-west-1/111122223333/instance/i-0123456789abcdef0/imdsv2' },
        { Id: 'imds-guard/us-east-1/999999999999/instance/i-0123456789abcdef0/imdsv2' },
        { Id: 'arn:aws:securityhub:us-east-1:111122223333:security-control/EC2.8/finding/x' },
        'not an object',
        null,
      ];
    });
    const reason = await expectNoAwsCall(action, hostile, ['ignored']);
    expect(reason).toMatch(/no imds-guard or Security Hub EC2.8\/EC2.170\/AutoScaling.3 finding among the \d+ selected/);
    await expectNoAwsCall(action, custom((e) => (e.detail.findings = 'i-0123456789abcdef0')), ['ignored']);
    await expectNoAwsCall(action, custom((e) => delete e.detail), ['ignored']);
  });
});
