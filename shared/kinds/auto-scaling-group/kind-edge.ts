/** Auto Scaling groups as a registry edge: the calls live in ./edge.ts. */
import { describeAutoScalingUsage } from '../../aws/autoscaling.js';
import { accountDefaultsMetadata } from '../../aws/translate.js';
import { refKey, type ResourceRef } from '../../model.js';
import type { EdgeContext, KindEdge } from '../edge-types.js';
import { AUTO_SCALING_GROUP_PERMISSIONS, loadAutoScalingGroups, pageAutoScalingGroupSubjects } from './edge.js';
import type { AutoScalingGroupSubject } from './subject.js';

const accountDefaultsOf = (ctx: EdgeContext) => async () => accountDefaultsMetadata(await ctx.accountLevel());

export const autoScalingGroupEdge: KindEdge<'auto-scaling-group'> = {
  async load(refs: readonly ResourceRef[], ctx: EdgeContext): Promise<Map<string, AutoScalingGroupSubject>> {
    const { subjects } = await loadAutoScalingGroups(ctx.clients, ctx.scope, refs.map((r) => r.id), accountDefaultsOf(ctx));
    const byName = new Map(subjects.map((s) => [s.name, s]));
    const out = new Map<string, AutoScalingGroupSubject>();
    for (const ref of refs) {
      const subject = byName.get(ref.id);
      if (subject) out.set(refKey(ref), { ...subject, ref: { ...ref, kind: 'auto-scaling-group' } });
    }
    return out;
  },
  /** The groups that launch from a changed template or configuration: one listing of the Region's groups. */
  async related(changed: readonly ResourceRef[], ctx: EdgeContext): Promise<ResourceRef[]> {
    const sources = changed.filter((r) => r.kind === 'launch-template' || r.kind === 'launch-configuration');
    if (sources.length === 0) return [];
    const usage = await describeAutoScalingUsage(ctx.clients.autoScaling);
    const groups = new Set<string>();
    for (const ref of sources) {
      const users =
        ref.kind === 'launch-template' ? (usage.launchTemplates.get(ref.id) ?? []).map((u) => u.group) : (usage.launchConfigurations.get(ref.id) ?? []);
      for (const group of users) groups.add(group);
    }
    return [...groups].map((id) => ({ kind: 'auto-scaling-group', id, account: ctx.scope.account, region: ctx.scope.region }));
  },
  list: (ctx) => pageAutoScalingGroupSubjects(ctx.clients, ctx.scope, accountDefaultsOf(ctx)),
  permissions: { describe: AUTO_SCALING_GROUP_PERMISSIONS.read, list: AUTO_SCALING_GROUP_PERMISSIONS.read },
};
