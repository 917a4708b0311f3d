/** Remediation of an account defaults: the action and the IAM statements its calls need. */
import { fixAccountDefaults } from '../../act/account-defaults.js';
import type { KindRemedy } from '../edge-types.js';

export const accountDefaultsRemedy: KindRemedy = {
  act: fixAccountDefaults,
  permissions: [
    {
      sid: 'FixAccountDefaults',
      actions: ['ec2:GetInstanceMetadataDefaults', 'ec2:ModifyInstanceMetadataDefaults'],
      // An account-level setting: no resource-level permissions.
      resources: ['*'],
    },
  ],
};
