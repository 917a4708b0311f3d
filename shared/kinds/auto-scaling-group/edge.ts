/** Auto Scaling groups as a registry edge: the SDK calls live in ./aws.ts. */
import { createGroupFinder } from '../../act/groups.js';
import { accountDefaultsMetadata } from '../../aws/translate.js';
import { refKey, type ResourceRef } from '../../model.js';
import type { Subject } from '../subject.js';
import type { EdgeContext, KindEdge } from '../edge-types.js';
import { AUTO_SCALING_GROUP_PERMISSIONS, loadAutoScalingGroups, pageAutoScalingGroupSubjects } from './aws.js';
import type { AutoScalingGroupSubject } from './subject.js';

const accountDefaultsOf = (ctx: EdgeContext) => async () => accountDefaultsMetadata(await ctx.accountLevel());

export const autoScalingGroupEdge: KindEdge<'auto-scaling-group'> = {
  async load(refs: readonly ResourceRef[], ctx: EdgeContext): Promise<Map<string, AutoScalingGroupSubject>> {
    const { subjects } = await loadAutoScalingGroups(ctx.clients, ctx.scope, refs.map((r) => r.id), accountDefaultsOf(ctx));
    const byName = new Map(subjects.map((s) => [s.name, s]));
    const out = new Map<string, AutoScalingGroupSubject>();
    for (const ref of refs) {
      const subject = byName.get(ref.id);
      if (subject) out.set(refKey(ref), { ...subject, ref });
    }
    return out;
  },
  /** The groups that launch from a changed template or configuration: one listing of the Region's groups (shared/act/groups.ts). */
  async related(changed: readonly Subject[], ctx: EdgeContext): Promise<ResourceRef[]> {
    const sources = changed.filter((s) => s.ref.kind === 'launch-template' || s.ref.kind === 'launch-configuration');
    if (sources.length === 0) return [];
    const finder = createGroupFinder(ctx.clients.autoScaling);
    const groups = new Map<string, ResourceRef>();
    for (const s of sources) {
      const users =
        s.ref.kind === 'launch-configuration'
          ? await finder.usingLaunchConfiguration(s.ref.id)
          : (await finder.usingLaunchTemplate({ id: s.ref.id, ...(s.kind === 'launch-template' ? { name: s.name } : {}) })).map((u) => u.group);
      // The group lives where the template or configuration it launches from does.
      for (const id of users) groups.set(id, { kind: 'auto-scaling-group', id, account: s.ref.account, region: s.ref.region });
    }
    return [...groups.values()];
  },
  list: (ctx) => pageAutoScalingGroupSubjects(ctx.clients, ctx.scope, accountDefaultsOf(ctx)),
  permissions: { describe: AUTO_SCALING_GROUP_PERMISSIONS.read, list: AUTO_SCALING_GROUP_PERMISSIONS.read },
};
