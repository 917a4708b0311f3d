/**
 * The launch-template kind's EC2 calls: templates by id or name (≤200 a call, unknown keys survive), one template's versions, and the account-wide listing of `$Default`/`$Latest` versions (one call per page, not per template). Returns SDK shapes; translate.ts makes subjects. API facts: shared/aws/ec2.ts.
 */
import { type EC2Client, type LaunchTemplate, type LaunchTemplateVersion, paginateDescribeLaunchTemplates, paginateDescribeLaunchTemplateVersions } from '@aws-sdk/client-ec2';
import { AwsCallError, chunk, describeSurvivingMissing, errorCode, mapLimit, ownInput } from '../../aws/batch.js';
import { pageItems, pageSizeLadder } from '../../aws/pages.js';
import { toNumber } from '../../aws/translate.js';
import { type BatchOptions, DEFAULT_CONCURRENCY, describeDetail, foundAndMissing, LAUNCH_TEMPLATE_NOT_FOUND_CODES, LAUNCH_TEMPLATES_MIN_PAGE_SIZE, LAUNCH_TEMPLATES_PAGE_SIZE, unique } from '../../aws/ec2.js';

export interface TemplatesFound {
  templates: LaunchTemplate[];
  missing: string[];
}

/** DescribeLaunchTemplates by id or by name, ≤200 a call; unknown keys come back in `missing`. */
async function describeTemplates(
  ec2: EC2Client,
  field: 'LaunchTemplateIds' | 'LaunchTemplateNames',
  keys: readonly string[],
  options: BatchOptions,
): Promise<TemplatesFound> {
  const wanted = unique(keys);
  const byId = field === 'LaunchTemplateIds';
  const results = await mapLimit(chunk(wanted, LAUNCH_TEMPLATES_PAGE_SIZE), options.concurrency ?? DEFAULT_CONCURRENCY, async (part) => {
    try {
      return await describeSurvivingMissing(part, LAUNCH_TEMPLATE_NOT_FOUND_CODES, async (batch) => {
        const found: LaunchTemplate[] = [];
        for await (const out of paginateDescribeLaunchTemplates({ client: ec2, withCommand: ownInput }, { [field]: batch })) found.push(...(out.LaunchTemplates ?? []));
        return found;
      });
    } catch (error) {
      throw new AwsCallError('DescribeLaunchTemplates', describeDetail(byId ? 'ids' : 'names', part), error);
    }
  });
  const { items: templates, missing } = foundAndMissing(wanted, results, (t) => (byId ? t.LaunchTemplateId : t.LaunchTemplateName));
  return { templates, missing };
}

/** Describes launch templates by `lt-` id; unknown ids come back in `missing`. */
export function describeLaunchTemplatesByIds(ec2: EC2Client, ids: readonly string[], options: BatchOptions = {}): Promise<TemplatesFound> {
  return describeTemplates(ec2, 'LaunchTemplateIds', ids, options);
}

/** Describes launch templates by name; unknown names come back in `missing`. */
export function describeLaunchTemplatesByNames(ec2: EC2Client, names: readonly string[], options: BatchOptions = {}): Promise<TemplatesFound> {
  return describeTemplates(ec2, 'LaunchTemplateNames', names, options);
}

/**
 * Versions of one launch template by id (`$Default`, `$Latest` or numbers);
 * `undefined` when the template no longer exists.
 */
export async function describeLaunchTemplateVersions(
  ec2: EC2Client,
  launchTemplateId: string,
  versions: readonly string[],
): Promise<LaunchTemplateVersion[] | undefined> {
  const found: LaunchTemplateVersion[] = [];
  try {
    const input = { LaunchTemplateId: launchTemplateId, Versions: [...versions] };
    for await (const out of paginateDescribeLaunchTemplateVersions({ client: ec2, withCommand: ownInput }, input)) found.push(...(out.LaunchTemplateVersions ?? []));
  } catch (error) {
    const code = errorCode(error);
    if (code !== undefined && LAUNCH_TEMPLATE_NOT_FOUND_CODES.has(code)) return undefined;
    throw new AwsCallError('DescribeLaunchTemplateVersions', `${launchTemplateId} ${versions.join(',')}`, error);
  }
  return found;
}

/** A launch template with its default version and, when different, its `$Latest`. */
export interface TemplateWithVersions {
  template: LaunchTemplate;
  defaultVersion: LaunchTemplateVersion;
  latestVersion?: LaunchTemplateVersion;
}

/** Picks the default (flagged `DefaultVersion`, else the template's number) and the highest-numbered version. */
export function pickDefaultAndLatest(
  template: LaunchTemplate,
  versions: readonly LaunchTemplateVersion[],
): TemplateWithVersions | undefined {
  const defaultNumber = toNumber(template.DefaultVersionNumber);
  const defaultVersion =
    versions.find((v) => v.DefaultVersion === true) ??
    (defaultNumber === undefined ? undefined : versions.find((v) => toNumber(v.VersionNumber) === defaultNumber));
  if (defaultVersion === undefined) return undefined;
  let latest: LaunchTemplateVersion | undefined;
  for (const v of versions) {
    if (latest === undefined || (toNumber(v.VersionNumber) ?? -1) > (toNumber(latest.VersionNumber) ?? -1)) latest = v;
  }
  const result: TemplateWithVersions = { template, defaultVersion };
  if (latest !== undefined && toNumber(latest.VersionNumber) !== toNumber(defaultVersion.VersionNumber)) {
    result.latestVersion = latest;
  }
  return result;
}

/**
 * For each template, one DescribeLaunchTemplateVersions call for `$Default`
 * and `$Latest` (a few in flight). Templates deleted meanwhile are left out.
 */
export async function withDefaultAndLatest(
  ec2: EC2Client,
  templates: readonly LaunchTemplate[],
  options: BatchOptions = {},
): Promise<TemplateWithVersions[]> {
  const results = await mapLimit(templates, options.concurrency ?? DEFAULT_CONCURRENCY, async (template) => {
    const id = template.LaunchTemplateId;
    if (id === undefined) return undefined;
    const versions = await describeLaunchTemplateVersions(ec2, id, ['$Default', '$Latest']);
    return versions === undefined ? undefined : pickDefaultAndLatest(template, versions);
  });
  return results.filter((r): r is TemplateWithVersions => r !== undefined);
}

/**
 * One version (`$Default` or `$Latest`) of every launch template in the
 * account, a page (≤200) at a time, without naming templates: one call per
 * page instead of one per template; smaller pages when a full one times out.
 */
export async function* pageAccountTemplateVersions(
  ec2: EC2Client,
  version: '$Default' | '$Latest' | readonly ('$Default' | '$Latest')[] = '$Default',
  pageSize = LAUNCH_TEMPLATES_PAGE_SIZE,
): AsyncGenerator<LaunchTemplateVersion[]> {
  // Both `$Default` and `$Latest` may be asked for in one account-wide listing (not numbers).
  const input = { Versions: typeof version === 'string' ? [version] : [...version] };
  yield* pageItems({
    operation: 'DescribeLaunchTemplateVersions',
    detail: `${input.Versions.join(',')} of all templates`,
    sizes: pageSizeLadder(pageSize, LAUNCH_TEMPLATES_MIN_PAGE_SIZE),
    open: (size, startingToken, withCommand) => paginateDescribeLaunchTemplateVersions({ client: ec2, pageSize: size, startingToken, withCommand }, { ...input }),
    items: (out) => out.LaunchTemplateVersions,
  });
}
