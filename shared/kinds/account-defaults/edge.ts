/** The Region's instance metadata defaults: one GetInstanceMetadataDefaults; ModifyInstanceMetadataDefaults. */
import { accountDefaultsSubject } from './translate.js';
import { refKey, type ResourceRef } from '../../model.js';
import type { AccountDefaultsSubject } from './subject.js';
import type { EdgeContext, KindEdge } from '../edge-types.js';

export const accountDefaultsEdge: KindEdge<'account-defaults'> = {
  async load(refs: readonly ResourceRef[], ctx: EdgeContext): Promise<Map<string, AccountDefaultsSubject>> {
    const level = await ctx.accountLevel();
    return new Map(refs.map((ref) => [refKey(ref), { ...accountDefaultsSubject(level, ref), ref }]));
  },
  async *list(ctx: EdgeContext): AsyncGenerator<AccountDefaultsSubject[]> {
    yield [accountDefaultsSubject(await ctx.accountLevel(), ctx.scope)];
  },
  permissions: {
    describe: ['ec2:GetInstanceMetadataDefaults'],
    list: ['ec2:GetInstanceMetadataDefaults'],
  },
};
