/**
 * The vocabulary of the member-stack description (infra/stack.ts). Pure data:
 * both renderers (CloudFormation in infra/cloudformation.ts, SST in
 * infra/sst-args.ts + infra/sst.ts) read the same objects.
 *
 * Values that depend on the deployment are written once, in CloudFormation
 * `Fn::Sub` syntax (`${AWS::Region}`, `${DeadLetterQueue.Arn}`): CloudFormation
 * uses them as they are, the SST side substitutes them (see `substitute`).
 */
import type { PermissionStatement } from '../shared/kinds/edge-types.js';

/** Name of a template parameter (CloudFormation) / stage setting (SST). */
export type ParameterName =
  | 'Mode'
  | 'RemediationEnabled'
  | 'RemediateKinds'
  | 'HopLimitCeiling'
  | 'LowerHopLimit'
  | 'ExemptTagKey'
  | 'UsageLookbackDays'
  | 'UsageUnknown'
  | 'InstanceRefresh'
  | 'EnforceAccountDefault'
  | 'GuardWindowHours'
  | 'Rollback'
  | 'WaveSize'
  | 'WaveTag'
  | 'ExemptLaunchConfigurations'
  | 'ExemptAccountDefaultRegions'
  | 'RespectSuppressed'
  | 'DeleteSuperseded'
  | 'WatchSchedule'
  | 'FindingsMode'
  | 'SweepSchedule'
  | 'ConfigRuleFrequency'
  | 'EnableConfigRule'
  | 'EnableSecurityHubAction'
  | 'ReserveConcurrency'
  | 'LogLevel'
  | 'RequestTimeoutMs'
  | 'Tracing'
  | 'LogRetentionDays'
  | 'AlarmTopicArn'
  | 'ArtifactBucketPrefix'
  | 'ArtifactVersion'
  | 'BatchWindowSeconds'
  | 'FindingRefreshDays'
  | 'HubAccountId'
  | 'OrganizationId'
  | 'HomeRegion'
  | 'MemberRoleName';

export interface ParameterSpec {
  type: 'String' | 'Number';
  default: string;
  description: string;
  allowedValues?: readonly string[];
  allowedPattern?: string;
  minValue?: number;
  maxValue?: number;
  minLength?: number;
  maxLength?: number;
  /** The CloudFormation parameter only: SST resolves it differently (artifacts). */
  templateOnly?: boolean;
}

/** Conditions are simple equalities over parameters, so both sides can evaluate them. */
export type ConditionName =
  | 'RemediationAllowed'
  | 'ConfigRuleEnabled'
  | 'SecurityHubActionEnabled'
  | 'ConcurrencyReserved'
  | 'HasAlarmTopic'
  | 'MemberRoleCreated'
  | 'TracingEnabled';

/**
 * Equalities over parameters (so both sides can evaluate them), their
 * conjunction, or "the stack's region is the region a parameter names".
 */
export type ConditionSpec =
  | {
      parameter: ParameterName;
      equals: string;
      /** True when the parameter does NOT equal the value. */
      negate?: boolean;
    }
  | { allOf: readonly ConditionSpec[] }
  | { regionIs: ParameterName };

/** A string value: a literal, a parameter, or an `Fn::Sub` template. */
export type Value = string | { param: ParameterName } | { sub: string };

/** An IAM statement as the kinds and shared modules declare it, placed in a role of the stack. */
export interface Statement extends PermissionStatement {
  /** Granted only when the condition holds. */
  when?: ConditionName;
  /**
   * Logical id of the managed policy that holds this statement in the member
   * template: the remediation writes and the Security Hub findings calls are
   * the same in every role that has them, so the template declares them once.
   */
  shared?: SharedPolicyId;
}

export type SharedPolicyId = 'RemediationPolicy' | 'FindingsPolicy' | 'StatePolicy' | 'TracingPolicy';

export type FunctionName = 'events' | 'config-rule' | 'sweep' | 'action' | 'watch';

export interface FunctionSpec {
  name: FunctionName;
  /** PascalCase stem of logical ids (`Events` → `EventsFunction`, `EventsRole`...). */
  id: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Applied when `ConcurrencyReserved` holds. */
  reservedConcurrency: number;
  /** Asynchronous invocation retries by Lambda before the event goes to the DLQ. */
  asyncRetries: number;
  /** Drop (to the DLQ) asynchronous events older than this. */
  maxEventAgeSeconds: number;
  environment: Record<string, Value>;
  statements: readonly Statement[];
  /** The function (and everything that belongs to it) exists only when this holds. */
  when?: ConditionName;
}

export interface RuleSpec {
  /** Logical id stem (`CloudTrailEc2` → `CloudTrailEc2Rule`). */
  id: string;
  description: string;
  target: FunctionName;
  /** An EventBridge pattern (may contain `{ sub }` values for ARNs), or a schedule. */
  pattern?: Record<string, unknown>;
  schedule?: Value;
  when?: ConditionName;
}

/** Retry policy of every EventBridge target. */
export interface TargetRetry {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

export interface ConfigRuleSpec {
  target: FunctionName;
  resourceTypes: readonly string[];
  frequency: Value;
  when: ConditionName;
}

export interface ActionTargetSpec {
  /** The custom action id (`arn:...:action/custom/<id>`), at most 20 alphanumerics. */
  id: string;
  name: string;
  description: string;
  when: ConditionName;
  /**
   * The template creates the action target with a small custom resource
   * (infra/action-target-provider.ts says why) whose role has these.
   */
  providerStatements: readonly Statement[];
}

/**
 * The queue between the event rules and the events function: rules that
 * target `target` deliver to it, and Lambda reads it in batches (an event
 * source mapping with a batching window and partial batch responses).
 * Failed records are retried `maxReceiveCount` times, then moved to the
 * stack's dead-letter queue (whose depth has an alarm).
 */
export interface EventQueueSpec {
  target: FunctionName;
  /** Records per invocation at most (Lambda: up to 10,000 for a standard queue with a batching window). */
  batchSize: number;
  /** MaximumBatchingWindowInSeconds (0..300). */
  batchWindowSeconds: Value;
  /** At least 6 × the function timeout, as Lambda recommends for SQS sources. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  retentionSeconds: number;
  /**
   * ScalingConfig.MaximumConcurrency of the mapping, below the function's
   * reserved concurrency: Lambda then stops polling instead of throttling
   * invocations, which would return messages to the queue and count towards
   * maxReceiveCount (Lambda developer guide, "Configuring maximum concurrency
   * for Amazon SQS event sources").
   */
  maxConcurrency: number;
}

export interface AlarmSpec {
  evaluationPeriods: number;
  periodSeconds: number;
  threshold: number;
}

export interface MemberStack {
  description: string;
  parameters: Record<ParameterName, ParameterSpec>;
  conditions: Record<ConditionName, ConditionSpec>;
  /** IAM path of every role; `shared/lambda/context.ts` recognises our own changes by it. */
  rolePath: string;
  runtime: 'nodejs24.x';
  /** Why this runtime (rendered as the acknowledgement of cdk-nag's "latest runtime" check). */
  runtimeReason: string;
  architecture: 'arm64';
  functions: readonly FunctionSpec[];
  rules: readonly RuleSpec[];
  targetRetry: TargetRetry;
  configRule: ConfigRuleSpec;
  actionTarget: ActionTargetSpec;
  /**
   * The role the hub's custom action assumes (IAM is global: created in one
   * region only, `when`); named `MemberRoleName` under `rolePath`.
   */
  memberRole: { when: ConditionName; statements: readonly Statement[] };
  deadLetterQueue: { retentionSeconds: number };
  eventQueue: EventQueueSpec;
  /**
   * The bucket of the sweep's published-finding state (one small object per
   * account and Region). Kept when the stack is deleted: CloudFormation cannot
   * delete a bucket that is not empty, so `Delete` would fail every removal.
   */
  stateBucket: { keyPrefix: string; deletionPolicy: 'Retain'; noAccessLoggingReason: string };
  /** `rollbacks`: the watch's `Rollbacks` metric (namespace imds-guard). */
  alarms: { functionErrors: AlarmSpec; deadLetters: AlarmSpec; rollbacks: AlarmSpec };
  logRetentionDays: Value;
}

export const isParam = (v: Value): v is { param: ParameterName } => typeof v === 'object' && 'param' in v;
export const isSub = (v: Value): v is { sub: string } => typeof v === 'object' && 'sub' in v;

/**
 * Replaces `${Name}` / `${Logical.Attr}` / `${AWS::Pseudo}` in an `Fn::Sub`
 * template. Throws on a name that has no value, so nothing reaches AWS half
 * substituted.
 */
export function substitute(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}} in ${template}`);
    return value;
  });
}

/** Evaluates a condition against concrete parameter values (and the region, for `regionIs`). */
export function holds(stack: MemberStack, when: ConditionName | undefined, values: Readonly<Record<ParameterName, string>>, region?: string): boolean {
  if (when === undefined) return true;
  return evaluate(stack.conditions[when], values, region);
}

function evaluate(c: ConditionSpec, values: Readonly<Record<ParameterName, string>>, region: string | undefined): boolean {
  if ('allOf' in c) return c.allOf.every((x) => evaluate(x, values, region));
  if ('regionIs' in c) {
    if (region === undefined) throw new Error(`condition on the region (${c.regionIs}) evaluated without a region`);
    return values[c.regionIs] === region;
  }
  const equal = values[c.parameter] === c.equals;
  return c.negate ? !equal : equal;
}
