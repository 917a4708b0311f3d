/**
 * Renders the member stack (infra/stack.ts) as a CloudFormation template: the
 * template a service-managed StackSet deploys to every account and region.
 * Pure; `npm run build` writes it to dist/member-template.json.
 */
import { isParam, isSub, type AlarmSpec, type ConditionName, type ConditionSpec, type FunctionSpec, type MemberStack, type ParameterSpec, type SharedPolicyId, type Statement, type Value } from './model.js';
import { ACTION_TARGET_PROVIDER_SOURCE } from './action-target-provider.js';
import { memberTrustPolicy } from './member-role.js';
import { compactStatements } from './iam.js';
import { APP_NAME } from './names.js';
import { nagMetadata, runtimeAcknowledgement, wildcardAcknowledgements, type Acknowledgement } from './nag.js';
import { deadLetterQueuePolicy, eventQueuePolicy, lambdaTrustPolicy, stateBucketPolicy } from './policies.js';
import { MEMBER_STACK, ROLLBACK_ALARM_METRIC } from './stack.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface CfnParameter {
  Type: 'String' | 'Number';
  Default: string;
  Description: string;
  AllowedValues?: string[];
  AllowedPattern?: string;
  MinValue?: number;
  MaxValue?: number;
  MinLength?: number;
  MaxLength?: number;
}

export interface CfnResource {
  Type: string;
  Condition?: string;
  DependsOn?: string[];
  DeletionPolicy?: 'Delete' | 'Retain';
  UpdateReplacePolicy?: 'Delete' | 'Retain';
  Metadata?: { [key: string]: Json };
  Properties: { [key: string]: Json };
}

export interface CfnTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Metadata: { [key: string]: Json };
  Parameters: Record<string, CfnParameter>;
  Rules: { [key: string]: Json };
  Conditions: { [key: string]: Json };
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, { Description: string; Value: Json; Condition?: string }>;
}

export interface RenderOptions {
  /** Default of the ArtifactVersion parameter (the build sets package version + hash). */
  artifactVersion?: string;
}

export const ref = (name: string): Json => ({ Ref: name });
export const getAtt = (resource: string, attribute: string): Json => ({ 'Fn::GetAtt': [resource, attribute] });
export const sub = (template: string): Json => ({ 'Fn::Sub': template });
const noValue: Json = { Ref: 'AWS::NoValue' };
const when = (condition: ConditionName | undefined, value: Json): Json => (condition ? { 'Fn::If': [condition, value, noValue] } : value);

/** A description `Value` as template JSON. */
export function value(v: Value): Json {
  if (typeof v === 'string') return v;
  if (isParam(v)) return ref(v.param);
  return sub(v.sub);
}

/** Walks plain data, rendering embedded `{ param }` / `{ sub }` values. */
function deep(data: unknown): Json {
  if (Array.isArray(data)) return data.map(deep);
  if (data !== null && typeof data === 'object') {
    const keys = Object.keys(data);
    if (keys.length === 1 && (isParam(data as Value) || isSub(data as Value))) return value(data as Value);
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, deep(v)]));
  }
  if (typeof data === 'string' && data.includes('${')) return sub(data);
  return data as Json;
}

function resourceJson(resource: string): Json {
  return resource.includes('${') ? sub(resource) : resource;
}

/**
 * The conditions of a template, with the conjunctions rendering needs (a
 * statement granted under one condition in a role that exists under another:
 * `ConfigRuleEnabledAndTracingEnabled`), added as they are asked for.
 */
export class Conditions {
  readonly extra: { [name: string]: Json } = {};

  /** The condition under which both hold (either may be absent). */
  both(a: string | undefined, b: string | undefined): string | undefined {
    if (!a || a === b) return b;
    if (!b) return a;
    const name = `${a}And${b}`;
    this.extra[name] = { 'Fn::And': [{ Condition: a }, { Condition: b }] };
    return name;
  }
}

/** Adds `Metadata` with the acknowledgements, when there are any. */
export function acknowledged(resource: CfnResource, acknowledgements: readonly Acknowledgement[]): CfnResource {
  const metadata = nagMetadata(acknowledgements);
  return metadata ? { ...resource, Metadata: { ...resource.Metadata, ...metadata } } : resource;
}

/**
 * A role's own statements as template resources: those that always hold in
 * the role's inline policy, and those granted only under a condition each in
 * an `AWS::IAM::Policy` that exists only under it (and under the role's own
 * condition). Statements with the same resources are merged first
 * (infra/iam.ts `compactStatements`): same grants, fewer statements.
 */
export function roleStatementResources(
  roleId: string,
  policyName: string,
  declared: readonly Statement[],
  roleWhen: string | undefined,
  conditions: Conditions,
): { inline: Json[]; inlineAcknowledgements: Acknowledgement[]; policies: Record<string, CfnResource> } {
  const statements = compactStatements(declared);
  const always = statements.filter((s) => !s.when);
  const policies: Record<string, CfnResource> = {};
  for (const c of [...new Set(statements.flatMap((s) => (s.when ? [s.when] : [])))]) {
    const list = statements.filter((s) => s.when === c);
    const condition = conditions.both(roleWhen, c);
    policies[`${roleId}${c}Policy`] = acknowledged(
      {
        Type: 'AWS::IAM::Policy',
        ...(condition ? { Condition: condition } : {}),
        Properties: { PolicyName: `${policyName}-${c}`, Roles: [ref(roleId)], PolicyDocument: { Version: '2012-10-17', Statement: list.map(statementJson) } },
      },
      wildcardAcknowledgements(`${roleId} ${c}`, list),
    );
  }
  return {
    inline: always.length > 0 ? [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: always.map(statementJson) } }] : [],
    inlineAcknowledgements: wildcardAcknowledgements(roleId, always),
    policies,
  };
}

export function statementJson(s: Statement): Json {
  const out: { [key: string]: Json } = {
    Sid: s.sid,
    Effect: 'Allow',
    Action: [...s.actions],
    Resource: s.resources.map(resourceJson),
  };
  if (s.condition) out.Condition = deep(s.condition);
  return out;
}

/**
 * The managed policies the roles share (`Statement.shared`): each declared
 * once, its statements compacted, `when` left to the roles that attach it.
 * Throws when two roles would need different contents under one id.
 */
export function sharedPolicies(stack: MemberStack): Map<SharedPolicyId, Statement[]> {
  const out = new Map<SharedPolicyId, Statement[]>();
  for (const f of stack.functions) {
    for (const [id, list] of sharedOf(f.statements)) {
      const seen = out.get(id);
      if (seen && JSON.stringify(seen) !== JSON.stringify(list)) throw new Error(`${f.name}: statements of shared policy ${id} differ from another role's`);
      out.set(id, list);
    }
  }
  return out;
}

const SHARED_POLICY_DESCRIPTIONS: Record<SharedPolicyId, string> = {
  RemediationPolicy: 'remediation writes',
  FindingsPolicy: 'Security Hub findings',
  StatePolicy: 'state bucket objects',
  TracingPolicy: 'X-Ray traces (Tracing=true)',
};

/** The condition a shared policy exists under: the one every role's statements of it carry, if they all carry the same. */
export function sharedPolicyCondition(stack: MemberStack, id: SharedPolicyId): ConditionName | undefined {
  const whens = new Set(stack.functions.flatMap((f) => f.statements.filter((s) => s.shared === id).map((s) => s.when)));
  const [only] = whens;
  return whens.size === 1 ? only : undefined;
}

/** A role's shared statements by policy id, without `when` and `shared`, compacted. */
function sharedOf(statements: readonly Statement[]): Map<SharedPolicyId, Statement[]> {
  const byId = new Map<SharedPolicyId, Statement[]>();
  for (const { shared, when: _, ...s } of statements) if (shared) byId.set(shared, [...(byId.get(shared) ?? []), s]);
  return new Map([...byId].map(([id, list]) => [id, compactStatements(list)]));
}

/** A role's references to the shared policies it attaches, each under the condition its statements carry. */
function sharedPolicyArns(f: FunctionSpec): Json[] {
  const out = new Map<SharedPolicyId, ConditionName | undefined>();
  for (const s of f.statements) {
    if (!s.shared) continue;
    if (out.has(s.shared) && out.get(s.shared) !== s.when) throw new Error(`${f.name}: shared policy ${s.shared} under two conditions`);
    out.set(s.shared, s.when);
  }
  return [...out].map(([id, condition]) => when(condition, ref(id)));
}

/** A template parameter from its spec (the member and hub templates share the specs). */
export function parameter(p: ParameterSpec, defaultOverride?: string): CfnParameter {
  const out: CfnParameter = { Type: p.type, Default: defaultOverride ?? p.default, Description: p.description };
  if (p.allowedValues) out.AllowedValues = [...p.allowedValues];
  if (p.allowedPattern) out.AllowedPattern = p.allowedPattern;
  if (p.minValue !== undefined) out.MinValue = p.minValue;
  if (p.maxValue !== undefined) out.MaxValue = p.maxValue;
  if (p.minLength !== undefined) out.MinLength = p.minLength;
  if (p.maxLength !== undefined) out.MaxLength = p.maxLength;
  return out;
}

/** The inline function that creates the Security Hub custom action (infra/action-target-provider.ts says why). */
export function actionTargetProvider(): CfnResource {
  return {
    Type: 'AWS::Lambda::Function',
    Metadata: nagMetadata([runtimeAcknowledgement(MEMBER_STACK.runtimeReason)])!,
    Properties: {
      Description: `${APP_NAME}: creates the Security Hub custom action`,
      Runtime: MEMBER_STACK.runtime,
      Architectures: [MEMBER_STACK.architecture],
      Handler: 'index.handler',
      Code: { ZipFile: ACTION_TARGET_PROVIDER_SOURCE },
      Role: getAtt('ActionTargetProviderRole', 'Arn'),
      MemorySize: 128,
      Timeout: 60,
      LoggingConfig: { LogGroup: ref('ActionTargetProviderLogGroup') },
    },
  };
}

/** The role of the custom-action provider (member and hub templates): its logs and the action target, nothing else. */
export function actionTargetProviderRole(rolePath: string, statements: readonly Statement[]): CfnResource {
  return acknowledged(
    {
      Type: 'AWS::IAM::Role',
      Properties: {
        Path: rolePath,
        Description: `${APP_NAME} Security Hub custom action provider (CloudFormation custom resource)`,
        AssumeRolePolicyDocument: lambdaTrustPolicy(ref('AWS::AccountId')),
        Policies: [{ PolicyName: `${APP_NAME}-action-target-provider`, PolicyDocument: { Version: '2012-10-17', Statement: statements.map(statementJson) } }],
      },
    },
    wildcardAcknowledgements('ActionTargetProviderRole', statements),
  );
}

/** Adds `Condition` only when there is one (keeps the JSON free of `undefined`). */
function conditional(condition: ConditionName | undefined, resource: CfnResource): CfnResource {
  return condition ? { ...resource, Condition: condition } : resource;
}

/** The dead-letter queue of a stack (member and hub): encrypted with SQS-managed keys, kept `retentionSeconds`. */
export function deadLetterQueueResource(retentionSeconds: number): CfnResource {
  return {
    Type: 'AWS::SQS::Queue',
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
    Properties: { MessageRetentionPeriod: retentionSeconds, SqsManagedSseEnabled: true },
  };
}

/** EventBridge may dead-letter into `DeadLetterQueue`, for the given rules only (aws:SourceArn). */
export function deadLetterQueuePolicyResource(ruleArns: Json[]): CfnResource {
  return {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: { Queues: [ref('DeadLetterQueue')], PolicyDocument: deadLetterQueuePolicy(getAtt('DeadLetterQueue', 'Arn'), ruleArns) },
  };
}

/** What an alarm watches; the rest (comparison, missing data, `AlarmTopicArn` under `HasAlarmTopic`) is the same for every alarm. */
export interface AlarmMetric {
  description: string;
  namespace: string;
  metricName: string;
  dimension: { Name: string; Value: Json };
  statistic: 'Sum' | 'Maximum';
}

export function alarmResource(m: AlarmMetric, spec: AlarmSpec): CfnResource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: m.description,
      Namespace: m.namespace,
      MetricName: m.metricName,
      Dimensions: [m.dimension],
      Statistic: m.statistic,
      Period: spec.periodSeconds,
      EvaluationPeriods: spec.evaluationPeriods,
      Threshold: spec.threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: when('HasAlarmTopic', [ref('AlarmTopicArn')]),
    },
  };
}

/** A function reported errors (`AWS/Lambda Errors` of the function `${id}Function`). */
export function functionErrorsAlarm(id: string, name: string, spec: AlarmSpec): CfnResource {
  return alarmResource(
    { description: `${APP_NAME}: the ${name} function reported errors`, namespace: 'AWS/Lambda', metricName: 'Errors', dimension: { Name: 'FunctionName', Value: ref(`${id}Function`) }, statistic: 'Sum' },
    spec,
  );
}

/** The dead-letter queue is not empty. */
export function deadLettersAlarm(spec: AlarmSpec): CfnResource {
  return alarmResource(
    {
      description: `${APP_NAME}: events could not be delivered or processed (dead-letter queue not empty)`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimension: { Name: 'QueueName', Value: getAtt('DeadLetterQueue', 'QueueName') },
      statistic: 'Maximum',
    },
    spec,
  );
}

/** Asynchronous invocations of `${id}Function`: its retries and event age; what still fails goes to `DeadLetterQueue`. */
export function eventInvokeConfig(id: string, f: Pick<FunctionSpec, 'asyncRetries' | 'maxEventAgeSeconds'>): CfnResource {
  return {
    Type: 'AWS::Lambda::EventInvokeConfig',
    Properties: {
      FunctionName: ref(`${id}Function`),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: f.asyncRetries,
      MaximumEventAgeInSeconds: f.maxEventAgeSeconds,
      DestinationConfig: { OnFailure: { Destination: getAtt('DeadLetterQueue', 'Arn') } },
    },
  };
}

/** The dead-letter queue as a stack output. */
export const DEAD_LETTER_QUEUE_OUTPUT = { Description: 'Dead-letter queue of undelivered or failed events', Value: ref('DeadLetterQueue') };

/** `TracingConfig` of a function: X-Ray active tracing with `Tracing=true`. */
export const TRACING_CONFIG: Json = { Mode: { 'Fn::If': ['TracingEnabled', 'Active', 'PassThrough'] } };

/**
 * A function's `AWS::Lambda::Function`: its bundle from the artifact bucket,
 * its role `${id}Role` and log group `${id}LogGroup`; `extra` goes after the
 * timeout (the member functions' reserved concurrency).
 */
export function functionResource(
  id: string,
  f: { name: string } & Pick<FunctionSpec, 'description' | 'memoryMb' | 'timeoutSeconds'>,
  stack: Pick<MemberStack, 'runtime' | 'architecture' | 'runtimeReason'>,
  environment: Json,
  extra: { [key: string]: Json } = {},
): CfnResource {
  return {
    Type: 'AWS::Lambda::Function',
    Metadata: nagMetadata([runtimeAcknowledgement(stack.runtimeReason)])!,
    Properties: {
      Description: f.description,
      Runtime: stack.runtime,
      Architectures: [stack.architecture],
      Handler: 'index.handler',
      Code: {
        S3Bucket: sub('${ArtifactBucketPrefix}-${AWS::Region}'),
        S3Key: sub(`${APP_NAME}/\${ArtifactVersion}/${f.name}.zip`),
      },
      Role: getAtt(`${id}Role`, 'Arn'),
      MemorySize: f.memoryMb,
      Timeout: f.timeoutSeconds,
      ...extra,
      Environment: { Variables: environment },
      LoggingConfig: { LogGroup: ref(`${id}LogGroup`) },
      TracingConfig: TRACING_CONFIG,
    },
  };
}

function functionResources(stack: MemberStack, f: FunctionSpec, conditions: Conditions): Record<string, CfnResource> {
  const id = f.id;
  const environment: { [key: string]: Json } = {};
  for (const [name, v] of Object.entries(f.environment)) environment[name] = value(v);
  const own = roleStatementResources(`${id}Role`, `${APP_NAME}-${f.name}`, f.statements.filter((s) => !s.shared), f.when, conditions);
  return {
    [`${id}LogGroup`]: conditional(f.when, {
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        LogGroupName: sub(`/${APP_NAME}/\${AWS::StackName}/${f.name}`),
        RetentionInDays: value(stack.logRetentionDays),
      },
    }),
    [`${id}Role`]: conditional(
      f.when,
      acknowledged(
        {
          Type: 'AWS::IAM::Role',
          // No RoleName: CloudFormation generates a unique one per stack, so
          // StackSet instances in several regions of one account never collide.
          Properties: {
            Path: stack.rolePath,
            Description: `${APP_NAME} ${f.name} function`,
            AssumeRolePolicyDocument: lambdaTrustPolicy(ref('AWS::AccountId')),
            Policies: own.inline,
            ...(f.statements.some((s) => s.shared) ? { ManagedPolicyArns: sharedPolicyArns(f) } : {}),
          },
        },
        own.inlineAcknowledgements,
      ),
    ),
    ...own.policies,
    [`${id}Function`]: conditional(
      f.when,
      functionResource(id, f, stack, environment, { ReservedConcurrentExecutions: when('ConcurrencyReserved', f.reservedConcurrency) }),
    ),
    [`${id}EventInvokeConfig`]: conditional(f.when, eventInvokeConfig(id, f)),
    [`${id}ErrorsAlarm`]: conditional(f.when, functionErrorsAlarm(id, f.name, stack.alarms.functionErrors)),
  };
}

/** A condition as template JSON (`Fn::Equals`, `Fn::Not`, `Fn::And`). */
export function conditionJson(c: ConditionSpec): Json {
  if ('allOf' in c) return { 'Fn::And': c.allOf.map(conditionJson) };
  if ('regionIs' in c) return { 'Fn::Equals': [ref('AWS::Region'), ref(c.regionIs)] };
  const eq: Json = { 'Fn::Equals': [ref(c.parameter), c.equals] };
  return c.negate ? { 'Fn::Not': [eq] } : eq;
}

/** The condition a rule (and its permission) exists under: its own, else its target's. */
export function ruleCondition(stack: MemberStack, rule: MemberStack['rules'][number]): ConditionName | undefined {
  const target = stack.functions.find((f) => f.name === rule.target);
  if (!target) throw new Error(`rule ${rule.id} targets unknown function ${rule.target}`);
  if (rule.when && target.when && rule.when !== target.when) {
    throw new Error(`rule ${rule.id}: condition ${rule.when} differs from its target's ${target.when}`);
  }
  return rule.when ?? target.when;
}

export function renderMemberTemplate(options: RenderOptions = {}, stack: MemberStack = MEMBER_STACK): CfnTemplate {
  const fnId = (name: string): string => {
    const f = stack.functions.find((x) => x.name === name);
    if (!f) throw new Error(`unknown function ${name}`);
    return f.id;
  };

  const parameters: Record<string, CfnParameter> = {};
  for (const [name, p] of Object.entries(stack.parameters)) {
    parameters[name] = parameter(p, name === 'ArtifactVersion' ? options.artifactVersion : undefined);
  }

  const conditions: { [key: string]: Json } = {};
  for (const [name, c] of Object.entries(stack.conditions)) conditions[name] = conditionJson(c);
  const combined = new Conditions();

  const resources: Record<string, CfnResource> = {
    DeadLetterQueue: deadLetterQueueResource(stack.deadLetterQueue.retentionSeconds),
    DeadLetterQueuePolicy: deadLetterQueuePolicyResource(stack.rules.map((r) => when(ruleCondition(stack, r), getAtt(`${r.id}Rule`, 'Arn')))),
    DeadLettersAlarm: deadLettersAlarm(stack.alarms.deadLetters),
    // The watch rolled an instance back (or found breakage with IMDS_GUARD_ROLLBACK=alert).
    RollbacksAlarm: alarmResource(
      {
        description: `${APP_NAME}: an instance switched to IMDSv2 rejected IMDSv1 calls and was rolled back (or marked)`,
        namespace: ROLLBACK_ALARM_METRIC.namespace,
        metricName: ROLLBACK_ALARM_METRIC.metricName,
        dimension: { Name: 'service', Value: ROLLBACK_ALARM_METRIC.service },
        statistic: 'Sum',
      },
      stack.alarms.rollbacks,
    ),
  };

  for (const f of stack.functions) Object.assign(resources, functionResources(stack, f, combined));
  // Attached by the roles that remediate, each under its own condition; unattached it grants nothing.
  for (const [id, statements] of sharedPolicies(stack)) {
    resources[id] = acknowledged(
      {
        Type: 'AWS::IAM::ManagedPolicy',
        ...(sharedPolicyCondition(stack, id) ? { Condition: sharedPolicyCondition(stack, id)! } : {}),
        Properties: {
          Path: stack.rolePath,
          Description: `${APP_NAME}: ${SHARED_POLICY_DESCRIPTIONS[id]}`,
          PolicyDocument: { Version: '2012-10-17', Statement: statements.map(statementJson) },
        },
      },
      wildcardAcknowledgements(id, statements),
    );
  }

  // Launch storms in batches: the rules of the queue's target deliver to the queue, Lambda reads it in batches.
  const q = stack.eventQueue;
  const queued = stack.rules.filter((r) => r.target === q.target);
  resources.EventQueue = {
    Type: 'AWS::SQS::Queue',
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
    Properties: {
      MessageRetentionPeriod: q.retentionSeconds,
      VisibilityTimeout: q.visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: getAtt('DeadLetterQueue', 'Arn'), maxReceiveCount: q.maxReceiveCount },
    },
  };
  resources.EventQueuePolicy = {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [ref('EventQueue')],
      PolicyDocument: eventQueuePolicy(
        getAtt('EventQueue', 'Arn'),
        queued.map((r) => when(ruleCondition(stack, r), getAtt(`${r.id}Rule`, 'Arn'))),
      ),
    },
  };
  resources.EventQueueMapping = {
    Type: 'AWS::Lambda::EventSourceMapping',
    Properties: {
      EventSourceArn: getAtt('EventQueue', 'Arn'),
      FunctionName: ref(`${fnId(q.target)}Function`),
      BatchSize: q.batchSize,
      MaximumBatchingWindowInSeconds: value(q.batchWindowSeconds),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: q.maxConcurrency },
    },
  };
  // Retained on delete (a bucket that holds an object cannot be deleted by CloudFormation); docs/deploying.md "Removal" empties it.
  resources.StateBucket = acknowledged(
    {
      Type: 'AWS::S3::Bucket',
      DeletionPolicy: stack.stateBucket.deletionPolicy,
      UpdateReplacePolicy: stack.stateBucket.deletionPolicy,
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
    },
    [{ id: 'AwsSolutions-S1', reason: stack.stateBucket.noAccessLoggingReason }],
  );
  resources.StateBucketPolicy = {
    Type: 'AWS::S3::BucketPolicy',
    DeletionPolicy: stack.stateBucket.deletionPolicy,
    UpdateReplacePolicy: stack.stateBucket.deletionPolicy,
    Properties: { Bucket: ref('StateBucket'), PolicyDocument: stateBucketPolicy(getAtt('StateBucket', 'Arn'), sub('${StateBucket.Arn}/*')) },
  };

  for (const rule of stack.rules) {
    const condition = ruleCondition(stack, rule);
    const target = fnId(rule.target);
    const viaQueue = rule.target === q.target;
    const properties: { [key: string]: Json } = {
      Description: rule.description,
      State: 'ENABLED',
      Targets: [
        {
          Id: `${APP_NAME}-${rule.target}`,
          Arn: viaQueue ? getAtt('EventQueue', 'Arn') : getAtt(`${target}Function`, 'Arn'),
          RetryPolicy: {
            MaximumRetryAttempts: stack.targetRetry.maximumRetryAttempts,
            MaximumEventAgeInSeconds: stack.targetRetry.maximumEventAgeSeconds,
          },
          DeadLetterConfig: { Arn: getAtt('DeadLetterQueue', 'Arn') },
        },
      ],
    };
    if (rule.pattern) properties.EventPattern = deep(rule.pattern);
    if (rule.schedule) properties.ScheduleExpression = value(rule.schedule);
    resources[`${rule.id}Rule`] = conditional(condition, { Type: 'AWS::Events::Rule', Properties: properties });
    if (viaQueue) continue; // the queue policy lets the rule send; Lambda reads the queue
    resources[`${rule.id}Permission`] = conditional(condition, {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(`${target}Function`, 'Arn'),
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(`${rule.id}Rule`, 'Arn'),
      },
    });
  }

  const cr = stack.configRule;
  const configFn = fnId(cr.target);
  resources.ConfigRulePermission = {
    Type: 'AWS::Lambda::Permission',
    Condition: cr.when,
    Properties: {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(`${configFn}Function`, 'Arn'),
      Principal: 'config.amazonaws.com',
      SourceAccount: ref('AWS::AccountId'),
    },
  };
  resources.ConfigRule = {
    Type: 'AWS::Config::ConfigRule',
    Condition: cr.when,
    DependsOn: ['ConfigRulePermission'],
    Properties: {
      ConfigRuleName: sub('${AWS::StackName}-imdsv2'),
      Description: 'imds-guard: EC2 instances, launch templates and launch configurations require IMDSv2 (HttpTokens=required).',
      Scope: { ComplianceResourceTypes: [...cr.resourceTypes] },
      MaximumExecutionFrequency: value(cr.frequency),
      Source: {
        Owner: 'CUSTOM_LAMBDA',
        SourceIdentifier: getAtt(`${configFn}Function`, 'Arn'),
        SourceDetails: [
          { EventSource: 'aws.config', MessageType: 'ConfigurationItemChangeNotification' },
          { EventSource: 'aws.config', MessageType: 'OversizedConfigurationItemChangeNotification' },
          { EventSource: 'aws.config', MessageType: 'ScheduledNotification', MaximumExecutionFrequency: value(cr.frequency) },
        ],
      },
    },
  };

  const at = stack.actionTarget;
  resources.ActionTargetProviderLogGroup = {
    Type: 'AWS::Logs::LogGroup',
    Condition: at.when,
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
    Properties: { LogGroupName: sub(`/${APP_NAME}/\${AWS::StackName}/action-target-provider`), RetentionInDays: value(stack.logRetentionDays) },
  };
  resources.ActionTargetProviderRole = conditional(at.when, actionTargetProviderRole(stack.rolePath, at.providerStatements));
  resources.ActionTargetProvider = conditional(at.when, actionTargetProvider());
  resources.ActionTarget = {
    Type: 'Custom::SecurityHubActionTarget',
    Condition: at.when,
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
    Properties: { ServiceToken: getAtt('ActionTargetProvider', 'Arn'), Id: at.id, Name: at.name, Description: at.description },
  };

  const mr = stack.memberRole;
  // Reads in the role's own policy; the writes in a policy that exists only with RemediationAllowed.
  const memberStatements = roleStatementResources('MemberRole', `${APP_NAME}-member`, mr.statements, mr.when, combined);
  resources.MemberRole = acknowledged(
    {
      Type: 'AWS::IAM::Role',
      Condition: mr.when,
      Properties: {
        // Named, so the hub can find it in every account: created in HomeRegion only (IAM is global).
        RoleName: ref('MemberRoleName'),
        Path: stack.rolePath,
        Description: `${APP_NAME}: assumed by the hub's Security Hub custom action`,
        AssumeRolePolicyDocument: memberTrustPolicy(sub('arn:${AWS::Partition}:iam::${HubAccountId}:root'), ref('OrganizationId')),
        Policies: memberStatements.inline,
      },
    },
    memberStatements.inlineAcknowledgements,
  );
  Object.assign(resources, memberStatements.policies);

  const outputs: CfnTemplate['Outputs'] = {
    EventQueueUrl: { Description: 'Queue of events waiting for the events function', Value: ref('EventQueue') },
    StateBucketName: { Description: 'Bucket of the sweep\'s published-finding state', Value: ref('StateBucket') },
    DeadLetterQueueUrl: DEAD_LETTER_QUEUE_OUTPUT,
    ActionTargetArn: { Description: 'Security Hub custom action', Value: getAtt('ActionTarget', 'Arn'), Condition: at.when },
    MemberRoleArn: { Description: 'Role the hub custom action assumes', Value: getAtt('MemberRole', 'Arn'), Condition: mr.when },
  };
  for (const f of stack.functions) {
    const out: { Description: string; Value: Json; Condition?: string } = { Description: `${f.name} function`, Value: getAtt(`${f.id}Function`, 'Arn') };
    if (f.when) out.Condition = f.when;
    outputs[`${f.id}FunctionArn`] = out;
  }

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: stack.description,
    Metadata: {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          { Label: { default: 'Behaviour' }, Parameters: ['Mode', 'RemediationEnabled', 'RemediateKinds', 'ExemptTagKey', 'UsageLookbackDays', 'UsageUnknown', 'FindingsMode'] },
          { Label: { default: 'Metadata options' }, Parameters: ['HopLimitCeiling', 'LowerHopLimit', 'InstanceRefresh', 'EnforceAccountDefault'] },
          {
            Label: { default: 'Safety' },
            Parameters: ['GuardWindowHours', 'Rollback', 'WaveSize', 'WaveTag', 'ExemptLaunchConfigurations', 'ExemptAccountDefaultRegions', 'RespectSuppressed', 'DeleteSuperseded'],
          },
          { Label: { default: 'Triggers' }, Parameters: ['SweepSchedule', 'WatchSchedule', 'EnableConfigRule', 'ConfigRuleFrequency', 'EnableSecurityHubAction', 'BatchWindowSeconds', 'FindingRefreshDays'] },
          { Label: { default: 'Operations' }, Parameters: ['ReserveConcurrency', 'LogLevel', 'LogRetentionDays', 'AlarmTopicArn', 'RequestTimeoutMs', 'Tracing'] },
          { Label: { default: 'Code' }, Parameters: ['ArtifactBucketPrefix', 'ArtifactVersion'] },
          { Label: { default: 'Organization hub access' }, Parameters: ['HubAccountId', 'OrganizationId', 'HomeRegion', 'MemberRoleName'] },
        ],
      },
    },
    Parameters: parameters,
    Rules: {
      MemberRoleNeedsOrganizationAndHomeRegion: {
        RuleCondition: { 'Fn::Not': [{ 'Fn::Equals': [ref('HubAccountId'), ''] }] },
        Assertions: [
          { Assert: { 'Fn::Not': [{ 'Fn::Equals': [ref('OrganizationId'), ''] }] }, AssertDescription: 'HubAccountId needs OrganizationId (o-...).' },
          { Assert: { 'Fn::Not': [{ 'Fn::Equals': [ref('HomeRegion'), ''] }] }, AssertDescription: 'HubAccountId needs HomeRegion (the member role is global).' },
        ],
      },
      EnforceNeedsRemediationPermissions: {
        RuleCondition: { 'Fn::Equals': [ref('Mode'), 'enforce'] },
        Assertions: [
          {
            Assert: { 'Fn::Equals': [ref('RemediationEnabled'), 'true'] },
            AssertDescription: 'Mode=enforce needs RemediationEnabled=true (the functions need write permissions to fix anything).',
          },
        ],
      },
    },
    Conditions: { ...conditions, ...combined.extra },
    Resources: resources,
    Outputs: outputs,
  };
}
