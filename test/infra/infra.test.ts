import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { RegoEngine, TemplateFile, type StandardDiagnostic } from '@aws/cloudformation-validate';
import { afterAll, describe, expect, it } from 'vitest';
import { renderMemberTemplate, type CfnResource, type CfnTemplate, type Json } from '../../infra/cloudformation.js';
import { parameterValues, stageConfig } from '../../infra/config.js';
import { declarativePolicy, imdsDefaultsDeclarativePolicy, imdsV2Scp, serviceControlPolicy } from '../../infra/guardrails.js';
import { limitProblems, measureTemplate } from '../../infra/limits.js';
import { substitute, type ParameterName } from '../../infra/model.js';
import { sstRegionPlan, withSecurityHubAvailability, type PolicyStatement, type SstRegionPlan } from '../../infra/sst-args.js';
import { PARAMETERS, policyEnv } from '../../infra/parameters.js';
import { MEMBER_STACK } from '../../infra/stack.js';
import { zip } from '../../scripts/zip.js';
import { DEFAULT_POLICY, loadPolicy, SETTINGS } from '../../shared/policy.js';
import { eventPatterns } from '../../shared/refs/catalog.js';

const ROOT = join(import.meta.dirname, '..', '..');

// ── The permissions each function may have, and nothing else ────────────────────
// (test/infra/permissions.test.ts proves these are exactly what each bundle can send)
const DESCRIBE = [
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplates',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:GetInstanceMetadataDefaults',
  'autoscaling:DescribeLaunchConfigurations',
  'autoscaling:DescribeAutoScalingGroups',
];
const IMAGES = ['ec2:DescribeImages'];
const USAGE = ['cloudwatch:GetMetricData'];
const FINDINGS = ['securityhub:BatchImportFindings', 'securityhub:BatchUpdateFindings'];
const FINDING_INDEX = ['securityhub:GetFindings'];
/** IMDS_GUARD_FINDINGS=annotate|both: Security Hub's control findings of the resources (the sweep's FINDING_INDEX grants the same action). */
const CONTROL_FINDINGS = ['securityhub:GetFindings'];
/** SUPPRESSED findings of the resources about to change (shared/findings/suppressed.ts). */
const SUPPRESSED = ['securityhub:GetFindings'];
const WRITES = [
  'ec2:ModifyInstanceMetadataOptions',
  'ec2:CreateLaunchTemplate',
  'ec2:CreateLaunchTemplateVersion',
  'ec2:ModifyLaunchTemplate',
  'ec2:CreateTags',
  'ec2:DeleteTags',
  'ec2:RunInstances',
  'iam:PassRole',
  'autoscaling:UpdateAutoScalingGroup',
  'autoscaling:StartInstanceRefresh',
  'ec2:ModifyInstanceMetadataDefaults',
  'autoscaling:DeleteLaunchConfiguration',
];
/** What remediation reads before and after it writes (groups using a template, versions, the configuration). */
const ACT_READS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeLaunchConfigurations',
  'ec2:DescribeLaunchTemplates',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:GetInstanceMetadataDefaults',
];
/** The events function polls its queue; the sweep keeps its published-finding state in S3. */
const QUEUE = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];
const STATE = ['s3:GetObject', 's3:PutObject', 's3:ListBucket'];
/** Every function writes its own logs and sends failed asynchronous events to the DLQ. */
const RUNTIME = ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'];
/** With Tracing=true only (condition TracingEnabled): X-Ray active tracing sends segments with the function's role. */
const TRACES = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/** `gated`: granted with RemediationAllowed only; every role also has TRACES under TracingEnabled. */
const EXPECTED: Record<string, { always: string[]; gated: string[] }> = {
  // Before a change the events and action functions read whether a person suppressed the resource's finding.
  // The events, action and watch functions read (and a graduation writes) the enforcement record in the state bucket.
  Events: { always: [...RUNTIME, ...DESCRIBE, ...IMAGES, ...USAGE, ...FINDINGS, ...CONTROL_FINDINGS, ...SUPPRESSED, ...QUEUE, ...STATE], gated: [...WRITES, ...ACT_READS] },
  Sweep: { always: [...RUNTIME, ...DESCRIBE, ...IMAGES, ...USAGE, ...FINDINGS, ...FINDING_INDEX, ...STATE], gated: [...WRITES, ...ACT_READS] },
  ConfigRule: { always: [...RUNTIME, ...DESCRIBE, 'config:PutEvaluations', 'config:GetComplianceDetailsByConfigRule'], gated: [] },
  Action: { always: [...RUNTIME, ...DESCRIBE, ...IMAGES, ...USAGE, ...FINDINGS, ...CONTROL_FINDINGS, ...SUPPRESSED, ...WRITES, ...ACT_READS, ...STATE], gated: [] },
  // The watch reads the rejected-call metric and, when remediation is allowed, restores and tags instances.
  // The watch after graduation reads its record and, when remediation is allowed, switches enforcement off again.
  Watch: {
    always: [...RUNTIME, 'ec2:DescribeInstances', ...USAGE, ...STATE],
    gated: ['ec2:ModifyInstanceMetadataOptions', 'ec2:CreateTags', 'ec2:DeleteTags', 'ec2:GetInstanceMetadataDefaults', 'ec2:ModifyInstanceMetadataDefaults'],
  },
};

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
const bySid = <T extends { Sid?: string }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (a.Sid ?? '').localeCompare(b.Sid ?? ''));

// ── Helpers over the rendered template ───────────────────────────────────────────
const template = renderMemberTemplate({ artifactVersion: '1.2.3-abcdef' });
const resources = Object.entries(template.Resources);
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
const pipelineFunctions = () => ofType('AWS::Lambda::Function').filter(([id]) => id !== 'ActionTargetProvider');

/** `{ 'Fn::Sub': s }` → s; `Fn::If [c, x, NoValue]` → { when: c, value: x }. */
function unSub(j: Json): unknown {
  if (Array.isArray(j)) return j.map(unSub);
  if (j !== null && typeof j === 'object') {
    if ('Fn::Sub' in j && Object.keys(j).length === 1) return j['Fn::Sub'];
    return Object.fromEntries(Object.entries(j).map(([k, v]) => [k, unSub(v)]));
  }
  return j;
}

interface CfnStatement {
  statement: PolicyStatement;
  when?: string;
}

type CfnPolicy = { PolicyDocument: { Statement: Json[] } };

/** `Fn::If [c, x, NoValue]` → { when: c, value: x }; anything else as is. */
function gate<T>(j: Json): { when?: string; value: T } {
  if (j !== null && typeof j === 'object' && !Array.isArray(j) && 'Fn::If' in j) {
    const [when, value, otherwise] = j['Fn::If'] as [string, Json, Json];
    expect(otherwise).toEqual({ Ref: 'AWS::NoValue' });
    return { when, value: value as T };
  }
  return { value: j as T };
}

/**
 * Every statement of a role, with its condition: on the statement, or on its
 * whole policy (the member role's writes) — inline policies and the managed
 * policies of the template the role attaches (`ManagedPolicyArns`, each
 * `Ref` to an `AWS::IAM::ManagedPolicy`, maybe under `Fn::If`).
 */
function roleStatements(role: CfnResource, roleId?: string): CfnStatement[] {
  const managed = ((role.Properties.ManagedPolicyArns ?? []) as Json[]).map((p) => {
    const g = gate<{ Ref: string }>(p);
    const policy = template.Resources[g.value.Ref];
    expect(policy?.Type, g.value.Ref).toBe('AWS::IAM::ManagedPolicy');
    return { ...(g.when ? { when: g.when } : {}), value: policy!.Properties as CfnPolicy };
  });
  // Statements granted under a condition: AWS::IAM::Policy resources of the role, under the role's own condition and theirs.
  const id = roleId ?? resources.find(([, r]) => r === role)?.[0];
  const conditional = resources
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: id }]))
    .map(([, r]) => ({ when: ownCondition(r.Condition, role.Condition), value: r.Properties as CfnPolicy }));
  const policies = [...(role.Properties.Policies as Json[]).map((p) => gate<CfnPolicy>(p)), ...managed, ...conditional];
  return policies.flatMap((p) =>
    p.value.PolicyDocument.Statement.map((s) => {
      const g = gate<Json>(s);
      const when = g.when ?? p.when;
      return { ...(when ? { when } : {}), statement: unSub(g.value) as PolicyStatement };
    }),
  );
}

/** A policy's condition without the role's own (`ConfigRuleEnabledAndTracingEnabled` in a role under ConfigRuleEnabled → TracingEnabled). */
function ownCondition(policy: string | undefined, role: string | undefined): string | undefined {
  if (!policy || !role) return policy;
  expect(template.Conditions[policy] ?? template.Conditions[role]).toBeDefined();
  return policy.startsWith(`${role}And`) ? policy.slice(role.length + 3) : policy;
}

function getAttTarget(j: Json | undefined): string {
  const att = (j as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
  expect(att).toBeDefined();
  return att[0];
}

// ── The SST side, rendered from the same description ─────────────────────────────
const ALL_ON: Record<ParameterName, string> = {
  ...(Object.fromEntries(Object.entries(PARAMETERS).map(([k, p]) => [k, p.default])) as Record<ParameterName, string>),
  RemediationEnabled: 'true',
  EnableConfigRule: 'true',
  EnableSecurityHubAction: 'true',
  Tracing: 'true',
};
const BUNDLES = (name: string) => `dist/functions/${name}`;
const plan = (values: Partial<Record<ParameterName, string>> = {}): SstRegionPlan =>
  sstRegionPlan({ region: 'eu-west-1', stage: 'test', values: { ...ALL_ON, ...values }, bundleOf: BUNDLES });

const VARS = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '111122223333',
  'DeadLetterQueue.Arn': 'arn:aws:sqs:eu-west-1:111122223333:dlq',
  'EventQueue.Arn': 'arn:aws:sqs:eu-west-1:111122223333:events',
  StateBucket: 'imds-guard-state-bucket',
  'ActionTarget.Arn': 'arn:aws:securityhub:eu-west-1:111122223333:action/custom/EnforceImdsV2',
};

/** The validator explores parameter values and conditions: on 2 busy shared cores one template can take minutes. */
const VALIDATOR_TIMEOUT = 600_000;
const TRACING_OFF = { Tracing: 'false' };

describe('member template', { timeout: VALIDATOR_TIMEOUT }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'imds-guard-cfn-'));
  // One engine for every validation of the file: its start-up (schemas, rules) is most of a validation's time.
  let engine: InstanceType<typeof RegoEngine> | undefined;
  afterAll(() => {
    engine?.free();
    rmSync(dir, { recursive: true, force: true });
  });

  function validate(t: CfnTemplate, parameterOverrides: Record<string, string> = {}): StandardDiagnostic[] {
    const file = join(dir, `template-${Object.keys(parameterOverrides).join('-') || 'defaults'}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(t));
    engine ??= new RegoEngine();
    // Tracing is pinned (both values are validated, one per case): left open, the validator explores it in every
    // function and role at once and takes minutes instead of seconds.
    const report = engine.validateStandard(new TemplateFile(file), { parameterOverrides: { ...TRACING_OFF, ...parameterOverrides }, strict: true });
    expect(report.status).toBe('OK');
    return report.diagnostics.filter((d) => d.severity === 'ERROR' || d.severity === 'FATAL');
  }

  it('passes @aws/cloudformation-validate with no errors (warnings count as errors)', () => {
    expect(validate(template)).toEqual([]);
  });

  it('(the validator does catch a broken template)', () => {
    const broken = structuredClone(template);
    broken.Resources.EventsFunction!.Properties.Runtime = 'nodejs99.x';
    broken.Resources.SweepRule!.Properties.Targets = [{ Arn: { 'Fn::GetAtt': ['Missing', 'Arn'] }, Id: 'x' }];
    expect(validate(broken).map((d) => d.entity?.logicalId)).toEqual(expect.arrayContaining(['EventsFunction', 'SweepRule']));
  });

  it.each<Record<string, string>>([
    { RemediationEnabled: 'true', Mode: 'enforce' },
    { Tracing: 'true', RemediationEnabled: 'true' },
    { EnableConfigRule: 'false', EnableSecurityHubAction: 'false', ReserveConcurrency: 'false' },
    { AlarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:alerts', LogRetentionDays: '30' },
  ])('stays valid with parameters %o', (overrides) => {
    expect(validate(template, overrides)).toEqual([]);
  });

  it('stays within the CloudFormation quotas of its deploy path (TemplateURL)', () => {
    expect(limitProblems(measureTemplate('member-template.json', template))).toEqual([]);
  });

  it('runs every function on nodejs24.x arm64 with code from the regional artifact bucket', () => {
    for (const [id, fn] of pipelineFunctions()) {
      const name = MEMBER_STACK.functions.find((f) => `${f.id}Function` === id)!.name;
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Code).toEqual({
        S3Bucket: { 'Fn::Sub': '${ArtifactBucketPrefix}-${AWS::Region}' },
        S3Key: { 'Fn::Sub': `imds-guard/\${ArtifactVersion}/${name}.zip` },
      });
    }
    expect(template.Parameters.ArtifactVersion?.Default).toBe('1.2.3-abcdef');
  });

  it('gives every function its own role with only its listed actions', () => {
    const fns = pipelineFunctions();
    expect(fns.map(([id]) => id).sort()).toEqual(['ActionFunction', 'ConfigRuleFunction', 'EventsFunction', 'SweepFunction', 'WatchFunction']);
    const roles = new Set<string>();
    for (const [id, fn] of fns) {
      const stem = id.replace(/Function$/, '');
      const roleId = getAttTarget(fn.Properties.Role);
      expect(roleId).toBe(`${stem}Role`);
      roles.add(roleId);
      const role = template.Resources[roleId]!;
      expect(role.Properties.RoleName).toBeUndefined(); // generated names: no clash between regions
      expect(role.Properties.Path).toBe('/imds-guard/');
      const statements = roleStatements(role);
      const actions = statements.flatMap((s) => s.statement.Action);
      for (const a of actions) expect(a).not.toContain('*');
      const always = statements.filter((s) => !s.when).flatMap((s) => s.statement.Action);
      const gated = statements.filter((s) => s.when === 'RemediationAllowed').flatMap((s) => s.statement.Action);
      const traced = statements.filter((s) => s.when === 'TracingEnabled').flatMap((s) => s.statement.Action);
      expect(sorted(always), stem).toEqual(sorted(EXPECTED[stem]!.always));
      expect(sorted(gated), stem).toEqual(sorted(EXPECTED[stem]!.gated));
      expect(sorted(traced), stem).toEqual(sorted(TRACES));
      for (const s of statements.filter((x) => x.when)) expect(['RemediationAllowed', 'TracingEnabled']).toContain(s.when);
    }
    expect(roles.size).toBe(5);
  });

  it('declares the statements roles share once, as managed policies under /imds-guard/ that a role attaches', () => {
    const managed = ofType('AWS::IAM::ManagedPolicy');
    expect(managed.map(([id]) => id).sort()).toEqual(['FindingsPolicy', 'RemediationPolicy', 'StatePolicy', 'TracingPolicy']);
    const attached = ofType('AWS::IAM::Role').flatMap(([, role]) => ((role.Properties.ManagedPolicyArns ?? []) as Json[]).map((p) => gate<{ Ref: string }>(p)));
    for (const [id, policy] of managed) {
      expect(policy.Properties.Path).toBe('/imds-guard/');
      expect(policy.Properties.Roles).toBeUndefined(); // attached by the roles, each under its own condition
      expect(attached.filter((a) => a.value.Ref === id).length, id).toBeGreaterThan(1);
    }
    // Remediation writes: under RemediationAllowed for the automatic functions, always for the action function (a person asks).
    const remediation = (roleId: string) => {
      const arn = ((template.Resources[roleId]!.Properties.ManagedPolicyArns ?? []) as Json[]).find((p) => JSON.stringify(p).includes('"RemediationPolicy"'));
      return arn === undefined ? undefined : gate<{ Ref: string }>(arn);
    };
    expect(remediation('EventsRole')).toEqual({ when: 'RemediationAllowed', value: { Ref: 'RemediationPolicy' } });
    expect(remediation('SweepRole')).toEqual({ when: 'RemediationAllowed', value: { Ref: 'RemediationPolicy' } });
    expect(remediation('ActionRole')).toEqual({ value: { Ref: 'RemediationPolicy' } });
    expect(remediation('ConfigRuleRole')).toBeUndefined();
    expect(remediation('WatchRole')).toBeUndefined(); // its own two instance writes (shared/watch/permissions.ts)
  });

  it('scopes resources: writes never on * except where the action has no resource type, each with a condition', () => {
    for (const [, role] of ofType('AWS::IAM::Role')) {
      for (const { statement } of roleStatements(role)) {
        const writes = statement.Action.filter((a) => WRITES.includes(a));
        if (!writes.length || !statement.Resource.includes('*')) continue;
        expect(writes).toSatisfy((w: string[]) => w.every((a) => a === 'ec2:RunInstances' || a === 'ec2:ModifyInstanceMetadataDefaults'));
        if (writes.includes('ec2:RunInstances')) expect(statement.Condition?.ArnLike?.['ec2:LaunchTemplate']).toContain(':launch-template/*');
      }
      const pass = roleStatements(role).find((s) => s.statement.Action.includes('iam:PassRole'));
      if (pass) expect(pass.statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    }
  });

  it('makes every rule target its function (the events function through the queue), with a retry policy, a DLQ and a permission', () => {
    const rules = ofType('AWS::Events::Rule');
    expect(rules.length).toBe(MEMBER_STACK.rules.length);
    const queued: string[] = [];
    for (const [id, rule] of rules) {
      const targets = rule.Properties.Targets as { Arn: Json; DeadLetterConfig: { Arn: Json }; RetryPolicy: Record<string, number> }[];
      expect(targets).toHaveLength(1);
      const target = targets[0]!;
      expect(getAttTarget(target.DeadLetterConfig.Arn)).toBe('DeadLetterQueue');
      expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      const spec = MEMBER_STACK.rules.find((r) => `${r.id}Rule` === id)!;
      if (spec.target === MEMBER_STACK.eventQueue.target) {
        // Delivered to the queue: no invoke permission, the queue policy names the rule.
        expect(getAttTarget(target.Arn)).toBe('EventQueue');
        expect(resources.some(([, r]) => r.Type === 'AWS::Lambda::Permission' && r.Properties.SourceArn !== undefined && getAttTarget(r.Properties.SourceArn) === id)).toBe(false);
        queued.push(id);
        continue;
      }
      const fnId = getAttTarget(target.Arn);
      expect(template.Resources[fnId]?.Type).toBe('AWS::Lambda::Function');
      const permission = resources.find(
        ([, r]) => r.Type === 'AWS::Lambda::Permission' && getAttTarget(r.Properties.SourceArn) === id,
      );
      expect(permission?.[1].Properties.Principal).toBe('events.amazonaws.com');
      expect(getAttTarget(permission?.[1].Properties.FunctionName)).toBe(fnId);
      expect(permission?.[1].Condition).toBe(rule.Condition);
      expect(template.Resources[fnId]?.Condition).toBe(rule.Condition);
      // The function's own asynchronous failures end in the same DLQ.
      const invokeConfig = resources.find(([, r]) => r.Type === 'AWS::Lambda::EventInvokeConfig' && (r.Properties.FunctionName as { Ref: string }).Ref === fnId);
      expect(getAttTarget((invokeConfig?.[1].Properties.DestinationConfig as { OnFailure: { Destination: Json } }).OnFailure.Destination)).toBe('DeadLetterQueue');
    }
    expect(queued.length).toBeGreaterThan(0);
    // The queue: only those rules may send; failures move to the DLQ (alarmed); Lambda reads it in batches.
    const policy = template.Resources.EventQueuePolicy!.Properties.PolicyDocument as { Statement: { Principal: unknown; Condition: { ArnEquals: { 'aws:SourceArn': Json[] } } }[] };
    expect(policy.Statement[0]!.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(policy.Statement[0]!.Condition.ArnEquals['aws:SourceArn'].map(getAttTarget).sort()).toEqual(queued.sort());
    const queue = template.Resources.EventQueue!.Properties;
    expect(getAttTarget((queue.RedrivePolicy as { deadLetterTargetArn: Json }).deadLetterTargetArn)).toBe('DeadLetterQueue');
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (template.Resources.EventsFunction!.Properties.Timeout as number));
    const mapping = template.Resources.EventQueueMapping!.Properties;
    expect(mapping).toMatchObject({ BatchSize: 1000, MaximumBatchingWindowInSeconds: { Ref: 'BatchWindowSeconds' }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    // Polling stops below the reserved concurrency, so throttling never burns a record's receives.
    expect((mapping.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency).toBeLessThan(MEMBER_STACK.functions.find((f) => f.name === 'events')!.reservedConcurrency);
    expect(getAttTarget(mapping.EventSourceArn)).toBe('EventQueue');
  });

  it('lets EventBridge write to the DLQ only from the stack’s rules', () => {
    const policy = template.Resources.DeadLetterQueuePolicy!.Properties.PolicyDocument as { Statement: { Condition: { ArnEquals: { 'aws:SourceArn': Json[] } } }[] };
    const sources = policy.Statement[0]!.Condition.ArnEquals['aws:SourceArn'].map((s) =>
      s !== null && typeof s === 'object' && !Array.isArray(s) && 'Fn::If' in s ? (s['Fn::If'] as Json[])[1]! : s,
    );
    expect(sources.map(getAttTarget).sort()).toEqual(ofType('AWS::Events::Rule').map(([id]) => id).sort());
  });

  it('generates the CloudTrail and state-change patterns from the event catalog', () => {
    const patterns = ofType('AWS::Events::Rule').map(([, r]) => r.Properties.EventPattern).filter(Boolean);
    for (const p of eventPatterns()) expect(patterns).toContainEqual(p);
    expect(patterns).toContainEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Custom Action'],
      resources: [{ 'Fn::Sub': '${ActionTarget.Arn}' }],
    });
    expect(template.Resources.SweepRule?.Properties.ScheduleExpression).toEqual({ Ref: 'SweepSchedule' });
  });

  it('passes every setting of shared/policy.ts from a parameter to every function', () => {
    for (const [id, fn] of pipelineFunctions()) {
      const env = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
      for (const name of Object.values(SETTINGS)) {
        const ref = (env[name] as { Ref: string } | undefined)?.Ref;
        expect(ref, `${id} ${name}`).toBeDefined();
        expect(template.Parameters[ref!], ref).toBeDefined();
      }
      expect(env.POWERTOOLS_LOG_LEVEL).toEqual({ Ref: 'LogLevel' });
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('imds-guard');
    }
    // The defaults of the parameters are the defaults of the policy.
    const env = Object.fromEntries(
      Object.entries((template.Resources.EventsFunction!.Properties.Environment as { Variables: Record<string, Json> }).Variables).map(([k, v]) => [
        k,
        typeof v === 'object' && v !== null && 'Ref' in v ? template.Parameters[v.Ref as string]!.Default : (v as string),
      ]),
    );
    expect(loadPolicy(env)).toEqual(DEFAULT_POLICY);
  });

  it('skips the Config rule and the Security Hub action by parameter', () => {
    expect(template.Resources.ConfigRule?.Condition).toBe('ConfigRuleEnabled');
    expect(template.Resources.ConfigRulePermission?.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    expect(template.Resources.ConfigRule?.Properties.Scope).toEqual({
      ComplianceResourceTypes: ['AWS::EC2::Instance', 'AWS::EC2::LaunchTemplate', 'AWS::AutoScaling::LaunchConfiguration', 'AWS::AutoScaling::AutoScalingGroup'],
    });
    const messageTypes = (template.Resources.ConfigRule?.Properties.Source as { SourceDetails: { MessageType: string }[] }).SourceDetails.map((d) => d.MessageType);
    expect(messageTypes).toEqual(expect.arrayContaining(['ConfigurationItemChangeNotification', 'ScheduledNotification']));
    for (const id of ['ActionTarget', 'ActionTargetProvider', 'ActionFunction', 'SecurityHubActionRule']) {
      expect(template.Resources[id]?.Condition, id).toBe('SecurityHubActionEnabled');
    }
    expect(template.Resources.ActionTarget?.Properties.Id).toBe('EnforceImdsV2');
    expect(template.Conditions.ConfigRuleEnabled).toEqual({ 'Fn::Equals': [{ Ref: 'EnableConfigRule' }, 'true'] });
  });

  it('keeps the state bucket when the stack is deleted (it is never empty), and the removal docs say how to delete it', () => {
    // CloudFormation cannot delete a bucket that holds objects: with Delete, every stack deletion would fail.
    expect(template.Resources.StateBucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(template.Outputs.StateBucketName?.Value).toEqual({ Ref: 'StateBucket' });
    const page = existsSync(join(ROOT, 'docs', 'deploying.md')) ? readFileSync(join(ROOT, 'docs', 'deploying.md'), 'utf8') : readFileSync(join(ROOT, 'README.md'), 'utf8');
    const removal = page.slice(page.search(/^#+ Removal/m)).split(/\n#+ /)[0]!;
    expect(removal).toMatch(/DeletionPolicy: Retain/);
    expect(removal).toMatch(/StateBucketName[\s\S]*aws s3 rb s3:\/\/\$B --force/);
  });

  it('refuses requests that are not TLS on the state bucket and both queues', () => {
    const tlsOnly = (doc: Json) => ((doc as { Statement: Record<string, Json>[] }).Statement).find((st) => st.Effect === 'Deny');
    const bucket = tlsOnly(template.Resources.StateBucketPolicy!.Properties.PolicyDocument!);
    expect(bucket).toMatchObject({ Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(bucket!.Resource).toEqual([{ 'Fn::GetAtt': ['StateBucket', 'Arn'] }, { 'Fn::Sub': '${StateBucket.Arn}/*' }]);
    for (const [policy, queue] of [['EventQueuePolicy', 'EventQueue'], ['DeadLetterQueuePolicy', 'DeadLetterQueue']] as const) {
      expect(tlsOnly(template.Resources[policy]!.Properties.PolicyDocument!), policy).toEqual({
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:*',
        Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
  });

  it('alarms on every function’s errors and on the DLQ depth', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const [id] of pipelineFunctions()) {
      expect(alarms.some((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(`"Ref":"${id}"`))).toBe(true);
    }
    expect(alarms.some((a) => a.Namespace === 'AWS/SQS' && a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBe(true);
  });
});

describe('SST rendering (from the same description)', () => {
  const sst = plan();

  it('deploys the same functions with the same runtime, sizes and concurrency', () => {
    expect(sst.functions.map((f) => `${f.id}Function`).sort()).toEqual(pipelineFunctions().map(([id]) => id).sort());
    for (const f of sst.functions) {
      const cfn = template.Resources[`${f.id}Function`]!.Properties;
      expect(f.args.runtime).toBe(cfn.Runtime);
      expect([f.args.architecture]).toEqual(cfn.Architectures);
      expect(f.args.memory).toBe(`${cfn.MemorySize as number} MB`);
      expect(f.args.timeout).toBe(`${cfn.Timeout as number} seconds`);
      expect(f.args.concurrency?.reserved).toBe((cfn.ReservedConcurrentExecutions as { 'Fn::If': [string, number] })['Fn::If'][1]);
      expect(f.args.bundle).toBe(`dist/functions/${f.name}`);
    }
  });

  it('grants the same statements as the template (gated ones only when remediation is allowed)', () => {
    for (const f of sst.functions) {
      const cfn = roleStatements(template.Resources[`${f.id}Role`]!);
      // The template groups gated statements into one policy; the order of statements does not matter to IAM.
      expect(bySid(f.role.statements)).toEqual(bySid(cfn.map((s) => s.statement)));
      expect(f.role.path).toBe(template.Resources[`${f.id}Role`]!.Properties.Path);
    }
    const detect = plan({ RemediationEnabled: 'false', Tracing: 'false' });
    for (const f of detect.functions) {
      const cfn = roleStatements(template.Resources[`${f.id}Role`]!);
      expect(bySid(f.role.statements)).toEqual(bySid(cfn.filter((s) => !s.when).map((s) => s.statement)));
      expect(f.tracing).toBe(false);
    }
    for (const f of sst.functions) expect(f.tracing).toBe(true);
    // Substituted, nothing is left unresolved.
    for (const f of sst.functions) {
      for (const s of f.role.statements) for (const r of s.Resource) expect(substitute(r, { ...VARS, [`${f.id}LogGroup.Arn`]: 'arn:lg:*' })).not.toContain('${');
    }
  });

  it('has the rollback alarm of the template', () => {
    const cfn = template.Resources.RollbacksAlarm!.Properties;
    expect(sst.rollbacksAlarm).toMatchObject({ namespace: cfn.Namespace, metricName: cfn.MetricName, statistic: 'Sum', threshold: cfn.Threshold, period: cfn.Period });
  });

  it('has the same rules, patterns, targets, retry policy and DLQ', () => {
    const cfnRules = Object.fromEntries(ofType('AWS::Events::Rule').map(([id, r]) => [id.replace(/Rule$/, ''), r.Properties]));
    expect(sst.rules.map((r) => r.id).sort()).toEqual(Object.keys(cfnRules).sort());
    for (const r of sst.rules) {
      const cfn = cfnRules[r.id]!;
      if (r.pattern) expect(unSub(cfn.EventPattern as Json)).toEqual(JSON.parse(JSON.stringify(r.pattern, (_, v: unknown) => (v && typeof v === 'object' && 'sub' in v ? (v as { sub: string }).sub : v))));
      else expect(r.scheduleExpression).toBe(r.id === 'Watch' ? PARAMETERS.WatchSchedule.default : PARAMETERS.SweepSchedule.default);
      const target = (cfn.Targets as { Arn: Json; RetryPolicy: Record<string, number> }[])[0]!;
      expect(r.viaQueue ? 'EventQueue' : `${sst.functions.find((f) => f.name === r.target)!.id}Function`).toBe(getAttTarget(target.Arn));
      expect(r.retryPolicy).toEqual({ maximumRetryAttempts: target.RetryPolicy.MaximumRetryAttempts, maximumEventAgeInSeconds: target.RetryPolicy.MaximumEventAgeInSeconds });
      expect(r.deadLetter).toBe('${DeadLetterQueue.Arn}');
    }
    for (const p of eventPatterns()) expect(sst.rules.map((r) => r.pattern)).toContainEqual(p);
    for (const f of sst.functions) expect(f.eventInvokeConfig.onFailure).toBe('${DeadLetterQueue.Arn}');
  });

  it('passes stage settings to every function, and they read back as the same policy', () => {
    const config = stageConfig('dev', {
      IMDS_GUARD_REGIONS: 'eu-west-1,us-east-1',
      IMDS_GUARD_MODE: 'enforce',
      IMDS_GUARD_ALLOW_REMEDIATION: 'true',
      IMDS_GUARD_HOP_LIMIT_CEILING: '3',
      IMDS_GUARD_REMEDIATE: 'instance,launch-template',
      IMDS_GUARD_USAGE_LOOKBACK_DAYS: '30',
      IMDS_GUARD_EXEMPT_TAG: 'legacy',
      IMDS_GUARD_LOG_LEVEL: 'DEBUG',
    });
    expect(config.regions).toEqual(['eu-west-1', 'us-east-1']);
    const values = parameterValues(config, { bucketPrefix: 'b', version: 'v' });
    const p = sstRegionPlan({ region: 'us-east-1', stage: 'dev', values, bundleOf: BUNDLES });
    for (const f of p.functions) {
      expect(loadPolicy(f.args.environment)).toEqual(config.policy);
      expect(f.args.environment).toMatchObject(policyEnv(config.policy));
      expect(f.args.environment.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
      // Enforcement was allowed: the automatic functions can write.
      expect(f.role.statements.flatMap((s) => s.Action)).toEqual(expect.arrayContaining(f.name === 'config-rule' ? ['config:PutEvaluations'] : ['ec2:ModifyInstanceMetadataOptions']));
    }
    expect(config.policy.hopLimitCeiling).toBe(3);
    expect(config.policy.remediate).toEqual({ instance: true, 'launch-template': true, 'launch-configuration': false, 'account-defaults': false, 'auto-scaling-group': false });
  });

  it('refuses enforce mode without write permissions, like the template rule', () => {
    expect(() => stageConfig('dev', { IMDS_GUARD_MODE: 'enforce' })).toThrow(/IMDS_GUARD_ALLOW_REMEDIATION/);
    expect(template.Rules.EnforceNeedsRemediationPermissions).toBeDefined();
    expect(() => stageConfig('org', {})).toThrow(/IMDS_GUARD_ORG_UNITS/);
    const org = stageConfig('org', { IMDS_GUARD_ORG_UNITS: 'r-ab12,ou-ab12-cdefgh12', IMDS_GUARD_CALL_AS: 'DELEGATED_ADMIN', IMDS_GUARD_REGIONS: 'eu-central-1' });
    expect(org.org).toMatchObject({ organizationalUnitIds: ['r-ab12', 'ou-ab12-cdefgh12'], callAs: 'DELEGATED_ADMIN', regions: ['eu-central-1'] });
  });

  it('leaves out the Config rule and the Security Hub action when they are switched off', () => {
    const off = plan({ EnableConfigRule: 'false', EnableSecurityHubAction: 'false', ReserveConcurrency: 'false' });
    expect(off.functions.map((f) => f.name).sort()).toEqual(['events', 'sweep', 'watch']);
    expect(off.configRule).toBeUndefined();
    expect(off.actionTarget).toBeUndefined();
    expect(off.rules.map((r) => r.id)).not.toContain('SecurityHubAction');
    for (const f of off.functions) expect(f.args.concurrency).toBeUndefined();
    expect(sst.actionTarget).toEqual({ identifier: 'EnforceImdsV2', name: 'Enforce IMDSv2', description: expect.any(String) });
    expect(sst.configRule?.resourceTypes).toEqual((template.Resources.ConfigRule!.Properties.Scope as { ComplianceResourceTypes: string[] }).ComplianceResourceTypes);
  });

  it('offers every template parameter as a stage setting', () => {
    const values = parameterValues(stageConfig('dev', {}), { bucketPrefix: 'b', version: 'v' });
    expect(Object.keys(values).sort()).toEqual(Object.keys(template.Parameters).sort());
    for (const [name, v] of Object.entries(values)) {
      if (name === 'ArtifactBucketPrefix' || name === 'ArtifactVersion') continue;
      expect(v, name).toBe(template.Parameters[name]!.Default);
    }
  });
});

describe('guardrails', () => {
  it('SCP denies launches without IMDSv2, returning to IMDSv1 and IMDSv1 launch configurations', () => {
    const byAction = (a: string) => serviceControlPolicy.Statement.filter((s) => s.Action === a);
    expect(byAction('ec2:RunInstances')[0]).toMatchObject({
      Effect: 'Deny',
      Resource: 'arn:*:ec2:*:*:instance/*',
      Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
    });
    expect(byAction('ec2:ModifyInstanceMetadataOptions')[0]?.Condition).toEqual({ StringEquals: { 'ec2:MetadataHttpTokens': 'optional' } });
    expect(byAction('autoscaling:CreateLaunchConfiguration')[0]?.Condition).toEqual({ StringNotEquals: { 'autoscaling:MetadataHttpTokens': 'required' } });
    const strict = imdsV2Scp({ maxHopLimit: 2, exemptPrincipalArns: ['arn:aws:iam::*:role/BreakGlass'] });
    expect(strict.Statement).toHaveLength(6);
    for (const s of strict.Statement) expect(s.Condition.ArnNotLike).toEqual({ 'aws:PrincipalARN': ['arn:aws:iam::*:role/BreakGlass'] });
    expect(JSON.stringify(serviceControlPolicy).length).toBeLessThan(5120); // SCP size quota
  });

  it('declarative policy sets the IMDS default to required with @@assign', () => {
    expect(declarativePolicy.ec2_attributes.instance_metadata_defaults.http_tokens).toEqual({ '@@assign': 'required' });
    expect(declarativePolicy.ec2_attributes.instance_metadata_defaults.http_put_response_hop_limit).toEqual({ '@@assign': '-1' });
  });

  it('sets http_tokens_enforced only when asked', () => {
    expect(declarativePolicy.ec2_attributes.instance_metadata_defaults).not.toHaveProperty('http_tokens_enforced');
    expect(imdsDefaultsDeclarativePolicy({ httpTokensEnforced: true }).ec2_attributes.instance_metadata_defaults.http_tokens_enforced).toEqual({ '@@assign': 'enabled' });
  });
});

describe('zip writer', () => {
  it('writes archives whose entries inflate back to the input', () => {
    const files = [
      { name: 'index.mjs', data: Buffer.from('export const handler = async () => 42;\n'.repeat(50)) },
      { name: 'index.mjs.map', data: Buffer.from('{}') },
    ];
    const archive = zip(files);
    let offset = 0;
    for (const f of files) {
      expect(archive.readUInt32LE(offset)).toBe(0x04034b50);
      const method = archive.readUInt16LE(offset + 8);
      const size = archive.readUInt32LE(offset + 18);
      const nameLength = archive.readUInt16LE(offset + 26);
      expect(archive.subarray(offset + 30, offset + 30 + nameLength).toString()).toBe(f.name);
      const body = archive.subarray(offset + 30 + nameLength, offset + 30 + nameLength + size);
      expect(method === 8 ? inflateRawSync(body) : body).toEqual(f.data);
      offset += 30 + nameLength + size;
    }
    expect(archive.readUInt32LE(archive.length - 22)).toBe(0x06054b50);
    expect(zip(files).equals(archive)).toBe(true); // deterministic
  });
});

describe('rollback alarm', () => {
  it('watches the metric the watch publishes, and notifies the alarm topic', async () => {
    const { METRICS_NAMESPACE, BREAKAGE_METRIC, SERVICE_NAME } = await import('../../shared/watch/report.js');
    const alarm = template.Resources.RollbacksAlarm!.Properties;
    expect(alarm).toMatchObject({ Namespace: METRICS_NAMESPACE, MetricName: BREAKAGE_METRIC, Statistic: 'Sum', Threshold: 1 });
    expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: SERVICE_NAME }]);
    expect(template.Resources.WatchRule?.Properties.ScheduleExpression).toEqual({ Ref: 'WatchSchedule' });
    expect(template.Parameters.WatchSchedule?.Default).toBe('rate(15 minutes)');
  });

  it('lets the instance tag writes touch only imds-guard: keys', () => {
    for (const [, role] of ofType('AWS::IAM::Role')) {
      for (const { statement } of roleStatements(role)) {
        if (!statement.Action.includes('ec2:DeleteTags')) continue;
        expect(statement.Condition).toEqual({ 'ForAllValues:StringLike': { 'aws:TagKeys': ['imds-guard:*'] } });
      }
    }
  });
});

describe('SST stage in an account without Security Hub', () => {
  it('leaves out the custom action, its function and its rule there, with a warning; elsewhere nothing changes', () => {
    const values = parameterValues(stageConfig('dev', {}), { bucketPrefix: 'unused-by-sst', version: 'sst' });
    expect(values.EnableSecurityHubAction).toBe('true');
    const off = withSecurityHubAvailability('eu-west-1', values, false);
    expect(off.warning).toContain('Security Hub CSPM is not enabled in eu-west-1');
    const plan = sstRegionPlan({ region: 'eu-west-1', stage: 'dev', values: off.values, bundleOf: BUNDLES });
    expect(plan.actionTarget).toBeUndefined();
    expect(plan.functions.map((f) => f.name)).not.toContain('action');
    expect(plan.rules.map((r) => r.target)).not.toContain('action');
    expect(plan.functions.map((f) => f.name)).toContain('sweep');

    const on = withSecurityHubAvailability('us-east-1', values, true);
    expect(on.warning).toBeUndefined();
    expect(sstRegionPlan({ region: 'us-east-1', stage: 'dev', values: on.values, bundleOf: BUNDLES }).actionTarget?.identifier).toBe('EnforceImdsV2');
  });
});
