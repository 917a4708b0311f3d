/**
 * EC2 describe calls for instances, launch templates and the account's
 * instance metadata defaults: batched to the API limits, surviving unknown
 * ids, paginated for listing. Returns SDK shapes; translate.ts makes subjects.
 *
 * API facts this relies on (EC2 API reference):
 * - DescribeInstances: `InstanceIds` and `MaxResults` cannot be used in the
 *   same call; MaxResults is 5..1000. One unknown id fails the whole call
 *   (`InvalidInstanceID.NotFound`, message names the ids); a bad id fails it
 *   with `InvalidInstanceID.Malformed` (`Invalid id: "…"`).
 * - DescribeLaunchTemplates: MaxResults 1..200; an unknown id or name fails
 *   the call (`InvalidLaunchTemplateId.NotFound`,
 *   `InvalidLaunchTemplateName.NotFoundException`).
 * - DescribeLaunchTemplateVersions: with no template id or name and
 *   `Versions: ['$Default']` (and/or `$Latest`, no numbers) it describes that
 *   version of every launch template in the account, paginated (MaxResults
 *   1..200).
 */
import {
  GetInstanceMetadataDefaultsCommand,
  paginateDescribeInstances,
  paginateDescribeLaunchTemplates,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import type {
  EC2Client,
  Instance,
  InstanceMetadataDefaultsResponse,
  LaunchTemplate,
  LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { AwsCallError, chunk, describeSurvivingMissing, errorCode, mapLimit, ownInput } from './batch.js';
import type { SurvivedBatch } from './batch.js';
import { pageItems } from './pages.js';
import { toNumber } from './translate.js';

/** DescribeInstances: at most 1000 explicitly specified instance ids a call. */
export const DESCRIBE_INSTANCES_MAX_IDS = 1000;
/** DescribeInstances listing page size (MaxResults maximum). */
export const DESCRIBE_INSTANCES_PAGE_SIZE = 1000;
/** DescribeLaunchTemplates / DescribeLaunchTemplateVersions MaxResults maximum; also our ids-per-call cap. */
export const LAUNCH_TEMPLATES_PAGE_SIZE = 200;
/** Describe calls in flight at once for one batch (the SDK retries throttling on top). */
export const DEFAULT_CONCURRENCY = 4;

export const INSTANCE_NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'InvalidInstanceID.NotFound',
  'InvalidInstanceID.Malformed',
]);

export const LAUNCH_TEMPLATE_NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'InvalidLaunchTemplateId.NotFound',
  'InvalidLaunchTemplateId.Malformed',
  'InvalidLaunchTemplateName.NotFoundException',
  'InvalidLaunchTemplateName.MalformedException',
]);

export interface BatchOptions {
  /** Calls in flight at once; default 4. */
  concurrency?: number;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function describeDetail(what: string, ids: readonly string[]): string {
  const sample = ids.slice(0, 3).join(', ');
  return `${ids.length} ${what}${ids.length ? `: ${sample}${ids.length > 3 ? ', …' : ''}` : ''}`;
}

/**
 * What the batches described, and the wanted keys that are missing: those EC2
 * said it does not know, and those it neither returned nor complained about
 * (e.g. not ours).
 */
function foundAndMissing<T>(
  wanted: readonly string[],
  results: readonly SurvivedBatch<T>[],
  keyOf: (item: T) => string | undefined,
): { items: T[]; missing: string[] } {
  const items = results.flatMap((r) => r.items);
  const seen = new Set(items.map(keyOf));
  const notFound = new Set(results.flatMap((r) => r.missing));
  return { items, missing: wanted.filter((key) => notFound.has(key) || !seen.has(key)) };
}

/**
 * Describes instances by id: chunks of ≤1000 ids, a few chunks at a time.
 * Ids EC2 does not know (or that are malformed) come back in `missing`, and
 * the other ids of their chunk are still described. Terminated instances
 * that EC2 still lists are returned like any other.
 */
export async function describeInstancesByIds(
  ec2: EC2Client,
  ids: readonly string[],
  options: BatchOptions = {},
): Promise<{ instances: Instance[]; missing: string[] }> {
  const wanted = unique(ids);
  const chunks = chunk(wanted, DESCRIBE_INSTANCES_MAX_IDS);
  const results = await mapLimit(chunks, options.concurrency ?? DEFAULT_CONCURRENCY, async (part) => {
    try {
      return await describeSurvivingMissing(part, INSTANCE_NOT_FOUND_CODES, async (batch) => {
        const found: Instance[] = [];
        for await (const out of paginateDescribeInstances({ client: ec2, withCommand: ownInput }, { InstanceIds: batch })) {
          for (const reservation of out.Reservations ?? []) found.push(...(reservation.Instances ?? []));
        }
        return found;
      });
    } catch (error) {
      throw new AwsCallError('DescribeInstances', describeDetail('instance ids', part), error);
    }
  });
  const { items: instances, missing } = foundAndMissing(wanted, results, (i) => i.InstanceId);
  return { instances, missing };
}

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

/** GetInstanceMetadataDefaults: the region's account-level IMDS defaults (`undefined` = none set). */
export async function getInstanceMetadataDefaults(ec2: Pick<EC2Client, 'send'>): Promise<InstanceMetadataDefaultsResponse | undefined> {
  try {
    const out = await ec2.send(new GetInstanceMetadataDefaultsCommand({}));
    return out.AccountLevel;
  } catch (error) {
    throw new AwsCallError('GetInstanceMetadataDefaults', 'account level', error);
  }
}

/** Every instance in the region, one DescribeInstances page (≤1000) at a time. */
export async function* pageInstances(ec2: EC2Client, pageSize = DESCRIBE_INSTANCES_PAGE_SIZE): AsyncGenerator<Instance[]> {
  const pages = paginateDescribeInstances({ client: ec2, pageSize, withCommand: ownInput }, {});
  yield* pageItems(pages, (out) => out.Reservations?.flatMap((r) => r.Instances ?? []), 'DescribeInstances', `listing, page size ${pageSize}`);
}

/**
 * One version (`$Default` or `$Latest`) of every launch template in the
 * account, a page (≤200) at a time, without naming templates: one call per
 * page instead of one per template.
 */
export async function* pageAccountTemplateVersions(
  ec2: EC2Client,
  version: '$Default' | '$Latest' | readonly ('$Default' | '$Latest')[] = '$Default',
  pageSize = LAUNCH_TEMPLATES_PAGE_SIZE,
): AsyncGenerator<LaunchTemplateVersion[]> {
  // Both `$Default` and `$Latest` may be asked for in one account-wide listing (not numbers).
  const input = { Versions: typeof version === 'string' ? [version] : [...version] };
  const pages = paginateDescribeLaunchTemplateVersions({ client: ec2, pageSize, withCommand: ownInput }, input);
  const detail = `${version} of all templates, page size ${pageSize}`;
  yield* pageItems(pages, (out) => out.LaunchTemplateVersions, 'DescribeLaunchTemplateVersions', detail);
}

/**
 * Launch templates tagged `tagKey` with one of `values`: DescribeLaunchTemplates
 * with a `tag:<key>` filter, 200 values a call (our cap, as for ids), paged.
 * One call for a page of launch configurations (issue 12: which ones a
 * migration superseded).
 */
export async function describeLaunchTemplatesTagged(ec2: EC2Client, tagKey: string, values: readonly string[]): Promise<LaunchTemplate[]> {
  const out: LaunchTemplate[] = [];
  for (const part of chunk(unique(values), LAUNCH_TEMPLATES_PAGE_SIZE)) {
    try {
      const pages = paginateDescribeLaunchTemplates(
        { client: ec2, pageSize: LAUNCH_TEMPLATES_PAGE_SIZE, withCommand: ownInput },
        { Filters: [{ Name: `tag:${tagKey}`, Values: part }] },
      );
      for await (const page of pages) out.push(...(page.LaunchTemplates ?? []));
    } catch (error) {
      throw new AwsCallError('DescribeLaunchTemplates', `tagged ${tagKey} (${describeDetail('values', part)})`, error);
    }
  }
  return out;
}
