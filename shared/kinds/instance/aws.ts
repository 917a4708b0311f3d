/**
 * The instance kind's EC2 calls: DescribeInstances by id (chunks of ≤1000, unknown ids survive) and the paged listing (≤1000 a page). Returns SDK shapes; translate.ts makes subjects.
 */
import { type EC2Client, type Instance, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { AwsCallError, chunk, describeSurvivingMissing, mapLimit, ownInput } from '../../aws/batch.js';
import { pageItems, pageSizeLadder } from '../../aws/pages.js';
import { type BatchOptions, DEFAULT_CONCURRENCY, describeDetail, foundAndMissing, unique } from '../../aws/ec2.js';

/** DescribeInstances: at most 1000 explicitly specified instance ids a call; a listing page's MaxResults is 5..1000. */
const DESCRIBE_INSTANCES = { maxIds: 1000, pageSize: 1000, minPageSize: 5 } as const;

export const INSTANCE_NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'InvalidInstanceID.NotFound',
  'InvalidInstanceID.Malformed',
]);

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
  const chunks = chunk(wanted, DESCRIBE_INSTANCES.maxIds);
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

/** Every instance in the region, one DescribeInstances page (≤1000) at a time; smaller pages when a full one times out. */
export async function* pageInstances(ec2: EC2Client, pageSize = DESCRIBE_INSTANCES.pageSize): AsyncGenerator<Instance[]> {
  yield* pageItems({
    operation: 'DescribeInstances',
    detail: 'listing',
    sizes: pageSizeLadder(pageSize, DESCRIBE_INSTANCES.minPageSize),
    open: (size, startingToken, withCommand) => paginateDescribeInstances({ client: ec2, pageSize: size, startingToken, withCommand }, {}),
    items: (out) => out.Reservations?.flatMap((r) => r.Instances ?? []),
  });
}
