/** Remediation of a launch template: the action and the IAM statements its calls need. */
import { fixLaunchTemplate } from '../../act/launch-template.js';
import { GROUP_ACT_PERMISSIONS } from '../auto-scaling-groups.js';
import type { KindRemedy } from '../edge-types.js';
import { ARN, HERE } from '../permissions.js';

export const launchTemplateRemedy: KindRemedy = {
  act: fixLaunchTemplate,
  permissions: [
    // Describe calls have no resource-level permissions.
    { sid: 'ReadTemplateVersions', actions: ['ec2:DescribeLaunchTemplateVersions'], resources: ['*'] },
    {
      sid: 'FixLaunchTemplates',
      actions: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
      resources: [`${ARN}:ec2:${HERE}:launch-template/*`],
    },
    ...GROUP_ACT_PERMISSIONS.refresh,
  ],
};
