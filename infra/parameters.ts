/**
 * The template parameters of the member stack (one per SST setting, see
 * infra/config.ts) and how the settings of shared/policy.ts map onto them.
 * Pure data; both renderers read it.
 */
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../shared/aws/clients.js';
import type { ResourceKind } from '../shared/model.js';
import { DEFAULT_POLICY, ENFORCE_ACCOUNT_DEFAULT_VALUES, SETTINGS, type Policy } from '../shared/policy.js';
import { KIND_NAMES } from '../shared/kinds/registry.js';
import type { ParameterName, ParameterSpec } from './model.js';
import { MEMBER_ROLE_NAME } from './names.js';

/**
 * Environment variables the functions read beside `SETTINGS`, each from a
 * parameter (infra/functions.ts `settingsEnvironment`).
 */
export const RUNTIME_SETTINGS = {
  POWERTOOLS_LOG_LEVEL: 'LogLevel',
  IMDS_GUARD_REQUEST_TIMEOUT_MS: 'RequestTimeoutMs',
  IMDS_GUARD_TRACING: 'Tracing',
} as const satisfies Record<string, ParameterName>;

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
  RequestTimeoutMs: {
    type: 'Number',
    default: String(DEFAULT_REQUEST_TIMEOUT_MS),
    minValue: 1000,
    maxValue: 300_000,
    description: 'Milliseconds one AWS API request may take before it is retried (at most 3 tries), as IMDS_GUARD_REQUEST_TIMEOUT_MS.',
  },
  Tracing: {
    type: 'String',
    default: 'false',
    allowedValues: bool,
    description: 'true: X-Ray active tracing of the functions and their AWS calls, with its permissions (IMDS_GUARD_TRACING; X-Ray charges per trace).',
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
