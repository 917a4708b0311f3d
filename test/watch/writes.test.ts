/**
 * The watch's writes, one function at a time over mocked EC2: which calls go
 * out, in which order, with which inputs, and what the report (the steps an
 * operator reads on the outcome) says of each. A rollback is "restored" only
 * after the options were read back as recorded, from the right instance.
 */
import { restoreOfRecorded } from '../support/watched.js';
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MetadataOptions } from '../../shared/model.js';
import { decodeMark, ROLLED_BACK_TAG } from '../../shared/watch/tags.js';
import { clearWatch, describeOptions, differences, forgetFlip, markOnly, rollBack, type RollbackRequest } from '../../shared/watch/writes.js';
import { ec2Error } from '../support/aws-errors.js';
import { mockedAws } from '../support/mocked-aws.js';

const { clients, ec2, writes } = mockedAws();
const ID = 'i-0abc1234def567890';
const AT = new Date('2026-05-01T12:00:00.000Z');
const FIRST = new Date('2026-05-01T10:10:00.000Z');
const LAST = new Date('2026-05-01T11:40:00.000Z');
const BY_WATCH: RollbackRequest = { at: AT, by: 'watch', evidence: { rejected: 4, first: FIRST, last: LAST } };
const BY_PERSON: RollbackRequest = { at: AT, by: 'manual' };
/** Every option recorded, none of them a default. */
const EVERY: MetadataOptions = { httpTokens: 'optional', httpPutResponseHopLimit: 3, httpEndpoint: 'enabled', httpProtocolIpv6: 'enabled', instanceMetadataTags: 'enabled' };
const EVERY_TEXT = 'HttpTokens=optional, HttpPutResponseHopLimit=3, HttpEndpoint=enabled, HttpProtocolIpv6=enabled, InstanceMetadataTags=enabled';
const DENIED = () => ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.');
const THROTTLED = () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.');

/** DescribeInstances answers the instance with these options (EC2's field names). */
function readsBack(options: Record<string, unknown>): void {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: ID, MetadataOptions: { State: 'applied', ...options } }] }] });
}

/** The rolled-back marks written, in order, decoded. */
function marks() {
  return ec2
    .commandCalls(CreateTagsCommand)
    .map((c) => c.args[0].input.Tags ?? [])
    .filter((tags) => tags.some((t) => t.Key === ROLLED_BACK_TAG))
    .map((tags) => decodeMark(tags.find((t) => t.Key === ROLLED_BACK_TAG)!.Value!));
}

const deleted = (n: number) => ec2.commandCalls(DeleteTagsCommand)[n]!.args[0].input;

beforeEach(() => {
  ec2.reset();
  ec2.on(CreateTagsCommand).resolves({});
  ec2.on(DeleteTagsCommand).resolves({});
  ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceId: ID });
});

describe('forgetFlip: the flip record is removed after the flip failed', () => {
  it('deletes both watch tags and reports it', async () => {
    const report = await forgetFlip(clients.ec2, ID);
    expect(report).toEqual({ ok: true, steps: ['DeleteTags (watch record) ok'] });
    expect(deleted(0)).toEqual({ Resources: [ID], Tags: [{ Key: 'imds-guard:flipped-at' }, { Key: 'imds-guard:previous' }] });
  });

  it('a DeleteTags that fails makes the report not ok, with the AWS error', async () => {
    ec2.on(DeleteTagsCommand).rejects(DENIED());
    const report = await forgetFlip(clients.ec2, ID);
    expect(report.ok).toBe(false);
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0]).toMatch(/^DeleteTags \(watch record\) failed: .*UnauthorizedOperation/);
  });
});

describe('rollBack: restored only when read back as recorded', () => {
  it('by the watch: pending mark, every recorded option sent, read back, mark "restored", watch record removed', async () => {
    readsBack({ HttpTokens: 'optional', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'enabled', InstanceMetadataTags: 'enabled' });
    const report = await rollBack(clients.ec2, ID, EVERY, BY_WATCH);
    expect(report).toEqual({
      ok: true,
      outcome: 'restored',
      steps: [
        'CreateTags imds-guard:rolled-back (pending) ok',
        `ModifyInstanceMetadataOptions ${EVERY_TEXT} ok`,
        'DescribeInstances (read back) ok',
        'CreateTags imds-guard:rolled-back (restored) ok',
        'DeleteTags (watch record) ok',
      ],
    });
    expect(writes()).toEqual(['CreateTags', 'ModifyInstanceMetadataOptions', 'CreateTags', 'DeleteTags']);
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)[0]!.args[0].input).toEqual(restoreOfRecorded(ID));
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: [ID] });
    expect(marks()).toEqual([
      { at: AT, action: 'pending', by: 'watch', rejected: 4, first: FIRST, last: LAST },
      { at: AT, action: 'restored', rejected: 4, first: FIRST, last: LAST },
    ]);
    expect(ec2.commandCalls(CreateTagsCommand).every((c) => c.args[0].input.Resources?.join() === ID)).toBe(true);
    expect(deleted(0)).toEqual({ Resources: [ID], Tags: [{ Key: 'imds-guard:flipped-at' }, { Key: 'imds-guard:previous' }] });
  });

  it('by a person (`imds-guard rollback`): the mark says "manual", not "restored"', async () => {
    readsBack({ HttpTokens: 'optional', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'enabled', InstanceMetadataTags: 'enabled' });
    const report = await rollBack(clients.ec2, ID, EVERY, BY_PERSON);
    expect(report.outcome).toBe('restored');
    expect(report.steps).toContain('CreateTags imds-guard:rolled-back (manual) ok');
    expect(report.steps).not.toContain('CreateTags imds-guard:rolled-back (restored) ok');
    expect(marks()).toEqual([
      { at: AT, action: 'pending', by: 'manual' },
      { at: AT, action: 'manual' },
    ]);
  });

  it('a record of HttpTokens alone restores HttpTokens alone, and an instance reporting its own other options reads back as restored', async () => {
    readsBack({ HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'disabled', InstanceMetadataTags: 'disabled' });
    const report = await rollBack(clients.ec2, ID, { httpTokens: 'optional' }, BY_WATCH);
    expect(report).toMatchObject({ ok: true, outcome: 'restored' });
    expect(report.steps[1]).toBe('ModifyInstanceMetadataOptions HttpTokens=optional ok');
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)[0]!.args[0].input).toEqual({ InstanceId: ID, HttpTokens: 'optional' });
  });

  it('the restored mark that cannot be written makes the report not ok, and the watch record is still removed', async () => {
    readsBack({ HttpTokens: 'optional', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'enabled', InstanceMetadataTags: 'enabled' });
    ec2.on(CreateTagsCommand).resolvesOnce({}).rejects(THROTTLED());
    const report = await rollBack(clients.ec2, ID, EVERY, BY_WATCH);
    expect(report).toMatchObject({ ok: false, outcome: 'restored' });
    expect(report.steps[3]).toMatch(/^CreateTags imds-guard:rolled-back \(restored\) failed: .*RequestLimitExceeded/);
    expect(report.steps[4]).toBe('DeleteTags (watch record) ok');
  });

  it('a refused restore: mark "failed" by the watch with the AWS error, the watch record kept, no read-back', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(DENIED());
    const report = await rollBack(clients.ec2, ID, EVERY, BY_WATCH);
    expect(report).toMatchObject({ ok: false, outcome: 'failed', why: expect.stringMatching(/^AWS refused the restore \(.*UnauthorizedOperation: You are not authorized/) });
    expect(report.steps).toHaveLength(3);
    expect(report.steps[0]).toBe('CreateTags imds-guard:rolled-back (pending) ok');
    expect(report.steps[1]).toMatch(new RegExp(`^ModifyInstanceMetadataOptions ${EVERY_TEXT} failed: .*UnauthorizedOperation`));
    expect(report.steps[2]).toBe('CreateTags imds-guard:rolled-back (failed) ok');
    expect(writes()).toEqual(['CreateTags', 'ModifyInstanceMetadataOptions', 'CreateTags']);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
    expect(marks()[1]).toMatchObject({ action: 'failed', by: 'watch', rejected: 4 });
    expect(marks()[1]!.final).toBeUndefined();
    expect(marks()[1]!.why).toContain('UnauthorizedOperation');
  });

  it('the restore goes on when the pending mark cannot be written', async () => {
    readsBack({ HttpTokens: 'optional', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'enabled', InstanceMetadataTags: 'enabled' });
    ec2.on(CreateTagsCommand).rejectsOnce(THROTTLED()).resolves({});
    const report = await rollBack(clients.ec2, ID, EVERY, BY_WATCH);
    expect(report).toMatchObject({ ok: false, outcome: 'restored' });
    expect(report.steps[0]).toMatch(/^CreateTags imds-guard:rolled-back \(pending\) failed: .*RequestLimitExceeded/);
    expect(report.steps.slice(1)).toEqual([`ModifyInstanceMetadataOptions ${EVERY_TEXT} ok`, 'DescribeInstances (read back) ok', 'CreateTags imds-guard:rolled-back (restored) ok', 'DeleteTags (watch record) ok']);
  });

  it('refused because the account enforces IMDSv2: mark "failed" and final, flipped-at removed, `previous` kept for a person', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(ec2Error('UnsupportedOperation', "You can't launch instances with IMDSv1 because httpTokensEnforced is enabled for this account."));
    const report = await rollBack(clients.ec2, ID, EVERY, BY_PERSON);
    expect(report).toMatchObject({ ok: false, outcome: 'refused', why: expect.stringContaining('UnsupportedOperation') });
    expect(report.steps.slice(2)).toEqual(['CreateTags imds-guard:rolled-back (failed) ok', 'DeleteTags imds-guard:flipped-at ok']);
    expect(deleted(0)).toEqual({ Resources: [ID], Tags: [{ Key: 'imds-guard:flipped-at' }] });
    expect(marks()[1]).toMatchObject({ action: 'failed', final: true, by: 'manual' });
  });

  it('a final refusal whose DeleteTags fails says so', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(ec2Error('UnsupportedOperation', 'The operation is not supported.'));
    ec2.on(DeleteTagsCommand).rejects(DENIED());
    const report = await rollBack(clients.ec2, ID, EVERY, BY_WATCH);
    expect(report.outcome).toBe('refused');
    expect(report.steps[3]).toMatch(/^DeleteTags imds-guard:flipped-at failed: .*UnauthorizedOperation/);
  });

  it('a read-back that differs names every option that is not as recorded, and is a failed rollback', async () => {
    readsBack({ HttpTokens: 'required', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'disabled' });
    const report = await rollBack(clients.ec2, ID, EVERY, BY_WATCH);
    expect(report).toMatchObject({ ok: false, outcome: 'failed' });
    expect(report.why).toBe(
      'read back after the restore: HttpTokens is required, not optional; HttpProtocolIpv6 is disabled, not enabled; InstanceMetadataTags is (not reported), not enabled',
    );
    expect(report.steps.slice(2)).toEqual(['DescribeInstances (read back) ok', 'CreateTags imds-guard:rolled-back (failed) ok']);
    expect(writes()).toEqual(['CreateTags', 'ModifyInstanceMetadataOptions', 'CreateTags']);
    expect(marks()[1]).toMatchObject({ action: 'failed', by: 'watch' });
  });

  it('a read-back that fails: "sent but could not be read back", with the AWS error', async () => {
    ec2.on(DescribeInstancesCommand).rejects(THROTTLED());
    const report = await rollBack(clients.ec2, ID, EVERY, BY_WATCH);
    expect(report).toMatchObject({ ok: false, outcome: 'failed', why: expect.stringMatching(/^the restore was sent but could not be read back \(.*RequestLimitExceeded/) });
    expect(report.steps[2]).toMatch(/^DescribeInstances \(read back\) failed: .*RequestLimitExceeded/);
    expect(report.steps[3]).toBe('CreateTags imds-guard:rolled-back (failed) ok');
  });

  const missing: [string, object][] = [
    ['no reservations at all', {}],
    ['no reservation', { Reservations: [] }],
    ['a reservation without instances', { Reservations: [{ ReservationId: 'r-0123456789abcdef0' }] }],
    ['only another instance', { Reservations: [{ Instances: [{ InstanceId: 'i-0fff0000eeee11112', MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'enabled', InstanceMetadataTags: 'enabled' } }] }] }],
  ];
  for (const [what, reply] of missing) {
    it(`a read-back answering ${what} does not confirm the restore`, async () => {
      ec2.on(DescribeInstancesCommand).resolves(reply);
      const report = await rollBack(clients.ec2, ID, EVERY, BY_WATCH);
      expect(report).toMatchObject({ ok: false, outcome: 'failed', why: `the restore was sent but could not be read back (DescribeInstances did not return ${ID})` });
      expect(report.steps[2]).toBe(`DescribeInstances (read back) failed: DescribeInstances did not return ${ID}`);
    });
  }
});

describe('differences: the recorded options the instance does not have', () => {
  it('only recorded options count; a missing one is "(not reported)"', () => {
    expect(differences({ httpTokens: 'optional' }, { httpTokens: 'optional', httpPutResponseHopLimit: 2 })).toEqual([]);
    expect(differences({ httpTokens: 'optional', httpEndpoint: 'enabled' }, { httpTokens: 'required' })).toEqual([
      'HttpTokens is required, not optional',
      'HttpEndpoint is (not reported), not enabled',
    ]);
  });
});

describe('markOnly: IMDS_GUARD_ROLLBACK=alert marks the instance and keeps the record', () => {
  it('one CreateTags of the mark, nothing deleted', async () => {
    const report = await markOnly(clients.ec2, ID, { at: AT, action: 'alert', rejected: 4, first: FIRST, last: LAST });
    expect(report).toEqual({ ok: true, steps: ['CreateTags imds-guard:rolled-back ok'] });
    expect(writes()).toEqual(['CreateTags']);
    expect(marks()).toEqual([{ at: AT, action: 'alert', rejected: 4, first: FIRST, last: LAST }]);
  });

  it('a mark that cannot be written makes the report not ok', async () => {
    ec2.on(CreateTagsCommand).rejects(DENIED());
    const report = await markOnly(clients.ec2, ID, { at: AT, action: 'alert' });
    expect(report.ok).toBe(false);
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0]).toMatch(/^CreateTags imds-guard:rolled-back failed: .*UnauthorizedOperation/);
  });
});

describe('clearWatch: the change held', () => {
  it('verified-at written, then flipped-at removed; `previous` stays for a manual rollback', async () => {
    const report = await clearWatch(clients.ec2, ID, AT);
    expect(report).toEqual({ ok: true, steps: ['CreateTags imds-guard:verified-at ok', 'DeleteTags imds-guard:flipped-at ok'] });
    expect(writes()).toEqual(['CreateTags', 'DeleteTags']);
    expect(ec2.commandCalls(CreateTagsCommand)[0]!.args[0].input).toEqual({ Resources: [ID], Tags: [{ Key: 'imds-guard:verified-at', Value: AT.toISOString() }] });
    expect(deleted(0)).toEqual({ Resources: [ID], Tags: [{ Key: 'imds-guard:flipped-at' }] });
  });

  it('when verified-at cannot be written, the watch stays open: flipped-at is not removed', async () => {
    ec2.on(CreateTagsCommand).rejects(THROTTLED());
    const report = await clearWatch(clients.ec2, ID, AT);
    expect(report.ok).toBe(false);
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0]).toMatch(/^CreateTags imds-guard:verified-at failed: .*RequestLimitExceeded/);
    expect(writes()).toEqual(['CreateTags']);
  });

  it('a DeleteTags that fails makes the report not ok', async () => {
    ec2.on(DeleteTagsCommand).rejects(DENIED());
    const report = await clearWatch(clients.ec2, ID, AT);
    expect(report.ok).toBe(false);
    expect(report.steps[1]).toMatch(/^DeleteTags imds-guard:flipped-at failed: .*UnauthorizedOperation/);
  });
});

describe('describeOptions: the options in the words of the API', () => {
  it('every option set', () => {
    expect(describeOptions(EVERY)).toBe(EVERY_TEXT);
  });

  it('only what is set; HttpTokens always, "(unset)" when not set', () => {
    expect(describeOptions({})).toBe('HttpTokens=(unset)');
    expect(describeOptions({ httpTokens: 'optional', httpEndpoint: 'disabled' })).toBe('HttpTokens=optional, HttpEndpoint=disabled');
    expect(describeOptions({ httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' })).toBe('HttpTokens=required, HttpPutResponseHopLimit=1, InstanceMetadataTags=disabled');
    expect(describeOptions({ httpProtocolIpv6: 'enabled' })).toBe('HttpTokens=(unset), HttpProtocolIpv6=enabled');
  });
});
