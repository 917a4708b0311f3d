/**
 * Auto Scaling groups, judged by what they really launch with: the launch
 * configuration, or the launch template version the group resolves (a
 * number, `$Default`, `$Latest`) and every template its mixed instances
 * policy names. EC2.170 judges only a template's default version, so a group
 * pinned to an older version keeps launching IMDSv1 instances while every
 * Security Hub control is green: imds-guard's own control. Pure.
 */
import { OWN_CONTROL_SEVERITY, SH_ASG } from '../controls.js';
import type { ResourceRef } from '../../model.js';
import { show, type Validation } from '../../validate.js';
import { partitionOf, prune } from '../judging.js';
import type { KindDescription } from '../types.js';
import { describeRepoint, judgeAutoScalingGroup, planRepoint } from './judge.js';
import { groupStageFacts } from './stage.js';

const autoscaling = 'autoscaling.amazonaws.com' as const;
const REPOINT_URL = 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/create-asg-launch-template.html';

/** Auto Scaling group names: 1-255 characters (XmlStringMaxLen255), no control characters, not an ARN. */
function validateGroupName(value: unknown): Validation {
  if (typeof value !== 'string') return { ok: false, reason: `Auto Scaling group name must be a string, got ${show(value)}` };
  if (value.length < 1 || value.length > 255) return { ok: false, reason: `Auto Scaling group name ${show(value)} must be 1-255 characters` };
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return { ok: false, reason: `Auto Scaling group name ${show(value)} contains control characters` };
  if (value.startsWith('arn:')) return { ok: false, reason: `Auto Scaling group name ${show(value)} is an ARN, not a name` };
  return { ok: true, value };
}

/** The name in a group ARN (`arn:aws:autoscaling:…:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`). */
function nameFromArn(value: string | undefined): string | undefined {
  return value ? /:autoScalingGroupName\/(.+)$/s.exec(value)?.[1] : undefined;
}

export const autoScalingGroupDescription: KindDescription<'auto-scaling-group'> = {
  kind: 'auto-scaling-group',
  words: { one: 'Auto Scaling group', many: 'Auto Scaling groups', title: 'Auto Scaling group', column: 'ASGs' },
  asffType: 'AwsAutoScalingAutoScalingGroup',
  config: { type: 'AWS::AutoScaling::AutoScalingGroup', recorded: true },
  controls: {
    imdsv2: {
      id: 'auto-scaling-group-launch-source',
      title: 'Auto Scaling groups should launch instances that require IMDSv2 from every launch source they use',
      severity: 'HIGH',
      remediation:
        'Point the group (and each template of its mixed instances policy) at a launch template version that requires IMDSv2, ' +
        'usually $Default once the template complies with EC2.170: aws autoscaling update-auto-scaling-group ' +
        '--auto-scaling-group-name <name> --launch-template LaunchTemplateId=<id>,Version=\'$Default\'',
      remediationUrl: REPOINT_URL,
      relatedRequirements: [],
    },
    'hop-limit': {
      id: 'auto-scaling-group-hop-limit',
      title: 'Auto Scaling groups should not launch instances with a metadata response hop limit above the ceiling',
      severity: OWN_CONTROL_SEVERITY,
      remediation: 'Point the group at a launch template version whose HttpPutResponseHopLimit is within the ceiling (2 for containers, else 1).',
      remediationUrl: `${SH_ASG}`,
      relatedRequirements: [],
    },
  },
  validateId: validateGroupName,
  configRefId: ({ resourceId, resourceName, arn }) => resourceName ?? nameFromArn(resourceId) ?? nameFromArn(arn) ?? resourceId,
  triggers: [
    { eventName: 'CreateAutoScalingGroup', eventSource: autoscaling, paths: ['requestParameters.autoScalingGroupName'] },
    {
      // A real UpdateAutoScalingGroup often only resizes the group: re-judge it only when its launch source changed.
      eventName: 'UpdateAutoScalingGroup',
      eventSource: autoscaling,
      paths: ['requestParameters.autoScalingGroupName'],
      onlyWith: ['requestParameters.launchTemplate', 'requestParameters.mixedInstancesPolicy', 'requestParameters.launchConfigurationName'],
    },
  ],
  arn: (ref: ResourceRef, subject) =>
    subject?.arn ?? `arn:${partitionOf(ref.region)}:autoscaling:${ref.region}:${ref.account}:autoScalingGroup:*:autoScalingGroupName/${ref.id}`,
  idFromArn: (arn) => /^arn:aws[a-z-]*:autoscaling:[^:]+:\d{12}:autoScalingGroup:[^:]*:autoScalingGroupName\/(.+)$/s.exec(arn)?.[1],
  tags: (subject) => subject.tags,
  createdAt: (subject) => subject.createdTime,
  // The options of the first launch source that can be read (a group may launch from several).
  row: (subject) => ({ metadata: subject.sources.find((s) => s.error === undefined && s.metadata !== undefined)?.metadata }),
  judge: judgeAutoScalingGroup,
  stageFacts: groupStageFacts,
  details: (subject) => {
    const raw = subject.raw ?? {};
    const template = raw['LaunchTemplate'] as { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string } | undefined;
    return prune({
      AwsAutoScalingAutoScalingGroup: {
        LaunchConfigurationName: typeof raw['LaunchConfigurationName'] === 'string' ? raw['LaunchConfigurationName'] : undefined,
        CreatedTime: subject.createdTime?.toISOString(),
        LaunchTemplate: template
          ? prune({ LaunchTemplateId: template['LaunchTemplateId'], LaunchTemplateName: template['LaunchTemplateName'], Version: template['Version'] })
          : undefined,
      },
    });
  },
  remediation: {
    action: 'repoint-auto-scaling-group',
    // A group has no metadata options of its own: it changes by pointing a source at a compliant version.
    // "Already required" when no source can be repointed, so decide plans nothing and says why (nothingReason).
    current: (subject, policy) => (planRepoint(subject, policy).changes.length > 0 ? {} : { httpTokens: 'required' }),
    describe: (subject, _hopNote, _plan, policy) => describeRepoint(subject, planRepoint(subject, policy)),
    nothingReason: (subject, policy) => `Not remediated: ${describeRepoint(subject, planRepoint(subject, policy)).replace(/\.?$/, '.')}`,
  },
};
