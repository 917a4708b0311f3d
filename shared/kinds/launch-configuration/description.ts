/**
 * Auto Scaling launch configurations (Security Hub AutoScaling.3; the hop
 * limit is imds-guard's own control since AutoScaling.4 was retired). They
 * cannot be changed: fixing one means a launch template equivalent to it and
 * moving its groups there. Pure.
 */
import { str } from '../../aws/translate.js';
import type { LaunchConfigurationSubject } from './subject.js';
import { EC2_GUIDE, OWN_CONTROL_SEVERITY, SH_ASG } from '../controls.js';
import type { Policy } from '../../policy.js';
import { launchConfigurationNameFromArn, validateLaunchConfigurationName } from './id.js';
import { judgeLaunchConfigurationOptions, prune } from '../judging.js';
import type { Judgement, KindDescription, Superseded } from '../types.js';

const autoscaling = 'autoscaling.amazonaws.com' as const;

export const launchConfigurationDescription: KindDescription<'launch-configuration'> = {
  kind: 'launch-configuration',
  words: { one: 'launch configuration', many: 'launch configurations', title: 'Launch configuration', column: 'launch configs' },
  asffType: 'AwsAutoScalingLaunchConfiguration',
  config: { type: 'AWS::AutoScaling::LaunchConfiguration', recorded: true },
  controls: {
    imdsv2: {
      id: 'AutoScaling.3',
      securityHubControl: 'AutoScaling.3',
      title: 'Auto Scaling group launch configurations should configure EC2 instances to require Instance Metadata Service Version 2 (IMDSv2)',
      severity: 'HIGH',
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
    'hop-limit': {
      // Security Hub retired AutoScaling.4 in April 2024: this is imds-guard's own control now.
      id: 'launch-configuration-hop-limit',
      title: 'Auto Scaling launch configurations should not set a metadata response hop limit above the ceiling',
      severity: OWN_CONTROL_SEVERITY,
      remediation:
        'Launch configurations cannot be changed. Create a launch template from this configuration with a lower ' +
        'HttpPutResponseHopLimit (1 without containers, 2 for containers on the host) and move its Auto Scaling groups to it.',
      remediationUrl: `${EC2_GUIDE}/configuring-IMDS-new-instances.html`,
      relatedRequirements: [],
      note: 'Replaces the retired Security Hub control AutoScaling.4 (April 2024), against imds-guard\'s own hop-limit ceiling.',
    },
  },
  validateId: validateLaunchConfigurationName,
  configRefId: ({ resourceId, resourceName, arn }) => {
    if (resourceName) return resourceName;
    for (const candidate of [resourceId, arn]) {
      const fromArn = candidate ? launchConfigurationNameFromArn(candidate) : undefined;
      if (fromArn) return fromArn;
    }
    return resourceId;
  },
  triggers: [
    { eventName: 'CreateLaunchConfiguration', eventSource: autoscaling, paths: ['requestParameters.launchConfigurationName'] },
    { eventName: 'CreateAutoScalingGroup', eventSource: autoscaling, paths: ['requestParameters.launchConfigurationName'] },
    { eventName: 'UpdateAutoScalingGroup', eventSource: autoscaling, paths: ['requestParameters.launchConfigurationName'] },
  ],
  // The real ARN carries a UUID we only know from a description.
  arn: (ref, subject) => subject?.arn ?? ref.id,
  idFromArn: launchConfigurationNameFromArn,
  createdAt: (subject) => subject.createdTime,
  exemptionSetting: { setting: 'exemptLaunchConfigurations', value: (subject) => subject.name },
  row: (subject) => ({ metadata: subject.metadata }),
  usedBy: (subject, groups) => [...(groups.launchConfigurations.get(subject.name) ?? [])],
  judge: judgeLaunchConfiguration,
  details: (subject) => {
    const m = subject.metadata;
    return prune({
      AwsAutoScalingLaunchConfiguration: {
        LaunchConfigurationName: subject.name,
        CreatedTime: subject.createdTime?.toISOString(),
        ImageId: str(subject.raw['ImageId']),
        InstanceType: str(subject.raw['InstanceType']),
        MetadataOptions: m
          ? prune({ HttpEndpoint: m.httpEndpoint, HttpPutResponseHopLimit: m.httpPutResponseHopLimit, HttpTokens: m.httpTokens })
          : undefined,
      },
    });
  },
  remediation: {
    action: 'migrate-launch-configuration',
    current: (subject) => subject.metadata ?? {},
    describe: (subject, hopNote) =>
      `create launch template ${launchTemplateNameFor(subject.name)} equivalent to launch configuration ${subject.name} ` +
      `with HttpTokens=required (${hopNote}) and move its Auto Scaling groups to it (the configuration is kept)`,
    superseded: supersededOf,
  },
};

/**
 * Accounts created after this day cannot create launch configurations
 * (AWS-FACTS.md); no API says which accounts those are.
 */
export const LAUNCH_CONFIGURATION_CUTOFF = new Date('2024-10-01T00:00:00Z');

/** `launch template <name> (<id>)` when a migration superseded the configuration and no group launches from it any more. */
export function supersededLabel(subject: LaunchConfigurationSubject): string | undefined {
  const by = subject.supersededBy;
  if (by === undefined || subject.usedBy === undefined || subject.usedBy.length > 0) return undefined;
  return `launch template ${by.name} (${by.id})`;
}

/** The note a superseded configuration's finding carries. */
export function supersededNote(label: string): string {
  return `superseded by ${label}; delete the configuration to clear AutoScaling.3`;
}

function supersededOf(subject: LaunchConfigurationSubject): Superseded | undefined {
  const label = supersededLabel(subject);
  if (label === undefined) return undefined;
  const created = subject.createdTime;
  return {
    note: supersededNote(label),
    deletion: {
      action: 'delete-launch-configuration',
      describe: `delete launch configuration ${subject.name} (${supersededNote(label).replace(/; delete the configuration.*$/, '')}, no Auto Scaling group uses it)`,
      // Made after the cut-off: this account could still create one then.
      ...(created !== undefined && created.getTime() >= LAUNCH_CONFIGURATION_CUTOFF.getTime()
        ? { recreatable: `the account created it on ${created.toISOString().slice(0, 10)}, after 2024-10-01, so it can create launch configurations` }
        : {}),
    },
  };
}

/** `imds-guard-<name>` made valid for a launch template name: [a-zA-Z0-9().\-/_], at most 128 characters. */
export function launchTemplateNameFor(launchConfigurationName: string): string {
  const prefix = 'imds-guard-';
  const cleaned = launchConfigurationName.replace(/[^a-zA-Z0-9().\-/_]/g, '-');
  const changed = cleaned !== launchConfigurationName;
  const room = 128 - prefix.length;
  if (!changed && cleaned.length <= room) return prefix + cleaned;
  // Keep names unique when characters were replaced or the name was cut.
  const suffix = `-${fnv1a(launchConfigurationName)}`;
  return prefix + cleaned.slice(0, room - suffix.length) + suffix;
}

/** Small stable hash (FNV-1a, 32-bit, hex) so this module stays free of node imports. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function judgeLaunchConfiguration(subject: LaunchConfigurationSubject, policy: Policy): Judgement[] {
  const judged = judgeLaunchConfigurationOptions(subject.metadata, policy);
  // The finding stays honest (the configuration still allows IMDSv1) and says what is left to do.
  const label = supersededLabel(subject);
  if (label !== undefined) {
    for (const j of judged) if (j.compliance === 'NON_COMPLIANT') j.reason += ` Superseded by ${label}, which its groups now use; delete the configuration to clear ${j.check === 'imdsv2' ? 'AutoScaling.3' : 'this finding'}.`;
  }
  return judged;
}
