/** Remediation of an instance: the action and the IAM statements its calls need. */
import { fixInstance } from '../../act/instance.js';
import type { KindRemedy } from '../edge-types.js';
import { ARN, HERE } from '../permissions.js';

export const instanceRemedy: KindRemedy = {
  act: fixInstance,
  permissions: [{ sid: 'FixInstances', actions: ['ec2:ModifyInstanceMetadataOptions'], resources: [`${ARN}:ec2:${HERE}:instance/*`] }],
};
