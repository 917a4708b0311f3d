/**
 * Which Auto Scaling groups use a launch template (and which version they
 * follow) or a launch configuration. DescribeAutoScalingGroups cannot filter
 * by either, so the region's groups are listed once per batch and reused.
 *
 * The describe adapter in shared/aws/autoscaling.ts offers the same usage
 * maps; entry points may pass an implementation of GroupFinder built on it.
 */
import {
  DescribeAutoScalingGroupsCommand,
  StartInstanceRefreshCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { errorMessage } from './errors.js';

export interface TemplateUse {
  group: string;
  /** `$Default`, `$Latest` or a pinned version number, as the group says. */
  version: string;
  /** Through a mixed instances policy (or an override of one). */
  mixed: boolean;
}

export interface GroupFinder {
  usingLaunchTemplate(template: { id: string; name?: string }): Promise<TemplateUse[]>;
  usingLaunchConfiguration(name: string): Promise<string[]>;
}

export function createGroupFinder(autoScaling: Pick<AutoScalingClient, 'send'>): GroupFinder {
  let all: Promise<AutoScalingGroup[]> | undefined;
  const list = (): Promise<AutoScalingGroup[]> => {
    all ??= (async () => {
      const groups: AutoScalingGroup[] = [];
      let token: string | undefined;
      do {
        const page = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 100, NextToken: token }));
        groups.push(...(page.AutoScalingGroups ?? []));
        token = page.NextToken;
      } while (token);
      return groups;
    })();
    return all;
  };
  return {
    async usingLaunchTemplate(template) {
      const uses: TemplateUse[] = [];
      const matches = (spec: { LaunchTemplateId?: string; LaunchTemplateName?: string } | undefined): boolean =>
        !!spec &&
        (spec.LaunchTemplateId === template.id || (template.name !== undefined && spec.LaunchTemplateName === template.name));
      for (const g of await list()) {
        const name = g.AutoScalingGroupName ?? '';
        if (matches(g.LaunchTemplate)) {
          uses.push({ group: name, version: g.LaunchTemplate?.Version ?? '$Default', mixed: false });
          continue;
        }
        const mixed = g.MixedInstancesPolicy?.LaunchTemplate;
        const spec = mixed?.LaunchTemplateSpecification;
        if (matches(spec)) {
          uses.push({ group: name, version: spec?.Version ?? '$Default', mixed: true });
          continue;
        }
        const override = mixed?.Overrides?.find((o) => matches(o.LaunchTemplateSpecification));
        if (override) uses.push({ group: name, version: override.LaunchTemplateSpecification?.Version ?? '$Default', mixed: true });
      }
      return uses;
    },
    async usingLaunchConfiguration(name) {
      return (await list()).filter((g) => g.LaunchConfigurationName === name).map((g) => g.AutoScalingGroupName ?? '');
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
      notes.push(`instance refresh on ${group} not started: ${errorMessage(error)}`);
    }
  }
  return notes;
}
