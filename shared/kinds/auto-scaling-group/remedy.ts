/**
 * Remediation of an Auto Scaling group: describe it again, plan again with
 * what it uses now, and point its pinned sources at a compliant `$Default`
 * (never creating templates: fixing a template is EC2.170's remediation).
 */
import { ActionRefused, type ActContext, type ActionResult } from '../../act/types.js';
import { accountDefaultsMetadata } from '../../aws/translate.js';
import { getInstanceMetadataDefaults } from '../../aws/ec2.js';
import type { Plan } from '../../verdict.js';
import { GROUP_ACT_PERMISSIONS } from '../../act/groups-iam.js';
import { DESCRIBE_REASON } from '../permissions.js';
import type { KindRemedy } from '../edge-types.js';
import { AUTO_SCALING_GROUP_PERMISSIONS, loadAutoScalingGroups, repointAutoScalingGroup } from './aws.js';
import { planRepoint } from './judge.js';

async function repoint(plan: Plan, { clients, policy }: ActContext): Promise<ActionResult> {
  const defaults = async () => accountDefaultsMetadata(await getInstanceMetadataDefaults(clients.ec2));
  // The ref is the scope: the subject's ref is built from its account and Region.
  const { subjects } = await loadAutoScalingGroups(clients, plan.ref, [plan.ref.id], defaults);
  const subject = subjects[0];
  if (subject === undefined) throw new ActionRefused(`group ${plan.ref.id} no longer exists`);
  const now = planRepoint(subject, policy);
  if (now.changes.length === 0) throw new ActionRefused(now.refusals.join(' ') || `group ${subject.name} has nothing to point elsewhere any more`);
  return repointAutoScalingGroup(clients.autoScaling, subject, now);
}

export const autoScalingGroupRemedy: KindRemedy = {
  act: repoint,
  permissions: [
    {
      // The group is described again before it is repointed.
      sid: 'ReadGroupLaunchSources',
      actions: AUTO_SCALING_GROUP_PERMISSIONS.read,
      resources: ['*'],
      reason: DESCRIBE_REASON,
    },
    ...GROUP_ACT_PERMISSIONS.repoint,
  ],
};
