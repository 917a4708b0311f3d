/**
 * The controls imds-guard reports against: one row per ControlId, used by
 * evaluate (which control a check maps to) and by the finding builder
 * (title, severity, ASFF resource type, remediation). Pure data.
 *
 * Severities of Security Hub's own controls are the ones Security Hub itself
 * assigns (Security Hub CSPM controls reference):
 * - EC2.8  "Amazon EC2 instances should use IMDSv2": High.
 * - EC2.170 "EC2 launch templates should use IMDSv2": Low.
 * - AutoScaling.3 "Auto Scaling group launch configurations should configure
 *   EC2 instances to require IMDSv2": High.
 * Security Hub retired AutoScaling.4 (launch configuration hop limit) in April
 * 2024: imds-guard keeps the check as its own control
 * `launch-configuration-hop-limit`, with the policy's ceiling instead of 1.
 * imds-guard's own controls (no Security Hub equivalent) are Medium: they are
 * defence in depth (the hop limit only matters with containers or forwarding
 * on the host) or affect future launches only (account default).
 */
import type { CheckId, ControlId, ResourceKind } from './model.js';

export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** ASFF `Resources[].Type` values. */
export type AsffResourceType = 'AwsEc2Instance' | 'AwsEc2LaunchTemplate' | 'AwsAutoScalingLaunchConfiguration' | 'AwsAccount';

export interface Control {
  id: ControlId;
  /** Security Hub's control id (e.g. `EC2.8`), or `undefined` for imds-guard's own. */
  securityHubControl?: string;
  /** The control's title (Security Hub's wording for its own controls). */
  title: string;
  /** The severity of a FAILED finding (passed and not-applicable findings are INFORMATIONAL). */
  severity: SeverityLabel;
  /** The resource the control judges, as ASFF names it. */
  resourceType: AsffResourceType;
  /** How to fix it, at most 512 characters (ASFF Remediation.Recommendation.Text). */
  remediation: string;
  remediationUrl: string;
  /** Framework requirements Security Hub lists for the control (only where confirmed in its reference). */
  relatedRequirements: string[];
  /** Extra facts worth showing, e.g. that Security Hub retired the control. */
  note?: string;
}

const SH_ASG = 'https://docs.aws.amazon.com/securityhub/latest/userguide/autoscaling-controls.html';
const EC2_GUIDE = 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide';

export const CONTROLS: Readonly<Record<ControlId, Control>> = {
  'EC2.8': {
    id: 'EC2.8',
    securityHubControl: 'EC2.8',
    title: 'Amazon EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)',
    severity: 'HIGH',
    resourceType: 'AwsEc2Instance',
    remediation:
      'Check the instance\'s CloudWatch AWS/EC2 MetadataNoToken metric for IMDSv1 callers and update them, then require IMDSv2: ' +
      'aws ec2 modify-instance-metadata-options --instance-id <id> --http-tokens required --http-endpoint enabled',
    remediationUrl: `${EC2_GUIDE}/configuring-IMDS-existing-instances.html`,
    relatedRequirements: ['NIST.800-53.r5 AC-3', 'NIST.800-53.r5 AC-3(15)', 'NIST.800-53.r5 AC-3(7)', 'NIST.800-53.r5 AC-6'],
  },
  'EC2.170': {
    id: 'EC2.170',
    securityHubControl: 'EC2.170',
    title: 'EC2 launch templates should use Instance Metadata Service Version 2 (IMDSv2)',
    severity: 'LOW',
    resourceType: 'AwsEc2LaunchTemplate',
    remediation:
      'Create a launch template version with MetadataOptions HttpTokens=required (aws ec2 create-launch-template-version ' +
      '--source-version <default> --launch-template-data \'{"MetadataOptions":{"HttpTokens":"required"}}\') and make it the default version.',
    remediationUrl: `${EC2_GUIDE}/configuring-IMDS-new-instances.html`,
    relatedRequirements: [],
  },
  'AutoScaling.3': {
    id: 'AutoScaling.3',
    securityHubControl: 'AutoScaling.3',
    title: 'Auto Scaling group launch configurations should configure EC2 instances to require Instance Metadata Service Version 2 (IMDSv2)',
    severity: 'HIGH',
    resourceType: 'AwsAutoScalingLaunchConfiguration',
    remediation:
      'Launch configurations cannot be changed. Create a launch template from this configuration with MetadataOptions ' +
      'HttpTokens=required and move the Auto Scaling groups that use it to the template.',
    remediationUrl: `${SH_ASG}#autoscaling-3`,
    relatedRequirements: [
      'NIST.800-53.r5 AC-3',
      'NIST.800-53.r5 AC-3(15)',
      'NIST.800-53.r5 AC-3(7)',
      'NIST.800-53.r5 AC-6',
      'NIST.800-53.r5 CA-9(1)',
      'NIST.800-53.r5 CM-2',
      'PCI DSS v4.0.1/2.2.6',
    ],
  },
  'launch-configuration-hop-limit': {
    id: 'launch-configuration-hop-limit',
    title: 'Auto Scaling launch configurations should not set a metadata response hop limit above the ceiling',
    severity: 'MEDIUM',
    resourceType: 'AwsAutoScalingLaunchConfiguration',
    remediation:
      'Launch configurations cannot be changed. Create a launch template from this configuration with a lower ' +
      'HttpPutResponseHopLimit (1 without containers, 2 for containers on the host) and move its Auto Scaling groups to it.',
    remediationUrl: `${EC2_GUIDE}/configuring-IMDS-new-instances.html`,
    relatedRequirements: [],
    note: 'Replaces the retired Security Hub control AutoScaling.4 (April 2024), against imds-guard\'s own hop-limit ceiling.',
  },
  'account-default': {
    id: 'account-default',
    title: 'The Region\'s EC2 instance metadata defaults should require IMDSv2',
    severity: 'MEDIUM',
    resourceType: 'AwsAccount',
    remediation:
      'Set the account default for new launches in this Region: aws ec2 modify-instance-metadata-defaults --http-tokens required ' +
      '(and --http-tokens-enforced enabled to refuse launches that ask for IMDSv1).',
    remediationUrl: `${EC2_GUIDE}/configuring-IMDS-new-instances.html`,
    relatedRequirements: [],
  },
  'instance-hop-limit': {
    id: 'instance-hop-limit',
    title: 'EC2 instances should not have a metadata response hop limit above the ceiling',
    severity: 'MEDIUM',
    resourceType: 'AwsEc2Instance',
    remediation:
      'Lower the hop limit unless containers on the host need it: aws ec2 modify-instance-metadata-options --instance-id <id> ' +
      '--http-put-response-hop-limit 2 (1 without containers).',
    remediationUrl: `${EC2_GUIDE}/configuring-IMDS-existing-instances.html`,
    relatedRequirements: [],
  },
  'launch-template-hop-limit': {
    id: 'launch-template-hop-limit',
    title: 'EC2 launch templates should not set a metadata response hop limit above the ceiling',
    severity: 'MEDIUM',
    resourceType: 'AwsEc2LaunchTemplate',
    remediation:
      'Create a launch template version with a lower MetadataOptions HttpPutResponseHopLimit (2 for containers, else 1) ' +
      'and make it the default version.',
    remediationUrl: `${EC2_GUIDE}/configuring-IMDS-new-instances.html`,
    relatedRequirements: [],
  },
};

/** The ASFF resource type of each kind. */
export const ASFF_RESOURCE_TYPES: Readonly<Record<ResourceKind, AsffResourceType>> = {
  instance: 'AwsEc2Instance',
  'launch-template': 'AwsEc2LaunchTemplate',
  'launch-configuration': 'AwsAutoScalingLaunchConfiguration',
  'account-defaults': 'AwsAccount',
};

/** The AWS Config resource type of each kind (`AWS::::Account` for the account defaults). */
export const CONFIG_RESOURCE_TYPES: Readonly<Record<ResourceKind, string>> = {
  instance: 'AWS::EC2::Instance',
  'launch-template': 'AWS::EC2::LaunchTemplate',
  'launch-configuration': 'AWS::AutoScaling::LaunchConfiguration',
  'account-defaults': 'AWS::::Account',
};

const MAP: Readonly<Record<ResourceKind, Record<CheckId, ControlId>>> = {
  instance: { imdsv2: 'EC2.8', 'hop-limit': 'instance-hop-limit' },
  'launch-template': { imdsv2: 'EC2.170', 'hop-limit': 'launch-template-hop-limit' },
  'launch-configuration': { imdsv2: 'AutoScaling.3', 'hop-limit': 'launch-configuration-hop-limit' },
  'account-defaults': { imdsv2: 'account-default', 'hop-limit': 'account-default' },
};

/** The control a check on a kind of resource maps to. */
export function controlFor(kind: ResourceKind, check: CheckId): ControlId {
  return MAP[kind][check];
}

/** Every check imds-guard makes on every kind (one finding each). */
export const CHECKS: readonly CheckId[] = ['imdsv2', 'hop-limit'];
