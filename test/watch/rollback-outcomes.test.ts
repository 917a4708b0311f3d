/**
 * A rollback is "rolled back" only when it happened: the restore went
 * through AND the options read back as recorded. Every other end (AWS
 * refused, throttled past the SDK's retries, the read-back differs or fails,
 * the account enforces IMDSv2) leaves a mark and texts that say "rollback
 * failed" with the AWS error, and never counts as a rollback. A refusal
 * because the account enforces IMDSv2 is tried once.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import type { Tags } from '../../shared/model.js';
import { createRejectedCalls } from '../../shared/watch/metrics.js';
import { runWatch, watchedOf, type WatchResult } from '../../shared/watch/index.js';
import { summarize } from '../../shared/watch/report.js';
import { decodeMark, encodeMark, encodePrevious, ROLLED_BACK_TAG, TAG_VALUE_MAX } from '../../shared/watch/tags.js';
import { instanceSubject, policy, REGION } from '../act/helpers.js';
import { ec2Error } from '../support/aws-errors.js';
import { mockedAws } from '../support/mocked-aws.js';

const { clients, ec2, writes } = mockedAws();
const cw = mockClient(CloudWatchClient);
const ID = 'i-0abc1234def567890';
const FLIP = new Date('2026-05-01T10:00:00.000Z');
const AT = new Date('2026-05-01T12:00:00.000Z');
const BEFORE = { httpTokens: 'optional', httpPutResponseHopLimit: 3, httpEndpoint: 'enabled' } as const;
const WATCHED: Tags = { 'imds-guard:flipped-at': FLIP.toISOString(), 'imds-guard:previous': encodePrevious(BEFORE, FLIP) };

/** EC2UserGuide, troubleshooting-launch "Launching an IMDSv1-enabled instance fails" and configuring-IMDS-existing-instances (same message for a modify). */
const ENFORCED_MESSAGE =
  "You can't launch instances with IMDSv1 because httpTokensEnforced is enabled for this account. Either launch the instance with httpTokens=required or " +
  'contact your account owner to disable httpTokensEnforced using the ModifyInstanceMetadataDefaults API or the account settings in the EC2 console.';

/** The instance's tags after every CreateTags/DeleteTags so far, starting from `start`. */
function tagsNow(start: Tags = WATCHED): Tags {
  const tags: Tags = { ...start };
  for (const call of ec2.calls()) {
    const cmd = call.args[0];
    if (cmd instanceof CreateTagsCommand) for (const t of cmd.input.Tags ?? []) tags[t.Key!] = t.Value ?? '';
    if (cmd instanceof DeleteTagsCommand) for (const t of cmd.input.Tags ?? []) delete tags[t.Key!];
  }
  return tags;
}

function rejectedCalls(): void {
  cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
    MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: [new Date('2026-05-01T10:10:00Z')], Values: [4], StatusCode: 'Complete' })),
  }));
}

async function watchOnce(tags: Tags = WATCHED, mode: 'enforce' | 'dry-run' = 'enforce'): Promise<WatchResult> {
  const [result] = await runWatch(
    { ec2: clients.ec2, rejectedCalls: createRejectedCalls(new CloudWatchClient({ region: REGION })), policy: policy({ mode, rollback: 'auto', guardWindowHours: 24 }), now: () => AT },
    [watchedOf({ InstanceId: ID, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })],
  );
  return result!;
}

/** What the instance's finding says with these tags. */
function findingText(tags: Tags): string {
  return evaluate(instanceSubject({ ref: { kind: 'instance', id: ID, account: '111122223333', region: REGION }, metadata: { ...BEFORE, httpTokens: 'required' }, tags }), policy(), AT)
    .checks.map((c) => c.reason)
    .join(' ');
}

beforeEach(() => {
  ec2.reset();
  cw.reset();
  ec2.on(CreateTagsCommand).resolves({});
  ec2.on(DeleteTagsCommand).resolves({});
  rejectedCalls();
});

describe('a refused restore never reads "rolled back"', () => {
  const refusals: [string, number, string][] = [
    ['UnauthorizedOperation', 403, 'You are not authorized to perform this operation.'],
    ['RequestLimitExceeded', 503, 'Request limit exceeded.'],
    ['InternalError', 500, 'An internal error has occurred.'],
    ['IncorrectInstanceState', 400, "The instance 'i-0abc1234def567890' is not in a state from which it can be modified."],
  ];
  for (const [name, status, message] of refusals) {
    it(`${name} (${status}): mark "failed" with the AWS error, the watch record kept for the retry, no rollback counted`, async () => {
      const refused = ec2Error(name, message);
      expect((refused as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(status);
      ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(refused);
      const result = await watchOnce();
      expect(result).toMatchObject({ action: 'rollback', rollback: 'failed', ok: false, wrote: true, firstSeen: true });
      expect(result.message).toContain(`rollback failed: AWS refused the restore (`);
      expect(result.message).toContain(`${name}: ${message}`);
      expect(result.message).not.toMatch(/rolled back to/);
      // pending mark, refused restore, failed mark; no read-back, no DeleteTags
      expect(writes()).toEqual(['CreateTags', 'ModifyInstanceMetadataOptions', 'CreateTags']);
      expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
      const tags = tagsNow();
      expect(tags['imds-guard:flipped-at']).toBe(FLIP.toISOString());
      const mark = decodeMark(tags[ROLLED_BACK_TAG]!);
      expect(mark).toMatchObject({ action: 'failed', by: 'watch', rejected: 4 });
      expect(mark.final).toBeUndefined();
      expect(mark.why).toContain(name);
      const text = findingText(tags);
      expect(text).toContain('Rollback by imds-guard failed at 2026-05-01T12:00:00.000Z: AWS refused the restore');
      expect(text).toContain('The watch tries the rollback again at its next run');
      expect(text).not.toMatch(/Rolled back/);
      expect(summarize([result])).toMatchObject({ breakages: 1, rolledBack: 0, rollbackFailures: 1, writeFailures: 1 });
    });
  }

  it('a restore EC2 accepts but that reads back different is a failed rollback, not a rolled-back one', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceId: ID });
    // An account or emulator that answers 200 and changes nothing.
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: ID, MetadataOptions: { State: 'applied', HttpTokens: 'required', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled' } }] }] });
    const result = await watchOnce();
    expect(result).toMatchObject({ rollback: 'failed', ok: false });
    expect(result.message).toContain('rollback failed: read back after the restore: HttpTokens is required, not optional');
    expect(decodeMark(tagsNow()[ROLLED_BACK_TAG]!)).toMatchObject({ action: 'failed', why: 'read back after the restore: HttpTokens is required, not optional' });
    expect(summarize([result]).rolledBack).toBe(0);
  });

  it('a read-back that fails is "not confirmed", never "rolled back"', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceId: ID });
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.'));
    const result = await watchOnce();
    expect(result.rollback).toBe('failed');
    expect(result.message).toContain('the restore was sent but could not be read back');
    expect(findingText(tagsNow())).not.toMatch(/Rolled back/);
  });

  it('when even the failed mark cannot be written, the pending mark stays and says the result was not recorded', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    ec2.on(CreateTagsCommand).resolvesOnce({}).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.'));
    const result = await watchOnce();
    expect(result.rollback).toBe('failed');
    expect(result.message).toMatch(/CreateTags imds-guard:rolled-back \(failed\) failed: .*RequestLimitExceeded/);
    // Only the first CreateTags (the pending mark) went through.
    const pending = ec2.commandCalls(CreateTagsCommand)[0]!.args[0].input.Tags![0]!.Value!;
    const text = findingText({ ...WATCHED, [ROLLED_BACK_TAG]: pending });
    expect(text).toContain('Rollback by imds-guard started at 2026-05-01T12:00:00.000Z, its result not recorded');
    expect(text).not.toMatch(/Rolled back/);
  });

  it('a retry of a failed rollback that now succeeds is "rolled back", and the breakage is not counted twice', async () => {
    const failedBefore = { ...WATCHED, [ROLLED_BACK_TAG]: encodeMark({ at: FLIP, action: 'failed', by: 'watch', why: 'AWS refused the restore (RequestLimitExceeded)' }) };
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceId: ID });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: ID, MetadataOptions: { State: 'pending', HttpTokens: 'optional', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled' } }] }] });
    const result = await watchOnce(failedBefore);
    expect(result).toMatchObject({ rollback: 'restored', ok: true, firstSeen: false });
    expect(summarize([result])).toMatchObject({ breakages: 0, rolledBack: 1, rollbackFailures: 0 });
    expect(findingText(tagsNow(failedBefore))).toContain('Rolled back by imds-guard at 2026-05-01T12:00:00.000Z: 4 rejected IMDSv1 calls');
  });
});

describe('a rollback AWS refuses because the account enforces IMDSv2 is tried once', () => {
  it('UnsupportedOperation: final mark, the watch ends, the finding says why and what a person must do', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(ec2Error('UnsupportedOperation', ENFORCED_MESSAGE));
    const first = await watchOnce();
    expect(first).toMatchObject({ action: 'rollback', rollback: 'refused', ok: false, wrote: true, firstSeen: true });
    expect(first.message).toContain('UnsupportedOperation');
    expect(first.message).toContain('imds-guard rollback --account-enforcement');
    // pending mark, refused restore, final mark, end of the watch (flipped-at only: the record stays for a person)
    expect(writes()).toEqual(['CreateTags', 'ModifyInstanceMetadataOptions', 'CreateTags', 'DeleteTags']);
    expect(ec2.commandCalls(DeleteTagsCommand)[0]!.args[0].input.Tags).toEqual([{ Key: 'imds-guard:flipped-at' }]);
    const tags = tagsNow();
    expect(tags['imds-guard:flipped-at']).toBeUndefined();
    expect(tags['imds-guard:previous']).toBe(WATCHED['imds-guard:previous']);
    expect(tags[ROLLED_BACK_TAG]!.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
    expect(decodeMark(tags[ROLLED_BACK_TAG]!)).toMatchObject({ action: 'failed', final: true, by: 'watch' });
    const text = findingText(tags);
    expect(text).toContain('Rollback by imds-guard failed at 2026-05-01T12:00:00.000Z: AWS refused the restore (');
    expect(text).toContain('A person must either update the software making IMDSv1 calls to IMDSv2, or switch enforcement off');
    expect(text).not.toContain('tries the rollback again');
    expect(text).not.toMatch(/Rolled back/);
    // The alarm's metric counts it once; it is not a write failure retried every run.
    expect(summarize([first])).toMatchObject({ breakages: 1, rolledBack: 0, rollbackFailures: 1, writeFailures: 0 });

    // Were the watch to find it again (its DeleteTags lost), it is not tried again and not counted again.
    ec2.resetHistory();
    const again = await watchOnce({ ...tags, 'imds-guard:flipped-at': FLIP.toISOString() });
    expect(again).toMatchObject({ action: 'skip', ok: true, wrote: false });
    expect(again.message).toContain('not retried; waiting for a person');
    expect(writes()).toEqual([]);
    expect(summarize([again])).toMatchObject({ breakages: 0, rollbackFailures: 0, writeFailures: 0 });
  });

  it('the SDK name alone is enough (the message may change)', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(ec2Error('UnsupportedOperation', 'The operation is not supported.'));
    expect((await watchOnce()).rollback).toBe('refused');
  });

  it('dry-run: judged and reported, zero writes', async () => {
    const result = await watchOnce(WATCHED, 'dry-run');
    expect(result).toMatchObject({ action: 'rollback', wrote: false });
    expect(result.message).toContain('would roll back to HttpTokens=optional');
    expect(result.rollback).toBeUndefined();
    expect(writes()).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('the mark', () => {
  it('keeps `why` last, free of separators, and within a tag value', () => {
    const value = encodeMark({ at: AT, action: 'failed', by: 'watch', final: true, rejected: 12, first: FLIP, last: AT, why: `x=1; ${'long '.repeat(100)}` });
    expect(value.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
    const mark = decodeMark(value);
    expect(mark).toMatchObject({ action: 'failed', by: 'watch', final: true, rejected: 12, first: FLIP, last: AT });
    expect(mark.why).toMatch(/^x=1, long long/);
    expect(mark.why!.endsWith('…')).toBe(true);
  });

  it('a person-edited or unknown mark still holds the instance, and says only that it is marked', () => {
    const tags = { [ROLLED_BACK_TAG]: 'keep off please' };
    const v = evaluate(instanceSubject({ tags }), policy(), AT);
    expect(v.checks[0]!.reason).toContain('Marked by imds-guard (imds-guard:rolled-back tag)');
    const plan = decide(v, policy(), { now: AT, usage: { noTokenCalls: 0, lookbackDays: 14 }, humanRequest: true });
    expect(plan.gates.find((g) => g.gate === 'not-rolled-back')).toMatchObject({ passed: false });
  });
});
