/**
 * doctor's judgement, pure: from the facts shared/aws/preflight.ts reads to
 * a verdict with its fix, so tests pin every verdict.
 */
import type { InstanceMetadataDefaultsResponse } from '@aws-sdk/client-ec2';
import { FUNCTIONS } from '../../infra/functions.js';
import type { ConcurrencyFacts, ControlFacts, PublishedStage, RecorderFacts, StackFacts, TrailFacts, TrailSelectors } from '../../shared/aws/preflight.js';
import { SETTINGS } from '../../shared/policy.js';
import { recordedConfigTypes, securityHubControlIds } from '../../shared/kinds/registry.js';
import type { Verdict } from './report.js';

/** Resource types the Config rule is scoped to (the kinds Config records); the recorder must cover them. */
const CONFIG_TYPES = recordedConfigTypes();
/** Security Hub's controls the kinds stand for: each must be enabled for AWS's own findings to appear beside ours. */
export const CONTROL_IDS = securityHubControlIds();
/** Lambda keeps at least 100 executions unreserved (PutFunctionConcurrency, Lambda API reference). */
export const MIN_UNRESERVED = 100;
/** Executions the stack reserves with ReserveConcurrency=true (sum over the functions, infra/stack.ts). */
export const STACK_RESERVED = FUNCTIONS.reduce((n, f) => n + (f.reservedConcurrency ?? 0), 0);
const FSBP = (region: string): string => `arn:aws:securityhub:${region}::standards/aws-foundational-security-best-practices/v/1.0.0`;

/** Whether a trail's selectors log management write events (basic or advanced selectors). */
export function logsManagementWrites(s: TrailSelectors): boolean {
  if (s.advancedEventSelectors.length > 0) {
    return s.advancedEventSelectors.some((sel) => {
      const fields = sel.FieldSelectors ?? [];
      const category = fields.find((f) => f.Field === 'eventCategory');
      if (!category?.Equals?.includes('Management')) return false;
      const readOnly = fields.find((f) => f.Field === 'readOnly');
      return !(readOnly?.Equals?.length === 1 && readOnly.Equals[0] === 'true');
    });
  }
  return s.eventSelectors.some((sel) => sel.IncludeManagementEvents !== false && sel.ReadWriteType !== 'ReadOnly');
}

export interface TrailState extends TrailFacts {
  logging?: boolean;
  managementWrites?: boolean;
  /** Why status or selectors could not be read. */
  unreadable?: string;
}

export function judgeTrail(region: string, trails: readonly TrailState[]): Verdict {
  const fix =
    `create a trail that logs management events: aws cloudtrail create-trail --name imds-guard-trail --s3-bucket-name <bucket> --is-multi-region-trail && aws cloudtrail start-logging --name imds-guard-trail ` +
    `(or an organization trail from the management account). Without a trail EventBridge gets no "AWS API Call via CloudTrail" events, and only the sweep and the Config rule catch drift.`;
  const label = (t: TrailState): string => `${t.name}${t.organization ? ' (organization trail)' : t.multiRegion ? ' (multi-region)' : ''}`;
  const good = trails.find((t) => t.logging === true && t.managementWrites === true);
  if (good) return { status: 'ok', detail: `trail ${label(good)} logs management write events` };
  const unreadable = trails.find((t) => t.unreadable !== undefined && t.organization);
  if (unreadable) {
    return {
      status: 'warn',
      detail: `organization trail ${unreadable.name} applies here; its status could not be read from this account (${unreadable.unreadable})`,
      fix: 'confirm in the management account that the organization trail is logging management write events',
    };
  }
  if (trails.length === 0) return { status: 'fail', detail: `no CloudTrail trail applies to ${region}`, fix };
  const notLogging = trails.filter((t) => t.logging === false);
  if (notLogging.length === trails.length) {
    return { status: 'fail', detail: `trail ${notLogging.map(label).join(', ')} exists but is not logging`, fix: `aws cloudtrail start-logging --name ${notLogging[0]?.arn}` };
  }
  const noMgmt = trails.find((t) => t.logging === true && t.managementWrites === false);
  if (noMgmt) {
    return {
      status: 'fail',
      detail: `trail ${label(noMgmt)} is logging but not management write events`,
      fix: `aws cloudtrail put-event-selectors --trail-name ${noMgmt.arn} --event-selectors '[{"ReadWriteType":"All","IncludeManagementEvents":true}]' (or add an advanced selector eventCategory=Management)`,
    };
  }
  const why = trails.find((t) => t.unreadable)?.unreadable ?? 'status unknown';
  return { status: 'error', detail: `trail status could not be read: ${why}`, fix: 'grant cloudtrail:GetTrailStatus and cloudtrail:GetEventSelectors' };
}

/** Resource types a recorder records (recordingStrategy / allSupported / resourceTypes / exclusions). */
export function recordedTypes(recorder: RecorderFacts['recorders'][number]): (type: string) => boolean {
  const g = recorder.recordingGroup;
  const strategy = g?.recordingStrategy?.useOnly;
  if (strategy === 'EXCLUSION_BY_RESOURCE_TYPES') {
    const excluded = new Set<string>(g?.exclusionByResourceTypes?.resourceTypes ?? []);
    return (t) => !excluded.has(t);
  }
  if (strategy === 'ALL_SUPPORTED_RESOURCE_TYPES' || (g?.allSupported ?? g === undefined)) return () => true;
  const included = new Set<string>(g?.resourceTypes ?? []);
  return (t) => included.has(t);
}

export function judgeConfig(region: string, facts: RecorderFacts, configRuleEnabled: boolean | undefined): Verdict {
  const needed = configRuleEnabled !== false;
  const off = (detail: string, fix: string): Verdict =>
    needed
      ? { status: 'fail', detail, fix: `${fix}; or deploy with EnableConfigRule=false (IMDS_GUARD_ENABLE_CONFIG_RULE=false): creating the Config rule fails where Config does not record` }
      : { status: 'warn', detail: `${detail} (the stack runs with EnableConfigRule=false, so this is not needed)`, fix };
  if (facts.recorders.length === 0) {
    return off(`AWS Config has no configuration recorder in ${region}`, `set up AWS Config recording in ${region} (console "Get started", or aws configservice put-configuration-recorder + put-delivery-channel + start-configuration-recorder)`);
  }
  let best: { name: string; missing: string[]; recording: boolean } | undefined;
  for (const r of facts.recorders) {
    const records = recordedTypes(r);
    const missing = CONFIG_TYPES.filter((t) => !records(t));
    const recording = facts.statuses.find((s) => s.name === r.name)?.recording === true;
    const candidate = { name: r.name ?? 'default', missing, recording };
    if (!best || (candidate.recording && candidate.missing.length === 0) || candidate.missing.length < best.missing.length) best = candidate;
    if (recording && missing.length === 0) return { status: 'ok', detail: `recorder ${candidate.name} is recording ${CONFIG_TYPES.length} of ${CONFIG_TYPES.length} resource types` };
  }
  const b = best as { name: string; missing: string[]; recording: boolean };
  if (!b.recording) return off(`recorder ${b.name} is not recording`, `aws configservice start-configuration-recorder --configuration-recorder-name ${b.name} --region ${region}`);
  return off(`recorder ${b.name} does not record ${b.missing.join(', ')}`, `add ${b.missing.join(', ')} to the recorder's recording group (aws configservice put-configuration-recorder), or record all supported types`);
}

export function judgeHub(region: string, hubArn: string | undefined): Verdict {
  if (hubArn) return { status: 'ok', detail: `Security Hub CSPM is enabled (${hubArn})` };
  return {
    status: 'fail',
    detail: `Security Hub CSPM is not enabled in ${region}: imds-guard's findings are dropped (one logged error per invocation); the Config rule still reports`,
    fix: `aws securityhub enable-security-hub --enable-default-standards --region ${region} (or from the delegated administrator with central configuration); the "Enforce IMDSv2" custom action needs it too — without it deploy with EnableSecurityHubAction=false`,
  };
}

const isFsbp = (arn: string): boolean => arn.includes('/aws-foundational-security-best-practices/');
const standardName = (arn: string): string => arn.split(':standards/')[1] ?? arn.split('/').slice(-3).join('/');

export function judgeControls(region: string, controls: readonly ControlFacts[]): Verdict {
  const off = controls.filter((c) => c.enabledIn.length === 0);
  if (off.length === 0) {
    return { status: 'ok', detail: `${controls.map((c) => `${c.id} (${c.enabledIn.map(standardName).join(', ')})`).join(', ')} enabled` };
  }
  const missing = off.filter((c) => c.disabledIn.length === 0);
  const disabled = off.filter((c) => c.disabledIn.length > 0);
  const parts: string[] = [];
  if (disabled.length > 0) parts.push(`${disabled.map((c) => c.id).join(', ')} disabled in ${[...new Set(disabled.flatMap((c) => c.disabledIn.map(standardName)))].join(', ')}`);
  if (missing.length > 0) parts.push(`${missing.map((c) => c.id).join(', ')} in no enabled standard`);
  const fixes: string[] = [];
  if (missing.length > 0) fixes.push(`enable the AWS Foundational Security Best Practices standard: aws securityhub batch-enable-standards --standards-subscription-requests StandardsArn=${FSBP(region)} --region ${region}`);
  for (const c of disabled) {
    const standard = c.disabledIn.find(isFsbp) ?? c.disabledIn[0];
    fixes.push(
      `aws securityhub batch-update-standards-control-associations --standards-control-association-updates StandardsArn=${standard},SecurityControlId=${c.id},AssociationStatus=ENABLED --region ${region}`,
    );
  }
  return { status: 'fail', detail: `Security Hub controls: ${parts.join('; ')}`, fix: fixes.join('; ') };
}

/**
 * The stack reserves STACK_RESERVED executions with ReserveConcurrency=true;
 * Lambda refuses a reservation that leaves fewer than 100 unreserved. Once the
 * stack runs with it, the reservation is already taken out of `unreserved`.
 */
export function judgeConcurrency(facts: ConcurrencyFacts, reserve: boolean, alreadyReserved: boolean): Verdict {
  const quota = `limit ${facts.limit ?? '?'}, unreserved ${facts.unreserved ?? '?'}`;
  if (!reserve) return { status: 'ok', detail: `ReserveConcurrency=false: nothing reserved (${quota})` };
  if (alreadyReserved) return { status: 'ok', detail: `the stack's ${STACK_RESERVED} reserved executions are in place (${quota})` };
  const unreserved = facts.unreserved ?? 0;
  if (unreserved - STACK_RESERVED >= MIN_UNRESERVED) return { status: 'ok', detail: `room to reserve ${STACK_RESERVED} executions (${quota})` };
  return {
    status: 'fail',
    detail: `ReserveConcurrency=true reserves ${STACK_RESERVED} executions, but only ${unreserved} are unreserved and Lambda keeps ${MIN_UNRESERVED} (${quota}): the deployment would fail`,
    fix: 'deploy with ReserveConcurrency=false (IMDS_GUARD_RESERVE_CONCURRENCY=false), or ask for a higher "Concurrent executions" quota (Service Quotas, Lambda, L-B99A9384)',
  };
}

export function judgeAccountDefault(region: string, d: InstanceMetadataDefaultsResponse): Verdict {
  if (d.ManagedBy === 'declarative-policy') {
    const tokens = d.HttpTokens ?? 'no-preference';
    const why = d.ManagedExceptionMessage ? ` (${d.ManagedExceptionMessage})` : '';
    if (tokens === 'required') return { status: 'ok', detail: `managed by an EC2 declarative policy that requires IMDSv2${why}; imds-guard leaves it alone` };
    return {
      status: 'fail',
      detail: `managed by an EC2 declarative policy with http_tokens ${tokens}${why}: imds-guard cannot change the account default here`,
      fix: `set http_tokens to required in the organization's EC2 declarative policy (imds-guard guardrails --policy declarative), or set IMDS_GUARD_REMEDIATE without account-defaults`,
    };
  }
  return { status: 'ok', detail: `managed by the account (HttpTokens ${d.HttpTokens ?? 'no-preference'}); imds-guard can report and fix it in ${region}` };
}

/** Stack states in which the stack is in place. */
export const LIVE = /^(CREATE_COMPLETE|UPDATE_COMPLETE|IMPORT_COMPLETE)$/;

export function judgeStack(stack: StackFacts | undefined, stackName: string | undefined): Verdict {
  if (!stack) {
    return {
      status: 'fail',
      detail: stackName ? `stack ${stackName} not found` : 'no imds-guard stack found (StackSet instance StackSet-imds-guard-* or a stack named imds-guard)',
      fix: 'deploy the member stack (README, "Deploying"); an SST single-account stage is not a CloudFormation stack: pass --stack-name only for a stack created from dist/member-template.json',
    };
  }
  const version = stack.parameters.ArtifactVersion ?? 'unknown';
  const what = `stack ${stack.name} ${stack.status}, version ${version}, mode ${stack.parameters.Mode ?? '?'}`;
  if (LIVE.test(stack.status)) return { status: 'ok', detail: what };
  if (/IN_PROGRESS$/.test(stack.status) || stack.status === 'UPDATE_ROLLBACK_COMPLETE') {
    return { status: 'warn', detail: what, fix: 'wait for the operation to finish; after UPDATE_ROLLBACK_COMPLETE read the stack events for the failed update' };
  }
  return { status: 'fail', detail: what, fix: `read the stack events (aws cloudformation describe-stack-events --stack-name ${stack.name}), fix the cause and deploy again` };
}

/** Hours between two sweeps from `rate(N unit)`; cron schedules count as daily. */
export function sweepIntervalHours(schedule: string | undefined): number {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec((schedule ?? 'rate(6 hours)').trim());
  if (!m) return 24;
  const n = Number(m[1]);
  return m[2]?.startsWith('minute') ? n / 60 : m[2]?.startsWith('hour') ? n : n * 24;
}

export function judgeSweep(stack: StackFacts | undefined, lastRun: Date | undefined, now: Date, lookedBackDays: number): Verdict {
  if (!stack) return { status: 'skip', detail: 'no stack, no sweep' };
  const interval = sweepIntervalHours(stack.parameters.SweepSchedule);
  // Metrics are hourly: allow two schedule periods and the hour being aggregated.
  const allowed = 2 * interval + 1;
  if (!lastRun) {
    return {
      status: 'fail',
      detail: `the sweep has not run in the last ${lookedBackDays} days (schedule ${stack.parameters.SweepSchedule ?? 'rate(6 hours)'})`,
      fix: `check the stack's sweep schedule rule is ENABLED and read the sweep function's logs (/imds-guard/${stack.name}/sweep) and its Errors alarm`,
    };
  }
  const hours = (now.getTime() - lastRun.getTime()) / 3_600_000;
  const ago = hours < 1 ? 'within the last hour' : `${Math.floor(hours)} h ago`;
  if (hours <= allowed) return { status: 'ok', detail: `the sweep last ran ${ago} (${lastRun.toISOString()})` };
  return {
    status: 'fail',
    detail: `the sweep last ran ${ago} (${lastRun.toISOString()}), expected every ${interval} h`,
    fix: `check the sweep schedule rule is ENABLED and read /imds-guard/${stack.name}/sweep for errors`,
  };
}


/**
 * The migration stage as the last sweep published it (the account default's
 * finding), against the graduation setting: `true` where the account-region
 * is not ready is refused until it is, and nothing graduates where a
 * declarative policy manages the default.
 */
export function judgeStage(region: string, published: PublishedStage | undefined, setting: string): Verdict {
  const scan = `imds-guard scan --region ${region} lists the blockers`;
  if (published?.stage === undefined) {
    return { status: 'skip', detail: `no stage published for ${region} yet (the sweep puts it on the account default's finding); ${scan}` };
  }
  const n = published.blockers ?? 0;
  const at = published.updatedAt ? ` as of ${published.updatedAt}` : '';
  const what = `stage ${published.stage}, ${n} blocker${n === 1 ? '' : 's'}${at}; ${SETTINGS.enforceAccountDefault}=${setting}`;
  if (published.stage === 'managed' && setting !== 'false') {
    return {
      status: 'warn',
      detail: `${what}: a declarative policy manages the default, imds-guard never switches enforcement on there`,
      fix: 'set http_tokens_enforced in the EC2 declarative policy (imds-guard guardrails --policy declarative --http-tokens-enforced)',
    };
  }
  if (setting === 'true' && published.stage !== 'ready' && published.stage !== 'enforced') {
    return {
      status: 'warn',
      detail: `${what}: enforcement is refused until the account-region is ready`,
      fix: `${scan}; fix them, or set ${SETTINGS.enforceAccountDefault}=when-ready to wait without a refusal on every run`,
    };
  }
  if (published.stage === 'ready' && setting === 'false') {
    return { status: 'ok', detail: `${what}: ready for AWS enforcement (${SETTINGS.enforceAccountDefault}=when-ready, or imds-guard fix --enforce-account, switches it on)` };
  }
  return { status: 'ok', detail: what };
}
