/**
 * Which Auto Scaling groups use a launch template (and which version they
 * follow) or a launch configuration. DescribeAutoScalingGroups cannot filter
 * by either, so the region's groups are listed once per remediation batch
 * (shared/aws/autoscaling.ts builds the usage maps) and reused.
 */
import { StartInstanceRefreshCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { describeAutoScalingUsage, type AutoScalingUsage, type LaunchTemplateUse } from '../aws/autoscaling.js';
import { errorText } from '../errors.js';

export type TemplateUse = LaunchTemplateUse;

export interface GroupFinder {
  usingLaunchTemplate(template: { id: string; name?: string }): Promise<TemplateUse[]>;
  usingLaunchConfiguration(name: string): Promise<string[]>;
}

export function createGroupFinder(autoScaling: Pick<AutoScalingClient, 'send'>): GroupFinder {
  let usage: Promise<AutoScalingUsage> | undefined;
  const load = (): Promise<AutoScalingUsage> => (usage ??= describeAutoScalingUsage(autoScaling));
  return {
    async usingLaunchTemplate({ id, name }) {
      const { launchTemplates } = await load();
      // Groups normally carry the id; one that names the template only is keyed by name.
      const uses = [...(launchTemplates.get(id) ?? []), ...(name !== undefined ? launchTemplates.get(name) ?? [] : [])];
      return uses.filter((use, i) => uses.findIndex((u) => u.group === use.group && u.version === use.version) === i);
    },
    async usingLaunchConfiguration(name) {
      return (await load()).launchConfigurations.get(name) ?? [];
    },
  };
}

/** Starts an instance refresh on each group; one group's failure is reported, not thrown. */
export async function refreshGroups(
  autoScaling: Pick<AutoScalingClient, 'send'>,
  groups: readonly string[],
): Promise<string[]> {
  const notes: string[] = [];
  for (const group of groups) {
    try {
      const out = await autoScaling.send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: group,
          Strategy: 'Rolling',
          Preferences: { MinHealthyPercentage: 90 },
        }),
      );
      notes.push(`instance refresh ${out.InstanceRefreshId ?? ''} started on ${group}`.replace('  ', ' '));
    } catch (error) {
      notes.push(`instance refresh on ${group} not started: ${errorText(error)}`);
    }
  }
  return notes;
}
