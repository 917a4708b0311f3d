/**
 * The launch-configuration kind's own Auto Scaling call: the paged listing (MaxRecords ≤100, degrading to smaller pages on timeouts). Look-ups by name are shared with the group kind (shared/aws/autoscaling.ts).
 */
import { type AutoScalingClient, type LaunchConfiguration, paginateDescribeLaunchConfigurations } from '@aws-sdk/client-auto-scaling';
import { pageItems, pageSizeLadder } from '../../aws/pages.js';
import { AUTO_SCALING_MIN_PAGE_SIZE, AUTO_SCALING_PAGE_SIZE } from '../../aws/autoscaling.js';

/** Every launch configuration in the region, one page (≤100) at a time; smaller pages when a full one times out. */
export async function* pageLaunchConfigurations(
  autoScaling: AutoScalingClient,
  pageSize = AUTO_SCALING_PAGE_SIZE,
): AsyncGenerator<LaunchConfiguration[]> {
  yield* pageItems({
    operation: 'DescribeLaunchConfigurations',
    detail: 'listing',
    sizes: pageSizeLadder(pageSize, AUTO_SCALING_MIN_PAGE_SIZE),
    open: (size, startingToken, withCommand) => paginateDescribeLaunchConfigurations({ client: autoScaling, pageSize: size, startingToken, withCommand }, {}),
    items: (out) => out.LaunchConfigurations,
  });
}
