/**
 * Instances found by filter (tags, states) and optionally by id, page by page
 * through the SDK paginator: what the watch, the waves and `rollback` look
 * up. Its own module so that functions bundling it carry DescribeInstances
 * only (test/infra/permissions.test.ts), not the rest of ./ec2.ts.
 */
import { paginateDescribeInstances, type EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { chunk } from './batch.js';
import { pageItems, pageSizeLadder } from './pages.js';

/** DescribeInstances: at most 1000 ids a call, and at most 1000 results a page. */
const MAX_IDS = 1000;
const PAGE_SIZE = 1000;
const MIN_PAGE_SIZE = 5;

/** The `instance-state-name` values of instances that still exist (terminated ones are gone for good). */
export const EXISTING_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/**
 * The instances matching `filters`, a page at a time. With `instanceIds`,
 * ≤ 1000 ids a call and no page size (EC2 refuses MaxResults together with
 * InstanceIds); without, ≤ 1000 instances a page.
 */
export async function* pageInstancesWhere(ec2: Pick<EC2Client, 'send'>, filters: Filter[], instanceIds: readonly string[] = []): AsyncGenerator<Instance[]> {
  const batches: (string[] | undefined)[] = instanceIds.length > 0 ? chunk(instanceIds, MAX_IDS) : [undefined];
  for (const ids of batches) {
    const input = { Filters: filters, ...(ids ? { InstanceIds: ids } : {}) };
    yield* pageItems({
      operation: 'DescribeInstances',
      detail: `${filters.map((f) => f.Name).join(', ')}${ids ? `, ${ids.length} ids` : ''}`,
      // With ids there is no page size to lower (EC2 refuses MaxResults with InstanceIds).
      sizes: ids ? [] : pageSizeLadder(PAGE_SIZE, MIN_PAGE_SIZE),
      // Every caller passes a real client; the SDK paginator checks it.
      open: (size, startingToken, withCommand) =>
        paginateDescribeInstances({ client: ec2 as EC2Client, pageSize: size, startingToken, withCommand }, { ...input }),
      items: (out) => out.Reservations?.flatMap((r) => r.Instances ?? []),
    });
  }
}
