/**
 * `imds-guard doctor` end to end over mocked SDK clients. Reply shapes follow
 * the API references (CloudTrail DescribeTrails / GetTrailStatus /
 * GetEventSelectors, Config DescribeConfigurationRecorders(+Status), Security
 * Hub DescribeHub / BatchGetSecurityControls, Lambda GetAccountSettings, EC2
 * GetInstanceMetadataDefaults, CloudFormation DescribeStacks, CloudWatch
 * GetMetricData); see test/fixtures/SOURCES.md.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, type Trail } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  type ConfigurationRecorder,
} from '@aws-sdk/client-config-service';
import { EC2Client, GetInstanceMetadataDefaultsCommand, type InstanceMetadataDefaultsResponse } from '@aws-sdk/client-ec2';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeHubCommand, GetFindingsCommand, ListStandardsControlAssociationsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { STACK_RESERVED } from '../../../cli/doctor/judge.js';
import type { DoctorReport } from '../../../cli/doctor/report.js';
import { REQUEST_LOG_MIDDLEWARE } from '../../../cli/debug.js';
import { createPreflightClients, type PreflightClients } from '../../../shared/aws/preflight.js';
import { ACCOUNT, NOW, run } from '../harness.js';
import { awsError } from '../../support/aws-errors.js';

const STACK_NAME = 'StackSet-imds-guard-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
const SWEEP_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:StackSet-imds-guard-0a1b2c3d-SweepFunction-AbCdEf012345`;

interface World {
  trails: Trail[];
  logging: boolean;
  selectors: { EventSelectors?: object[]; AdvancedEventSelectors?: object[] };
  recorders: ConfigurationRecorder[];
  recording: boolean;
  hub: boolean;
  controls: Record<string, 'ENABLED' | 'DISABLED' | undefined>;
  unreserved: number;
  defaults: InstanceMetadataDefaultsResponse;
  stack?: Stack;
  /** Hours ago of the sweep's last invocation; undefined = none in the window. */
  sweptHoursAgo?: number;
  /** The stage the last sweep put on the account default's finding; undefined = no such finding. */
  stage?: { stage: string; blockers: number };
}

function green(): World {
  return {
    trails: [
      {
        Name: 'org-trail',
        S3BucketName: 'aws-controltower-logs-111122223333-us-east-1',
        IncludeGlobalServiceEvents: true,
        IsMultiRegionTrail: true,
        HomeRegion: 'us-east-1',
        TrailARN: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail`,
        LogFileValidationEnabled: true,
        HasCustomEventSelectors: false,
        HasInsightSelectors: false,
        IsOrganizationTrail: true,
      },
    ],
    logging: true,
    selectors: { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }] },
    recorders: [
      {
        name: 'default',
        roleARN: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
        recordingGroup: {
          allSupported: true,
          includeGlobalResourceTypes: false,
          resourceTypes: [],
          exclusionByResourceTypes: { resourceTypes: [] },
          recordingStrategy: { useOnly: 'ALL_SUPPORTED_RESOURCE_TYPES' },
        },
        recordingMode: { recordingFrequency: 'CONTINUOUS' },
      },
    ],
    recording: true,
    hub: true,
    controls: { 'EC2.8': 'ENABLED', 'AutoScaling.3': 'ENABLED', 'EC2.170': 'ENABLED' },
    unreserved: 1000 - STACK_RESERVED,
    defaults: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, ManagedBy: 'account' },
    stack: {
      StackName: STACK_NAME,
      StackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${STACK_NAME}/0a1b2c3d-0000-0000-0000-000000000000`,
      CreationTime: new Date('2026-03-01T10:00:00Z'),
      LastUpdatedTime: new Date('2026-04-20T10:00:00Z'),
      StackStatus: 'UPDATE_COMPLETE',
      Parameters: [
        { ParameterKey: 'ArtifactVersion', ParameterValue: '0.1.0-3f9a1c2b' },
        { ParameterKey: 'Mode', ParameterValue: 'detect' },
        { ParameterKey: 'SweepSchedule', ParameterValue: 'rate(6 hours)' },
        { ParameterKey: 'ReserveConcurrency', ParameterValue: 'true' },
        { ParameterKey: 'EnableConfigRule', ParameterValue: 'true' },
      ],
      Outputs: [{ OutputKey: 'SweepFunctionArn', OutputValue: SWEEP_ARN, Description: 'sweep function' }],
    },
    sweptHoursAgo: 3,
    stage: { stage: 'migrating', blockers: 2 },
  };
}


let stubs: AwsClientStub<any>[] = [];
let world: World;
let sts: AwsClientStub<STSClient>;
let cloudTrail: AwsClientStub<CloudTrailClient>;
let securityHub: AwsClientStub<SecurityHubClient>;
let organizations: AwsClientStub<OrganizationsClient>;
let cloudFormation: AwsClientStub<CloudFormationClient>;

beforeEach(() => {
  world = green();
  sts = mockClient(STSClient);
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/SecurityAudit/alice`, UserId: 'AROAEXAMPLE:alice' });
  cloudTrail = mockClient(CloudTrailClient);
  cloudTrail.on(DescribeTrailsCommand).callsFake(() => ({ trailList: world.trails }));
  cloudTrail.on(GetTrailStatusCommand).callsFake(() => ({ IsLogging: world.logging, LatestDeliveryTime: new Date('2026-05-01T11:55:00Z'), StartLoggingTime: new Date('2026-01-01T00:00:00Z') }));
  cloudTrail.on(GetEventSelectorsCommand).callsFake(() => ({ TrailARN: world.trails[0]?.TrailARN, ...world.selectors }));
  const config = mockClient(ConfigServiceClient);
  config.on(DescribeConfigurationRecordersCommand).callsFake(() => ({ ConfigurationRecorders: world.recorders }));
  config.on(DescribeConfigurationRecorderStatusCommand).callsFake(() => ({
    ConfigurationRecordersStatus: world.recorders.map((r) => ({ name: r.name, recording: world.recording, lastStatus: 'SUCCESS', lastStartTime: new Date('2026-01-01T00:00:00Z') })),
  }));
  securityHub = mockClient(SecurityHubClient);
  securityHub.on(DescribeHubCommand).callsFake(() => {
    if (!world.hub) throw awsError('SecurityHub', 'InvalidAccessException', `Account ${ACCOUNT} is not subscribed to AWS Security Hub`);
    return { HubArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:hub/default`, SubscribedAt: '2026-01-05T08:00:00.000Z', AutoEnableControls: true, ControlFindingGenerator: 'SECURITY_CONTROL' };
  });
  securityHub.on(GetFindingsCommand).callsFake((input: { Filters: { Id: { Value: string }[] } }) => ({
    Findings: world.stage
      ? [
          {
            Id: input.Filters.Id[0]!.Value,
            UpdatedAt: '2026-05-01T09:00:00.000Z',
            ProductFields: { 'imds-guard/stage': world.stage.stage, 'imds-guard/stage-blockers': String(world.stage.blockers) },
          },
        ]
      : [],
  }));
  securityHub.on(ListStandardsControlAssociationsCommand).callsFake((input: { SecurityControlId: string }) => {
    const id = input.SecurityControlId;
    const status = world.controls[id];
    const fsbp = 'arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0';
    return {
      StandardsControlAssociationSummaries: status
        ? [
            {
              StandardsArn: fsbp,
              SecurityControlId: id,
              SecurityControlArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:security-control/${id}`,
              AssociationStatus: status,
              RelatedRequirements: [],
              UpdatedAt: new Date('2026-01-05T08:00:00Z'),
              StandardsControlTitle: id,
            },
          ]
        : [],
    };
  });
  const lambda = mockClient(LambdaClient);
  lambda.on(GetAccountSettingsCommand).callsFake(() => ({
    AccountLimit: { TotalCodeSize: 80530636800, CodeSizeUnzipped: 262144000, CodeSizeZipped: 52428800, ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: world.unreserved },
    AccountUsage: { TotalCodeSize: 12345678, FunctionCount: 12 },
  }));
  const ec2 = mockClient(EC2Client);
  ec2.on(GetInstanceMetadataDefaultsCommand).callsFake(() => ({ AccountLevel: world.defaults }));
  const cfn = mockClient(CloudFormationClient);
  cloudFormation = cfn;
  cfn.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
    if (input.StackName && input.StackName !== world.stack?.StackName) throw awsError('CloudFormation', 'ValidationError', `Stack with id ${input.StackName} does not exist`);
    const other: Stack = { StackName: 'network-baseline', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date('2025-01-01T00:00:00Z') };
    return { Stacks: input.StackName ? [world.stack] : [other, ...(world.stack ? [world.stack] : [])] };
  });
  const cw = mockClient(CloudWatchClient);
  cw.on(GetMetricDataCommand).callsFake(() => {
    const hours = world.sweptHoursAgo;
    const at = (h: number): Date => new Date(Math.floor((NOW.getTime() - h * 3_600_000) / 3_600_000) * 3_600_000);
    return {
      MetricDataResults: [
        {
          Id: 'sweep',
          Label: 'Invocations',
          StatusCode: 'Complete',
          Timestamps: hours === undefined ? [] : [at(1), at(hours), at(hours + 6)],
          Values: hours === undefined ? [] : [0, 1, 1],
        },
      ],
      Messages: [],
    };
  });
  organizations = mockClient(OrganizationsClient);
  stubs = [sts, cloudTrail, config, securityHub, lambda, ec2, cfn, cw, organizations];
});

afterEach(() => {
  for (const s of stubs) s.restore();
});

async function doctorJson(args: string[] = []): Promise<{ code: number; report: DoctorReport; byCheck: Map<string, DoctorReport['checks'][number]> }> {
  const r = await run(['doctor', '--format', 'json', ...args]);
  const report = JSON.parse(r.stdout) as DoctorReport;
  return { code: r.code, report, byCheck: new Map(report.checks.map((c) => [c.check, c])) };
}

describe('imds-guard doctor', () => {
  it('all green: every check ok, exit 0, one call per fact', async () => {
    const r = await run(['doctor']);
    expect(r.code).toBe(0);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    const flat = r.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('ok cloudtrail: trail org-trail (organization trail) logs management write events');
    expect(flat).toContain(`ok stack: stack ${STACK_NAME} UPDATE_COMPLETE, version 0.1.0-3f9a1c2b, mode detect`);
    expect(flat).toContain('ok sweep: the sweep last ran 3 h ago');
    expect(flat).toContain('everything needed is there');
    expect(r.stdout).not.toContain('fix:');

    for (const stub of stubs) stub.resetHistory();
    const { report } = await doctorJson();
    // One call per fact: STS identity, 3 CloudTrail, 2 Config, Security Hub 1 + one per control, Lambda, EC2, CloudFormation, CloudWatch.
    // Security Hub: DescribeHub, one call per control, and the stage on the account default's finding.
    expect(stubs.map((stub) => stub.calls().length)).toEqual([1, 3, 2, 5, 1, 1, 1, 1, 0]);
    expect(report.checks.map((c) => [c.check, c.status])).toEqual([
      ['cloudtrail', 'ok'],
      ['config', 'ok'],
      ['security-hub', 'ok'],
      ['controls', 'ok'],
      ['lambda-concurrency', 'ok'],
      ['account-default', 'ok'],
      ['stage', 'ok'],
      ['stack', 'ok'],
      ['sweep', 'ok'],
    ]);
    // The stage is read from the account default's own finding, by its Id.
    expect(securityHub.commandCalls(GetFindingsCommand)[0]?.args[0].input.Filters?.Id).toEqual([
      { Value: `imds-guard/us-east-1/${ACCOUNT}/account-defaults/${ACCOUNT}/imdsv2`, Comparison: 'EQUALS' },
    ]);
    expect(securityHub.commandCalls(ListStandardsControlAssociationsCommand).map((c) => c.args[0].input.SecurityControlId)).toEqual(['EC2.8', 'EC2.170', 'AutoScaling.3']);
    expect(cloudTrail.commandCalls(DescribeTrailsCommand)[0]?.args[0].input).toEqual({ includeShadowTrails: true });
  });

  it('the stage: as the last sweep published it, against the graduation setting', async () => {
    expect((await doctorJson()).byCheck.get('stage')).toMatchObject({ status: 'ok', detail: expect.stringContaining('stage migrating, 2 blockers as of 2026-05-01T09:00:00.000Z') });
    world.stage = undefined;
    expect((await doctorJson()).byCheck.get('stage')).toMatchObject({ status: 'skip', detail: expect.stringContaining('no stage published') });
  });

  it('no trail: reported with the fix, exit 1', async () => {
    world.trails = [];
    const { code, byCheck } = await doctorJson();
    expect(code).toBe(1);
    expect(byCheck.get('cloudtrail')).toMatchObject({ status: 'fail', detail: 'no CloudTrail trail applies to us-east-1' });
    expect(byCheck.get('cloudtrail')?.fix).toContain('aws cloudtrail create-trail');
    expect(byCheck.get('cloudtrail')?.fix).toContain('only the sweep and the Config rule catch drift');
  });

  it('a trail that is not logging, or logs no management writes, fails', async () => {
    world.logging = false;
    expect((await doctorJson()).byCheck.get('cloudtrail')).toMatchObject({ status: 'fail', detail: expect.stringContaining('is not logging') });
    world.logging = true;
    world.selectors = { EventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }] };
    const { byCheck } = await doctorJson();
    expect(byCheck.get('cloudtrail')?.status).toBe('fail');
    expect(byCheck.get('cloudtrail')?.fix).toContain('put-event-selectors');
  });

  it('Config not recording: reported with the fix, exit 1', async () => {
    world.recording = false;
    const { code, byCheck } = await doctorJson();
    expect(code).toBe(1);
    expect(byCheck.get('config')).toMatchObject({ status: 'fail', detail: 'recorder default is not recording' });
    expect(byCheck.get('config')?.fix).toContain('aws configservice start-configuration-recorder --configuration-recorder-name default --region us-east-1');
  });

  it('Config recording without the launch configuration type names what is missing', async () => {
    world.recorders[0]!.recordingGroup = {
      allSupported: false,
      resourceTypes: ['AWS::EC2::Instance', 'AWS::EC2::LaunchTemplate', 'AWS::AutoScaling::AutoScalingGroup'],
      recordingStrategy: { useOnly: 'INCLUSION_BY_RESOURCE_TYPES' },
    };
    const { byCheck } = await doctorJson();
    expect(byCheck.get('config')).toMatchObject({ status: 'fail', detail: 'recorder default does not record AWS::AutoScaling::LaunchConfiguration' });
  });

  it('Security Hub off: reported with the fix, controls skipped, exit 1', async () => {
    world.hub = false;
    const { code, byCheck } = await doctorJson();
    expect(code).toBe(1);
    expect(byCheck.get('security-hub')?.status).toBe('fail');
    expect(byCheck.get('security-hub')?.fix).toContain('aws securityhub enable-security-hub');
    expect(byCheck.get('controls')?.status).toBe('skip');
    expect(securityHub.commandCalls(ListStandardsControlAssociationsCommand)).toHaveLength(0);
  });

  it('a disabled control and a missing one: each with its fix, exit 1', async () => {
    world.controls = { 'EC2.8': 'ENABLED', 'AutoScaling.3': undefined, 'EC2.170': 'DISABLED' };
    const { code, byCheck } = await doctorJson();
    expect(code).toBe(1);
    const c = byCheck.get('controls');
    expect(c?.status).toBe('fail');
    expect(c?.detail).toBe('Security Hub controls: EC2.170 disabled in aws-foundational-security-best-practices/v/1.0.0; AutoScaling.3 in no enabled standard');
    expect(c?.fix).toContain('SecurityControlId=EC2.170,AssociationStatus=ENABLED');
    expect(c?.fix).toContain('batch-enable-standards');
  });

  it('account default managed by a declarative policy that does not require IMDSv2: exit 1 with the fix', async () => {
    world.defaults = { HttpTokens: 'optional', ManagedBy: 'declarative-policy', ManagedExceptionMessage: 'Managed by the organization declarative policy p-examplepolicy' };
    const { code, byCheck } = await doctorJson();
    expect(code).toBe(1);
    expect(byCheck.get('account-default')?.status).toBe('fail');
    expect(byCheck.get('account-default')?.detail).toContain('declarative policy with http_tokens optional');
    expect(byCheck.get('account-default')?.fix).toContain('imds-guard guardrails --policy declarative');
    // The same policy requiring IMDSv2 is what we want: nothing to fix.
    world.defaults = { HttpTokens: 'required', ManagedBy: 'declarative-policy' };
    expect((await doctorJson()).byCheck.get('account-default')?.status).toBe('ok');
  });

  it('no stack: stack fails, sweep skipped, concurrency judged for a new deployment', async () => {
    world.stack = undefined;
    world.unreserved = 100;
    const { code, byCheck } = await doctorJson();
    expect(code).toBe(1);
    expect(byCheck.get('stack')?.status).toBe('fail');
    expect(byCheck.get('sweep')?.status).toBe('skip');
    expect(byCheck.get('lambda-concurrency')?.status).toBe('fail');
    expect(byCheck.get('lambda-concurrency')?.fix).toContain('ReserveConcurrency=false');
    // With IMDS_GUARD_RESERVE_CONCURRENCY=false there is nothing to reserve.
    const r = await run(['doctor', '--format', 'json'], { env: { IMDS_GUARD_RESERVE_CONCURRENCY: 'false' } });
    expect((JSON.parse(r.stdout) as DoctorReport).checks.find((c) => c.check === 'lambda-concurrency')?.status).toBe('ok');
  });

  it('--stack-name looks the stack up by name; a sweep that has not run for a day fails', async () => {
    world.sweptHoursAgo = 30;
    const { byCheck } = await doctorJson(['--stack-name', STACK_NAME]);
    expect(byCheck.get('stack')?.status).toBe('ok');
    expect(byCheck.get('sweep')).toMatchObject({ status: 'fail', detail: expect.stringContaining('expected every 6 h') });
    const missing = await doctorJson(['--stack-name', 'other-stack']);
    expect(missing.byCheck.get('stack')).toMatchObject({ status: 'fail', detail: 'stack other-stack not found' });
  });

  it('a check that cannot be read is an error with the permission to grant; the others still run', async () => {
    cloudTrail.on(DescribeTrailsCommand).rejects(awsError('CloudTrail', 'AccessDeniedException', 'User is not authorized to perform: cloudtrail:DescribeTrails'));
    const { code, byCheck } = await doctorJson();
    expect(code).toBe(1);
    expect(byCheck.get('cloudtrail')).toMatchObject({ status: 'error', fix: expect.stringContaining('cloudtrail:DescribeTrails') });
    expect(byCheck.get('config')?.status).toBe('ok');
  });

  it('a stack that cannot be read: its sweep is "not checked", not "no stack"', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(awsError('CloudFormation', 'AccessDenied', 'User is not authorized to perform: cloudformation:DescribeStacks'));
    const { code, byCheck } = await doctorJson();
    expect(code).toBe(1);
    expect(byCheck.get('stack')).toMatchObject({ status: 'error', fix: 'grant cloudformation:DescribeStacks' });
    expect(byCheck.get('sweep')).toMatchObject({ status: 'skip', detail: 'not checked: the stack could not be read, and the sweep is found through it' });
  });

  it('--org: a member account whose role predates doctor\'s reads says which checks it could not make and why', async () => {
    organizations.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: ACCOUNT, Name: 'management', State: 'ACTIVE' },
        { Id: '222222222222', Name: 'dev', State: 'ACTIVE' },
      ],
    });
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIA222222222222', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-05-01T13:00:00Z') } });
    cloudTrail.on(DescribeTrailsCommand).rejects(awsError('CloudTrail', 'AccessDeniedException', 'User is not authorized to perform: cloudtrail:DescribeTrails'));
    const { code, report } = await doctorJson(['--org', '--region', 'us-east-1']);
    expect(code).toBe(1);
    const trail = (account: string) => report.checks.find((c) => c.account === account && c.check === 'cloudtrail');
    // Read with the CLI's own credentials: grant the permission.
    expect(trail(ACCOUNT)).toMatchObject({ status: 'error', fix: 'grant cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus, cloudtrail:GetEventSelectors' });
    // Read through the member role: the role is what lacks it.
    expect(trail('222222222222')).toMatchObject({
      status: 'error',
      detail: expect.stringMatching(/^could not be read: AccessDeniedException: .*cloudtrail:DescribeTrails.*; the member role imds-guard-member does not grant it here$/),
      fix: expect.stringMatching(/^update this account's member stack \(its role grants doctor's reads: cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus, cloudtrail:GetEventSelectors\)/),
    });
    expect(report.checks.find((c) => c.account === '222222222222' && c.check === 'config')?.status).toBe('ok');
  });

  it('--org: checks every account with its role, lists the denied account, exit 1', async () => {
    organizations.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: ACCOUNT, Name: 'management', State: 'ACTIVE' },
        { Id: '222222222222', Name: 'dev', State: 'ACTIVE' },
        { Id: '333333333333', Name: 'sandbox', State: 'ACTIVE' },
      ],
    });
    sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
      if (input.RoleArn.includes('333333333333')) throw awsError('STS', 'AccessDenied', 'not authorized to perform: sts:AssumeRole');
      return { Credentials: { AccessKeyId: 'ASIA222222222222', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-05-01T13:00:00Z') } };
    });
    const r = await run(['doctor', '--org', '--region', 'us-east-1', '--region', 'eu-west-1']);
    expect(r.code).toBe(1);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(r.stdout).toContain('222222222222 (dev) · eu-west-1');
    expect(r.stdout).toContain('333333333333 (sandbox) · FAILED, not checked');
    expect(r.stdout).toContain('AccessDenied on AssumeRole');
    expect(r.stdout).toContain('1 account not checked');
  });

  it('--debug logs the requests of doctor\'s own clients (CloudTrail, Lambda, CloudFormation); --out-file writes the report', async () => {
    const built: PreflightClients[] = [];
    const r = await run(['doctor', '--debug', '--out-file', 'doctor.json'], {
      deps: {
        preflightWith: (region, credentials) => {
          const c = createPreflightClients(region, credentials);
          built.push(c);
          return c;
        },
      },
    });
    expect(r.code).toBe(0);
    expect(built.length).toBeGreaterThan(0);
    for (const c of built) {
      for (const client of [c.cloudTrail, c.lambda, c.cloudFormation]) {
        expect(client.middlewareStack.identify().some((m) => m.startsWith(REQUEST_LOG_MIDDLEWARE))).toBe(true);
      }
    }
    expect((JSON.parse(r.files.get('doctor.json') ?? '') as DoctorReport).checks.every((c) => c.status === 'ok')).toBe(true);
  });
});
