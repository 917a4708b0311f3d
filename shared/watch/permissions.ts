/**
 * IAM of the watch, declared next to the calls that need it
 * (shared/watch/writes.ts, index.ts, metrics.ts); infra/stack.ts grants them
 * and test/infra/permissions.test.ts proves each role matches its bundle.
 */
import { USAGE_PERMISSIONS } from '../wiring/usage.js';
import type { PermissionStatement } from '../kinds/edge-types.js';
import { ARN, DESCRIBE_REASON, HERE } from '../kinds/permissions.js';

/**
 * The watch record, the rollback mark and the clean-pass time (tags under
 * `imds-guard:`), and nothing else: the condition limits both calls to those
 * keys. Also part of the instance remedy, whose flip writes the record first.
 */
export const WATCH_TAG_PERMISSIONS: PermissionStatement = {
  sid: 'RecordWatchOnInstances',
  actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
  resources: [`${ARN}:ec2:${HERE}:instance/*`],
  condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['imds-guard:*'] } },
  reason: 'Any instance imds-guard switches or watches; only tag keys under imds-guard: (aws:TagKeys).',
};

/** What the scheduled watch reads: the instances tagged with a record (no resource-level permissions) and MetadataNoTokenRejected. */
export const WATCH_READ_PERMISSIONS: PermissionStatement[] = [
  { sid: 'DescribeWatchedInstances', actions: ['ec2:DescribeInstances'], resources: ['*'], reason: DESCRIBE_REASON },
  USAGE_PERMISSIONS,
];

/** What a rollback writes: every recorded option back, then the mark and record tags. */
export const WATCH_WRITE_PERMISSIONS: PermissionStatement[] = [
  {
    sid: 'RollBackInstances',
    actions: ['ec2:ModifyInstanceMetadataOptions'],
    resources: [`${ARN}:ec2:${HERE}:instance/*`],
    reason: 'Any instance the watch finds rejecting IMDSv1 calls after its switch; which ones is known only at run time.',
  },
  WATCH_TAG_PERMISSIONS,
];
