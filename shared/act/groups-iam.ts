/**
 * IAM statements of the actions that touch Auto Scaling groups on behalf of
 * another kind: a fixed launch template or a migrated launch configuration
 * looks up the groups that use it (shared/act/groups.ts) and may start an
 * instance refresh on them; a migration also repoints the groups.
 */
import type { PermissionStatement } from '../kinds/edge-types.js';
import { ARN, DESCRIBE_REASON, HERE } from '../kinds/permissions.js';

const GROUP_ARN = `${ARN}:autoscaling:${HERE}:autoScalingGroup:*:autoScalingGroupName/*`;
const GROUP_REASON = 'The groups that use a fixed launch template are found at run time (any group of this account and Region).';

const findGroups: PermissionStatement = {
  sid: 'FindAutoScalingGroups',
  actions: ['autoscaling:DescribeAutoScalingGroups'],
  resources: ['*'],
  reason: DESCRIBE_REASON,
};

/**
 * Auto Scaling checks that whoever points a group at a launch template may
 * launch from it: "ec2:RunInstances [is] checked when an Auto Scaling group is
 * created or updated using a launch template", and a template with an
 * instance profile needs iam:PassRole for its role (EC2 Auto Scaling User
 * Guide, "Control Amazon EC2 launch template usage in Auto Scaling groups").
 * Only launches through this account's templates, and only instance profiles
 * passed to EC2. (A template that tags instances at launch may also need
 * ec2:CreateTags on instances: reported in public write-ups, not in the guide.)
 */
const launchFromTemplates: PermissionStatement[] = [
  {
    sid: 'LaunchFromTemplates',
    actions: ['ec2:RunInstances'],
    resources: ['*'],
    reason: 'Auto Scaling checks RunInstances on every resource a launch touches (instance, volume, network interface...); limited to launches from this account\'s launch templates by ec2:LaunchTemplate.',
    condition: { ArnLike: { 'ec2:LaunchTemplate': `${ARN}:ec2:${HERE}:launch-template/*` } },
  },
  {
    sid: 'PassInstanceProfileRoles',
    actions: ['iam:PassRole'],
    resources: [`${ARN}:iam::\${AWS::AccountId}:role/*`],
    condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    reason: 'The instance profile role of a repointed group\'s launch template is the customer\'s; passed to EC2 only (iam:PassedToService).',
  },
];

export const GROUP_ACT_PERMISSIONS = {
  /** Find the groups using a template and refresh them. */
  refresh: [findGroups, { sid: 'RefreshAutoScalingGroups', actions: ['autoscaling:StartInstanceRefresh'], resources: [GROUP_ARN], reason: GROUP_REASON }],
  /** Point groups at a launch template. */
  repoint: [{ sid: 'RepointAutoScalingGroups', actions: ['autoscaling:UpdateAutoScalingGroup'], resources: [GROUP_ARN], reason: GROUP_REASON }, ...launchFromTemplates],
} satisfies Record<string, PermissionStatement[]>;
