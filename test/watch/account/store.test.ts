/** The enforcement record in the state bucket, over a mocked S3 (SDK v3 shapes). */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { emptyRecord, encodeRecord, graduate } from '../../../shared/watch/account/record.js';
import { enforcementKey, enforcementStoreFromEnv, s3EnforcementStore } from '../../../shared/watch/account/store.js';
import { awsError } from '../../support/aws-errors.js';

const s3 = mockClient(S3Client);
const SCOPE = { account: '111122223333', region: 'us-east-1' };
const BUCKET = 'imds-guard-member-statebucket-1a2b3c4d5e6f';
const KEY = 'imds-guard/state/111122223333/us-east-1/enforcement.json';
const body = (text: string) => ({ transformToString: async () => text }) as never;
const store = () => s3EnforcementStore(new S3Client({ region: SCOPE.region }), { ...SCOPE, bucket: BUCKET });

beforeEach(() => s3.reset());

describe('the enforcement record in S3', () => {
  it('lives next to the sweep\'s state, under the prefix the stack grants', () => {
    expect(enforcementKey(SCOPE)).toBe(KEY);
    expect(store().where).toBe(`s3://${BUCKET}/${KEY}`);
  });

  it('no object yet is "no record", not an error', async () => {
    s3.on(GetObjectCommand).rejects(awsError('S3', 'NoSuchKey', 'The specified key does not exist.'));
    expect(await store().read()).toEqual({ kind: 'read', where: `s3://${BUCKET}/${KEY}` });
  });

  it('a denied read is "unreadable" with the error (a graduation is then held back)', async () => {
    s3.on(GetObjectCommand).rejects(awsError('S3', 'AccessDenied', 'Access Denied'));
    expect(await store().read()).toMatchObject({ kind: 'unreadable', error: expect.stringContaining('AccessDenied: Access Denied') });
  });

  it('reads what it wrote, and refuses a record of another account', async () => {
    const record = graduate(emptyRecord(SCOPE.account, SCOPE.region), { at: '2026-05-01T10:00:00.000Z', by: 'imds-guard fix (CLI)', windowHours: 24 });
    s3.on(PutObjectCommand).resolves({});
    await store().write(record);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: KEY, ContentType: 'application/json' });
    s3.on(GetObjectCommand).resolves({ Body: body(String(put.Body)) });
    expect(await store().read()).toEqual({ kind: 'read', where: `s3://${BUCKET}/${KEY}`, record });
    s3.on(GetObjectCommand).resolves({ Body: body(encodeRecord({ ...record, account: '444455556666' })) });
    expect(await store().read()).toMatchObject({ kind: 'unreadable', error: expect.stringContaining('record of 444455556666/us-east-1') });
  });

  it('exists only where the function has the state bucket; no client is made before the first call', () => {
    let made = 0;
    expect(enforcementStoreFromEnv(SCOPE, {})).toBeUndefined();
    const s = enforcementStoreFromEnv(SCOPE, { IMDS_GUARD_STATE_BUCKET: BUCKET }, () => {
      made += 1;
      return new S3Client({ region: SCOPE.region });
    });
    expect(s?.where).toBe(`s3://${BUCKET}/${KEY}`);
    expect(made).toBe(0);
  });
});
