/**
 * What `imds-guard doctor` reads, one AWS call family per function, returned
 * as plain facts (judged in cli/doctor/judge.ts). Every function reads one region
 * of one account through the clients it is given.
 */
import { CloudFormationClient, DescribeStacksCommand, paginateDescribeStacks, type Stack } from '@aws-sdk/client-cloudformation';
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type AdvancedEventSelector,
  type EventSelector,
} from '@aws-sdk/client-cloudtrail';
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  type ConfigServiceClient,
  type ConfigurationRecorder,
  type ConfigurationRecorderStatus,
} from '@aws-sdk/client-config-service';
import { GetInstanceMetadataDefaultsCommand, type EC2Client, type InstanceMetadataDefaultsResponse } from '@aws-sdk/client-ec2';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeHubCommand, GetFindingsCommand, paginateListStandardsControlAssociations, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { clientConfig, instrument, requestTimeoutMs } from './clients.js';
import type { Credentials } from './sts.js';

/**
 * The IAM statements of the reads below, one per check, beside the calls (the
 * CLI's `doctor` needs them; infra/member-role.ts grants them to the member
 * role so `doctor --org` can read member accounts). Read-only; `*` where the
 * action has no resource-level permission or the call lists (DescribeStacks
 * without a name, DescribeTrails); GetTrailStatus and GetEventSelectors read
 * organization trails, which live in the management account.
 * Same shape as shared/kinds/edge-types.ts `PermissionStatement` (shared/aws imports no kind).
 */
export const PREFLIGHT_PERMISSIONS = {
  cloudtrail: { sid: 'DoctorTrails', actions: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'], resources: ['*'], reason: 'doctor reads every trail of the account: DescribeTrails takes no trail ARN' },
  config: { sid: 'DoctorRecorders', actions: ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus'], resources: ['*'], reason: 'doctor reads the account\'s recorders before it knows their names (the calls are made without a recorder name or ARN)' },
  'security-hub': { sid: 'DoctorHub', actions: ['securityhub:DescribeHub'], resources: ['arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default'], reason: 'the hub of this account; the member role serves every Region, so the Region is a wildcard there' },
  controls: { sid: 'DoctorControls', actions: ['securityhub:ListStandardsControlAssociations'], resources: ['*'], reason: 'doctor asks by control id across every enabled standard: the call names no hub or standard ARN' },
  'lambda-concurrency': { sid: 'DoctorConcurrency', actions: ['lambda:GetAccountSettings'], resources: ['*'], reason: 'an account setting: GetAccountSettings has no resource' },
  'account-default': { sid: 'DoctorAccountDefault', actions: ['ec2:GetInstanceMetadataDefaults'], resources: ['*'], reason: 'an account setting: GetInstanceMetadataDefaults has no resource' },
  stage: { sid: 'DoctorStage', actions: ['securityhub:GetFindings'], resources: ['arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default'], reason: 'the hub of this account; the member role serves every Region, so the Region is a wildcard there' },
  stack: { sid: 'DoctorStack', actions: ['cloudformation:DescribeStacks'], resources: ['*'], reason: 'doctor looks for the member stack by name in each Region before it knows its id' },
  sweep: { sid: 'DoctorSweep', actions: ['cloudwatch:GetMetricData'], resources: ['*'], reason: 'GetMetricData supports no resource-level permissions' },
} as const satisfies Record<string, { sid: string; actions: readonly string[]; resources: readonly string[]; reason: string }>;

/** The clients doctor needs beyond the pipeline's (shared/aws/clients.ts). */
export interface PreflightClients {
  cloudTrail: CloudTrailClient;
  lambda: LambdaClient;
  cloudFormation: CloudFormationClient;
}

export function createPreflightClients(region: string, credentials?: Credentials): PreflightClients {
  const config = credentials ? { ...clientConfig(region), credentials } : clientConfig(region);
  const timeout = requestTimeoutMs();
  return {
    cloudTrail: instrument(new CloudTrailClient(config), timeout),
    lambda: instrument(new LambdaClient(config), timeout),
    cloudFormation: instrument(new CloudFormationClient(config), timeout),
  };
}

type Sender<C extends { send: unknown }> = Pick<C, 'send'>;

export interface TrailFacts {
  name: string;
  arn: string;
  homeRegion?: string;
  multiRegion: boolean;
  organization: boolean;
}

/** DescribeTrails: trails that apply to the region, shadow copies of multi-region / organization trails included. */
export async function describeTrails(ct: Sender<CloudTrailClient>): Promise<TrailFacts[]> {
  const out = await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
  return (out.trailList ?? []).map((t) => ({
    name: t.Name ?? t.TrailARN ?? '?',
    arn: t.TrailARN ?? t.Name ?? '?',
    ...(t.HomeRegion ? { homeRegion: t.HomeRegion } : {}),
    multiRegion: t.IsMultiRegionTrail === true,
    organization: t.IsOrganizationTrail === true,
  }));
}

/** GetTrailStatus by ARN (the ARN also works for a shadow trail, CloudTrail API reference). */
export async function trailIsLogging(ct: Sender<CloudTrailClient>, arn: string): Promise<boolean> {
  const out = await ct.send(new GetTrailStatusCommand({ Name: arn }));
  return out.IsLogging === true;
}

export interface TrailSelectors {
  eventSelectors: EventSelector[];
  advancedEventSelectors: AdvancedEventSelector[];
}

export async function trailSelectors(ct: Sender<CloudTrailClient>, arn: string): Promise<TrailSelectors> {
  const out = await ct.send(new GetEventSelectorsCommand({ TrailName: arn }));
  return { eventSelectors: out.EventSelectors ?? [], advancedEventSelectors: out.AdvancedEventSelectors ?? [] };
}

export interface RecorderFacts {
  recorders: ConfigurationRecorder[];
  statuses: ConfigurationRecorderStatus[];
}

export async function describeRecorders(config: Sender<ConfigServiceClient>): Promise<RecorderFacts> {
  const recorders = await config.send(new DescribeConfigurationRecordersCommand({}));
  const statuses = await config.send(new DescribeConfigurationRecorderStatusCommand({}));
  return { recorders: recorders.ConfigurationRecorders ?? [], statuses: statuses.ConfigurationRecordersStatus ?? [] };
}

/** DescribeHub: the hub ARN, or undefined when Security Hub CSPM is not enabled in the region. */
export async function describeHub(sh: Sender<SecurityHubClient>): Promise<string | undefined> {
  try {
    const out = await sh.send(new DescribeHubCommand({}));
    return out.HubArn ?? 'enabled';
  } catch (error) {
    // "Account … is not subscribed to AWS Security Hub" (API reference, DescribeHub errors).
    const name = (error as { name?: string }).name;
    if (name === 'InvalidAccessException' || name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

export interface ControlFacts {
  id: string;
  /** Standards (ARNs) of enabled standards where the control is ENABLED / DISABLED. */
  enabledIn: string[];
  disabledIn: string[];
}

/**
 * ListStandardsControlAssociations per control: its status in every enabled
 * standard (API reference: "determine the enablement status of [a control]
 * in each enabled standard"). BatchGetSecurityControls' single
 * `SecurityControlStatus` is documented per standard without naming one, so
 * it cannot say which standard is off. No association = the control is in
 * no enabled standard.
 */
export async function securityControls(sh: Sender<SecurityHubClient>, ids: readonly string[]): Promise<ControlFacts[]> {
  const out: ControlFacts[] = [];
  for (const id of ids) {
    const facts: ControlFacts = { id, enabledIn: [], disabledIn: [] };
    for await (const page of paginateListStandardsControlAssociations({ client: sh as SecurityHubClient }, { SecurityControlId: id })) {
      for (const a of page.StandardsControlAssociationSummaries ?? []) {
        if (!a.StandardsArn) continue;
        (a.AssociationStatus === 'ENABLED' ? facts.enabledIn : facts.disabledIn).push(a.StandardsArn);
      }
    }
    out.push(facts);
  }
  return out;
}

export interface ConcurrencyFacts {
  limit?: number;
  unreserved?: number;
}

export async function lambdaConcurrency(lambda: Sender<LambdaClient>): Promise<ConcurrencyFacts> {
  const out = await lambda.send(new GetAccountSettingsCommand({}));
  const a = out.AccountLimit ?? {};
  return {
    ...(a.ConcurrentExecutions !== undefined ? { limit: a.ConcurrentExecutions } : {}),
    ...(a.UnreservedConcurrentExecutions !== undefined ? { unreserved: a.UnreservedConcurrentExecutions } : {}),
  };
}

export async function accountDefaults(ec2: Sender<EC2Client>): Promise<InstanceMetadataDefaultsResponse> {
  const out = await ec2.send(new GetInstanceMetadataDefaultsCommand({}));
  return out.AccountLevel ?? {};
}

/** The migration stage as the last sweep published it on the account default's finding. */
export interface PublishedStage {
  stage?: string;
  blockers?: number;
  updatedAt?: string;
}

/** The account default's ACTIVE finding (by its Id), read for the stage the sweep put in its ProductFields; `undefined` when there is none. */
export async function publishedStage(securityHub: Sender<SecurityHubClient>, findingId: string): Promise<PublishedStage | undefined> {
  const out = await securityHub.send(
    new GetFindingsCommand({
      Filters: { Id: [{ Value: findingId, Comparison: 'EQUALS' }], RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] },
      MaxResults: 1,
    }),
  );
  const finding = out.Findings?.[0];
  if (!finding) return undefined;
  const fields = finding.ProductFields ?? {};
  const blockers = Number(fields['imds-guard/stage-blockers']);
  return {
    ...(fields['imds-guard/stage'] ? { stage: fields['imds-guard/stage'] } : {}),
    ...(Number.isInteger(blockers) ? { blockers } : {}),
    ...(finding.UpdatedAt ? { updatedAt: finding.UpdatedAt } : {}),
  };
}

export interface StackFacts {
  name: string;
  status: string;
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  lastUpdated?: Date;
}

function stackFacts(s: Stack): StackFacts {
  const lastUpdated = s.LastUpdatedTime ?? s.CreationTime;
  return {
    name: s.StackName ?? '?',
    status: s.StackStatus ?? 'UNKNOWN',
    parameters: Object.fromEntries((s.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ResolvedValue ?? p.ParameterValue ?? ''])),
    outputs: Object.fromEntries((s.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
    ...(lastUpdated ? { lastUpdated } : {}),
  };
}

/**
 * The member stack: by name when given (a missing stack is `undefined`),
 * otherwise the first live stack the `match` predicate accepts
 * (DescribeStacks pages; deleted stacks are not listed).
 */
export async function findStack(cfn: Sender<CloudFormationClient>, name: string | undefined, match: (stackName: string) => boolean): Promise<StackFacts | undefined> {
  if (name !== undefined) {
    try {
      const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
      const s = out.Stacks?.[0];
      return s ? stackFacts(s) : undefined;
    } catch (error) {
      // "Stack with id X does not exist" is a ValidationError.
      if ((error as { name?: string }).name === 'ValidationError' && /does not exist/i.test((error as Error).message)) return undefined;
      throw error;
    }
  }
  for await (const page of paginateDescribeStacks({ client: cfn as CloudFormationClient }, {})) {
    const s = (page.Stacks ?? []).find((x) => x.StackName !== undefined && match(x.StackName));
    if (s) return stackFacts(s);
  }
  return undefined;
}

/**
 * When the function was last invoked, to the hour: CloudWatch `AWS/Lambda`
 * `Invocations` (Sum, 1-hour periods, newest first) over `days` days.
 * Undefined when there was no invocation in that window.
 */
export async function lastInvocation(cw: Sender<CloudWatchClient>, functionName: string, now: Date, days = 7): Promise<Date | undefined> {
  const out = await cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - days * 86_400_000),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'sweep',
          MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: functionName }] }, Period: 3600, Stat: 'Sum' },
        },
      ],
    }),
  );
  const r = out.MetricDataResults?.[0];
  const values = r?.Values ?? [];
  const stamps = r?.Timestamps ?? [];
  let last: Date | undefined;
  values.forEach((v, i) => {
    const t = stamps[i];
    if (v > 0 && t && (!last || t > last)) last = t;
  });
  return last;
}
