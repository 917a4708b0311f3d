/** Remediation of an instance: the action and the IAM statements its calls need. */
import { fixInstance } from '../../act/instance.js';
import type { KindRemedy } from '../edge-types.js';
import { WATCH_TAG_PERMISSIONS } from '../../watch/permissions.js';
import { ARN, HERE } from '../permissions.js';

export const instanceRemedy: KindRemedy = {
  act: fixInstance,
  permissions: [
    { sid: 'FixInstances', actions: ['ec2:ModifyInstanceMetadataOptions'], resources: [`${ARN}:ec2:${HERE}:instance/*`] },
    // The flip is recorded on the instance first (shared/watch/writes.ts), and removed again when the modify fails.
    WATCH_TAG_PERMISSIONS,
  ],
};
