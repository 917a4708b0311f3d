/**
 * EC2 instances: DescribeInstances by id (1000 a call) or page by page;
 * ModifyInstanceMetadataOptions. When an instance still allows IMDSv1, the
 * account's HttpTokensEnforced is read too (the context's one
 * GetInstanceMetadataDefaults, shared with the other kinds): a switch to
 * IMDSv2 there cannot be rolled back, and plans and findings say so.
 */
import { describeInstancesByIds, pageInstances } from './aws.js';
import { instanceSubject } from './translate.js';
import { refKey, type ResourceRef } from '../../model.js';
import type { InstanceSubject } from './subject.js';
import { INSTANCE_ID } from './id.js';
import { batchOf, type EdgeContext, type KindEdge } from '../edge-types.js';

/** Marks the subjects of an account-region that enforces IMDSv2; asks only when one of them allows IMDSv1. */
async function withEnforcement(subjects: InstanceSubject[], ctx: EdgeContext): Promise<InstanceSubject[]> {
  if (!subjects.some((s) => s.metadata.httpTokens !== 'required')) return subjects;
  // Not known is not enforced: the judgement stands without it, and AWS says so if it refuses a rollback.
  const level = await ctx.accountLevel().catch(() => undefined);
  const enforced = level?.HttpTokensEnforced;
  if (enforced !== 'enabled' && enforced !== 'disabled') return subjects;
  for (const s of subjects) s.accountEnforced = enforced === 'enabled';
  return subjects;
}

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
    await withEnforcement([...subjects.values()], ctx);
    return subjects;
  },
  async *list(ctx: EdgeContext): AsyncGenerator<InstanceSubject[]> {
    for await (const page of pageInstances(ctx.clients.ec2)) yield await withEnforcement(page.map((instance) => instanceSubject(instance, ctx.scope)), ctx);
  },
  permissions: {
    describe: ['ec2:DescribeInstances', 'ec2:GetInstanceMetadataDefaults'],
    list: ['ec2:DescribeInstances', 'ec2:GetInstanceMetadataDefaults'],
  },
};
