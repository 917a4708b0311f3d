/**
 * Stage configuration for the SST deployments, read from the environment of
 * `sst deploy` (pure: takes the env as an argument). The pipeline settings use
 * the same variable names the functions read (`SETTINGS` of shared/policy.ts)
 * and are validated by the same `loadPolicy`, so `IMDS_GUARD_MODE=enforce npx
 * sst deploy` deploys functions running in enforce mode.
 */
import { loadPolicy, PolicyError, SETTINGS, type Policy } from '../shared/policy.js';
import type { ParameterName } from './model.js';
import { PARAMETERS, policyParameters, SETTING_PARAMETERS } from './parameters.js';

type Env = Record<string, string | undefined>;

export type CallAs = 'SELF' | 'DELEGATED_ADMIN';

export interface OrgConfig {
  /** Organization root (`r-...`) or OU ids (`ou-...`) the StackSet deploys to. */
  organizationalUnitIds: string[];
  /** Regions of the stack instances (and of the artifact buckets). */
  regions: string[];
  /**
   * Where the StackSet is created (the deployer's AWS_REGION): its template
   * is read from the artifact bucket of this Region, so one exists there too.
   */
  stackSetRegion: string;
  /** DELEGATED_ADMIN when run from a CloudFormation delegated administrator account. */
  callAs: CallAs;
  /** Buckets are `<prefix>-<region>`; default `imds-guard-<account id>`. */
  artifactBucketPrefix?: string;
  stackSetName: string;
  failureTolerancePercentage: number;
  maxConcurrentPercentage: number;
}

/** The member role for the hub (template parameters HubAccountId, OrganizationId, HomeRegion, MemberRoleName). */
export interface MemberRoleConfig {
  hubAccountId: string;
  /** Unset: the org stage reads it from Organizations; a single-account stage needs it. */
  organizationId?: string;
  /** Where the role is created; default the first region deployed. */
  homeRegion: string;
  roleName: string;
}

/** The `hub` stage: the custom action of the Security Hub administrator. */
export interface HubConfig {
  region: string;
  memberRoleName: string;
  /** Unset: read from Organizations at deploy time. */
  organizationId?: string;
  /** `IMDS_GUARD_MEMBER_ACCOUNTS` of the hub function, or unset (Organizations DescribeAccount decides). */
  memberAccounts?: string;
}

export interface StageConfig {
  stage: string;
  /** Regions of a single-account deployment (one `aws` provider each). */
  regions: string[];
  policy: Policy;
  /** Write permissions for the automatic functions (template parameter RemediationEnabled). */
  allowRemediation: boolean;
  enableConfigRule: boolean;
  enableSecurityHubAction: boolean;
  reserveConcurrency: boolean;
  sweepSchedule: string;
  /** Schedule of the watch function. */
  watchSchedule: string;
  configRuleFrequency: string;
  logLevel: string;
  /** IMDS_GUARD_REQUEST_TIMEOUT_MS of the functions. */
  requestTimeoutMs: number;
  /** IMDS_GUARD_TRACING of the functions, and X-Ray active tracing with its permissions. */
  tracing: boolean;
  logRetentionDays: number;
  /** Seconds the event queue gathers events before invoking the events function (IMDS_GUARD_BATCH_WINDOW_SECONDS). */
  batchWindowSeconds: number;
  /** Age at which an unchanged finding is imported again (IMDS_GUARD_FINDING_REFRESH_DAYS). */
  findingRefreshDays: number;
  alarmTopicArn?: string;
  /** Present for the `org` stage. */
  org?: OrgConfig;
  /** Present when IMDS_GUARD_HUB_ACCOUNT_ID is set: the member stack creates the member role. */
  memberRole?: MemberRoleConfig;
  /** Present for the `hub` stage. */
  hub?: HubConfig;
}

/** Environment variables of the deploy-time settings (beside `SETTINGS`). */
export const STAGE_ENV = {
  regions: 'IMDS_GUARD_REGIONS',
  allowRemediation: 'IMDS_GUARD_ALLOW_REMEDIATION',
  enableConfigRule: 'IMDS_GUARD_ENABLE_CONFIG_RULE',
  enableSecurityHubAction: 'IMDS_GUARD_ENABLE_SECURITY_HUB_ACTION',
  reserveConcurrency: 'IMDS_GUARD_RESERVE_CONCURRENCY',
  sweepSchedule: 'IMDS_GUARD_SWEEP_SCHEDULE',
  watchSchedule: 'IMDS_GUARD_WATCH_SCHEDULE',
  configRuleFrequency: 'IMDS_GUARD_CONFIG_RULE_FREQUENCY',
  logLevel: 'IMDS_GUARD_LOG_LEVEL',
  requestTimeoutMs: 'IMDS_GUARD_REQUEST_TIMEOUT_MS',
  tracing: 'IMDS_GUARD_TRACING',
  logRetentionDays: 'IMDS_GUARD_LOG_RETENTION_DAYS',
  alarmTopicArn: 'IMDS_GUARD_ALARM_TOPIC_ARN',
  orgUnits: 'IMDS_GUARD_ORG_UNITS',
  orgRegions: 'IMDS_GUARD_ORG_REGIONS',
  callAs: 'IMDS_GUARD_CALL_AS',
  artifactBucketPrefix: 'IMDS_GUARD_ARTIFACT_BUCKET_PREFIX',
  stackSetName: 'IMDS_GUARD_STACKSET_NAME',
  failureTolerance: 'IMDS_GUARD_FAILURE_TOLERANCE_PERCENT',
  maxConcurrent: 'IMDS_GUARD_MAX_CONCURRENT_PERCENT',
  hubAccountId: 'IMDS_GUARD_HUB_ACCOUNT_ID',
  organizationId: 'IMDS_GUARD_ORGANIZATION_ID',
  homeRegion: 'IMDS_GUARD_HOME_REGION',
  memberRole: 'IMDS_GUARD_MEMBER_ROLE',
  memberAccounts: 'IMDS_GUARD_MEMBER_ACCOUNTS',
  batchWindowSeconds: 'IMDS_GUARD_BATCH_WINDOW_SECONDS',
  findingRefreshDays: 'IMDS_GUARD_FINDING_REFRESH_DAYS',
} as const;

/**
 * The SST setting (environment variable of `sst deploy`) of each template
 * parameter that one offers: the function settings of shared/policy.ts under
 * their own names, the rest from `STAGE_ENV`. Template-only parameters (the
 * artifact location) have none: SST deploys the bundles itself.
 */
export const SST_SETTING: Partial<Record<ParameterName | 'MemberAccounts', string>> = {
  ...(Object.fromEntries(
    (Object.keys(SETTINGS) as (keyof Policy)[]).map((k) => [SETTING_PARAMETERS[k], SETTINGS[k]]),
  ) as Record<(typeof SETTING_PARAMETERS)[keyof Policy], string>),
  RemediationEnabled: STAGE_ENV.allowRemediation,
  SweepSchedule: STAGE_ENV.sweepSchedule,
  WatchSchedule: STAGE_ENV.watchSchedule,
  ConfigRuleFrequency: STAGE_ENV.configRuleFrequency,
  EnableConfigRule: STAGE_ENV.enableConfigRule,
  EnableSecurityHubAction: STAGE_ENV.enableSecurityHubAction,
  ReserveConcurrency: STAGE_ENV.reserveConcurrency,
  LogLevel: STAGE_ENV.logLevel,
  RequestTimeoutMs: STAGE_ENV.requestTimeoutMs,
  Tracing: STAGE_ENV.tracing,
  LogRetentionDays: STAGE_ENV.logRetentionDays,
  BatchWindowSeconds: STAGE_ENV.batchWindowSeconds,
  FindingRefreshDays: STAGE_ENV.findingRefreshDays,
  AlarmTopicArn: STAGE_ENV.alarmTopicArn,
  HubAccountId: STAGE_ENV.hubAccountId,
  OrganizationId: STAGE_ENV.organizationId,
  HomeRegion: STAGE_ENV.homeRegion,
  MemberRoleName: STAGE_ENV.memberRole,
  MemberAccounts: STAGE_ENV.memberAccounts,
};

export const ORG_STAGE = 'org';
export const HUB_STAGE = 'hub';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

function read(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function list(env: Env, name: string): string[] | undefined {
  const v = read(env, name);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const v = read(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new PolicyError(`${name}=${JSON.stringify(v)} must be true or false`);
}

/** Checks a value against the template parameter's constraints: both renderings accept the same values. */
function parameterValue(name: ParameterName, envName: string, env: Env): string {
  const p = PARAMETERS[name];
  const v = read(env, envName) ?? p.default;
  const bad = (why: string) => new PolicyError(`${envName}=${JSON.stringify(v)} ${why}`);
  if (p.allowedValues && !p.allowedValues.includes(v)) throw bad(`is not one of ${p.allowedValues.join(', ')}`);
  if (p.allowedPattern && !new RegExp(p.allowedPattern).test(v)) throw bad(`does not match ${p.allowedPattern}`);
  return v;
}

/** A Number parameter within its template bounds. */
function bounded(name: ParameterName, envName: string, env: Env): number {
  const p = PARAMETERS[name];
  const v = read(env, envName) ?? p.default;
  const n = Number(v);
  if (!Number.isInteger(n) || (p.minValue !== undefined && n < p.minValue) || (p.maxValue !== undefined && n > p.maxValue)) {
    throw new PolicyError(`${envName}=${JSON.stringify(v)} must be a whole number from ${p.minValue} to ${p.maxValue}`);
  }
  return n;
}

function percent(env: Env, name: string, fallback: number): number {
  const v = read(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new PolicyError(`${name}=${JSON.stringify(v)} must be a whole number from 0 to 100`);
  return n;
}

export function stageConfig(stage: string, env: Env = process.env): StageConfig {
  const regions = list(env, STAGE_ENV.regions) ?? [read(env, 'AWS_REGION') ?? read(env, 'AWS_DEFAULT_REGION') ?? 'us-east-1'];
  for (const r of regions) if (!REGION.test(r)) throw new PolicyError(`${STAGE_ENV.regions}: ${JSON.stringify(r)} is not a region`);
  const policy = loadPolicy(env);
  const allowRemediation = flag(env, STAGE_ENV.allowRemediation, false);
  if (policy.mode === 'enforce' && !allowRemediation) {
    throw new PolicyError(`IMDS_GUARD_MODE=enforce needs ${STAGE_ENV.allowRemediation}=true (the functions need write permissions to fix anything)`);
  }
  const alarm = parameterValue('AlarmTopicArn', STAGE_ENV.alarmTopicArn, env);
  const config: StageConfig = {
    stage,
    regions,
    policy,
    allowRemediation,
    enableConfigRule: flag(env, STAGE_ENV.enableConfigRule, true),
    enableSecurityHubAction: flag(env, STAGE_ENV.enableSecurityHubAction, true),
    reserveConcurrency: flag(env, STAGE_ENV.reserveConcurrency, true),
    sweepSchedule: parameterValue('SweepSchedule', STAGE_ENV.sweepSchedule, env),
    watchSchedule: parameterValue('WatchSchedule', STAGE_ENV.watchSchedule, env),
    configRuleFrequency: parameterValue('ConfigRuleFrequency', STAGE_ENV.configRuleFrequency, env),
    logLevel: parameterValue('LogLevel', STAGE_ENV.logLevel, env),
    requestTimeoutMs: bounded('RequestTimeoutMs', STAGE_ENV.requestTimeoutMs, env),
    tracing: parameterValue('Tracing', STAGE_ENV.tracing, env) === 'true',
    logRetentionDays: Number(parameterValue('LogRetentionDays', STAGE_ENV.logRetentionDays, env)),
    batchWindowSeconds: bounded('BatchWindowSeconds', STAGE_ENV.batchWindowSeconds, env),
    findingRefreshDays: bounded('FindingRefreshDays', STAGE_ENV.findingRefreshDays, env),
  };
  if (alarm !== 'none') config.alarmTopicArn = alarm;
  if (stage === ORG_STAGE) {
    const units = list(env, STAGE_ENV.orgUnits);
    if (!units?.length) throw new PolicyError(`the ${ORG_STAGE} stage needs ${STAGE_ENV.orgUnits} (comma-separated r-... / ou-... ids)`);
    for (const u of units) if (!/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(u)) throw new PolicyError(`${STAGE_ENV.orgUnits}: ${JSON.stringify(u)} is not a root or OU id`);
    const callAs = read(env, STAGE_ENV.callAs) ?? 'SELF';
    if (callAs !== 'SELF' && callAs !== 'DELEGATED_ADMIN') throw new PolicyError(`${STAGE_ENV.callAs} must be SELF or DELEGATED_ADMIN`);
    const orgRegions = list(env, STAGE_ENV.orgRegions) ?? regions;
    for (const r of orgRegions) if (!REGION.test(r)) throw new PolicyError(`${STAGE_ENV.orgRegions}: ${JSON.stringify(r)} is not a region`);
    const stackSetRegion = read(env, 'AWS_REGION') ?? read(env, 'AWS_DEFAULT_REGION') ?? orgRegions[0]!;
    if (!REGION.test(stackSetRegion)) throw new PolicyError(`AWS_REGION: ${JSON.stringify(stackSetRegion)} is not a region`);
    const org: OrgConfig = {
      organizationalUnitIds: units,
      regions: orgRegions,
      stackSetRegion,
      callAs,
      stackSetName: read(env, STAGE_ENV.stackSetName) ?? 'imds-guard',
      failureTolerancePercentage: percent(env, STAGE_ENV.failureTolerance, 10),
      maxConcurrentPercentage: percent(env, STAGE_ENV.maxConcurrent, 25),
    };
    const prefix = read(env, STAGE_ENV.artifactBucketPrefix);
    if (prefix !== undefined) org.artifactBucketPrefix = parameterValue('ArtifactBucketPrefix', STAGE_ENV.artifactBucketPrefix, env);
    config.org = org;
  }
  const hubAccountId = read(env, STAGE_ENV.hubAccountId);
  const roleName = parameterValue('MemberRoleName', STAGE_ENV.memberRole, env);
  const organizationId = read(env, STAGE_ENV.organizationId) === undefined ? undefined : parameterValue('OrganizationId', STAGE_ENV.organizationId, env);
  if (hubAccountId !== undefined) {
    parameterValue('HubAccountId', STAGE_ENV.hubAccountId, env);
    const homeRegion = read(env, STAGE_ENV.homeRegion) ?? (config.org?.regions ?? regions)[0]!;
    if (!REGION.test(homeRegion)) throw new PolicyError(`${STAGE_ENV.homeRegion}: ${JSON.stringify(homeRegion)} is not a region`);
    if (!config.org && organizationId === undefined) throw new PolicyError(`${STAGE_ENV.hubAccountId} needs ${STAGE_ENV.organizationId} (o-...) outside the ${ORG_STAGE} stage`);
    config.memberRole = { hubAccountId, homeRegion, roleName, ...(organizationId ? { organizationId } : {}) };
  }
  if (stage === HUB_STAGE) {
    const memberAccounts = read(env, STAGE_ENV.memberAccounts);
    if (memberAccounts !== undefined && !/^\d{12}(,\s*\d{12})*$/.test(memberAccounts)) throw new PolicyError(`${STAGE_ENV.memberAccounts} must be comma-separated account ids`);
    config.hub = { region: regions[0]!, memberRoleName: roleName, ...(organizationId ? { organizationId } : {}), ...(memberAccounts ? { memberAccounts } : {}) };
  }
  return config;
}

/**
 * The stage configuration as template parameter values: what the SST
 * rendering evaluates, and what the org stage passes to the StackSet.
 */
export function parameterValues(config: StageConfig, artifacts: { bucketPrefix: string; version: string }): Record<ParameterName, string> {
  return {
    ...policyParameters(config.policy),
    RemediationEnabled: String(config.allowRemediation),
    SweepSchedule: config.sweepSchedule,
    WatchSchedule: config.watchSchedule,
    ConfigRuleFrequency: config.configRuleFrequency,
    EnableConfigRule: String(config.enableConfigRule),
    EnableSecurityHubAction: String(config.enableSecurityHubAction),
    ReserveConcurrency: String(config.reserveConcurrency),
    LogLevel: config.logLevel,
    RequestTimeoutMs: String(config.requestTimeoutMs),
    Tracing: String(config.tracing),
    LogRetentionDays: String(config.logRetentionDays),
    BatchWindowSeconds: String(config.batchWindowSeconds),
    FindingRefreshDays: String(config.findingRefreshDays),
    AlarmTopicArn: config.alarmTopicArn ?? 'none',
    ArtifactBucketPrefix: artifacts.bucketPrefix,
    ArtifactVersion: artifacts.version,
    HubAccountId: config.memberRole?.hubAccountId ?? '',
    OrganizationId: config.memberRole?.organizationId ?? '',
    HomeRegion: config.memberRole?.homeRegion ?? '',
    MemberRoleName: config.memberRole?.roleName ?? PARAMETERS.MemberRoleName.default,
  };
}
