/**
 * Edge: the writes of the watch, each a short sequence ordered so that no
 * write is ever left unreported or unrecorded:
 *
 * - flip:     CreateTags(flipped-at, previous) → ModifyInstanceMetadataOptions.
 *             The record comes first: a flip without a record could never be
 *             rolled back exactly. If the modify fails, the record is removed
 *             again (DeleteTags); if even that fails, the outcome says so, and
 *             the watch later finds a record with no breakage and clears it.
 * - rollback: CreateTags(mark `pending`) → ModifyInstanceMetadataOptions
 *             (every recorded option) → DescribeInstances (read back) →
 *             CreateTags(mark `restored`) → DeleteTags(flipped-at, previous).
 *             A pending mark first, so no sweep flips the instance again while
 *             the restore is under way; "rolled back" is written only after
 *             the options were read back as recorded. Any failure (denied,
 *             throttled past the SDK's retries, a read-back that differs)
 *             writes mark `failed` with the AWS error and keeps the watch
 *             tags, so the next watch run tries again; AWS refusing it for good
 *             (UnsupportedOperation: the account enforces IMDSv2) writes
 *             `failed;final=1` and ends the watch (flipped-at removed,
 *             `previous` kept for a person), so it is tried once.
 * - clear:    CreateTags(verified-at) → DeleteTags(flipped-at); `previous`
 *             stays, so `imds-guard rollback` can restore by hand later.
 *
 * Every step's result is in the returned report; callers put it on the outcome.
 */
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, ModifyInstanceMetadataOptionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { awsCode, describeError, errorText } from '../errors.js';
import { metadataOptions } from '../aws/translate.js';
import type { MetadataOptions } from '../model.js';
import { bareCode, ENFORCEMENT_ERROR_CODE, isEnforcementRefusal } from './refusal.js';
import {
  encodeMark,
  encodePrevious,
  FLIPPED_AT_TAG,
  OPEN_WATCH_TAGS,
  PREVIOUS_TAG,
  ROLLED_BACK_TAG,
  VERIFIED_AT_TAG,
  WATCH_TAGS,
  type RejectionEvidence,
  type RollbackMark,
} from './tags.js';

type Ec2 = Pick<EC2Client, 'send'>;

export interface WriteReport {
  ok: boolean;
  /** One entry per write attempted, in order: "CreateTags ok", "ModifyInstanceMetadataOptions failed: …". */
  steps: string[];
}

async function step(report: WriteReport, name: string, call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    report.steps.push(`${name} ok`);
    return true;
  } catch (error) {
    report.ok = false;
    report.steps.push(`${name} failed: ${errorText(error)}`);
    return false;
  }
}

const tag = (ec2: Ec2, id: string, tags: Record<string, string>): Promise<unknown> =>
  ec2.send(new CreateTagsCommand({ Resources: [id], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
const untag = (ec2: Ec2, id: string, keys: readonly string[]): Promise<unknown> =>
  ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: keys.map((Key) => ({ Key })) }));

/**
 * ModifyInstanceMetadataOptions with every option given (the API only changes
 * what it is sent). An option the record lacks is left out of the request:
 * the SDK sends no parameter for an undefined member.
 */
export function restoreRequest(instanceId: string, previous: MetadataOptions): ModifyInstanceMetadataOptionsCommand {
  return new ModifyInstanceMetadataOptionsCommand({
    InstanceId: instanceId,
    HttpTokens: previous.httpTokens,
    HttpPutResponseHopLimit: previous.httpPutResponseHopLimit,
    HttpEndpoint: previous.httpEndpoint,
    HttpProtocolIpv6: previous.httpProtocolIpv6,
    InstanceMetadataTags: previous.instanceMetadataTags,
  });
}

/** Records the flip on the instance; throws (nothing was changed) when the record cannot be written. */
export async function recordFlip(ec2: Ec2, instanceId: string, previous: MetadataOptions, now: Date): Promise<void> {
  await tag(ec2, instanceId, { [FLIPPED_AT_TAG]: now.toISOString(), [PREVIOUS_TAG]: encodePrevious(previous, now) });
}

/** Removes a flip record after the flip itself failed. */
export async function forgetFlip(ec2: Ec2, instanceId: string): Promise<WriteReport> {
  const report: WriteReport = { ok: true, steps: [] };
  await step(report, 'DeleteTags (watch record)', () => untag(ec2, instanceId, WATCH_TAGS));
  return report;
}

/**
 * What became of a rollback: `restored` (read back as recorded), `failed`
 * (tried again at the next watch run), `refused` (AWS refuses it for good
 * while the account enforces IMDSv2: not retried).
 */
export type RollbackOutcome = 'restored' | 'failed' | 'refused';

export interface RollbackReport extends WriteReport {
  outcome: RollbackOutcome;
  /** Why it did not restore, with the AWS error (absent when restored). */
  why?: string;
}

export interface RollbackRequest {
  at: Date;
  /** The watch (IMDS_GUARD_ROLLBACK=auto) or a person (`imds-guard rollback`). */
  by: 'watch' | 'manual';
  evidence?: RejectionEvidence;
}

/** The recorded options that the instance does not have now, in words ("HttpTokens is required, not optional"). */
export function differences(recorded: MetadataOptions, now: MetadataOptions): string[] {
  const out: string[] = [];
  for (const [field, name] of [
    ['httpTokens', 'HttpTokens'],
    ['httpPutResponseHopLimit', 'HttpPutResponseHopLimit'],
    ['httpEndpoint', 'HttpEndpoint'],
    ['httpProtocolIpv6', 'HttpProtocolIpv6'],
    ['instanceMetadataTags', 'InstanceMetadataTags'],
  ] as const) {
    const want = recorded[field];
    if (want !== undefined && now[field] !== want) out.push(`${name} is ${now[field] ?? '(not reported)'}, not ${want}`);
  }
  return out;
}

/**
 * Puts the recorded options back, reads them back, and only then marks the
 * instance rolled back (IMDS_GUARD_ROLLBACK=auto, or a person's
 * `imds-guard rollback`). Never throws; every step is in the report.
 */
export async function rollBack(ec2: Ec2, instanceId: string, previous: MetadataOptions, request: RollbackRequest): Promise<RollbackReport> {
  const report: RollbackReport = { ok: true, steps: [], outcome: 'failed' };
  const mark = (action: 'pending' | 'restored' | 'manual' | 'failed', extra: { final?: boolean; why?: string } = {}) =>
    tag(ec2, instanceId, { [ROLLED_BACK_TAG]: encodeMark({ ...request.evidence, at: request.at, action, ...(action === 'pending' || action === 'failed' ? { by: request.by } : {}), ...extra }) });
  const failed = async (why: string, final = false): Promise<RollbackReport> => {
    report.ok = false;
    report.outcome = final ? 'refused' : 'failed';
    report.why = why;
    await step(report, `CreateTags ${ROLLED_BACK_TAG} (failed)`, () => mark('failed', { why, ...(final ? { final: true } : {}) }));
    // Refused for good: the watch ends (tried once); `previous` stays so a person can restore once enforcement is off.
    if (final) await step(report, `DeleteTags ${FLIPPED_AT_TAG}`, () => untag(ec2, instanceId, OPEN_WATCH_TAGS));
    return report;
  };

  // A pending mark keeps sweeps from flipping the instance again meanwhile; the restore goes on even if it fails.
  await step(report, `CreateTags ${ROLLED_BACK_TAG} (pending)`, () => mark('pending'));
  const restore = `ModifyInstanceMetadataOptions ${describeOptions(previous)}`;
  try {
    await ec2.send(restoreRequest(instanceId, previous));
    report.steps.push(`${restore} ok`);
  } catch (error) {
    report.steps.push(`${restore} failed: ${errorText(error)}`);
    const code = awsCode(error);
    const message = describeError(error).message;
    const final = bareCode(code) === ENFORCEMENT_ERROR_CODE || isEnforcementRefusal(code, message);
    return failed(`AWS refused the restore (${errorText(error)})`, final);
  }

  let now: MetadataOptions;
  try {
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = described.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    if (!instance) throw new Error(`DescribeInstances did not return ${instanceId}`);
    now = metadataOptions(instance.MetadataOptions);
    report.steps.push('DescribeInstances (read back) ok');
  } catch (error) {
    report.steps.push(`DescribeInstances (read back) failed: ${errorText(error)}`);
    return failed(`the restore was sent but could not be read back (${errorText(error)})`);
  }
  const off = differences(previous, now);
  if (off.length > 0) return failed(`read back after the restore: ${off.join('; ')}`);

  report.outcome = 'restored';
  await step(report, `CreateTags ${ROLLED_BACK_TAG} (${request.by === 'manual' ? 'manual' : 'restored'})`, () => mark(request.by === 'manual' ? 'manual' : 'restored'));
  await step(report, 'DeleteTags (watch record)', () => untag(ec2, instanceId, WATCH_TAGS));
  return report;
}

/** IMDS_GUARD_ROLLBACK=alert: mark and report, keep the record so a person can still roll back. */
export async function markOnly(ec2: Ec2, instanceId: string, mark: RollbackMark): Promise<WriteReport> {
  const report: WriteReport = { ok: true, steps: [] };
  await step(report, `CreateTags ${ROLLED_BACK_TAG}`, () => tag(ec2, instanceId, { [ROLLED_BACK_TAG]: encodeMark(mark) }));
  return report;
}

/** The guard window passed without a rejected call: the change held. */
export async function clearWatch(ec2: Ec2, instanceId: string, now: Date): Promise<WriteReport> {
  const report: WriteReport = { ok: true, steps: [] };
  if (!(await step(report, `CreateTags ${VERIFIED_AT_TAG}`, () => tag(ec2, instanceId, { [VERIFIED_AT_TAG]: now.toISOString() })))) return report;
  // The record of the previous options stays: a person can still roll back by hand.
  await step(report, `DeleteTags ${FLIPPED_AT_TAG}`, () => untag(ec2, instanceId, OPEN_WATCH_TAGS));
  return report;
}

export function describeOptions(o: MetadataOptions): string {
  return [
    `HttpTokens=${o.httpTokens ?? '(unset)'}`,
    ...(o.httpPutResponseHopLimit !== undefined ? [`HttpPutResponseHopLimit=${o.httpPutResponseHopLimit}`] : []),
    ...(o.httpEndpoint !== undefined ? [`HttpEndpoint=${o.httpEndpoint}`] : []),
    ...(o.httpProtocolIpv6 !== undefined ? [`HttpProtocolIpv6=${o.httpProtocolIpv6}`] : []),
    ...(o.instanceMetadataTags !== undefined ? [`InstanceMetadataTags=${o.instanceMetadataTags}`] : []),
  ].join(', ');
}
