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
import { type EC2Client, GetInstanceMetadataDefaultsCommand, type InstanceMetadataDefaultsResponse, type LaunchTemplate, paginateDescribeLaunchTemplates } from '@aws-sdk/client-ec2';
import { AwsCallError, chunk, type SurvivedBatch } from './batch.js';
import { pageItems, pageSizeLadder } from './pages.js';
/** DescribeLaunchTemplates / DescribeLaunchTemplateVersions MaxResults maximum; also our ids-per-call cap. */
export const LAUNCH_TEMPLATES_PAGE_SIZE = 200;
/** DescribeLaunchTemplates / DescribeLaunchTemplateVersions MaxResults minimum. */
export const LAUNCH_TEMPLATES_MIN_PAGE_SIZE = 1;
/** Describe calls in flight at once for one batch (the SDK retries throttling on top). */
export const DEFAULT_CONCURRENCY = 4;

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

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export function describeDetail(what: string, ids: readonly string[]): string {
  const sample = ids.slice(0, 3).join(', ');
  return `${ids.length} ${what}${ids.length ? `: ${sample}${ids.length > 3 ? ', …' : ''}` : ''}`;
}

/**
 * What the batches described, and the wanted keys that are missing: those EC2
 * said it does not know, and those it neither returned nor complained about
 * (e.g. not ours).
 */
export function foundAndMissing<T>(
  wanted: readonly string[],
  results: readonly SurvivedBatch<T>[],
  keyOf: (item: T) => string | undefined,
): { items: T[]; missing: string[] } {
  const items = results.flatMap((r) => r.items);
  const seen = new Set(items.map(keyOf));
  const notFound = new Set(results.flatMap((r) => r.missing));
  return { items, missing: wanted.filter((key) => notFound.has(key) || !seen.has(key)) };
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

/**
 * Launch templates tagged `tagKey` with one of `values`: DescribeLaunchTemplates
 * with a `tag:<key>` filter, 200 values a call (our cap, as for ids), paged.
 * One call for a page of launch configurations (which ones a
 * migration superseded).
 */
export async function describeLaunchTemplatesTagged(ec2: EC2Client, tagKey: string, values: readonly string[]): Promise<LaunchTemplate[]> {
  const out: LaunchTemplate[] = [];
  for (const part of chunk(unique(values), LAUNCH_TEMPLATES_PAGE_SIZE)) {
    const input = { Filters: [{ Name: `tag:${tagKey}`, Values: part }] };
    const pages = pageItems({
      operation: 'DescribeLaunchTemplates',
      detail: `tagged ${tagKey} (${describeDetail('values', part)})`,
      sizes: pageSizeLadder(LAUNCH_TEMPLATES_PAGE_SIZE, LAUNCH_TEMPLATES_MIN_PAGE_SIZE),
      open: (size, startingToken, withCommand) => paginateDescribeLaunchTemplates({ client: ec2, pageSize: size, startingToken, withCommand }, { ...input }),
      items: (page) => page.LaunchTemplates,
    });
    for await (const page of pages) out.push(...page);
  }
  return out;
}
