/** The Region's instance metadata defaults: one GetInstanceMetadataDefaults; ModifyInstanceMetadataDefaults. */
import { accountDefaultsSubject } from './translate.js';
import { refKey, type ResourceRef } from '../../model.js';
import type { AccountDefaultsSubject } from './subject.js';
import type { EdgeContext, KindEdge } from '../edge-types.js';

/** The enforcement record, when a store is wired (it never throws: an unreadable record is a state of its own). */
async function withRecord(subject: AccountDefaultsSubject, ctx: EdgeContext): Promise<AccountDefaultsSubject> {
  return ctx.enforcement ? { ...subject, enforcement: await ctx.enforcement() } : subject;
}

export const accountDefaultsEdge: KindEdge<'account-defaults'> = {
  async load(refs: readonly ResourceRef[], ctx: EdgeContext): Promise<Map<string, AccountDefaultsSubject>> {
    const level = await ctx.accountLevel();
    const out = new Map<string, AccountDefaultsSubject>();
    for (const ref of refs) out.set(refKey(ref), await withRecord({ ...accountDefaultsSubject(level, ref), ref }, ctx));
    return out;
  },
  async *list(ctx: EdgeContext): AsyncGenerator<AccountDefaultsSubject[]> {
    yield [await withRecord(accountDefaultsSubject(await ctx.accountLevel(), ctx.scope), ctx)];
  },
  permissions: {
    describe: ['ec2:GetInstanceMetadataDefaults'],
    list: ['ec2:GetInstanceMetadataDefaults'],
  },
};
