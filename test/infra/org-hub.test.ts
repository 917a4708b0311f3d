/**
 * Organization hub infrastructure: the member role in the member template
 * (one region only, trusted by the hub within the organization, read-only
 * unless remediation is allowed) and the hub template. Both validated offline
 * with @aws/cloudformation-validate.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegoEngine, TemplateFile, type StandardDiagnostic } from '@aws/cloudformation-validate';
import { afterAll, describe, expect, it } from 'vitest';
import { renderMemberTemplate, type CfnTemplate, type Json } from '../../infra/cloudformation.js';
import { parameterValues, stageConfig } from '../../infra/config.js';
import { HUB, HUB_ACTION_TARGET_ID, renderHubTemplate } from '../../infra/hub.js';
import { limitProblems, measureTemplate } from '../../infra/limits.js';
import { holds, type ParameterName } from '../../infra/model.js';
import { sstHubPlan } from '../../infra/sst-args.js';
import { actionFunctionNeeds } from '../../infra/iam.js';
import { MEMBER_STACK } from '../../infra/stack.js';
import { PREFLIGHT_PERMISSIONS } from '../../shared/aws/preflight.js';

const dir = mkdtempSync(join(tmpdir(), 'imds-guard-hub-'));
// One engine for every validation of the file: its start-up (schemas, rules) is most of a validation's time.
let engine: InstanceType<typeof RegoEngine> | undefined;
afterAll(() => {
  engine?.free();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function validate(t: CfnTemplate, parameterOverrides: Record<string, string> = {}): StandardDiagnostic[] {
  const file = join(dir, `t${n++}.json`);
  writeFileSync(file, JSON.stringify(t));
  engine ??= new RegoEngine();
  // Tracing is pinned (both values are validated): left open, the validator explores it in every function and role at once.
  const report = engine.validateStandard(new TemplateFile(file), { parameterOverrides: { Tracing: 'false', ...parameterOverrides }, strict: true });
  expect(report.status).toBe('OK');
  return report.diagnostics.filter((d) => d.severity !== 'INFO');
}

/** Every Action string of every policy statement in a template (Fn::If unwrapped). */
function actions(t: CfnTemplate): string[] {
  const out: string[] = [];
  const walk = (j: unknown): void => {
    if (Array.isArray(j)) j.forEach(walk);
    else if (j !== null && typeof j === 'object') {
      for (const [k, v] of Object.entries(j)) {
        if (k === 'Action') out.push(...(Array.isArray(v) ? (v as string[]) : [v as string]));
        else walk(v);
      }
    }
  };
  for (const r of Object.values(t.Resources)) {
    if (r.Type === 'AWS::IAM::Role') walk(r.Properties.Policies);
    if (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') walk(r.Properties.PolicyDocument);
  }
  return out;
}

const member = renderMemberTemplate({ artifactVersion: '1.2.3-abc' });
const hub = renderHubTemplate({ artifactVersion: '1.2.3-abc' });
const ORG = 'o-a1b2c3d4e5';

/** The validator explores parameter values and conditions: on 2 busy shared cores one template can take minutes. */
const VALIDATOR_TIMEOUT = 600_000;

describe('member role (member template)', { timeout: VALIDATOR_TIMEOUT }, () => {
  const role = member.Resources.MemberRole!;

  it('exists only with a hub account and only in the home region (IAM is global; StackSets deploy per region)', () => {
    expect(role.Condition).toBe('MemberRoleCreated');
    expect(member.Conditions.MemberRoleCreated).toEqual({
      'Fn::And': [{ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'HubAccountId' }, ''] }] }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: 'HomeRegion' }] }],
    });
    const values = parameterValues(stageConfig('x', { IMDS_GUARD_HUB_ACCOUNT_ID: '999988887777', IMDS_GUARD_ORGANIZATION_ID: ORG, IMDS_GUARD_REGIONS: 'eu-west-1,us-east-1' }), {
      bucketPrefix: 'b',
      version: 'v',
    });
    expect(values).toMatchObject({ HubAccountId: '999988887777', OrganizationId: ORG, HomeRegion: 'eu-west-1', MemberRoleName: 'imds-guard-member' });
    expect(['eu-west-1', 'us-east-1', 'ap-south-1'].filter((r) => holds(MEMBER_STACK, 'MemberRoleCreated', values, r))).toEqual(['eu-west-1']);
    expect(holds(MEMBER_STACK, 'MemberRoleCreated', { ...values, HubAccountId: '' }, 'eu-west-1')).toBe(false);
  });

  it('is named, under /imds-guard/, trusted only by the hub account within the organization', () => {
    expect(role.Properties.RoleName).toEqual({ Ref: 'MemberRoleName' });
    expect(role.Properties.Path).toBe('/imds-guard/');
    expect(member.Parameters.MemberRoleName!.Default).toBe('imds-guard-member');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'HubAccountOfTheOrganization',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${HubAccountId}:root' } },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
        },
      ],
    });
    // A hub account without organization or home region is refused by the template's Rules.
    expect(JSON.stringify(member.Rules.MemberRoleNeedsOrganizationAndHomeRegion)).toContain('OrganizationId');
  });

  it("grants what the action function needs and doctor's reads, in every region, writes only with RemediationAllowed, no * action", () => {
    const [read] = role.Properties.Policies as [{ PolicyDocument: { Statement: Json[] } }];
    expect(role.Properties.Policies).toHaveLength(1);
    const needs = actionFunctionNeeds();
    const doctor = Object.values(PREFLIGHT_PERMISSIONS).flatMap((s) => s.actions);
    const unique = (actions: readonly string[]) => [...new Set(actions)].sort();
    // The writes are a policy of the role that exists only where the role does and RemediationAllowed holds.
    const write = member.Resources.MemberRoleRemediationAllowedPolicy!;
    expect(write.Type).toBe('AWS::IAM::Policy');
    expect(write.Properties.Roles).toEqual([{ Ref: 'MemberRole' }]);
    expect(member.Conditions[write.Condition!]).toEqual({ 'Fn::And': [{ Condition: 'MemberRoleCreated' }, { Condition: 'RemediationAllowed' }] });
    type Deployed = { Action: string[]; Resource: unknown; Condition?: unknown };
    const reads = read.PolicyDocument.Statement as Deployed[];
    const writes = (write.Properties.PolicyDocument as { Statement: Json[] }).Statement as Deployed[];
    expect(JSON.stringify(reads)).not.toContain('Fn::If');
    expect(unique(reads.flatMap((s) => s.Action))).toEqual(unique([...needs.read.flatMap((s) => s.actions), ...doctor]));
    // Every write need is granted: by the write policy, or already by a read statement (the write policy does not repeat it).
    const where = (s: Deployed): string => JSON.stringify([s.Resource, s.Condition ?? null]);
    for (const w of writes) for (const r of reads) if (where(w) === where(r)) expect(w.Action.filter((a) => r.Action.includes(a))).toEqual([]);
    expect(unique([...writes, ...reads].flatMap((s) => s.Action))).toEqual(unique([...needs.read, ...needs.write].flatMap((s) => s.actions).concat(doctor)));
    expect(unique(writes.flatMap((s) => s.Action))).toContain('ec2:ModifyInstanceMetadataOptions');
    // The same derived statements as the action function's own role (infra/stack.ts permissionsFor).
    const action = MEMBER_STACK.functions.find((f) => f.name === 'action')!;
    const actionGrants = unique(action.statements.flatMap((s) => s.actions));
    for (const a of [...needs.read, ...needs.write].flatMap((s) => s.actions)) expect(actionGrants).toContain(a);
    const statements = [...reads, ...writes];
    expect(JSON.stringify(statements)).not.toContain('${AWS::Region}');
    // No findings writes, logs or queues; the only Security Hub actions are doctor's reads.
    expect(JSON.stringify(statements)).not.toMatch(/logs:|sqs:/);
    expect(unique(statements.flatMap((s) => s.Action).filter((a) => a.startsWith('securityhub:')))).toEqual(unique(doctor.filter((a) => a.startsWith('securityhub:'))));
    for (const a of actions(member)) expect(a).not.toContain('*');
  });

  it.each<Record<string, string>>([
    { HubAccountId: '999988887777', OrganizationId: ORG, HomeRegion: 'us-east-1' },
    { HubAccountId: '999988887777', OrganizationId: ORG, HomeRegion: 'us-east-1', RemediationEnabled: 'true', Mode: 'enforce', MemberRoleName: 'org-imds' },
  ])('member template validates with %o', (overrides) => {
    expect(validate(member, overrides)).toEqual([]);
  });

  it('fits the CloudFormation quotas of its deploy path (TemplateURL), as the hub template does', () => {
    expect(limitProblems(measureTemplate('member-template.json', member))).toEqual([]);
    expect(limitProblems(measureTemplate('hub-template.json', hub))).toEqual([]);
  });
});

describe('hub template', { timeout: VALIDATOR_TIMEOUT }, () => {
  it('validates with @aws/cloudformation-validate: 0 errors, 0 warnings', () => {
    expect(validate(hub, { OrganizationId: ORG })).toEqual([]);
  });

  it('(the validator catches a broken hub template)', () => {
    const broken = structuredClone(hub);
    broken.Resources.HubActionFunction!.Properties.Runtime = 'nodejs99.x';
    expect(validate(broken, { OrganizationId: ORG }).map((d) => d.entity?.logicalId)).toContain('HubActionFunction');
  });

  it('has no * action; assumes only the member role, only in the organization', () => {
    for (const a of actions(hub)) expect(a).not.toContain('*');
    const policy = JSON.stringify(hub.Resources.HubActionRole!.Properties.Policies);
    const statements = (hub.Resources.HubActionRole!.Properties.Policies as { PolicyDocument: { Statement: Record<string, any>[] } }[])[0]!.PolicyDocument.Statement;
    const assume = statements.find((s) => s.Action.includes('sts:AssumeRole'))!;
    expect(assume.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/imds-guard/${MemberRoleName}' }]);
    expect(assume.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': { 'Fn::Sub': '${OrganizationId}' } } });
    expect(statements.flatMap((s) => s.Action).sort()).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 'organizations:DescribeAccount', 'securityhub:BatchUpdateFindings', 'sqs:SendMessage', 'sts:AssumeRole'].sort(),
    );
    // X-Ray only with Tracing=true, in a policy of the role that exists only then.
    const traces = hub.Resources.HubActionRoleTracingEnabledPolicy!;
    expect(traces.Condition).toBe('TracingEnabled');
    expect(JSON.stringify(traces.Properties.PolicyDocument)).toContain('xray:PutTraceSegments');
    // Lambda's OnFailure destination sends with the function's role: to the hub's own dead-letter queue only.
    expect(statements.filter((s) => s.Action.includes('sqs:SendMessage')).map((s) => [s.Action, s.Resource])).toEqual([[['sqs:SendMessage'], [{ 'Fn::Sub': '${DeadLetterQueue.Arn}' }]]]);
    // No EC2/Auto Scaling access of its own: everything goes through the member role.
    expect(policy).not.toMatch(/ec2:|autoscaling:/);
  });

  it('creates the custom action (id ≤ 20 alphanumerics, distinct from the member stack\'s) and routes it to the hub\'s own function (functions/hub-action.ts)', () => {
    expect(HUB_ACTION_TARGET_ID).toMatch(/^[A-Za-z0-9]{1,20}$/);
    expect(HUB_ACTION_TARGET_ID).not.toBe(MEMBER_STACK.actionTarget.id);
    expect(hub.Resources.ActionTarget!.Properties.Id).toBe(HUB_ACTION_TARGET_ID);
    const rule = hub.Resources.HubActionRule!.Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Custom Action'],
      resources: [{ 'Fn::GetAtt': ['ActionTarget', 'Arn'] }],
    });
    const env = (hub.Resources.HubActionFunction!.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    expect(env).toMatchObject({ IMDS_GUARD_MEMBER_ROLE: { Ref: 'MemberRoleName' }, IMDS_GUARD_MEMBER_ACCOUNTS: { Ref: 'MemberAccounts' }, IMDS_GUARD_MODE: { Ref: 'Mode' } });
    expect(hub.Resources.HubActionFunction!.Properties.Code).toEqual({
      S3Bucket: { 'Fn::Sub': '${ArtifactBucketPrefix}-${AWS::Region}' },
      S3Key: { 'Fn::Sub': 'imds-guard/${ArtifactVersion}/hub-action.zip' },
    });
  });
});

/** A template condition evaluated against parameter values (Ref, Fn::Equals, Fn::Not: what the hub's conditions use). */
function holdsIn(t: CfnTemplate, condition: string, params: Record<string, string>): boolean {
  const param = (j: Json): string => {
    const name = (j as { Ref: string }).Ref;
    return params[name] ?? t.Parameters[name]!.Default;
  };
  const evaluate = (j: Json): boolean => {
    const c = j as Record<string, Json[]>;
    if ('Fn::Not' in c) return !evaluate(c['Fn::Not']![0]!);
    if ('Fn::Equals' in c) {
      const [a, b] = c['Fn::Equals']!;
      return (typeof a === 'string' ? a : param(a!)) === (typeof b === 'string' ? b : param(b!));
    }
    throw new Error(`unexpected condition ${JSON.stringify(j)}`);
  };
  return evaluate(t.Conditions[condition]!);
}

/** `Fn::If [condition, then, else]` resolved with parameter values (AWS::NoValue → undefined). */
function resolveIf(t: CfnTemplate, j: Json, params: Record<string, string>): Json | undefined {
  const [condition, then, otherwise] = (j as { 'Fn::If': [string, Json, Json] })['Fn::If'];
  const chosen = holdsIn(t, condition, params) ? then : otherwise;
  return JSON.stringify(chosen) === JSON.stringify({ Ref: 'AWS::NoValue' }) ? undefined : chosen;
}

/** `{ "Fn::Sub": s }` → s, everywhere: the template's values as the SST plan writes them. */
function unSub(j: unknown): unknown {
  if (Array.isArray(j)) return j.map(unSub);
  if (j !== null && typeof j === 'object') {
    if ('Fn::Sub' in j) return (j as { 'Fn::Sub': string })['Fn::Sub'];
    return Object.fromEntries(Object.entries(j).map(([k, v]) => [k, unSub(v)]));
  }
  return j;
}

const TOPIC = 'arn:aws:sns:us-east-1:999988887777:security-alerts';

describe('hub operations: dead-letter queue and alarms', { timeout: VALIDATOR_TIMEOUT }, () => {
  const r = hub.Resources;
  const alarms = Object.entries(r).filter(([, x]) => x.Type === 'AWS::CloudWatch::Alarm');

  it.each<Record<string, string>>([{ OrganizationId: ORG }, { OrganizationId: ORG, AlarmTopicArn: TOPIC }, { OrganizationId: ORG, Tracing: 'true' }])('validates with %o: 0 errors, 0 warnings', (overrides) => {
    expect(validate(hub, overrides)).toEqual([]);
  });

  it('has the member stack\'s AlarmTopicArn parameter (default none, same pattern) and HasAlarmTopic condition', () => {
    const p = hub.Parameters.AlarmTopicArn!;
    expect(p.Default).toBe('none');
    expect(p.AllowedPattern).toBe(member.Parameters.AlarmTopicArn!.AllowedPattern);
    expect(new RegExp(p.AllowedPattern!).test(TOPIC)).toBe(true);
    expect(new RegExp(p.AllowedPattern!).test('arn:aws:sqs:us-east-1:999988887777:q')).toBe(false);
    expect(p.Description).toMatch(/errors, dead letters/);
    expect(hub.Conditions.HasAlarmTopic).toEqual(member.Conditions.HasAlarmTopic);
    expect(holdsIn(hub, 'HasAlarmTopic', {})).toBe(false);
    expect(holdsIn(hub, 'HasAlarmTopic', { AlarmTopicArn: TOPIC })).toBe(true);
    const operations = (hub.Metadata['AWS::CloudFormation::Interface'] as { ParameterGroups: { Label: { default: string }; Parameters: string[] }[] }).ParameterGroups.find((g) => g.Label.default === 'Operations')!;
    expect(operations.Parameters).toContain('AlarmTopicArn');
  });

  it('keeps the member\'s dead-letter queue: SSE, retention, always created; its URL is an output', () => {
    expect({ ...r.DeadLetterQueue, Metadata: undefined }).toEqual({ ...member.Resources.DeadLetterQueue, Metadata: undefined });
    expect(r.DeadLetterQueue!.Properties).toEqual({ MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
    expect(r.DeadLetterQueue!.Condition).toBeUndefined();
    expect(hub.Outputs.DeadLetterQueueUrl).toEqual({ Description: expect.any(String), Value: { Ref: 'DeadLetterQueue' } });
  });

  it('routes undelivered events of the rule to the queue, which only that rule may send to', () => {
    const targets = r.HubActionRule!.Properties.Targets as Record<string, Json>[];
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({ Arn: { 'Fn::GetAtt': ['HubActionFunction', 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } } });
    expect(targets[0]!.RetryPolicy).toEqual({ MaximumRetryAttempts: HUB.targetRetry.maximumRetryAttempts, MaximumEventAgeInSeconds: HUB.targetRetry.maximumEventAgeSeconds });
    const policy = r.DeadLetterQueuePolicy!;
    expect(policy.Type).toBe('AWS::SQS::QueuePolicy');
    expect(policy.Properties.Queues).toEqual([{ Ref: 'DeadLetterQueue' }]);
    expect(policy.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EventBridgeDeadLetters',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
          Condition: { ArnEquals: { 'aws:SourceArn': [{ 'Fn::GetAtt': ['HubActionRule', 'Arn'] }] } },
        },
        {
          Sid: 'TlsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });

  it('sends failed invocations to the queue without retrying them (a person clicked)', () => {
    expect(r.HubActionEventInvokeConfig!.Properties).toEqual({
      FunctionName: { Ref: 'HubActionFunction' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } } },
    });
    expect([HUB.function.asyncRetries, HUB.function.maxEventAgeSeconds]).toEqual([0, 3600]);
  });

  it('alarms on the function\'s errors and on dead letters with the member\'s thresholds', () => {
    expect(alarms.map(([id]) => id).sort()).toEqual(['DeadLettersAlarm', 'HubActionErrorsAlarm']);
    // The dead-letters alarm is the member's, to the byte (same queue logical id).
    expect(r.DeadLettersAlarm).toEqual(member.Resources.DeadLettersAlarm);
    const errors = r.HubActionErrorsAlarm!.Properties;
    const memberErrors = member.Resources.ActionErrorsAlarm!.Properties;
    expect(errors).toEqual({
      ...memberErrors,
      AlarmDescription: 'imds-guard: the hub-action function reported errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'HubActionFunction' } }],
    });
    expect(errors).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(r.DeadLettersAlarm!.Properties).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }] });
  });

  it('notifies the topic only when AlarmTopicArn is set', () => {
    for (const [id, alarm] of alarms) {
      expect(resolveIf(hub, alarm.Properties.AlarmActions!, {}), id).toBeUndefined();
      expect(resolveIf(hub, alarm.Properties.AlarmActions!, { AlarmTopicArn: TOPIC }), id).toEqual([{ Ref: 'AlarmTopicArn' }]);
    }
  });
});

describe('SST hub stage (from the same description)', () => {
  const hubValues = (env: Record<string, string> = {}) =>
    parameterValues(stageConfig('hub', { IMDS_GUARD_REGIONS: 'us-east-1', ...env }), { bucketPrefix: 'unused-by-sst', version: 'sst' }) as Record<ParameterName, string>;
  const plan = sstHubPlan(hubValues());
  const r = hub.Resources;

  it('has the template\'s queue, invoke config, retry policy and DLQ target', () => {
    const q = r.DeadLetterQueue!.Properties;
    expect(plan.deadLetterQueue).toEqual({ messageRetentionSeconds: q.MessageRetentionPeriod, sqsManagedSseEnabled: q.SqsManagedSseEnabled });
    const c = r.HubActionEventInvokeConfig!.Properties;
    expect(plan.eventInvokeConfig).toEqual({ maximumRetryAttempts: c.MaximumRetryAttempts, maximumEventAgeInSeconds: c.MaximumEventAgeInSeconds, onFailure: '${DeadLetterQueue.Arn}' });
    const target = (r.HubActionRule!.Properties.Targets as { RetryPolicy: Record<string, number> }[])[0]!;
    expect(plan.retryPolicy).toEqual({ maximumRetryAttempts: target.RetryPolicy.MaximumRetryAttempts, maximumEventAgeInSeconds: target.RetryPolicy.MaximumEventAgeInSeconds });
    expect(plan.deadLetter).toBe('${DeadLetterQueue.Arn}');
  });

  it('grants the template\'s statements (sqs:SendMessage on the DLQ included; X-Ray only with tracing)', () => {
    const cfn = (r.HubActionRole!.Properties.Policies as { PolicyDocument: { Statement: Json[] } }[])[0]!.PolicyDocument.Statement;
    expect(plan.statements).toEqual(unSub(cfn));
    expect(plan.tracing).toBe(false);
    const traced = sstHubPlan(hubValues({ IMDS_GUARD_TRACING: 'true' }));
    expect(traced.tracing).toBe(true);
    const xray = (r.HubActionRoleTracingEnabledPolicy!.Properties.PolicyDocument as { Statement: Json[] }).Statement;
    expect(traced.statements).toEqual(unSub([...cfn, ...xray]));
    expect(plan.statements.find((s) => s.Action.includes('sqs:SendMessage'))?.Resource).toEqual(['${DeadLetterQueue.Arn}']);
  });

  it('has the template\'s alarms, notifying IMDS_GUARD_ALARM_TOPIC_ARN only when set', () => {
    for (const [a, id] of [[plan.errorsAlarm, 'HubActionErrorsAlarm'], [plan.deadLettersAlarm, 'DeadLettersAlarm']] as const) {
      const cfn = r[id]!.Properties;
      expect(a).toEqual({
        description: cfn.AlarmDescription,
        namespace: cfn.Namespace,
        metricName: cfn.MetricName,
        statistic: cfn.Statistic,
        period: cfn.Period,
        evaluationPeriods: cfn.EvaluationPeriods,
        threshold: cfn.Threshold,
        comparisonOperator: cfn.ComparisonOperator,
        treatMissingData: cfn.TreatMissingData,
        alarmActions: [],
      });
    }
    const withTopic = sstHubPlan(hubValues({ IMDS_GUARD_ALARM_TOPIC_ARN: TOPIC }));
    expect(withTopic.errorsAlarm.alarmActions).toEqual([TOPIC]);
    expect(withTopic.deadLettersAlarm.alarmActions).toEqual([TOPIC]);
    // The setting is checked against the template parameter's pattern.
    expect(() => hubValues({ IMDS_GUARD_ALARM_TOPIC_ARN: 'security-alerts' })).toThrow(/IMDS_GUARD_ALARM_TOPIC_ARN/);
  });
});
