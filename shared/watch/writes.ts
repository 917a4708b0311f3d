/**
 * Edge: the writes of the watch, each a short sequence ordered so that no
 * write is ever left unreported or unrecorded:
 *
 * - flip:     CreateTags(flipped-at, previous) → ModifyInstanceMetadataOptions.
 *             The record comes first: a flip without a record could never be
 *             rolled back exactly. If the modify fails, the record is removed
 *             again (DeleteTags); if even that fails, the outcome says so, and
 *             the watch later finds a record with no breakage and clears it.
 * - rollback: CreateTags(rolled-back mark) → ModifyInstanceMetadataOptions
 *             (every recorded option) → DeleteTags(flipped-at, previous).
 *             The mark first, so no sweep flips the instance again while the
 *             restore is under way; a failed restore keeps the watch tags, so
 *             the next watch run retries it.
 * - clear:    CreateTags(verified-at) → DeleteTags(flipped-at); `previous`
 *             stays, so `imds-guard rollback` can restore by hand later.
 *
 * Every step's result is in the returned report; callers put it on the outcome.
 */
import { CreateTagsCommand, DeleteTagsCommand, ModifyInstanceMetadataOptionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { errorText } from '../errors.js';
import type { MetadataOptions } from '../model.js';
import { encodeMark, encodePrevious, FLIPPED_AT_TAG, OPEN_WATCH_TAGS, PREVIOUS_TAG, ROLLED_BACK_TAG, VERIFIED_AT_TAG, WATCH_TAGS, type RollbackMark } from './tags.js';

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

/** ModifyInstanceMetadataOptions with every option given (the API only changes what it is sent). */
export function restoreRequest(instanceId: string, previous: MetadataOptions): ModifyInstanceMetadataOptionsCommand {
  return new ModifyInstanceMetadataOptionsCommand({
    InstanceId: instanceId,
    ...(previous.httpTokens !== undefined ? { HttpTokens: previous.httpTokens } : {}),
    ...(previous.httpPutResponseHopLimit !== undefined ? { HttpPutResponseHopLimit: previous.httpPutResponseHopLimit } : {}),
    ...(previous.httpEndpoint !== undefined ? { HttpEndpoint: previous.httpEndpoint } : {}),
    ...(previous.httpProtocolIpv6 !== undefined ? { HttpProtocolIpv6: previous.httpProtocolIpv6 } : {}),
    ...(previous.instanceMetadataTags !== undefined ? { InstanceMetadataTags: previous.instanceMetadataTags } : {}),
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

/** Puts the recorded options back and marks the instance (IMDS_GUARD_ROLLBACK=auto, or a person's `imds-guard rollback`). */
export async function rollBack(ec2: Ec2, instanceId: string, previous: MetadataOptions, mark: RollbackMark): Promise<WriteReport> {
  const report: WriteReport = { ok: true, steps: [] };
  if (!(await step(report, `CreateTags ${ROLLED_BACK_TAG}`, () => tag(ec2, instanceId, { [ROLLED_BACK_TAG]: encodeMark(mark) })))) return report;
  if (!(await step(report, `ModifyInstanceMetadataOptions ${describeOptions(previous)}`, () => ec2.send(restoreRequest(instanceId, previous))))) return report;
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
