/**
 * Edge: where the enforcement record (record.ts) lives, and its IAM.
 *
 * Why the state bucket: EC2's account defaults carry no tags, so the record
 * needs a place of its own. The member stack already has one per
 * account-region, the sweep's state bucket (read and written every sweep):
 * one small JSON object next to the sweep's, strongly consistent (a mark
 * written is read by the next call), nothing new to deploy, one GetObject
 * ($0.0004 per 1,000) per run that needs it, and a person clears the mark
 * with one `aws s3 rm`. The alternatives were worse: reading it back from
 * the account-default's Security Hub finding would make every publication
 * depend on the previous one, leave a person no field to clear (ProductFields
 * are the provider's), and stop working where Security Hub is off; a new
 * service (SSM Parameter Store) is not needed for one object.
 *
 * The functions that read or write it get `IMDS_GUARD_STATE_BUCKET` (the
 * templates set it); without it there is no record: a graduation is then
 * unwatched and says so, and `graduationHeld` has nothing to hold.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorCode } from '../../aws/batch.js';
import { createS3Client } from '../../aws/s3.js';
import { errorText } from '../../errors.js';
import type { PermissionStatement } from '../../kinds/edge-types.js';
import { ARN } from '../../kinds/permissions.js';
import type { Scope } from '../../model.js';
import { decodeRecord, encodeRecord, type EnforcementStore } from './record.js';

export type { EnforcementStore } from './record.js';

export const STATE_BUCKET_ENV = 'IMDS_GUARD_STATE_BUCKET';

/** The record's key: next to the sweep's finding state, under the prefix the stack grants. */
export function enforcementKey(scope: Scope): string {
  return `imds-guard/state/${scope.account}/${scope.region}/enforcement.json`;
}

/**
 * The state objects under imds-guard/state/ (this record and the sweep's
 * finding state, shared/sinks/published-state.ts) and the bucket listing (so
 * a missing object reads as NoSuchKey, not AccessDenied).
 */
export const ENFORCEMENT_STATE_PERMISSIONS: PermissionStatement[] = [
  {
    sid: 'StateObjects',
    actions: ['s3:GetObject', 's3:PutObject'],
    resources: [`${ARN}:s3:::\${StateBucket}/imds-guard/state/*`],
    reason: 'The state objects of this account and Region under the stack\'s own bucket and prefix; their keys hold the account and Region.',
  },
  { sid: 'StateBucket', actions: ['s3:ListBucket'], resources: [`${ARN}:s3:::\${StateBucket}`] },
];

export function s3EnforcementStore(s3: Pick<S3Client, 'send'>, where: Scope & { bucket: string }): EnforcementStore {
  const key = enforcementKey(where);
  const location = `s3://${where.bucket}/${key}`;
  return {
    where: location,
    async read() {
      let body: string;
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: key }));
        body = (await response.Body?.transformToString('utf8')) ?? '';
      } catch (error) {
        const code = errorCode(error);
        if (code === 'NoSuchKey' || code === 'NotFound') return { kind: 'read', where: location };
        return { kind: 'unreadable', where: location, error: errorText(error) };
      }
      const decoded = decodeRecord(body, where.account, where.region);
      return 'error' in decoded ? { kind: 'unreadable', where: location, error: decoded.error } : { kind: 'read', where: location, record: decoded.record };
    },
    async write(record) {
      await s3.send(new PutObjectCommand({ Bucket: where.bucket, Key: key, Body: encodeRecord(record), ContentType: 'application/json' }));
    },
  };
}

/** The store a function's environment names (the member stack's state bucket), or `undefined` without one. */
export function enforcementStoreFromEnv(scope: Scope, env: NodeJS.ProcessEnv = process.env, s3: () => Pick<S3Client, 'send'> = () => createS3Client(scope.region, env)): EnforcementStore | undefined {
  const bucket = env[STATE_BUCKET_ENV]?.trim();
  if (!bucket) return undefined;
  let client: Pick<S3Client, 'send'> | undefined;
  // The client is made on first use: a run that never reads the record never builds it.
  const lazy: Pick<S3Client, 'send'> = { send: ((command: never) => (client ??= s3()).send(command)) as S3Client['send'] };
  return s3EnforcementStore(lazy, { ...scope, bucket });
}
