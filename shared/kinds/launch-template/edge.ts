/**
 * Launch templates: described by id or name (a name ref resolves to the id),
 * listed account-wide through DescribeLaunchTemplateVersions, fixed with a new
 * default version.
 */
import type { LaunchTemplate, LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import { describeLaunchTemplatesByIds, describeLaunchTemplatesByNames, describeLaunchTemplateVersions, pageAccountTemplateVersions, pickDefaultAndLatest, type TemplateWithVersions, withDefaultAndLatest } from './aws.js';
import { LAUNCH_TEMPLATES_PAGE_SIZE } from '../../aws/ec2.js';
import { accountDefaultsMetadata, toNumber } from '../../aws/translate.js';
import { launchTemplateSubject } from './translate.js';
import { refKey, type ResourceRef } from '../../model.js';
import type { LaunchTemplateSubject } from './subject.js';
import { LAUNCH_TEMPLATE_ID } from './id.js';
import { batchOf, type EdgeContext, type KindEdge } from '../edge-types.js';

async function load(refs: readonly ResourceRef[], ctx: EdgeContext): Promise<Map<string, LaunchTemplateSubject>> {
  const batch = batchOf(ctx);
  const ids = refs.filter((r) => LAUNCH_TEMPLATE_ID.test(r.id)).map((r) => r.id);
  const names = refs.filter((r) => !LAUNCH_TEMPLATE_ID.test(r.id)).map((r) => r.id);
  const describe =
    (by: typeof describeLaunchTemplatesByIds) =>
    async (keys: string[]): Promise<{ found: LaunchTemplate[]; missing: string[] }> => {
      const out = await by(ctx.clients.ec2, keys, batch);
      return { found: out.templates, missing: out.missing };
    };
  const [byIds, byNames] = await Promise.all([
    ids.length ? ctx.retryNotFound(ids, describe(describeLaunchTemplatesByIds)) : undefined,
    names.length ? ctx.retryNotFound(names, describe(describeLaunchTemplatesByNames)) : undefined,
  ]);
  const templates = new Map<string, LaunchTemplate>();
  for (const t of [...(byIds?.found ?? []), ...(byNames?.found ?? [])]) {
    if (t.LaunchTemplateId) templates.set(t.LaunchTemplateId, t);
  }
  const [detailed, level] = await Promise.all([
    withDefaultAndLatest(ctx.clients.ec2, [...templates.values()], batch),
    templates.size > 0 ? ctx.accountLevel() : Promise.resolve(undefined),
  ]);
  const accountDefaults = accountDefaultsMetadata(level);
  const byId = new Map(detailed.map((d) => [d.template.LaunchTemplateId, d]));
  const idOfName = new Map([...templates.values()].map((t) => [t.LaunchTemplateName, t.LaunchTemplateId]));
  const subjects = new Map<string, LaunchTemplateSubject>();
  for (const ref of refs) {
    const id = LAUNCH_TEMPLATE_ID.test(ref.id) ? ref.id : idOfName.get(ref.id);
    const d = id === undefined ? undefined : byId.get(id);
    if (d === undefined) continue;
    // A ref by name gets the template's id, so results key the same whichever way it was found.
    const subject = launchTemplateSubject(d.template, d.defaultVersion, d.latestVersion, ref, accountDefaults);
    subjects.set(refKey(ref), { ...subject, ref: { ...ref, id: id as string } });
  }
  return subjects;
}

/**
 * One account-wide listing of `$Default` AND `$Latest` (one item when they
 * are the same version), and DescribeLaunchTemplates by id in full calls of
 * 200 ids for names, tags and version numbers: ceil((T + D) / 200) + ceil(T / 200)
 * calls for T templates of which D have a newer `$Latest`. A template whose
 * two versions straddle a page boundary waits for the next page; at most
 * ~400 templates are held. Should a version still be missing at the end (the
 * template changed meanwhile), it is described by id, one call for that template.
 */
async function* list(ctx: EdgeContext): AsyncGenerator<LaunchTemplateSubject[]> {
  const ec2 = ctx.clients.ec2;
  const waiting = new Map<string, LaunchTemplateVersion[]>(); // listed, not yet described
  const described = new Map<string, { template: LaunchTemplate; versions: LaunchTemplateVersion[] }>();

  const describeWaiting = async (all: boolean): Promise<void> => {
    while (waiting.size >= LAUNCH_TEMPLATES_PAGE_SIZE || (all && waiting.size > 0)) {
      const ids = [...waiting.keys()].slice(0, LAUNCH_TEMPLATES_PAGE_SIZE);
      // Templates deleted since the versions page was read come back missing and are skipped.
      const { templates } = await describeLaunchTemplatesByIds(ec2, ids, batchOf(ctx));
      for (const template of templates) {
        const id = template.LaunchTemplateId ?? '';
        const versions = waiting.get(id);
        if (versions) described.set(id, { template, versions });
      }
      for (const id of ids) waiting.delete(id);
    }
  };

  const complete = (entry: { template: LaunchTemplate; versions: LaunchTemplateVersion[] }): boolean => {
    const defaultNumber = toNumber(entry.template.DefaultVersionNumber);
    const latestNumber = toNumber(entry.template.LatestVersionNumber);
    const has = (n: number | undefined): boolean => n !== undefined && entry.versions.some((v) => toNumber(v.VersionNumber) === n);
    return has(defaultNumber) && (latestNumber === undefined || has(latestNumber));
  };

  async function* emit(final: boolean): AsyncGenerator<LaunchTemplateSubject[]> {
    const ready: TemplateWithVersions[] = [];
    for (const [id, entry] of described) {
      if (!complete(entry)) {
        if (!final) continue;
        const fetched = await describeLaunchTemplateVersions(ec2, id, ['$Default', '$Latest']);
        if (fetched !== undefined) entry.versions.push(...fetched);
      }
      described.delete(id);
      const picked = pickDefaultAndLatest(entry.template, entry.versions);
      if (picked) ready.push(picked);
    }
    if (ready.length === 0) return;
    const accountDefaults = accountDefaultsMetadata(await ctx.accountLevel());
    yield ready.map((d) => launchTemplateSubject(d.template, d.defaultVersion, d.latestVersion, ctx.scope, accountDefaults));
  }

  for await (const page of pageAccountTemplateVersions(ec2, ['$Default', '$Latest'])) {
    for (const version of page) {
      const id = version.LaunchTemplateId;
      if (!id) continue;
      const target = described.get(id)?.versions ?? waiting.get(id) ?? [];
      if (!target.some((v) => toNumber(v.VersionNumber) === toNumber(version.VersionNumber))) target.push(version);
      if (!described.has(id)) waiting.set(id, target);
    }
    await describeWaiting(false);
    yield* emit(false);
  }
  await describeWaiting(true);
  yield* emit(true);
}

const DESCRIBE = ['ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions', 'ec2:GetInstanceMetadataDefaults'];

export const launchTemplateEdge: KindEdge<'launch-template'> = {
  load,
  list,
  permissions: {
    describe: DESCRIBE,
    list: DESCRIBE,
  },
};
