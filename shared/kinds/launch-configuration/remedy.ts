/** Remediation of a launch configuration: the action and the IAM statements its calls need. */
import { migrateLaunchConfiguration } from '../../act/launch-configuration.js';
import { GROUP_ACT_PERMISSIONS } from '../auto-scaling-groups.js';
import type { KindRemedy } from '../edge-types.js';
import { ARN, HERE } from '../permissions.js';

export const launchConfigurationRemedy: KindRemedy = {
  act: migrateLaunchConfiguration,
  permissions: [
    {
      sid: 'ReadForMigration',
      actions: ['autoscaling:DescribeLaunchConfigurations', 'ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions'],
      // Describe calls have no resource-level permissions.
      resources: ['*'],
    },
    { sid: 'CreateLaunchTemplates', actions: ['ec2:CreateLaunchTemplate'], resources: [`${ARN}:ec2:${HERE}:launch-template/*`] },
    {
      sid: 'TagNewLaunchTemplates',
      actions: ['ec2:CreateTags'],
      resources: [`${ARN}:ec2:${HERE}:launch-template/*`],
      condition: { StringEquals: { 'ec2:CreateAction': ['CreateLaunchTemplate'] } },
    },
    ...GROUP_ACT_PERMISSIONS.refresh,
    ...GROUP_ACT_PERMISSIONS.repoint,
  ],
};
