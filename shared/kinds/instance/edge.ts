/** EC2 instances: DescribeInstances by id (1000 a call) or page by page; ModifyInstanceMetadataOptions. */
import { describeInstancesByIds, pageInstances } from './aws.js';
import { instanceSubject } from './translate.js';
import { refKey, type ResourceRef } from '../../model.js';
import type { InstanceSubject } from './subject.js';
import { INSTANCE_ID } from './id.js';
import { batchOf, type EdgeContext, type KindEdge } from '../edge-types.js';

export const instanceEdge: KindEdge<'instance'> = {
  async load(refs: readonly ResourceRef[], ctx: EdgeContext): Promise<Map<string, InstanceSubject>> {
    const { found } = await ctx.retryNotFound(
      refs.map((r) => r.id),
      async (ids) => {
        const out = await describeInstancesByIds(ctx.clients.ec2, ids, batchOf(ctx));
        return { found: out.instances, missing: out.missing };
      },
      // A malformed id will never be found.
      (id) => INSTANCE_ID.test(id),
    );
    const byId = new Map(found.map((i) => [i.InstanceId, i]));
    const subjects = new Map<string, InstanceSubject>();
    for (const ref of refs) {
      const instance = byId.get(ref.id);
      if (instance) subjects.set(refKey(ref), { ...instanceSubject(instance, ref), ref });
    }
    return subjects;
  },
  async *list(ctx: EdgeContext): AsyncGenerator<InstanceSubject[]> {
    for await (const page of pageInstances(ctx.clients.ec2)) yield page.map((instance) => instanceSubject(instance, ctx.scope));
  },
  permissions: {
    describe: ['ec2:DescribeInstances'],
    list: ['ec2:DescribeInstances'],
  },
};
