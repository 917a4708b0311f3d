/**
 * Launch configurations: DescribeLaunchConfigurations by name (50 a call) or
 * page by page; fixed by migration to a launch template (shared/act).
 */
import { describeLaunchConfigurationsByNames, pageLaunchConfigurations } from '../../aws/autoscaling.js';
import { launchConfigurationSubject } from '../../aws/translate.js';
import { refKey, type LaunchConfigurationSubject, type ResourceRef } from '../../model.js';
import { batchOf, type EdgeContext, type KindEdge } from '../edge-types.js';

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
  permissions: {
    describe: ['autoscaling:DescribeLaunchConfigurations'],
    list: ['autoscaling:DescribeLaunchConfigurations'],
  },
};
