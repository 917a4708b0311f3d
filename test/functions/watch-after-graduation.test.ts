/**
 * The watch after graduation end to end through the Lambda entry points:
 * a real-shaped refused-launch event reaches the watch function, which reads
 * the record in the state bucket, switches enforcement off, reads it back and
 * writes the mark; the switch-off's own CloudTrail call then reaches the
 * events function, whose account-default finding says "enforcement rolled
 * back" with the evidence. Mocked EC2, S3 and Security Hub; SDK v3 shapes.
 */
import { readFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client, GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchImportFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyRecord, encodeRecord, graduate, type EnforcementRecord } from '../../shared/watch/account/record.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const BUCKET = 'imds-guard-member-statebucket-1a2b3c4d5e6f';
const KEY = `imds-guard/state/${ACCOUNT}/${REGION}/enforcement.json`;
const context = { invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:imds-guard-watch` } as Context;
const fixture = (path: string): Record<string, any> => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));

const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);
const securityHub = mockClient(SecurityHubClient);
const cloudWatch = mockClient(CloudWatchClient);

type Handler = { handler: (event: unknown, context: Context) => Promise<Record<string, any>> };
async function load(name: 'watch' | 'events'): Promise<Handler> {
  vi.resetModules();
  return (name === 'watch' ? await import('../../functions/watch.js') : await import('../../functions/events.js')) as unknown as Handler;
}

/** S3 holding one object that PutObject replaces. */
let stored: string | undefined;
function bucket(initial: EnforcementRecord | undefined): void {
  stored = initial ? encodeRecord(initial) : undefined;
  s3.on(GetObjectCommand, { Bucket: BUCKET, Key: KEY }).callsFake(() => ({ Body: { transformToString: async () => stored } }));
  s3.on(PutObjectCommand, { Bucket: BUCKET, Key: KEY }).callsFake((input: { Body: string }) => {
    stored = input.Body;
    return {};
  });
}

/** EC2's account defaults: ModifyInstanceMetadataDefaults changes what Get answers. */
let enforced: 'enabled' | 'disabled';
function defaults(): void {
  enforced = 'enabled';
  ec2.on(GetInstanceMetadataDefaultsCommand).callsFake(() => ({ AccountLevel: { HttpTokens: 'required', HttpTokensEnforced: enforced, ManagedBy: 'account' } }));
  ec2.on(ModifyInstanceMetadataDefaultsCommand).callsFake((input: { HttpTokensEnforced?: 'enabled' | 'disabled' }) => {
    if (input.HttpTokensEnforced) enforced = input.HttpTokensEnforced;
    return { Return: true };
  });
}

const GRADUATED = graduate(emptyRecord(ACCOUNT, REGION), { at: '2026-05-01T10:00:00.000Z', by: 'imds-guard (enforce mode, scheduled sweep)', windowHours: 24 });

beforeEach(() => {
  for (const m of [ec2, s3, securityHub, cloudWatch]) m.reset();
  vi.stubEnv('IMDS_GUARD_STATE_BUCKET', BUCKET);
  vi.stubEnv('IMDS_GUARD_MODE', 'enforce');
  securityHub.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  defaults();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('a launch refused inside the guard window, end to end', () => {
  it('the watch switches enforcement off and marks the account-region; the events function\'s finding then says "enforcement rolled back"', async () => {
    bucket(GRADUATED);
    const watch = await load('watch');
    const result = await watch.handler(fixture('cloudtrail/RunInstances-refused-enforced-autoscaling.json'), context);
    expect(result).toMatchObject({ status: 'done', account: { action: 'rolled-back', rolledBack: true, breakage: true, refused: 1 } });
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand).map((c) => c.args[0].input)).toEqual([{ HttpTokensEnforced: 'disabled' }]);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => JSON.parse(String(c.args[0].input.Body)) as EnforcementRecord);
    expect(puts.map((p) => p.mark?.action)).toEqual(['pending', 'disabled']);
    expect(puts[1]!.refused).toMatchObject({ count: 1, first: { source: 'group web-asg, launch template lt-03a70e6a9f2f6657d (version 1)' } });

    // The switch-off's own CloudTrail record reaches the events function (our own change: judged and published, never acted on).
    const events = await load('events');
    const own = fixture('cloudtrail/ModifyInstanceMetadataDefaults.json');
    own.detail.userIdentity.sessionContext.sessionIssuer.arn = `arn:aws:iam::${ACCOUNT}:role/imds-guard/imds-guard-member-WatchRole-1A2B3C`;
    await events.handler(own, { invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:imds-guard-events` } as Context);
    const findings = securityHub.commandCalls(BatchImportFindingsCommand).flatMap((c) => c.args[0].input.Findings ?? []) as AwsSecurityFinding[];
    const accountDefault = findings.find((f) => f.Id === `imds-guard/${REGION}/${ACCOUNT}/account-defaults/${ACCOUNT}/imdsv2`);
    expect(accountDefault?.Description).toContain('IMDSv2 enforcement rolled back by imds-guard at');
    expect(accountDefault?.Description).toContain('1 launch refused by HttpTokensEnforced');
    expect(accountDefault?.Description).toContain('first at 2026-05-01T11:00:00Z');
    expect(accountDefault?.Description).toContain('No new graduation until a person clears the mark');
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)).toHaveLength(1);
  });

  it('IMDS_GUARD_ROLLBACK=alert marks and reports only', async () => {
    vi.stubEnv('IMDS_GUARD_ROLLBACK', 'alert');
    bucket(GRADUATED);
    const watch = await load('watch');
    const result = await watch.handler(fixture('eventbridge/autoscaling-launch-unsuccessful-enforced.json'), context);
    expect(result).toMatchObject({ account: { action: 'alerted', rolledBack: false, breakage: true } });
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)).toHaveLength(0);
    expect((JSON.parse(stored!) as EnforcementRecord).mark?.action).toBe('alert');
  });

  it('a launch that failed for another reason costs no AWS call', async () => {
    bucket(GRADUATED);
    const watch = await load('watch');
    expect(await watch.handler(fixture('eventbridge/autoscaling-launch-unsuccessful-capacity.json'), context)).toMatchObject({ status: 'ignored' });
    expect([...ec2.calls(), ...s3.calls(), ...securityHub.calls()]).toHaveLength(0);
  });

  it('the scheduled run after a clean window closes it (the graduation held)', async () => {
    bucket({ ...GRADUATED, graduated: { ...GRADUATED.graduated!, at: new Date(Date.now() - 30 * 3_600_000).toISOString() } });
    const watch = await load('watch');
    const result = await watch.handler({ 'detail-type': 'Scheduled Event', source: 'aws.events' }, context);
    expect(result).toMatchObject({ status: 'done', account: { action: 'held', wrote: true } });
    expect((JSON.parse(stored!) as EnforcementRecord).heldAt).toBeDefined();
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)).toHaveLength(0);
  });
});
