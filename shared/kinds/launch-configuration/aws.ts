/**
 * The launch-configuration kind's own Auto Scaling call: the paged listing (MaxRecords ≤100). Look-ups by name are shared with the group kind (shared/aws/autoscaling.ts).
 */
import { type AutoScalingClient, type LaunchConfiguration, paginateDescribeLaunchConfigurations } from '@aws-sdk/client-auto-scaling';
import { ownInput } from '../../aws/batch.js';
import { pageItems } from '../../aws/pages.js';
import { AUTO_SCALING_PAGE_SIZE } from '../../aws/autoscaling.js';

/** Every launch configuration in the region, one page (≤100) at a time. */
export async function* pageLaunchConfigurations(
  autoScaling: AutoScalingClient,
  pageSize = AUTO_SCALING_PAGE_SIZE,
): AsyncGenerator<LaunchConfiguration[]> {
  const pages = paginateDescribeLaunchConfigurations({ client: autoScaling, pageSize, withCommand: ownInput }, {});
  yield* pageItems(pages, (out) => out.LaunchConfigurations, 'DescribeLaunchConfigurations', `listing, page size ${pageSize}`);
}
