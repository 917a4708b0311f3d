/**
 * The sweep and the Config rule's periodic run when one kind's listing is
 * denied: the other kinds are judged and published, the denied kind's
 * findings are left as they are, and the run says `partial` instead of
 * failing; it fails when nothing could be read. Mocked SDK clients, one
 * resource of every kind.
 */
import { groupRecord } from '../aws/helpers.js';
import { readFileSync } from 'node:fs';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeLaunchConfigurationsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient, GetComplianceDetailsByConfigRuleCommand, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { DescribeImagesCommand, DescribeInstancesCommand, DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client, GetInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResourceKind } from '../../shared/model.js';
import { awsError } from '../support/aws-errors.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const context = { invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:imds-guard-sweep` } as Context;

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const cloudWatch = mockClient(CloudWatchClient);
const securityHub = mockClient(SecurityHubClient);
const config = mockClient(ConfigServiceClient);

const INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
const TEMPLATE = 'lt-0aaaaaaaaaaaaaaa1';
const CONFIGURATION = 'old-lc';
const GROUP = 'web-asg';
/** The resource id each kind's finding or evaluation is about. */
const ID: Record<ResourceKind, string> = {
  instance: INSTANCE,
  'launch-template': TEMPLATE,
  'launch-configuration': CONFIGURATION,
  'account-defaults': ACCOUNT,
  'auto-scaling-group': GROUP,
};

const ec2Denied = (): Error => awsError('EC2', 'UnauthorizedOperation', 'You are not authorized to perform this operation.');
const asgDenied = (): Error => awsError('AutoScaling', 'AccessDenied', 'User is not authorized to perform this action');

const METADATA = { HttpTokens: 'required' as const, HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' as const };

/** One resource of every kind; the group launches from the template, whose options are all set. */
function estate(): void {
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: [{ InstanceId: INSTANCE, State: { Code: 16, Name: 'running' }, LaunchTime: new Date('2025-01-01T00:00:00Z'), ImageId: 'ami-0abcdef1234567890', MetadataOptions: { ...METADATA, State: 'applied' } }] }],
  });
  const version = { LaunchTemplateId: TEMPLATE, LaunchTemplateName: 'web', VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { MetadataOptions: METADATA } };
  ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [version] });
  ec2.on(DescribeLaunchTemplatesCommand).callsFake((input) =>
    input.Filters ? { LaunchTemplates: [] } : { LaunchTemplates: [{ LaunchTemplateId: TEMPLATE, LaunchTemplateName: 'web', DefaultVersionNumber: 1, LatestVersionNumber: 1 }] },
  );
  ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required' } });
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
  autoScaling.on(DescribeLaunchConfigurationsCommand).resolves({
    LaunchConfigurations: [{ LaunchConfigurationName: CONFIGURATION, ImageId: 'ami-0abcdef1234567890', InstanceType: 't3.micro', CreatedTime: new Date('2020-01-01T00:00:00Z'), SecurityGroups: [], BlockDeviceMappings: [] }],
  });
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [groupRecord(GROUP, { LaunchTemplate: { LaunchTemplateId: TEMPLATE, Version: '$Default' } })],
  });
}

/**
 * Denies the listing of one kind, as a missing permission or an SCP would.
 * The account default is shared: denying it also leaves the launch templates
 * unread (their unset options fall back to it, so they cannot be judged without it).
 */
function deny(kind: ResourceKind): ResourceKind[] {
  switch (kind) {
    case 'instance':
      ec2.on(DescribeInstancesCommand).rejects(ec2Denied());
      return ['instance'];
    case 'launch-template':
      // Only the account-wide listing (MaxResults); the group's look-up of its own template still works.
      ec2.on(DescribeLaunchTemplateVersionsCommand, { MaxResults: 200 }).rejects(ec2Denied());
      return ['launch-template'];
    case 'launch-configuration':
      autoScaling.on(DescribeLaunchConfigurationsCommand).rejects(asgDenied());
      return ['launch-configuration'];
    case 'account-defaults':
      ec2.on(GetInstanceMetadataDefaultsCommand).rejects(ec2Denied());
      return ['launch-template', 'account-defaults'];
    case 'auto-scaling-group':
      autoScaling.on(DescribeAutoScalingGroupsCommand).rejects(asgDenied());
      return ['auto-scaling-group'];
  }
}

const KINDS = Object.keys(ID) as ResourceKind[];

type Handler = { handler: (event: unknown, context: Context) => Promise<Record<string, unknown>> };
async function load(name: 'sweep' | 'config-rule'): Promise<Handler> {
  vi.resetModules();
  return (name === 'sweep' ? await import('../../functions/sweep.js') : await import('../../functions/config-rule.js')) as unknown as Handler;
}

const scheduled = JSON.parse(readFileSync(new URL('../fixtures/config/scheduled.json', import.meta.url), 'utf8'));

beforeEach(() => {
  for (const mock of [ec2, autoScaling, cloudWatch, securityHub, config]) mock.reset();
  estate();
  securityHub.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
  securityHub.on(BatchUpdateFindingsCommand).callsFake((input) => ({ ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] }));
  cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
  config.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
});

/** A previous sweep's ACTIVE finding of every kind's resource, plus one of an instance that is gone. */
const GONE = 'i-0aaaaaaaaaaaaaaa9';
function previousFindings(): void {
  const ids = [...KINDS.map((k) => [k, ID[k]] as const), ['instance', GONE] as const];
  securityHub.on(GetFindingsCommand).resolves({
    Findings: ids.map(([kind, id]) => ({ Id: `imds-guard/${REGION}/${ACCOUNT}/${kind}/${id}/imdsv2`, ProductFields: { 'imds-guard/kind': kind, 'imds-guard/id': id } }) as never),
  });
}

const imported = () => securityHub.commandCalls(BatchImportFindingsCommand).flatMap((c) => c.args[0].input.Findings ?? []);
const kindOf = (findingId: string | undefined): string | undefined => findingId?.split('/')[3];

describe('sweep handler with one kind unreadable', () => {
  it.each(KINDS.map((k) => [k]))('%s denied: the others published, its findings untouched, status partial', async (kind) => {
    previousFindings();
    const unreadable = deny(kind);
    const { handler } = await load('sweep');
    const result = await handler({ 'detail-type': 'Scheduled Event' }, context);

    expect(result.status).toBe('partial');
    expect((result.unread as { kind: string }[]).map((u) => u.kind)).toEqual(unreadable);
    expect(result.unread).toEqual(unreadable.map((k) => expect.objectContaining({ kind: k, error: expect.stringMatching(/UnauthorizedOperation|AccessDenied/) })));
    const active = new Set(imported().filter((f) => f.RecordState === 'ACTIVE').map((f) => kindOf(f.Id)));
    expect([...active].sort()).toEqual(KINDS.filter((k) => !unreadable.includes(k)).sort());
    // Archived: only what a kind that was read no longer has; never a finding of an unreadable kind.
    const archived = imported().filter((f) => f.RecordState === 'ARCHIVED');
    expect(archived.every((f) => !unreadable.includes(kindOf(f.Id) as ResourceKind))).toBe(true);
    if (kind !== 'instance') expect(archived.map((f) => f.Id)).toContain(`imds-guard/${REGION}/${ACCOUNT}/instance/${GONE}/imdsv2`);
  });

  it('fails when no kind could be read', async () => {
    previousFindings();
    for (const kind of KINDS) deny(kind);
    const { handler } = await load('sweep');
    await expect(handler({ 'detail-type': 'Scheduled Event' }, context)).rejects.toThrow(/^no resource kind could be read/);
    expect(imported().filter((f) => f.RecordState === 'ARCHIVED')).toEqual([]);
  });

  it('says done when every kind was read', async () => {
    previousFindings();
    const { handler } = await load('sweep');
    const result = await handler({ 'detail-type': 'Scheduled Event' }, context);
    expect(result).toMatchObject({ status: 'done', evaluated: KINDS.length });
    expect(result.unread).toBeUndefined();
  });
});

describe('config-rule periodic run with one kind unreadable', () => {
  const evaluated = (): string[] => config.commandCalls(PutEvaluationsCommand).flatMap((c) => (c.args[0].input.Evaluations ?? []).map((e) => String(e.ComplianceResourceId)));

  it.each(KINDS.map((k) => [k]))('%s denied: the other kinds are evaluated, status partial', async (kind) => {
    const unreadable = deny(kind);
    const { handler } = await load('config-rule');
    const result = await handler(scheduled, context);
    expect(result).toMatchObject({ status: 'partial', evaluated: KINDS.length - unreadable.length });
    expect((result.unread as { kind: string }[]).map((u) => u.kind)).toEqual(unreadable);
    const ids = evaluated();
    for (const k of KINDS) {
      if (unreadable.includes(k)) expect(ids.some((id) => id.includes(ID[k]))).toBe(false);
      else expect(ids.some((id) => id.includes(ID[k]))).toBe(true);
    }
  });

  it('fails when no kind could be read', async () => {
    for (const kind of KINDS) deny(kind);
    const { handler } = await load('config-rule');
    await expect(handler(scheduled, context)).rejects.toThrow(/^no resource kind could be read/);
    expect(config.commandCalls(PutEvaluationsCommand)).toHaveLength(0);
  });
});
