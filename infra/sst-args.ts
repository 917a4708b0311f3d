/**
 * Maps the member-stack description to the arguments of the SST / Pulumi
 * components, for one region, with the stage's parameter values. Pure: no
 * Pulumi, no SST globals, so tests call it directly; infra/sst.ts only turns
 * this plan into components (and `typecheck:infra` checks the shapes against
 * SST's generated types).
 *
 * Strings that name deployed resources stay `Fn::Sub` templates here
 * (`${DeadLetterQueue.Arn}`); infra/sst.ts substitutes them once the
 * resources exist.
 */
import { holds, isParam, isSub, type FunctionName, type FunctionSpec, type MemberStack, type ParameterName, type Statement, type Value } from './model.js';
import { lambdaTrustPolicy } from './policies.js';
import { HUB, hubEnvironment } from './hub.js';
import { compactStatements } from './iam.js';
import { APP_NAME } from './names.js';
import { MEMBER_STACK, ROLLBACK_ALARM_METRIC } from './stack.js';

/** IAM statement JSON, resources/conditions possibly still templates. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Shape-compatible with `sst.aws.FunctionArgs` (checked in infra/sst.ts). */
export interface SstFunctionArgs {
  description: string;
  bundle: string;
  handler: string;
  runtime: 'nodejs24.x';
  architecture: 'arm64';
  memory: `${number} MB`;
  timeout: `${number} seconds`;
  environment: Record<string, string>;
  concurrency?: { reserved: number };
  retries: number;
  dev: false;
}

/** An `sst.aws.Function`'s arguments from a function spec (member functions and the hub's). */
export function sstFunctionArgs(
  f: Pick<FunctionSpec, 'description' | 'memoryMb' | 'timeoutSeconds' | 'asyncRetries'>,
  bundle: string,
  environment: Record<string, string>,
): SstFunctionArgs {
  return {
    description: f.description,
    bundle,
    handler: 'index.handler',
    runtime: MEMBER_STACK.runtime,
    architecture: MEMBER_STACK.architecture,
    memory: `${f.memoryMb} MB`,
    timeout: `${f.timeoutSeconds} seconds`,
    environment,
    retries: f.asyncRetries,
    dev: false,
  };
}

export interface SstFunctionPlan {
  name: FunctionName;
  /** Logical stem, e.g. `Events`. */
  id: string;
  args: SstFunctionArgs;
  /** X-Ray active tracing (`Tracing=true`: the role then has the X-Ray statement). */
  tracing: boolean;
  role: { path: string; description: string; assumeRolePolicy: Record<string, unknown>; policyName: string; statements: PolicyStatement[] };
  logGroup: { name: string; retentionInDays: number };
  eventInvokeConfig: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number; onFailure: string };
  errorsAlarm: AlarmArgs;
}

export interface AlarmArgs {
  description: string;
  namespace: string;
  metricName: string;
  statistic: 'Sum' | 'Maximum';
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: 'GreaterThanOrEqualToThreshold';
  treatMissingData: 'notBreaching';
  alarmActions: string[];
}

export interface SstRulePlan {
  id: string;
  description: string;
  target: FunctionName;
  /** JSON-able pattern; may still hold `{ sub }` values (the action target ARN). */
  pattern?: Record<string, unknown>;
  scheduleExpression?: string;
  retryPolicy: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
  deadLetter: string;
  /** Delivered to the event queue (read by `target` in batches), not to the function. */
  viaQueue: boolean;
}

export interface SstRegionPlan {
  region: string;
  /** Suffix of Pulumi resource names in this region, e.g. `UsEast1`. */
  suffix: string;
  deadLetterQueue: { messageRetentionSeconds: number; sqsManagedSseEnabled: true };
  deadLettersAlarm: AlarmArgs;
  /** The watch's Rollbacks metric. */
  rollbacksAlarm: AlarmArgs;
  eventQueue: {
    target: FunctionName;
    batchSize: number;
    batchWindowSeconds: number;
    visibilityTimeoutSeconds: number;
    maxReceiveCount: number;
    messageRetentionSeconds: number;
    maxConcurrency: number;
  };
  functions: SstFunctionPlan[];
  rules: SstRulePlan[];
  configRule?: {
    target: FunctionName;
    name: string;
    description: string;
    resourceTypes: string[];
    maximumExecutionFrequency: string;
    messageTypes: string[];
  };
  actionTarget?: { identifier: string; name: string; description: string };
}

export interface PlanOptions {
  region: string;
  stage: string;
  values: Readonly<Record<ParameterName, string>>;
  /** The bundle directory of a function: from dist/manifest.json (infra/artifacts.ts `bundleOf`). */
  bundleOf: (name: string) => string;
}

export function regionSuffix(region: string): string {
  return region
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function resolve(v: Value, values: Readonly<Record<ParameterName, string>>): string {
  if (typeof v === 'string') return v;
  if (isParam(v)) return values[v.param];
  return v.sub;
}

/** Resolves `{ param }` values in plain data; `{ sub }` values stay for infra/sst.ts. */
function resolveDeep(data: unknown, values: Readonly<Record<ParameterName, string>>): unknown {
  if (Array.isArray(data)) return data.map((d) => resolveDeep(d, values));
  if (data !== null && typeof data === 'object') {
    if (isParam(data as Value)) return resolve(data as Value, values);
    if (isSub(data as Value)) return data;
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, resolveDeep(v, values)]));
  }
  return data;
}

export function policyStatement(s: Statement): PolicyStatement {
  const out: PolicyStatement = { Sid: s.sid, Effect: 'Allow', Action: [...s.actions], Resource: [...s.resources] };
  if (s.condition) {
    out.Condition = Object.fromEntries(
      Object.entries(s.condition).map(([op, kv]) => [op, Object.fromEntries(Object.entries(kv).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]]))]),
    );
  }
  return out;
}

function alarm(stack: MemberStack, values: Readonly<Record<ParameterName, string>>, a: Omit<AlarmArgs, 'comparisonOperator' | 'treatMissingData' | 'alarmActions' | 'period' | 'evaluationPeriods' | 'threshold'>, spec: MemberStack['alarms']['functionErrors']): AlarmArgs {
  return {
    ...a,
    period: spec.periodSeconds,
    evaluationPeriods: spec.evaluationPeriods,
    threshold: spec.threshold,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: holds(stack, 'HasAlarmTopic', values) ? [values.AlarmTopicArn] : [],
  };
}

/** The dead-letter queue of a stack (member region or hub): the member's retention, SQS-managed encryption. */
function deadLetterQueueArgs(stack: MemberStack): SstRegionPlan['deadLetterQueue'] {
  return { messageRetentionSeconds: stack.deadLetterQueue.retentionSeconds, sqsManagedSseEnabled: true };
}

function errorsAlarm(stack: MemberStack, values: Readonly<Record<ParameterName, string>>, name: string): AlarmArgs {
  return alarm(stack, values, { description: `${APP_NAME}: the ${name} function reported errors`, namespace: 'AWS/Lambda', metricName: 'Errors', statistic: 'Sum' }, stack.alarms.functionErrors);
}

function deadLettersAlarm(stack: MemberStack, values: Readonly<Record<ParameterName, string>>): AlarmArgs {
  return alarm(
    stack,
    values,
    {
      description: `${APP_NAME}: events could not be delivered or processed (dead-letter queue not empty)`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      statistic: 'Maximum',
    },
    stack.alarms.deadLetters,
  );
}

/** Asynchronous invocations: the function's retries and event age; what still fails goes to the DLQ. */
function invokeConfig(f: Pick<FunctionSpec, 'asyncRetries' | 'maxEventAgeSeconds'>): SstFunctionPlan['eventInvokeConfig'] {
  return { maximumRetryAttempts: f.asyncRetries, maximumEventAgeInSeconds: f.maxEventAgeSeconds, onFailure: '${DeadLetterQueue.Arn}' };
}

/** What the SST `hub` stage adds around its function, as the hub template (infra/hub.ts) has it. */
export interface SstHubPlan {
  deadLetterQueue: SstRegionPlan['deadLetterQueue'];
  deadLettersAlarm: AlarmArgs;
  errorsAlarm: AlarmArgs;
  eventInvokeConfig: SstFunctionPlan['eventInvokeConfig'];
  retryPolicy: SstRulePlan['retryPolicy'];
  deadLetter: string;
  statements: PolicyStatement[];
  tracing: boolean;
}

/**
 * The hub function's environment from the stage's values: every setting as
 * the member functions get it, the member role, and the member accounts when
 * set (unset: Organizations decides).
 */
export function sstHubEnvironment(values: Readonly<Record<ParameterName, string>>, hub: { memberRoleName: string; memberAccounts?: string }): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(hubEnvironment())) {
    if (k === 'IMDS_GUARD_MEMBER_ACCOUNTS') {
      if (hub.memberAccounts) environment[k] = hub.memberAccounts;
    } else if (k === 'IMDS_GUARD_MEMBER_ROLE') environment[k] = hub.memberRoleName;
    else environment[k] = resolve(v, values);
  }
  return environment;
}

/** The hub stage's queue, alarms (to `AlarmTopicArn` when set: IMDS_GUARD_ALARM_TOPIC_ARN), invoke config and role statements. */
export function sstHubPlan(values: Readonly<Record<ParameterName, string>>, stack: MemberStack = MEMBER_STACK): SstHubPlan {
  return {
    deadLetterQueue: deadLetterQueueArgs(stack),
    deadLettersAlarm: deadLettersAlarm(stack, values),
    errorsAlarm: errorsAlarm(stack, values, HUB.function.name),
    eventInvokeConfig: invokeConfig(HUB.function),
    retryPolicy: { maximumRetryAttempts: HUB.targetRetry.maximumRetryAttempts, maximumEventAgeInSeconds: HUB.targetRetry.maximumEventAgeSeconds },
    deadLetter: '${DeadLetterQueue.Arn}',
    statements: compactStatements(HUB.statements).filter((s) => holds(stack, s.when, values)).map(policyStatement),
    tracing: holds(stack, 'TracingEnabled', values),
  };
}

export function sstRegionPlan(options: PlanOptions, stack: MemberStack = MEMBER_STACK): SstRegionPlan {
  const { values, region } = options;
  const on = (when: Parameters<typeof holds>[1]) => holds(stack, when, values);
  const retention = Number(resolve(stack.logRetentionDays, values));

  const functions: SstFunctionPlan[] = stack.functions
    .filter((f) => on(f.when))
    .map((f) => {
      const environment: Record<string, string> = {};
      for (const [k, v] of Object.entries(f.environment)) environment[k] = resolve(v, values);
      const args = sstFunctionArgs(f, options.bundleOf(f.name), environment);
      if (on('ConcurrencyReserved')) args.concurrency = { reserved: f.reservedConcurrency };
      return {
        name: f.name,
        id: f.id,
        args,
        tracing: on('TracingEnabled'),
        role: {
          path: stack.rolePath,
          description: `${APP_NAME} ${f.name} function`,
          assumeRolePolicy: lambdaTrustPolicy('${AWS::AccountId}'),
          policyName: `${APP_NAME}-${f.name}`,
          statements: compactStatements(f.statements).filter((s) => on(s.when)).map(policyStatement),
        },
        logGroup: { name: `/${APP_NAME}/${options.stage}/${f.name}`, retentionInDays: retention },
        eventInvokeConfig: invokeConfig(f),
        errorsAlarm: errorsAlarm(stack, values, f.name),
      };
    });

  const deployed = new Set(functions.map((f) => f.name));
  const rules: SstRulePlan[] = stack.rules
    .filter((r) => on(r.when) && deployed.has(r.target))
    .map((r) => {
      const plan: SstRulePlan = {
        id: r.id,
        description: r.description,
        target: r.target,
        retryPolicy: {
          maximumRetryAttempts: stack.targetRetry.maximumRetryAttempts,
          maximumEventAgeInSeconds: stack.targetRetry.maximumEventAgeSeconds,
        },
        deadLetter: '${DeadLetterQueue.Arn}',
        viaQueue: r.target === stack.eventQueue.target,
      };
      if (r.pattern) plan.pattern = resolveDeep(r.pattern, values) as Record<string, unknown>;
      if (r.schedule) plan.scheduleExpression = resolve(r.schedule, values);
      return plan;
    });

  const plan: SstRegionPlan = {
    region,
    suffix: regionSuffix(region),
    deadLetterQueue: deadLetterQueueArgs(stack),
    deadLettersAlarm: deadLettersAlarm(stack, values),
    rollbacksAlarm: alarm(
      stack,
      values,
      {
        description: `${APP_NAME}: an instance switched to IMDSv2 rejected IMDSv1 calls and was rolled back (or marked)`,
        namespace: ROLLBACK_ALARM_METRIC.namespace,
        metricName: ROLLBACK_ALARM_METRIC.metricName,
        statistic: 'Sum',
      },
      stack.alarms.rollbacks,
    ),
    eventQueue: {
      target: stack.eventQueue.target,
      batchSize: stack.eventQueue.batchSize,
      batchWindowSeconds: Number(resolve(stack.eventQueue.batchWindowSeconds, values)),
      visibilityTimeoutSeconds: stack.eventQueue.visibilityTimeoutSeconds,
      maxReceiveCount: stack.eventQueue.maxReceiveCount,
      messageRetentionSeconds: stack.eventQueue.retentionSeconds,
      maxConcurrency: stack.eventQueue.maxConcurrency,
    },
    functions,
    rules,
  };
  const cr = stack.configRule;
  if (on(cr.when) && deployed.has(cr.target)) {
    plan.configRule = {
      target: cr.target,
      name: `${APP_NAME}-${options.stage}-imdsv2`,
      description: 'imds-guard: EC2 instances, launch templates and launch configurations require IMDSv2 (HttpTokens=required).',
      resourceTypes: [...cr.resourceTypes],
      maximumExecutionFrequency: resolve(cr.frequency, values),
      messageTypes: ['ConfigurationItemChangeNotification', 'OversizedConfigurationItemChangeNotification', 'ScheduledNotification'],
    };
  }
  const at = stack.actionTarget;
  if (on(at.when)) plan.actionTarget = { identifier: at.id, name: at.name, description: at.description };
  return plan;
}

/**
 * The single-account SST stage in a region without Security Hub CSPM: the
 * Pulumi `aws.securityhub.ActionTarget` fails there (the CloudFormation
 * rendering's custom resource only logs a warning), so the "Enforce IMDSv2"
 * action, its function and its rule are left out for that region and the
 * deploy says so. `hubEnabled` comes from DescribeHub (infra/sst.ts).
 */
export function withSecurityHubAvailability(
  region: string,
  values: Readonly<Record<ParameterName, string>>,
  hubEnabled: boolean,
): { values: Record<ParameterName, string>; warning?: string } {
  if (hubEnabled || values.EnableSecurityHubAction !== 'true') return { values: { ...values } };
  return {
    values: { ...values, EnableSecurityHubAction: 'false' },
    warning:
      `imds-guard: Security Hub CSPM is not enabled in ${region}: deploying without the "Enforce IMDSv2" custom action there ` +
      `(findings are logged, not imported). Enable Security Hub and deploy again to get it; IMDS_GUARD_ENABLE_SECURITY_HUB_ACTION=false silences this.`,
  };
}
