/**
 * Launch configurations: DescribeLaunchConfigurations by name (50 a call) or
 * page by page; fixed by migration to a launch template (shared/act).
 */
import { migrateLaunchConfiguration } from '../../act/launch-configuration.js';
import { describeLaunchConfigurationsByNames, pageLaunchConfigurations } from '../../aws/autoscaling.js';
import { launchConfigurationSubject } from '../../aws/translate.js';
import { refKey, type LaunchConfigurationSubject, type ResourceRef } from '../../model.js';
import { GROUP_ACT_PERMISSIONS } from '../auto-scaling-groups.js';
import { batchOf, type EdgeContext, type KindEdge } from '../edge-types.js';
import { ARN, HERE } from '../permissions.js';

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
    return subjects;
  },
  async *list(ctx: EdgeContext): AsyncGenerator<LaunchConfigurationSubject[]> {
    for await (const page of pageLaunchConfigurations(ctx.clients.autoScaling)) {
      yield page.map((lc) => launchConfigurationSubject(lc, ctx.scope));
    }
  },
  act: migrateLaunchConfiguration,
  permissions: {
    describe: ['autoscaling:DescribeLaunchConfigurations'],
    list: ['autoscaling:DescribeLaunchConfigurations'],
    act: [
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
  },
};
