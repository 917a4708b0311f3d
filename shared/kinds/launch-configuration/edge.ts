/**
 * Launch configurations: DescribeLaunchConfigurations by name (50 a call) or
 * page by page; fixed by migration to a launch template (shared/act).
 *
 * Superseded: per load or list page, one DescribeLaunchTemplates
 * with a `tag:imds-guard:source-launch-configuration` filter says which
 * configurations imds-guard already migrated. Only when one is found, the
 * Auto Scaling groups are read (once per load, once per list) to know whether
 * any still launches from it: a migration whose group move failed is not
 * finished business and is planned again.
 */
import { describeAutoScalingUsage, describeLaunchConfigurationsByNames, type AutoScalingUsage } from '../../aws/autoscaling.js';
import { pageLaunchConfigurations } from './aws.js';
import { describeLaunchTemplatesTagged } from '../../aws/ec2.js';
import { launchConfigurationSubject } from './translate.js';
import { SOURCE_LC_TAG } from '../../act/types.js';
import { refKey, type ResourceRef } from '../../model.js';
import type { LaunchConfigurationSubject } from './subject.js';
import { batchOf, type EdgeContext, type KindEdge } from '../edge-types.js';

/** Sets `supersededBy` (and `usedBy`) on the subjects of one page; `groups` reads the groups at most once. */
async function markSuperseded(subjects: LaunchConfigurationSubject[], ctx: EdgeContext, groups: () => Promise<AutoScalingUsage>): Promise<void> {
  if (subjects.length === 0) return;
  const templates = await describeLaunchTemplatesTagged(ctx.clients.ec2, SOURCE_LC_TAG, subjects.map((s) => s.name));
  const byName = new Map<string, { id: string; name: string }>();
  for (const t of templates) {
    const source = t.Tags?.find((tag) => tag.Key === SOURCE_LC_TAG)?.Value;
    if (source && t.LaunchTemplateId && t.LaunchTemplateName) byName.set(source, { id: t.LaunchTemplateId, name: t.LaunchTemplateName });
  }
  const migrated = subjects.filter((s) => byName.has(s.name));
  if (migrated.length === 0) return;
  const usage = await groups();
  for (const s of migrated) {
    s.supersededBy = byName.get(s.name)!;
    s.usedBy = [...(usage.launchConfigurations.get(s.name) ?? [])];
  }
}

function onceGroups(ctx: EdgeContext): () => Promise<AutoScalingUsage> {
  let usage: Promise<AutoScalingUsage> | undefined;
  return () => (usage ??= describeAutoScalingUsage(ctx.clients.autoScaling));
}

export const launchConfigurationEdge: KindEdge<'launch-configuration'> = {
  async load(refs: readonly ResourceRef[], ctx: EdgeContext): Promise<Map<string, LaunchConfigurationSubject>> {
    const { launchConfigurations } = await describeLaunchConfigurationsByNames(
      ctx.clients.autoScaling,
      refs.map((r) => r.id),
      batchOf(ctx),
    );
    const byName = new Map(launchConfigurations.map((lc) => [lc.LaunchConfigurationName, lc]));
    const subjects = new Map<string, LaunchConfigurationSubject>();
    for (const ref of refs) {
      const lc = byName.get(ref.id);
      if (lc) subjects.set(refKey(ref), { ...launchConfigurationSubject(lc, ref), ref });
    }
    await markSuperseded([...subjects.values()], ctx, onceGroups(ctx));
    return subjects;
  },
  async *list(ctx: EdgeContext): AsyncGenerator<LaunchConfigurationSubject[]> {
    const groups = onceGroups(ctx);
    for await (const page of pageLaunchConfigurations(ctx.clients.autoScaling)) {
      const subjects = page.map((lc) => launchConfigurationSubject(lc, ctx.scope));
      await markSuperseded(subjects, ctx, groups);
      yield subjects;
    }
  },
  permissions: {
    describe: ['autoscaling:DescribeLaunchConfigurations', 'ec2:DescribeLaunchTemplates', 'autoscaling:DescribeAutoScalingGroups'],
    list: ['autoscaling:DescribeLaunchConfigurations', 'ec2:DescribeLaunchTemplates', 'autoscaling:DescribeAutoScalingGroups'],
  },
};
