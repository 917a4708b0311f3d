/**
 * The Lambda entry points end to end: a real-shaped event in, mocked AWS
 * clients underneath, and the calls that reach AWS asserted.
 */
import { readFileSync } from 'node:fs';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import {
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  GetInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataOptionsCommand,
  type InstanceMetadataDefaultsResponse,
} from '@aws-sdk/client-ec2';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError, ec2Error } from '../support/aws-errors.js';
import { watchedInstanceReply } from '../support/watched.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const context = { invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:imds-guard-events` } as Context;

function fixture(path: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
}

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const cloudWatch = mockClient(CloudWatchClient);
const securityHub = mockClient(SecurityHubClient);
const config = mockClient(ConfigServiceClient);

const runInstances = fixture('cloudtrail/RunInstances.json');
const INSTANCE_ID: string = runInstances.detail.responseElements.instancesSet.items[0].instanceId;

function describedInstance(httpTokens: 'optional' | 'required') {
  return {
    Reservations: [
      {
        Instances: [
          {
            InstanceId: INSTANCE_ID,
            ImageId: 'ami-0abcdef1234567890',
            LaunchTime: new Date('2025-01-01T00:00:00Z'),
            State: { Code: 16, Name: 'running' as const },
            MetadataOptions: { State: 'applied' as const, HttpTokens: httpTokens, HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' as const },
            Tags: [{ Key: 'Name', Value: 'web-1' }],
          },
        ],
      },
    ],
  };
}

/** Loads a handler module afresh so it reads the current IMDS_GUARD_* settings. */
type Handler = { handler: (event: unknown, context: Context) => Promise<Record<string, unknown>> };
const entryPoints = {
  events: () => import('../../functions/events.js'),
  'config-rule': () => import('../../functions/config-rule.js'),
  sweep: () => import('../../functions/sweep.js'),
  watch: () => import('../../functions/watch.js'),
};
async function load<T extends Handler>(name: keyof typeof entryPoints): Promise<T> {
  vi.resetModules();
  return (await entryPoints[name]()) as unknown as T;
}

beforeEach(() => {
  for (const mock of [ec2, autoScaling, cloudWatch, securityHub, config]) mock.reset();
  securityHub.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
  securityHub.on(BatchUpdateFindingsCommand).callsFake((input) => ({ ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] }));
  cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', Values: [3, 4], Timestamps: [new Date(), new Date()], StatusCode: 'Complete' }] });
});
afterEach(() => {
  delete process.env.IMDS_GUARD_MODE;
  delete process.env.IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT;
  delete process.env.IMDS_GUARD_REMEDIATE;
});

describe('events handler', () => {
  it('turns a RunInstances event into a described instance and its findings', async () => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] }).resolves(describedInstance('optional'));
    const { handler } = await load<Handler>('events');
    const result = await handler(runInstances, context);

    expect(result).toMatchObject({ status: 'done', evaluated: 1, nonCompliant: 1, remediated: 0 });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    const imports = securityHub.commandCalls(BatchImportFindingsCommand);
    expect(imports).toHaveLength(1);
    const findings = imports[0]!.args[0].input.Findings!;
    expect(findings.map((f) => f.Id).sort()).toEqual([
      `imds-guard/${REGION}/${ACCOUNT}/instance/${INSTANCE_ID}/hop-limit`,
      `imds-guard/${REGION}/${ACCOUNT}/instance/${INSTANCE_ID}/imdsv2`,
    ]);
    const imdsv2 = findings.find((f) => f.Id!.endsWith('/imdsv2'))!;
    expect(imdsv2.Compliance?.Status).toBe('FAILED');
    expect(imdsv2.Resources?.[0]?.Details?.AwsEc2Instance?.MetadataOptions?.HttpTokens).toBe('optional');
    // detect mode (the default): no write to the instance, no plan notes
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(0);
  });

  it('acknowledges a malformed event with a reason and calls no AWS API', async () => {
    const { handler } = await load<Handler>('events');
    const result = await handler({ 'detail-type': 'AWS API Call via CloudTrail', detail: 'nonsense' }, context);
    expect(result.status).toBe('rejected');
    expect(String(result.reason)).not.toBe('');
    expect(ec2.calls()).toHaveLength(0);
    expect(securityHub.calls()).toHaveLength(0);
  });

  it('ignores a failed API call (errorCode) without describing anything', async () => {
    const { handler } = await load<Handler>('events');
    const result = await handler(fixture('cloudtrail/ModifyInstanceMetadataOptions-error.json'), context);
    expect(result.status).toBe('ignored');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('ignores a resize that names no launch template or configuration, at debug level, not as a rejected event', async () => {
    const { handler } = await load<Handler>('events');
    const { logger } = await import('../../shared/observability/log.js');
    const error = vi.spyOn(logger, 'error');
    const debug = vi.spyOn(logger, 'debug');
    const result = await handler(fixture('cloudtrail/UpdateAutoScalingGroup-sizes-only.json'), context);
    expect(result).toEqual({ status: 'ignored', reason: 'UpdateAutoScalingGroup names no resource imds-guard checks (e.g. only sizes changed); nothing to do' });
    expect(error).not.toHaveBeenCalled();
    expect(debug).toHaveBeenCalledWith('event ignored', expect.objectContaining({ eventName: 'UpdateAutoScalingGroup' }));
    expect(ec2.calls()).toHaveLength(0);
    expect(autoScaling.calls()).toHaveLength(0);
    expect(securityHub.calls()).toHaveLength(0);
  });

  it('fails the invocation when findings could not be imported, so Lambda retries it', async () => {
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('optional'));
    securityHub.on(BatchImportFindingsCommand).callsFake((input) => ({
      SuccessCount: 0,
      FailedCount: input.Findings.length,
      FailedFindings: input.Findings.map((f: { Id: string }) => ({ Id: f.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'bad finding' })),
    }));
    const { handler } = await load<Handler>('events');
    await expect(handler(runInstances, context)).rejects.toThrow(/could not be published.*InvalidInput/);
  });

  /** The event's instance allows IMDSv1, and Security Hub refuses to import its findings with this error. */
  function importRefused(code: 'InvalidAccessException' | 'AccessDeniedException', message: string): void {
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('optional'));
    securityHub.on(BatchImportFindingsCommand).rejects(awsError('SecurityHub', code, message));
  }

  it('does not fail every call when Security Hub is not enabled in the account', async () => {
    importRefused('InvalidAccessException', 'Account 111122223333 is not subscribed to AWS Security Hub');
    const { handler } = await load<Handler>('events');
    await expect(handler(runInstances, context)).resolves.toMatchObject({ status: 'done', findingsPublished: 0 });
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
  });

  it('fails (so the event is retried, then dead-lettered) when the role may not import findings', async () => {
    importRefused('AccessDeniedException', 'User is not authorized to perform: securityhub:BatchImportFindings with an explicit deny in a service control policy');
    const { handler } = await load<Handler>('events');
    await expect(handler(runInstances, context)).rejects.toThrow(/could not be published.*not authorized/);
  });

  it('in enforce mode leaves an instance that still makes IMDSv1 calls alone, and says why on the finding', async () => {
    process.env.IMDS_GUARD_MODE = 'enforce';
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('optional'));
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    const { handler } = await load<Handler>('events');
    const result = await handler(runInstances, context);
    expect(result).toMatchObject({ status: 'done', remediated: 0 });
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    const note = securityHub.commandCalls(BatchUpdateFindingsCommand)[0]!.args[0].input.Note!.Text!;
    expect(note).toMatch(/7 IMDSv1 call/);
  });

  it('in enforce mode flips an instance with no IMDSv1 calls and verifies it', async () => {
    process.env.IMDS_GUARD_MODE = 'enforce';
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', Values: [0, 0], Timestamps: [new Date(), new Date()], StatusCode: 'Complete' }] });
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce(describedInstance('optional'))
      .resolves(describedInstance('required'));
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceId: INSTANCE_ID });
    securityHub.on(GetFindingsCommand).resolves({ Findings: [] }); // no SUPPRESSED finding
    const { handler } = await load<Handler>('events');
    const result = await handler(runInstances, context);
    expect(result).toMatchObject({ status: 'done', remediated: 1 });
    const modify = ec2.commandCalls(ModifyInstanceMetadataOptionsCommand);
    expect(modify).toHaveLength(1);
    expect(modify[0]!.args[0].input).toMatchObject({ InstanceId: INSTANCE_ID, HttpTokens: 'required' });
    expect(modify[0]!.args[0].input).not.toHaveProperty('HttpEndpoint');
    const update = securityHub.commandCalls(BatchUpdateFindingsCommand)[0]!.args[0].input;
    expect(update.Workflow?.Status).toBe('RESOLVED');
    // the finding imported in the same run already shows the state after the fix
    const imported = securityHub.commandCalls(BatchImportFindingsCommand).flatMap((c) => c.args[0].input.Findings!);
    const imdsv2 = imported.find((f) => f.Id!.endsWith('/imdsv2'))!;
    expect(imdsv2.Compliance?.Status).toBe('PASSED');
    expect(imdsv2.Resources?.[0]?.Details?.AwsEc2Instance?.MetadataOptions?.HttpTokens).toBe('required');
  });
});

describe('events handler when CloudWatch cannot be read', () => {
  it('still publishes the finding but never flips the instance, even with IMDS_GUARD_USAGE_UNKNOWN=enforce', async () => {
    process.env.IMDS_GUARD_MODE = 'enforce';
    process.env.IMDS_GUARD_USAGE_UNKNOWN = 'enforce';
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('optional'));
    cloudWatch.on(GetMetricDataCommand).rejects(awsError('CloudWatch', 'AccessDenied', 'User is not authorized to perform: cloudwatch:GetMetricData'));
    const { handler } = await load<Handler>('events');
    try {
      const result = await handler(runInstances, context);
      expect(result).toMatchObject({ status: 'done', nonCompliant: 1, remediated: 0 });
    } finally {
      delete process.env.IMDS_GUARD_USAGE_UNKNOWN;
    }
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
    const note = securityHub.commandCalls(BatchUpdateFindingsCommand)[0]!.args[0].input.Note!.Text!;
    expect(note).toMatch(/could not be read/);
  });
});

describe('config-rule handler', () => {
  it('puts one evaluation with the invocation ResultToken and the item capture time', async () => {
    const invocation = fixture('config/change-instance.json');
    const item = JSON.parse(invocation.invokingEvent).configurationItem;
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: item.resourceId, State: { Code: 16, Name: 'running' }, MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 } }] },
      ],
    });
    config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    const { handler } = await load<Handler>('config-rule');
    const result = await handler(invocation, context);
    expect(result).toMatchObject({ status: 'done', evaluated: 1 });
    const put = config.commandCalls(PutEvaluationsCommand);
    expect(put).toHaveLength(1);
    expect(put[0]!.args[0].input.ResultToken).toBe(invocation.resultToken);
    expect(put[0]!.args[0].input.Evaluations).toEqual([
      expect.objectContaining({
        ComplianceResourceType: 'AWS::EC2::Instance',
        ComplianceResourceId: item.resourceId,
        ComplianceType: 'COMPLIANT',
        OrderingTimestamp: new Date(item.configurationItemCaptureTime),
      }),
    ]);
    expect(securityHub.calls()).toHaveLength(0);
  });

  it('judges a deleted resource NOT_APPLICABLE without describing it', async () => {
    config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    const { handler } = await load<Handler>('config-rule');
    await handler(fixture('config/change-instance-deleted.json'), context);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
    expect(config.commandCalls(PutEvaluationsCommand)[0]!.args[0].input.Evaluations![0]!.ComplianceType).toBe('NOT_APPLICABLE');
  });
});

describe('sweep handler', () => {
  it('publishes every resource of the region and archives findings of vanished ones', async () => {
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('optional'));
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [] });
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required' } });
    autoScaling.onAnyCommand().resolves({ LaunchConfigurations: [], AutoScalingGroups: [] });
    const gone = 'i-0aaaaaaaaaaaaaaa9';
    securityHub.on(GetFindingsCommand).resolves({
      Findings: [
        {
          Id: `imds-guard/${REGION}/${ACCOUNT}/instance/${gone}/imdsv2`,
          ProductFields: { 'imds-guard/kind': 'instance', 'imds-guard/id': gone },
        } as never,
      ],
    });
    const { handler } = await load<Handler>('sweep');
    const result = await handler({ 'detail-type': 'Scheduled Event' }, context);
    // two findings (imdsv2, hop-limit) of the vanished instance are archived
    expect(result).toMatchObject({ status: 'done', evaluated: 2, nonCompliant: 1, archived: 2 });
    const imported = securityHub.commandCalls(BatchImportFindingsCommand).flatMap((c) => c.args[0].input.Findings!);
    const archived = imported.filter((f) => f.RecordState === 'ARCHIVED').map((f) => f.Id);
    expect(archived).toContain(`imds-guard/${REGION}/${ACCOUNT}/instance/${gone}/imdsv2`);
    expect(imported.filter((f) => f.RecordState === 'ACTIVE').map((f) => f.Id)).toContain(
      `imds-guard/${REGION}/${ACCOUNT}/instance/${INSTANCE_ID}/imdsv2`,
    );
  });
});

describe('sweep handler: graduation with IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=when-ready', () => {
  /** One instance that requires IMDSv2, and the account default as given; EC2 keeps what ModifyInstanceMetadataDefaults sends. */
  function estate(defaults: InstanceMetadataDefaultsResponse, templateTokens?: 'optional'): void {
    let state = { ...defaults };
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('required'));
    ec2.on(DescribeLaunchTemplatesCommand).resolves({
      LaunchTemplates: templateTokens ? [{ LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1', LaunchTemplateName: 'web', DefaultVersionNumber: 1, LatestVersionNumber: 1 }] : [],
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: templateTokens
        ? [{ LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1', LaunchTemplateName: 'web', VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { MetadataOptions: { HttpTokens: templateTokens } } }]
        : [],
    });
    ec2.on(GetInstanceMetadataDefaultsCommand).callsFake(() => ({ AccountLevel: state }));
    ec2.on(ModifyInstanceMetadataDefaultsCommand).callsFake((input: InstanceMetadataDefaultsResponse) => {
      state = { ...state, ...input };
      return { Return: true };
    });
    autoScaling.onAnyCommand().resolves({ LaunchConfigurations: [], AutoScalingGroups: [] });
    securityHub.on(GetFindingsCommand).resolves({ Findings: [] });
    // The account-wide SEARCH finds the instance's series without IMDSv1 calls.
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'imdsv1', Label: INSTANCE_ID, Values: [0, 0], Timestamps: [new Date(), new Date()], StatusCode: 'Complete' }] });
    process.env.IMDS_GUARD_MODE = 'enforce';
    process.env.IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT = 'when-ready';
    process.env.IMDS_GUARD_REMEDIATE = 'account-defaults';
  }
  const required = { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpTokensEnforced: 'disabled' } as const;

  it('a ready account-region: switches HttpTokensEnforced on, and the finding says the stage it left', async () => {
    estate({ ...required, ManagedBy: 'account' });
    const { handler } = await load<Handler>('sweep');
    // Computed ready, graduated in this run: the sweep and the finding report the stage as it is now.
    expect(await handler({ 'detail-type': 'Scheduled Event' }, context)).toMatchObject({ status: 'done', stage: 'enforced', blockers: 0, remediated: 1 });
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand).map((c) => c.args[0].input)).toEqual([
      { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpTokensEnforced: 'enabled' },
    ]);
    // One GetMetricData for the stage (the instance requires IMDSv2: no per-instance look-up).
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    const finding = securityHub
      .commandCalls(BatchImportFindingsCommand)
      .flatMap((c) => c.args[0].input.Findings!)
      .find((f) => f.Id === `imds-guard/${REGION}/${ACCOUNT}/account-defaults/${ACCOUNT}/imdsv2`);
    expect(finding?.ProductFields?.['imds-guard/stage']).toBe('enforced');
    expect(finding?.Compliance?.Status).toBe('PASSED');
  });

  it('a migrating account-region (a template launching with optional): no write', async () => {
    estate({ ...required, ManagedBy: 'account' }, 'optional');
    const { handler } = await load<Handler>('sweep');
    expect(await handler({ 'detail-type': 'Scheduled Event' }, context)).toMatchObject({ status: 'done', stage: 'migrating', blockers: 1, remediated: 0 });
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)).toHaveLength(0);
  });

  it('a managed account-region (declarative policy): never a write, even with nothing blocking', async () => {
    estate({ ...required, ManagedBy: 'declarative-policy' });
    const { handler } = await load<Handler>('sweep');
    expect(await handler({ 'detail-type': 'Scheduled Event' }, context)).toMatchObject({ status: 'done', stage: 'managed', remediated: 0 });
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)).toHaveLength(0);
  });
});

describe('watch handler', () => {
  const watchedInstance = (flippedAt: Date) => watchedInstanceReply(INSTANCE_ID, flippedAt);

  it('with nothing watched: one DescribeInstances filtered on the tag, nothing else', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const { handler } = await load<Handler>('watch');
    expect(await handler({}, context)).toMatchObject({ status: 'done', watched: 0, rolledBack: 0 });
    expect(ec2.calls()).toHaveLength(1);
    expect(cloudWatch.calls()).toHaveLength(0);
  });

  it('in enforce mode rolls back on rejected calls and reads back; a failed restore fails the run (the record stays for the retry)', async () => {
    process.env.IMDS_GUARD_MODE = 'enforce';
    const flipped = new Date(Date.now() - 3_600_000);
    ec2.on(DescribeInstancesCommand).resolves(watchedInstance(flipped));
    // the read-back: EC2 now reports the restored options
    ec2.on(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] }).resolves({
      Reservations: [{ Instances: [{ InstanceId: INSTANCE_ID, MetadataOptions: { State: 'pending', HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' } }] }],
    });
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'r0', Values: [6], Timestamps: [new Date(flipped.getTime() + 600_000)], StatusCode: 'Complete' }] });
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceId: INSTANCE_ID });
    const { handler } = await load<Handler>('watch');
    expect(await handler({}, context)).toMatchObject({ status: 'done', watched: 1, rolledBack: 1, breakages: 1, rollbackFailures: 0, writeFailures: 0 });
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)[0]!.args[0].input).toEqual({
      InstanceId: INSTANCE_ID,
      HttpTokens: 'optional',
      HttpPutResponseHopLimit: 2,
      HttpEndpoint: 'enabled',
    });

    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    ec2.resetHistory();
    await expect(handler({}, context)).rejects.toThrow(/could not be rolled back.*rollback failed: AWS refused the restore \(.*UnauthorizedOperation/);
    // pending mark, the refused restore, the failed mark; the watch record was not removed, so the next run retries
    expect(ec2.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeInstancesCommand', 'CreateTagsCommand', 'ModifyInstanceMetadataOptionsCommand', 'CreateTagsCommand']);
    expect(ec2.commandCalls(DeleteTagsCommand)).toHaveLength(0);
  });

  it('outside enforce mode writes nothing', async () => {
    ec2.on(DescribeInstancesCommand).resolves(watchedInstance(new Date(Date.now() - 3_600_000)));
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'r0', Values: [6], Timestamps: [new Date()], StatusCode: 'Complete' }] });
    const { handler } = await load<Handler>('watch');
    // found, not rolled back: a breakage, no rollback
    expect(await handler({}, context)).toMatchObject({ breakages: 1, rolledBack: 0, rollbackFailures: 0 });
    expect(ec2.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeInstancesCommand']);
  });
});
