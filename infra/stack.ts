/**
 * THE description of the member stack: what runs in every account and region.
 * Pure data; rendered as a CloudFormation template (infra/cloudformation.ts,
 * for StackSets) and as SST components (infra/sst-args.ts → infra/sst.ts).
 * Change the pipeline here, not in a renderer.
 */
import { DEFAULT_POLICY, ENFORCE_ACCOUNT_DEFAULT_VALUES, SETTINGS, type Policy } from '../shared/policy.js';
import { eventPatterns } from '../shared/refs/catalog.js';
import type { ResourceKind } from '../shared/model.js';
import { IMAGE_PERMISSIONS } from '../shared/wiring/images.js';
import { USAGE_PERMISSIONS } from '../shared/wiring/usage.js';
import type { PermissionStatement } from '../shared/kinds/edge-types.js';
import { ARN, HERE } from '../shared/kinds/permissions.js';
import { allKinds, KIND_NAMES, recordedConfigTypes } from '../shared/kinds/registry.js';
import { REMEDIES } from '../shared/kinds/remedies.js';
import { CONTROL_FINDINGS_PERMISSIONS } from '../shared/sinks/annotate-control-findings.js';
import { CONFIG_PERMISSIONS } from '../shared/sinks/config.js';
import { SUPPRESSED_PERMISSIONS } from '../shared/findings/suppressed.js';
import { FINDING_INDEX_PERMISSIONS, FINDINGS_PERMISSIONS } from '../shared/sinks/securityhub.js';
import { WATCH_READ_PERMISSIONS, WATCH_WRITE_PERMISSIONS } from '../shared/watch/permissions.js';
import { memberRoleStatements } from './member-role.js';
import { ENFORCEMENT_RECORD_ENV, REFUSED_LAUNCH_RULE, STATE_STATEMENTS } from './refused-launches.js';
import { SWITCH_OFF_PERMISSIONS } from '../shared/watch/account/switch-off.js';
import type { FunctionName, FunctionSpec, MemberStack, ParameterName, ParameterSpec, RuleSpec, Statement, Value } from './model.js';
import { PREFLIGHT_PERMISSIONS } from '../shared/aws/preflight.js';

export const APP_NAME = 'imds-guard';
/** Default name of the member role the hub assumes (`IMDS_GUARD_MEMBER_ROLE`). */
export const MEMBER_ROLE_NAME = 'imds-guard-member';

/** Every function in the order they are rendered; names match `functions/<name>.ts`. */
export const FUNCTION_NAMES: readonly FunctionName[] = ['events', 'config-rule', 'sweep', 'action', 'watch'];

/** Which template parameter carries each setting of `shared/policy.ts`. */
export const SETTING_PARAMETERS = {
  mode: 'Mode',
  hopLimitCeiling: 'HopLimitCeiling',
  lowerHopLimit: 'LowerHopLimit',
  exemptTagKey: 'ExemptTagKey',
  usageLookbackDays: 'UsageLookbackDays',
  usageUnknown: 'UsageUnknown',
  remediate: 'RemediateKinds',
  instanceRefresh: 'InstanceRefresh',
  enforceAccountDefault: 'EnforceAccountDefault',
  // safety (issue 12)
  guardWindowHours: 'GuardWindowHours',
  rollback: 'Rollback',
  waveSize: 'WaveSize',
  waveTag: 'WaveTag',
  exemptLaunchConfigurations: 'ExemptLaunchConfigurations',
  exemptAccountDefaultRegions: 'ExemptAccountDefaultRegions',
  respectSuppressed: 'RespectSuppressed',
  deleteSuperseded: 'DeleteSuperseded',
  findings: 'FindingsMode',
} as const satisfies Record<keyof Policy, ParameterName>;


/** `Policy.remediate` as `IMDS_GUARD_REMEDIATE` spells it (`all`, `none` or a list). */
export function remediateValue(remediate: Record<ResourceKind, boolean>): string {
  const on = KIND_NAMES.filter((k) => remediate[k]);
  if (on.length === KIND_NAMES.length) return 'all';
  if (on.length === 0) return 'none';
  return on.join(',');
}

/** A policy as the environment variables `loadPolicy` reads back (round-trips). */
export function policyEnv(policy: Policy): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(SETTINGS) as (keyof Policy)[]) {
    const value = policy[key];
    out[SETTINGS[key]] = key === 'remediate' ? remediateValue(policy.remediate) : String(value);
  }
  return out;
}

/** A policy as template parameter values. */
export function policyParameters(policy: Policy): Record<(typeof SETTING_PARAMETERS)[keyof Policy], string> {
  const env = policyEnv(policy);
  const out = {} as Record<(typeof SETTING_PARAMETERS)[keyof Policy], string>;
  for (const key of Object.keys(SETTING_PARAMETERS) as (keyof Policy)[]) out[SETTING_PARAMETERS[key]] = env[SETTINGS[key]]!;
  return out;
}

const d = policyParameters(DEFAULT_POLICY);
const bool = ['true', 'false'] as const;
const LOG_RETENTION = ['1', '3', '5', '7', '14', '30', '60', '90', '120', '150', '180', '365', '400', '545', '731', '1096', '1827', '2192', '2557', '2922', '3288', '3653'] as const;

export const PARAMETERS: Record<ParameterName, ParameterSpec> = {
  Mode: {
    type: 'String',
    default: d.Mode,
    allowedValues: ['detect', 'dry-run', 'enforce'],
    description: 'detect: report; dry-run: report the fix plan; enforce: fix (needs RemediationEnabled=true).',
  },
  RemediationEnabled: {
    type: 'String',
    default: 'false',
    allowedValues: bool,
    description: 'Write permissions for the events, sweep and watch functions (the action function always has them).',
  },
  RemediateKinds: {
    type: 'String',
    default: d.RemediateKinds,
    allowedPattern: '^(all|none|(instance|launch-template|launch-configuration|account-defaults)(,(instance|launch-template|launch-configuration|account-defaults))*)$',
    description: 'Kinds remediation may change: all, none, or a comma-separated list of kinds.',
  },
  HopLimitCeiling: {
    type: 'Number',
    default: d.HopLimitCeiling,
    minValue: 1,
    maxValue: 64,
    description: 'Highest acceptable HttpPutResponseHopLimit.',
  },
  LowerHopLimit: {
    type: 'String',
    default: d.LowerHopLimit,
    allowedValues: bool,
    description: 'Lower a hop limit above the ceiling when remediating (otherwise it is kept).',
  },
  ExemptTagKey: {
    type: 'String',
    default: d.ExemptTagKey,
    minLength: 1,
    maxLength: 128,
    description: 'Tag key that exempts a resource from remediation (any value except "false").',
  },
  UsageLookbackDays: {
    type: 'Number',
    default: d.UsageLookbackDays,
    minValue: 1,
    maxValue: 455,
    description: 'Days of MetadataNoToken history checked before an instance is switched.',
  },
  UsageUnknown: {
    type: 'String',
    default: d.UsageUnknown,
    allowedValues: ['skip', 'enforce'],
    description: 'What to do with an instance without MetadataNoToken datapoints.',
  },
  InstanceRefresh: {
    type: 'String',
    default: d.InstanceRefresh,
    allowedValues: bool,
    description: 'Start an instance refresh on Auto Scaling groups after fixing their launch template.',
  },
  EnforceAccountDefault: {
    type: 'String',
    default: d.EnforceAccountDefault,
    allowedValues: ENFORCE_ACCOUNT_DEFAULT_VALUES,
    description: 'HttpTokensEnforced on the account default (EC2 refuses IMDSv1 launches): when-ready or true switch it on only where the account-region is ready.',
  },
  // ── safety (issue 12): watch and roll back, waves, exemptions ──
  GuardWindowHours: {
    type: 'Number',
    default: d.GuardWindowHours,
    minValue: 1,
    maxValue: 168,
    description: 'Hours a switched instance is watched for rejected IMDSv1 calls.',
  },
  Rollback: {
    type: 'String',
    default: d.Rollback,
    allowedValues: ['auto', 'alert'],
    description: 'On rejected IMDSv1 calls: auto restores the recorded options; alert only marks and reports.',
  },
  WaveSize: {
    type: 'Number',
    default: d.WaveSize,
    minValue: 0,
    maxValue: 1000,
    description: 'Instances switched per group before the rest wait for a clean guard window (0: no waves).',
  },
  WaveTag: {
    type: 'String',
    default: d.WaveTag,
    maxLength: 128,
    description: 'Tag key grouping instances into waves (empty: their Auto Scaling group).',
  },
  ExemptLaunchConfigurations: {
    type: 'String',
    default: d.ExemptLaunchConfigurations,
    description: 'Launch configuration names exempt from remediation (comma-separated).',
  },
  ExemptAccountDefaultRegions: {
    type: 'String',
    default: d.ExemptAccountDefaultRegions,
    allowedPattern: '^([a-z]{2}(-[a-z]+)+-\\d+(,[a-z]{2}(-[a-z]+)+-\\d+)*)?$',
    description: 'Comma-separated regions whose account default imds-guard never changes.',
  },
  RespectSuppressed: {
    type: 'String',
    default: d.RespectSuppressed,
    allowedValues: bool,
    description: 'A finding a person SUPPRESSED exempts its resource from remediation.',
  },
  DeleteSuperseded: {
    type: 'String',
    default: d.DeleteSuperseded,
    allowedValues: ['false', 'true', 'even-if-unrecreatable'],
    description: 'Delete superseded launch configurations no group uses (true: only where recreatable).',
  },
  WatchSchedule: {
    type: 'String',
    default: 'rate(15 minutes)',
    allowedPattern: '^(rate|cron)\\(.+\\)$',
    description: 'Schedule of the watch (rollback of switched instances).',
  },
  FindingsMode: {
    type: 'String',
    default: d.FindingsMode,
    allowedValues: ['own', 'annotate', 'both'],
    description: 'own: imds-guard findings; annotate: onto Security Hub\'s control finding where one exists; both.',
  },
  SweepSchedule: {
    type: 'String',
    default: 'rate(6 hours)',
    allowedPattern: '^(rate|cron)\\(.+\\)$',
    description: 'Schedule of the full reconcile (sweep).',
  },
  ConfigRuleFrequency: {
    type: 'String',
    default: 'TwentyFour_Hours',
    allowedValues: ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'],
    description: 'Periodic evaluation of the Config rule.',
  },
  EnableConfigRule: {
    type: 'String',
    default: 'true',
    allowedValues: bool,
    description: 'Create the AWS Config rule and its function; false where Config is not recording.',
  },
  EnableSecurityHubAction: {
    type: 'String',
    default: 'true',
    allowedValues: bool,
    description: 'Create the custom action "Enforce IMDSv2" and its function; false without Security Hub.',
  },
  ReserveConcurrency: {
    type: 'String',
    default: 'true',
    allowedValues: bool,
    description: 'Reserve Lambda concurrency against launch storms; false where the concurrency quota is below 1000.',
  },
  LogLevel: {
    type: 'String',
    default: 'INFO',
    allowedValues: ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'],
    description: 'Function log level (POWERTOOLS_LOG_LEVEL).',
  },
  BatchWindowSeconds: {
    type: 'Number',
    default: '5',
    minValue: 0,
    maxValue: 300,
    description: 'Seconds the event queue gathers events per run of the events function (delay added to a finding).',
  },
  FindingRefreshDays: {
    type: 'Number',
    default: '30',
    minValue: 1,
    maxValue: 80,
    description: 'Days before an unchanged finding is imported again (Security Hub deletes findings after 90 days).',
  },
  LogRetentionDays: {
    type: 'Number',
    default: '90',
    allowedValues: LOG_RETENTION,
    description: 'Days the function logs are kept.',
  },
  AlarmTopicArn: {
    type: 'String',
    default: 'none',
    allowedPattern: '^(none|arn:[^:]+:sns:[^:]+:\\d{12}:[\\w-]+)$',
    description: 'SNS topic of the alarms (errors, dead letters, rollbacks), or none.',
  },
  ArtifactBucketPrefix: {
    type: 'String',
    default: 'imds-guard-artifacts',
    allowedPattern: '^[a-z0-9][a-z0-9.-]{1,40}$',
    description: 'Code bucket: <prefix>-<region>, readable by the organization.',
    templateOnly: true,
  },
  ArtifactVersion: {
    type: 'String',
    default: '0.0.0',
    allowedPattern: '^[\\w.+-]+$',
    description: 'Code key prefix imds-guard/<version>/; set by the build.',
    templateOnly: true,
  },
  HubAccountId: {
    type: 'String',
    default: '',
    allowedPattern: '^(\\d{12})?$',
    description: 'Hub account (Security Hub administrator) the member role trusts; empty: no member role.',
  },
  OrganizationId: {
    type: 'String',
    default: '',
    allowedPattern: '^(o-[a-z0-9]{10,32})?$',
    description: 'o-...: the hub is trusted only within it (aws:PrincipalOrgID). Needed with HubAccountId.',
  },
  HomeRegion: {
    type: 'String',
    default: '',
    allowedPattern: '^([a-z]{2}(-[a-z]+){1,3}-\\d{1,2})?$',
    description: 'The one region that creates the member role (IAM is global). Required with HubAccountId.',
  },
  MemberRoleName: {
    type: 'String',
    default: MEMBER_ROLE_NAME,
    allowedPattern: '^[\\w+=,.@-]{1,64}$',
    description: 'Member role name (path /imds-guard/), as the hub\'s IMDS_GUARD_MEMBER_ROLE.',
  },
};


/**
 * What a function does, each with the IAM actions it needs. The statements
 * come from the modules that make the calls (the kinds' edges, the usage and
 * image look-ups, the sinks), the way Cloud Custodian actions declare their
 * permissions; test/infra/permissions.test.ts proves that each role grants
 * exactly the SDK commands its bundle can send.
 */
type Capability = 'describe' | 'list' | 'usage' | 'images' | 'findings' | 'control-findings' | 'finding-index' | 'suppressed' | 'config' | 'act';

const statementsOf: Record<Capability, () => PermissionStatement[]> = {
  // Describe and list calls have no resource-level permissions.
  describe: () => [{ sid: 'DescribeResources', actions: unique(allKinds().flatMap((k) => k.edge.permissions.describe)), resources: ['*'] }],
  list: () => [{ sid: 'ListResources', actions: unique(allKinds().flatMap((k) => k.edge.permissions.list)), resources: ['*'] }],
  usage: () => [USAGE_PERMISSIONS],
  images: () => [IMAGE_PERMISSIONS],
  findings: () => FINDINGS_PERMISSIONS,
  // IMDS_GUARD_FINDINGS=annotate|both: Security Hub's own control findings are looked up beside ours.
  'control-findings': () => [CONTROL_FINDINGS_PERMISSIONS],
  'finding-index': () => [FINDING_INDEX_PERMISSIONS],
  // Issue 12: SUPPRESSED findings are read before a change (shared/engine/safety.ts).
  suppressed: () => [SUPPRESSED_PERMISSIONS],
  config: () => [CONFIG_PERMISSIONS],
  act: () => mergeBySid(Object.values(REMEDIES).flatMap((r) => r.permissions)),
};

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** One statement per sid: kinds share some (finding the Auto Scaling groups that use a template). */
function mergeBySid(statements: readonly PermissionStatement[]): PermissionStatement[] {
  const bySid = new Map<string, PermissionStatement>();
  for (const s of statements) {
    const seen = bySid.get(s.sid);
    if (seen === undefined) bySid.set(s.sid, s);
    else if (JSON.stringify(seen) !== JSON.stringify(s)) {
      bySid.set(s.sid, { ...seen, actions: unique([...seen.actions, ...s.actions]) });
      if (JSON.stringify(seen.resources) !== JSON.stringify(s.resources) || JSON.stringify(seen.condition) !== JSON.stringify(s.condition)) {
        throw new Error(`IAM statement ${s.sid} is declared twice with different resources or conditions`);
      }
    }
  }
  return [...bySid.values()];
}

/** The statements of a function's capabilities; `act` only when `when` holds for the automatic functions. */
export function permissionsFor(capabilities: readonly Capability[], actWhen?: 'RemediationAllowed'): Statement[] {
  return capabilities.flatMap((c) =>
    statementsOf[c]().map((s): Statement => {
      if (c === 'act') return { ...s, shared: 'RemediationPolicy', ...(actWhen ? { when: actWhen } : {}) };
      return FINDINGS_CAPABILITIES.has(c) ? { ...s, shared: 'FindingsPolicy' } : s;
    }),
  );
}

/** Security Hub calls on this account's hub: the same statements in every function that publishes findings (one managed policy in the template). */
const FINDINGS_CAPABILITIES: ReadonlySet<Capability> = new Set(['findings', 'control-findings', 'finding-index', 'suppressed']);

/**
 * Reading the event queue (the Lambda event source mapping polls it with the
 * function's role) — kept apart from the IAM the kinds' edges derive.
 */
const queueConsumer: Statement[] = [
  { sid: 'ConsumeEventQueue', actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resources: ['${EventQueue.Arn}'] },
];


/**
 * A role's statements as deployed: grouped by condition (`when`, in order of
 * first appearance) and, within a group, statements with the same resources
 * and IAM condition merged into one (actions united, first sid kept). Same
 * grants in fewer bytes (the member template has a 51,200-byte limit); both
 * renderers deploy this form.
 */
export function compactStatements(statements: readonly Statement[]): Statement[] {
  const groups = new Map<string, Map<string, Statement>>();
  for (const s of statements) {
    // A shared managed policy's statements are merged only among themselves (the template declares them once).
    const groupKey = `${s.when ?? ''}|${s.shared ?? ''}`;
    const group = groups.get(groupKey) ?? new Map<string, Statement>();
    groups.set(groupKey, group);
    const key = JSON.stringify([s.resources, s.condition ?? null]);
    const seen = group.get(key);
    group.set(key, seen ? { ...seen, actions: [...new Set([...seen.actions, ...s.actions])] } : { ...s, actions: [...new Set(s.actions)] });
  }
  return [...groups.values()].flatMap((g) => [...g.values()]);
}

/** Every role (member functions and the hub's) writes its own logs and sends failed asynchronous events to the DLQ. */
export function runtimeStatements(id: string): Statement[] {
  return [
    { sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`\${${id}LogGroup.Arn}`] },
    { sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: ['${DeadLetterQueue.Arn}'] },
  ];
}

/** Settings env of every function: the `SETTINGS` names of shared/policy.ts, from the parameters. */
export function settingsEnvironment(): Record<string, Value> {
  const env: Record<string, Value> = {};
  for (const key of Object.keys(SETTINGS) as (keyof Policy)[]) env[SETTINGS[key]] = { param: SETTING_PARAMETERS[key] };
  env.POWERTOOLS_LOG_LEVEL = { param: 'LogLevel' };
  env.POWERTOOLS_SERVICE_NAME = APP_NAME;
  env.NODE_OPTIONS = '--enable-source-maps';
  return env;
}

function fn(
  spec: Omit<FunctionSpec, 'environment' | 'asyncRetries' | 'maxEventAgeSeconds' | 'statements'> & { statements: Statement[]; environment?: Record<string, Value> },
): FunctionSpec {
  return {
    asyncRetries: 2,
    maxEventAgeSeconds: 6 * 3600,
    ...spec,
    environment: { ...settingsEnvironment(), ...spec.environment },
    statements: [...runtimeStatements(spec.id), ...spec.statements],
  };
}

/**
 * What the custom action does to resources, wherever it runs: the action
 * function's own statements (with its findings) and the member role the hub
 * assumes (without: the hub writes its notes itself, the member's pipeline
 * imports its findings).
 */
const ACTION_READS = ['describe', 'usage', 'images'] as const satisfies readonly Capability[];

/**
 * What the member role grants: the action function's needs, and the reads of
 * `doctor` (shared/aws/preflight.ts), so `doctor --org` can check member accounts.
 */
export function memberRoleNeeds(): { read: Statement[]; write: Statement[] } {
  const action = actionFunctionNeeds();
  const doctor = Object.values(PREFLIGHT_PERMISSIONS).map((s): Statement => ({ sid: s.sid, actions: [...s.actions], resources: [...s.resources] }));
  return { read: [...action.read, ...doctor], write: action.write };
}

/** The action function's resource statements, reads and writes apart: the member role grants the same (infra/member-role.ts). */
export function actionFunctionNeeds(): { read: Statement[]; write: Statement[] } {
  return { read: permissionsFor(ACTION_READS), write: permissionsFor(['act']).map(({ shared: _, ...s }) => s) };
}

export const FUNCTIONS: readonly FunctionSpec[] = [
  fn({
    name: 'events',
    id: 'Events',
    description: 'imds-guard: CloudTrail calls and EC2 state changes → evaluate, report, remediate',
    memoryMb: 512,
    timeoutSeconds: 120,
    reservedConcurrency: 10,
    environment: ENFORCEMENT_RECORD_ENV,
    statements: [
      ...permissionsFor(['describe', 'usage', 'images', 'findings', 'control-findings', 'suppressed', 'act'], 'RemediationAllowed'),
      ...queueConsumer,
      ...STATE_STATEMENTS,
    ],
  }),
  fn({
    name: 'config-rule',
    id: 'ConfigRule',
    description: 'imds-guard: AWS Config custom rule (change-triggered and periodic)',
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 5,
    statements: permissionsFor(['describe', 'list', 'config']),
    when: 'ConfigRuleEnabled',
  }),
  fn({
    name: 'sweep',
    id: 'Sweep',
    description: 'imds-guard: scheduled full reconcile of the region',
    memoryMb: 1024,
    timeoutSeconds: 900,
    reservedConcurrency: 1,
    environment: { IMDS_GUARD_STATE_BUCKET: { sub: '${StateBucket}' }, IMDS_GUARD_FINDING_REFRESH_DAYS: { param: 'FindingRefreshDays' } },
    // 'finding-index' grants GetFindings on the hub, which the control-findings look-up needs too (one statement: the template's size).
    statements: [...permissionsFor(['describe', 'list', 'usage', 'images', 'findings', 'finding-index', 'act'], 'RemediationAllowed'), ...STATE_STATEMENTS],
  }),
  fn({
    name: 'action',
    id: 'Action',
    description: 'imds-guard: Security Hub custom action "Enforce IMDSv2"',
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 2,
    environment: ENFORCEMENT_RECORD_ENV,
    // A person asked for the fix: write permissions whenever the function exists.
    statements: [...permissionsFor([...ACTION_READS, 'findings', 'control-findings', 'suppressed', 'act']), ...STATE_STATEMENTS],
    when: 'SecurityHubActionEnabled',
  }),
  // ── issue 12: the watch (guard window of switched instances, rollback) ──
  fn({
    name: 'watch',
    id: 'Watch',
    description: 'imds-guard: watch switched instances and graduated account-regions, and roll back',
    memoryMb: 256,
    timeoutSeconds: 300,
    // One at a time: the enforcement record is read, changed and written without a lock.
    reservedConcurrency: 1,
    environment: ENFORCEMENT_RECORD_ENV,
    // Reads under every mode (a watch in detect mode only reports); the writes only when remediation is allowed.
    statements: [
      ...WATCH_READ_PERMISSIONS,
      ...WATCH_WRITE_PERMISSIONS.map((st): Statement => ({ ...st, when: 'RemediationAllowed' })),
      ...STATE_STATEMENTS,
      { ...SWITCH_OFF_PERMISSIONS, when: 'RemediationAllowed' },
    ],
  }),
];

/** The metric the rollback alarm watches; shared/watch/report.ts publishes it (a test keeps the two equal). */
export const ROLLBACK_ALARM_METRIC = { namespace: 'imds-guard', metricName: 'Breakages', service: 'imds-guard' } as const;

export const ACTION_TARGET_ID = 'EnforceImdsV2';
export const SECURITY_HUB_CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';

/** The pattern of the custom-action rule; the ARN is a `Value` (a `Fn::Sub` in the template). */
export function actionPattern(actionTargetArn: Value): Record<string, unknown> {
  return {
    source: ['aws.securityhub'],
    'detail-type': [SECURITY_HUB_CUSTOM_ACTION_DETAIL_TYPE],
    resources: [actionTargetArn],
  };
}

/** `CloudTrailEc2` for `aws.ec2` CloudTrail calls, `Ec2StateChange` for the state-change rule. */
function ruleId(pattern: Record<string, unknown>): string {
  const source = String((pattern.source as string[])[0]).replace(/^aws\./, '');
  const service = source === 'ec2' ? 'Ec2' : source === 'autoscaling' ? 'AutoScaling' : source.charAt(0).toUpperCase() + source.slice(1);
  const detailType = String((pattern['detail-type'] as string[])[0]);
  return detailType === 'AWS API Call via CloudTrail' ? `CloudTrail${service}` : `${service}StateChange`;
}

export const RULES: readonly RuleSpec[] = [
  ...eventPatterns().map(
    (pattern): RuleSpec => ({
      id: ruleId(pattern),
      description: `imds-guard: ${String((pattern['detail-type'] as string[])[0])} from ${String((pattern.source as string[])[0])}`,
      target: 'events',
      pattern,
    }),
  ),
  { id: 'Sweep', description: 'imds-guard: scheduled full reconcile', target: 'sweep', schedule: { param: 'SweepSchedule' } },
  { id: 'Watch', description: 'imds-guard: guard window of switched instances', target: 'watch', schedule: { param: 'WatchSchedule' } },
  REFUSED_LAUNCH_RULE,
  {
    id: 'SecurityHubAction',
    description: 'imds-guard: Security Hub custom action "Enforce IMDSv2"',
    target: 'action',
    pattern: actionPattern({ sub: '${ActionTarget.Arn}' }),
    when: 'SecurityHubActionEnabled',
  },
];

export const MEMBER_STACK: MemberStack = {
  description: 'imds-guard member stack: keeps EC2 instances, launch templates, launch configurations and account defaults on IMDSv2.',
  parameters: PARAMETERS,
  conditions: {
    RemediationAllowed: { parameter: 'RemediationEnabled', equals: 'true' },
    ConfigRuleEnabled: { parameter: 'EnableConfigRule', equals: 'true' },
    SecurityHubActionEnabled: { parameter: 'EnableSecurityHubAction', equals: 'true' },
    ConcurrencyReserved: { parameter: 'ReserveConcurrency', equals: 'true' },
    HasAlarmTopic: { parameter: 'AlarmTopicArn', equals: 'none', negate: true },
    MemberRoleCreated: { allOf: [{ parameter: 'HubAccountId', equals: '', negate: true }, { regionIs: 'HomeRegion' }] },
  },
  rolePath: '/imds-guard/',
  runtime: 'nodejs24.x',
  architecture: 'arm64',
  functions: FUNCTIONS,
  rules: RULES,
  targetRetry: { maximumRetryAttempts: 8, maximumEventAgeSeconds: 6 * 3600 },
  configRule: {
    target: 'config-rule',
    // Every kind AWS Config records (the account default is judged by the periodic run only).
    resourceTypes: recordedConfigTypes(),
    frequency: { param: 'ConfigRuleFrequency' },
    when: 'ConfigRuleEnabled',
  },
  actionTarget: {
    id: ACTION_TARGET_ID,
    name: 'Enforce IMDSv2',
    description: 'imds-guard: require IMDSv2 on the resources of the selected findings',
    when: 'SecurityHubActionEnabled',
    providerStatements: [
      { sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: ['${ActionTargetProviderLogGroup.Arn}'] },
      {
        sid: 'ManageActionTarget',
        actions: ['securityhub:CreateActionTarget', 'securityhub:UpdateActionTarget', 'securityhub:DeleteActionTarget'],
        resources: [`${ARN}:securityhub:${HERE}:hub/default`, `${ARN}:securityhub:${HERE}:action/custom/*`],
      },
    ],
  },
  memberRole: { when: 'MemberRoleCreated', statements: memberRoleStatements(memberRoleNeeds()) },
  deadLetterQueue: { retentionSeconds: 14 * 24 * 3600 },
  eventQueue: {
    target: 'events',
    // 1,000 records = one DescribeInstances; Lambda's 6 MB payload limit ends a batch earlier for large records.
    batchSize: 1000,
    batchWindowSeconds: { param: 'BatchWindowSeconds' },
    visibilityTimeoutSeconds: 6 * 120,
    maxReceiveCount: 5,
    retentionSeconds: 4 * 24 * 3600,
    maxConcurrency: 5,
  },
  stateBucket: { keyPrefix: 'imds-guard/state/' },
  alarms: {
    functionErrors: { evaluationPeriods: 1, periodSeconds: 300, threshold: 1 },
    deadLetters: { evaluationPeriods: 1, periodSeconds: 300, threshold: 1 },
    rollbacks: { evaluationPeriods: 1, periodSeconds: 900, threshold: 1 },
  },
  logRetentionDays: { param: 'LogRetentionDays' },
};

/** Object key of a function's code in the artifact bucket. */
export function artifactKey(version: string, name: FunctionName): string {
  return `${APP_NAME}/${version}/${name}.zip`;
}
