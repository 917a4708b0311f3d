/** The Region's instance metadata defaults: one GetInstanceMetadataDefaults; ModifyInstanceMetadataDefaults. */
import { fixAccountDefaults } from '../../act/account-defaults.js';
import { accountDefaultsSubject } from '../../aws/translate.js';
import { refKey, type AccountDefaultsSubject, type ResourceRef } from '../../model.js';
import type { EdgeContext, KindEdge } from '../edge-types.js';

export const accountDefaultsEdge: KindEdge<'account-defaults'> = {
  async load(refs: readonly ResourceRef[], ctx: EdgeContext): Promise<Map<string, AccountDefaultsSubject>> {
    const level = await ctx.accountLevel();
    return new Map(refs.map((ref) => [refKey(ref), { ...accountDefaultsSubject(level, ref), ref }]));
  },
  async *list(ctx: EdgeContext): AsyncGenerator<AccountDefaultsSubject[]> {
    yield [accountDefaultsSubject(await ctx.accountLevel(), ctx.scope)];
  },
  act: fixAccountDefaults,
  permissions: {
    describe: ['ec2:GetInstanceMetadataDefaults'],
    list: ['ec2:GetInstanceMetadataDefaults'],
    act: [
      {
        sid: 'FixAccountDefaults',
        actions: ['ec2:GetInstanceMetadataDefaults', 'ec2:ModifyInstanceMetadataDefaults'],
        // An account-level setting: no resource-level permissions.
        resources: ['*'],
      },
    ],
  },
};
