/**
 * `imds-guard fix --enforce-account`: AWS's own enforcement on the account
 * default, by hand, with the pipeline's gate (only where the account-region
 * is `ready`, never where a declarative policy manages it); and the stage in
 * `scan`'s JSON.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand, type InstanceMetadataDefaultsResponse } from '@aws-sdk/client-ec2';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { FixReport } from '../../cli/fix.js';
import type { ScanReport } from '../../cli/scan.js';
import { decodeRecord } from '../../shared/watch/account/record.js';
import { awsError } from '../support/aws-errors.js';
import { ACCOUNT, mockEstate, readyEstate, restore, run, smallEstate, type Mocks } from './harness.js';

const s3 = mockClient(S3Client);
const cfn = mockClient(CloudFormationClient);
const BUCKET = 'imds-guard-member-statebucket-1a2b3c4d5e6f';
const KEY = `imds-guard/state/${ACCOUNT}/us-east-1/enforcement.json`;

let mocks: Mocks | undefined;
beforeEach(() => {
  s3.reset();
  cfn.reset();
  // No imds-guard stack unless a test says so: the graduation cannot be recorded.
  cfn.on(DescribeStacksCommand).resolves({ Stacks: [] });
  s3.on(GetObjectCommand, { Bucket: BUCKET, Key: KEY }).rejects(awsError('S3', 'NoSuchKey', 'The specified key does not exist.'));
  s3.on(PutObjectCommand, { Bucket: BUCKET, Key: KEY }).resolves({});
});
afterEach(() => {
  if (mocks) restore(mocks);
  mocks = undefined;
});

const flat = (text: string): string => text.replace(/\s+/g, ' ');

/** The account default as EC2 keeps it: ModifyInstanceMetadataDefaults changes what GetInstanceMetadataDefaults answers. */
function statefulDefaults(m: Mocks, start: InstanceMetadataDefaultsResponse): { sent: () => unknown[] } {
  let state = { ...start };
  m.ec2.on(GetInstanceMetadataDefaultsCommand).callsFake(() => ({ AccountLevel: state }));
  m.ec2.on(ModifyInstanceMetadataDefaultsCommand).callsFake((input: Record<string, unknown>) => {
    state = { ...state, ...(input as InstanceMetadataDefaultsResponse) };
    return { Return: true };
  });
  return { sent: () => m.ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand).map((c) => c.args[0].input) };
}

describe('imds-guard fix --enforce-account', () => {
  it('--dry-run in a ready account-region: plans HttpTokensEnforced and makes no write', async () => {
    mocks = mockEstate({ 'us-east-1': readyEstate() });
    const r = await run(['fix', '--enforce-account', '--dry-run', '--output', 'json']);
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)).toHaveLength(0);
    const report = JSON.parse(r.stdout) as FixReport;
    // Only the account default is planned; the other kinds were read for the stage.
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ kind: 'account-defaults', status: 'planned', stage: 'ready', blockers: [] });
    expect(report.rows[0]?.message).toContain('with HttpTokensEnforced');
  });

  it('switches enforcement on in a ready account-region, and reads it back', async () => {
    mocks = mockEstate({ 'us-east-1': readyEstate() });
    const ec2 = statefulDefaults(mocks, readyEstate().accountDefaults!);
    const r = await run(['fix', '--enforce-account', '--yes']);
    expect(ec2.sent()).toEqual([{ HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpTokensEnforced: 'enabled' }]);
    expect(flat(r.stdout)).toMatch(/FIXED account-defaults 111122223333/);
    expect(flat(r.stdout)).toContain('HttpTokensEnforced=enabled');
    expect(r.code).toBe(0);
    // No state bucket and no imds-guard stack here: said before and in the outcome, nothing recorded.
    expect(r.stderr).toContain('us-east-1: a graduation here will not be watched: no imds-guard stack in us-east-1');
    expect(flat(r.stdout)).toContain('NOT watched after graduation');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('records the graduation in the region\'s state bucket before the switch, so the member stack\'s watch follows it', async () => {
    mocks = mockEstate({ 'us-east-1': readyEstate() });
    const ec2 = statefulDefaults(mocks, readyEstate().accountDefaults!);
    const r = await run(['fix', '--enforce-account', '--yes', '--output', 'json'], { env: { IMDS_GUARD_STATE_BUCKET: BUCKET } });
    expect(ec2.sent()).toHaveLength(1);
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const decoded = decodeRecord(String(puts[0]!.args[0].input.Body), ACCOUNT, 'us-east-1');
    expect('record' in decoded && decoded.record.graduated).toMatchObject({ by: expect.stringContaining('imds-guard fix (CLI'), windowHours: 24 });
    const message = (JSON.parse(r.stdout) as FixReport).rows[0]?.message;
    expect(message).toContain(`graduation recorded in s3://${BUCKET}/${KEY}`);
    expect(message).not.toContain('NOT watched');
    expect(r.code).toBe(0);
  });

  it('is refused where the account-region is not ready, and the plan names the blockers', async () => {
    const estate = smallEstate();
    estate.accountDefaults = { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpTokensEnforced: 'disabled' };
    mocks = mockEstate({ 'us-east-1': estate });
    const r = await run(['fix', '--enforce-account', '--yes']);
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)).toHaveLength(0);
    const text = flat(r.stdout);
    expect(text).toMatch(/SKIP account-defaults 111122223333/);
    expect(text).toContain('refused: the account-region is not ready');
    // web-template's default version allows IMDSv1, and web-1 made IMDSv1 calls: named with their ids.
    expect(text).toContain('lt-0123456789abcdef0');
    expect(text).toContain('i-0a1b2c3d4e5f60718');
    expect(text).toMatch(/stage exposed, \d+ blockers/);
    expect(r.code).toBe(1);
  });

  it('never where a declarative policy manages the default, even when ready', async () => {
    const estate = readyEstate();
    estate.accountDefaults = { ...estate.accountDefaults, ManagedBy: 'declarative-policy', ManagedExceptionMessage: 'Contact the platform team' };
    mocks = mockEstate({ 'us-east-1': estate });
    const r = await run(['fix', '--enforce-account', '--yes', '--output', 'json']);
    expect(mocks.ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)).toHaveLength(0);
    const report = JSON.parse(r.stdout) as FixReport;
    expect(report.rows[0]).toMatchObject({ kind: 'account-defaults', status: 'skipped', stage: 'managed', blockedBy: ['enforcement-ready'] });
    expect(report.rows[0]?.message).toContain('Contact the platform team');
  });

  it('does not go with --kind: the stage needs every kind', async () => {
    const r = await run(['fix', '--enforce-account', '--kind', 'instance', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--enforce-account reads every kind');
  });
});

describe('the stage in scan', () => {
  it('JSON: the account default row carries the stage and its blockers; one extra GetMetricData, the SEARCH', async () => {
    mocks = mockEstate({ 'us-east-1': readyEstate() });
    const r = await run(['scan', '--output', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    const row = report.rows.find((x) => x.kind === 'account-defaults');
    expect(row).toMatchObject({ stage: 'ready', blockers: 0, blockerDetails: [] });
    expect(row?.stageReason).toContain('1 running instance still allow IMDSv1');
    expect(report.rows.filter((x) => x.stage !== undefined)).toHaveLength(1);
    const searches = mocks.cloudWatch.commandCalls(GetMetricDataCommand).filter((c) => c.args[0].input.MetricDataQueries?.[0]?.Expression !== undefined);
    expect(searches).toHaveLength(1);
  });

  it('a scan of some kinds only says the stage is unknown and spends no look-up on it', async () => {
    mocks = mockEstate({ 'us-east-1': readyEstate() });
    const r = await run(['scan', '--kind', 'account-defaults', '--output', 'json']);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.rows[0]).toMatchObject({ stage: 'unknown' });
    expect(report.rows[0]?.stageReason).toContain('instances');
    expect(mocks.cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});
