/**
 * Auto Scaling describe calls: launch configurations by name (≤50 names a
 * call, the documented LaunchConfigurationNames maximum), paginated listing
 * (MaxRecords ≤100), and which groups use which launch configuration or
 * launch template (for remediation and the CLI).
 *
 * DescribeLaunchConfigurations leaves unknown names out of its reply rather
 * than failing, so a name not returned is missing.
 */
import { paginateDescribeAutoScalingGroups, paginateDescribeLaunchConfigurations } from '@aws-sdk/client-auto-scaling';
import type {
  AutoScalingClient,
  AutoScalingGroup,
  LaunchConfiguration,
  LaunchTemplateSpecification,
} from '@aws-sdk/client-auto-scaling';
import { AwsCallError, chunk, mapLimit, ownInput } from './batch.js';
import { pageItems, pageSizeLadder } from './pages.js';

/** DescribeLaunchConfigurations `LaunchConfigurationNames`: maximum 50 items. */
export const DESCRIBE_LAUNCH_CONFIGURATIONS_MAX_NAMES = 50;
/** DescribeLaunchConfigurations / DescribeAutoScalingGroups `MaxRecords` maximum. */
export const AUTO_SCALING_PAGE_SIZE = 100;
/** No minimum is documented for MaxRecords; 1 is the least that makes a page. */
export const AUTO_SCALING_MIN_PAGE_SIZE = 1;
const DEFAULT_CONCURRENCY = 4;

/** Describes launch configurations by name, ≤50 names a call; names not returned are `missing`. */
export async function describeLaunchConfigurationsByNames(
  autoScaling: AutoScalingClient,
  names: readonly string[],
  options: { concurrency?: number } = {},
): Promise<{ launchConfigurations: LaunchConfiguration[]; missing: string[] }> {
  const wanted = [...new Set(names)];
  const pages = await mapLimit(
    chunk(wanted, DESCRIBE_LAUNCH_CONFIGURATIONS_MAX_NAMES),
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async (part) => {
      const found: LaunchConfiguration[] = [];
      try {
        for await (const out of paginateDescribeLaunchConfigurations({ client: autoScaling, withCommand: ownInput }, { LaunchConfigurationNames: part })) {
          found.push(...(out.LaunchConfigurations ?? []));
        }
      } catch (error) {
        throw new AwsCallError('DescribeLaunchConfigurations', `${part.length} names: ${part.slice(0, 3).join(', ')}`, error);
      }
      return found;
    },
  );
  const launchConfigurations = pages.flat();
  const seen = new Set(launchConfigurations.map((lc) => lc.LaunchConfigurationName));
  return { launchConfigurations, missing: wanted.filter((n) => !seen.has(n)) };
}

/**
 * Every Auto Scaling group in the region, one page (≤100) at a time, without
 * the instance lists (`IncludeInstances: false`; they are not needed here
 * and make large groups slow to describe); smaller pages when a full one
 * times out (shared/aws/pages.ts).
 */
export async function* pageAutoScalingGroups(autoScaling: AutoScalingClient, pageSize = AUTO_SCALING_PAGE_SIZE): AsyncGenerator<AutoScalingGroup[]> {
  yield* pageItems({
    operation: 'DescribeAutoScalingGroups',
    detail: 'listing',
    sizes: pageSizeLadder(pageSize, AUTO_SCALING_MIN_PAGE_SIZE),
    open: (size, startingToken, withCommand) =>
      paginateDescribeAutoScalingGroups({ client: autoScaling, pageSize: size, startingToken, withCommand }, { IncludeInstances: false }),
    items: (out) => out.AutoScalingGroups,
  });
}

/** One group's use of a launch template, with the version it asks for. */
export interface LaunchTemplateUse {
  group: string;
  /** `$Default`, `$Latest` or a version number as a string; `$Default` when the group leaves it unset. */
  version: string;
  /** Through a mixed instances policy (its launch template or an override). */
  mixed: boolean;
}

export interface AutoScalingUsage {
  /** Launch configuration name → names of the groups using it. */
  launchConfigurations: Map<string, string[]>;
  /**
   * Launch template id → groups using it, from `LaunchTemplate`,
   * `MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification` and its
   * per-instance-type `Overrides`. Keyed by name only when a group's spec
   * carries no id (the API normally returns both).
   */
  launchTemplates: Map<string, LaunchTemplateUse[]>;
}

export function emptyUsage(): AutoScalingUsage {
  return { launchConfigurations: new Map(), launchTemplates: new Map() };
}

function addUse(usage: AutoScalingUsage, group: string, spec: LaunchTemplateSpecification | undefined, mixed: boolean): void {
  if (spec === undefined) return;
  const key = spec.LaunchTemplateId || spec.LaunchTemplateName;
  if (!key) return;
  const version = spec.Version ? String(spec.Version) : '$Default';
  const uses = usage.launchTemplates.get(key) ?? [];
  if (!uses.some((u) => u.group === group && u.version === version)) uses.push({ group, version, mixed });
  usage.launchTemplates.set(key, uses);
}

/** What a group launches from: all the usage maps read of a DescribeAutoScalingGroups record. */
export type GroupLaunchSources = Pick<AutoScalingGroup, 'AutoScalingGroupName' | 'LaunchConfigurationName' | 'LaunchTemplate' | 'MixedInstancesPolicy'>;

/** Adds groups to usage maps (pure). */
export function addGroupsToUsage(usage: AutoScalingUsage, groups: Iterable<GroupLaunchSources>): AutoScalingUsage {
  for (const group of groups) {
    const name = group.AutoScalingGroupName;
    if (!name) continue;
    const lc = group.LaunchConfigurationName;
    if (lc) {
      const users = usage.launchConfigurations.get(lc) ?? [];
      if (!users.includes(name)) users.push(name);
      usage.launchConfigurations.set(lc, users);
    }
    addUse(usage, name, group.LaunchTemplate, false);
    const mixed = group.MixedInstancesPolicy?.LaunchTemplate;
    addUse(usage, name, mixed?.LaunchTemplateSpecification, true);
    for (const override of mixed?.Overrides ?? []) addUse(usage, name, override.LaunchTemplateSpecification, true);
  }
  return usage;
}

/** Usage maps from groups (pure). */
export function usageFromGroups(groups: Iterable<GroupLaunchSources>): AutoScalingUsage {
  return addGroupsToUsage(emptyUsage(), groups);
}

/** Pages through every Auto Scaling group of the region and builds the usage maps. */
export async function describeAutoScalingUsage(autoScaling: Pick<AutoScalingClient, 'send'>): Promise<AutoScalingUsage> {
  const usage = emptyUsage();
  // shared/act types its clients by `send` only; every caller passes a real client,
  // which the SDK paginator checks (`instanceof AutoScalingClient`).
  for await (const page of pageAutoScalingGroups(autoScaling as AutoScalingClient)) addGroupsToUsage(usage, page);
  return usage;
}
