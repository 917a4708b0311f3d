/** `imds-guard rollback --account-enforcement` end to end: plan, switch-off, read-back, the mark, and where the mark goes. */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../cli/args/parse.js';
import { emptyRecord, encodeRecord, graduate, graduationHeld, type EnforcementRecord } from '../../shared/watch/account/record.js';
import { ACCOUNT, mockEstate, restore, run, smallEstate, type Mocks } from './harness.js';
import { awsError } from '../support/aws-errors.js';

const s3 = mockClient(S3Client);
const cfn = mockClient(CloudFormationClient);
const BUCKET = 'imds-guard-member-statebucket-1a2b3c4d5e6f';
const KEY = `imds-guard/state/${ACCOUNT}/us-east-1/enforcement.json`;

let mocks: Mocks | undefined;
let stored: string | undefined;
let enforced: 'enabled' | 'disabled';

beforeEach(() => {
  s3.reset();
  cfn.reset();
  stored = encodeRecord(graduate(emptyRecord(ACCOUNT, 'us-east-1'), { at: '2026-05-01T10:00:00.000Z', by: 'imds-guard (enforce mode, scheduled sweep)', windowHours: 24 }));
  s3.on(GetObjectCommand, { Bucket: BUCKET, Key: KEY }).callsFake(() => {
    if (stored === undefined) throw awsError('S3', 'NoSuchKey', 'The specified key does not exist.');
    return { Body: { transformToString: async () => stored } };
  });
  s3.on(PutObjectCommand, { Bucket: BUCKET, Key: KEY }).callsFake((input: { Body: string }) => {
    stored = input.Body;
    return {};
  });
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      { StackName: 'some-other-stack', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date('2026-01-01T00:00:00Z') },
      {
        StackName: 'StackSet-imds-guard-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-01-01T00:00:00Z'),
        Outputs: [{ OutputKey: 'StateBucketName', OutputValue: BUCKET }],
      },
    ],
  });
  mocks = mockEstate({ 'us-east-1': smallEstate() });
  enforced = 'enabled';
  mocks.ec2.on(GetInstanceMetadataDefaultsCommand).callsFake(() => ({ AccountLevel: { HttpTokens: 'required', HttpTokensEnforced: enforced, ManagedBy: 'account' } }));
  mocks.ec2.on(ModifyInstanceMetadataDefaultsCommand).callsFake((input: { HttpTokensEnforced?: 'enabled' | 'disabled' }) => {
    if (input.HttpTokensEnforced) enforced = input.HttpTokensEnforced;
    return { Return: true };
  });
});
afterEach(() => {
  if (mocks) restore(mocks);
  mocks = undefined;
});

const modify = () => mocks!.ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand);

describe('imds-guard rollback --account-enforcement', () => {
  it('is run apart from instance selections', () => {
    expect(() => parseCli(['rollback', '--account-enforcement', '--instance', 'i-0aaaaaaaaaaaaaaa1'])).toThrow(/apart from --instance/);
    expect(parseCli(['rollback', '--account-enforcement', '--dry-run'])).toMatchObject({ options: { accountEnforcement: true } });
  });

  it('--dry-run says what it would do and where the mark goes, with zero writes', async () => {
    const r = await run(['rollback', '--account-enforcement', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`us-east-1 planned would switch HttpTokensEnforced off, read it back, and mark the account-region in s3://${BUCKET}/${KEY}`);
    expect(modify()).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('switches enforcement off, reads it back, and marks the account-region (the bucket found through the stack)', async () => {
    const r = await run(['rollback', '--account-enforcement', '--yes']);
    expect(r.code).toBe(0);
    expect(modify().map((c) => c.args[0].input)).toEqual([{ HttpTokensEnforced: 'disabled' }]);
    const record = JSON.parse(stored!) as EnforcementRecord;
    expect(record.mark).toMatchObject({ action: 'manual', by: expect.stringContaining('imds-guard rollback --account-enforcement (CLI') });
    expect(record.graduated?.at).toBe('2026-05-01T10:00:00.000Z'); // kept beside the mark
    expect(graduationHeld({ kind: 'read', where: 'x', record })).toBe(true);
    expect(r.stdout).toContain('HttpTokensEnforced switched off and read back.');
    expect(r.stdout).toContain('IMDSv2 enforcement rolled back by hand at 2026-05-01T12:00:00.000Z');
  });

  it('IMDS_GUARD_STATE_BUCKET names the bucket without a stack look-up', async () => {
    const r = await run(['rollback', '--account-enforcement', '--yes'], { env: { IMDS_GUARD_STATE_BUCKET: BUCKET } });
    expect(r.code).toBe(0);
    expect(cfn.calls()).toHaveLength(0);
    expect((JSON.parse(stored!) as EnforcementRecord).mark?.action).toBe('manual');
  });

  it('without a bucket it still switches enforcement off, and says the mark was NOT written', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [] });
    const r = await run(['rollback', '--account-enforcement', '--yes']);
    expect(modify()).toHaveLength(1);
    expect(r.stdout).toContain('The mark was NOT written: no imds-guard stack in us-east-1');
  });

  it('a switch-off AWS refuses: "rollback failed" with the error, marked failed, exit 1', async () => {
    mocks!.ec2.on(ModifyInstanceMetadataDefaultsCommand).rejects(awsError('EC2', 'UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const r = await run(['rollback', '--account-enforcement', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('rollback failed: AWS refused the switch-off (');
    expect(r.stdout).not.toContain('switched off and read back');
    expect((JSON.parse(stored!) as EnforcementRecord).mark).toMatchObject({ action: 'failed', why: expect.stringContaining('UnauthorizedOperation') });
  });

  it('nothing to do where enforcement is off', async () => {
    enforced = 'disabled';
    const r = await run(['rollback', '--account-enforcement', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('HttpTokensEnforced is disabled: nothing to roll back');
    expect(modify()).toHaveLength(0);
  });
});
