/**
 * Scheduled watch (IMDS_GUARD_WATCH_SCHEDULE, default every 15 minutes): the
 * instances imds-guard switched to IMDSv2 and still watches are checked for
 * rejected IMDSv1 calls (shared/watch). When no instance is inside its
 * guard window the run is one DescribeInstances, filtered on the tag.
 *
 * A write that failed makes the run fail (logged, function-errors alarm); the
 * next run retries it, because the watch record stays on the instance.
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../shared/aws/clients.js';
import { lambdaHandler } from '../shared/lambda/handler.js';
import { lambdaScope } from '../shared/lambda/context.js';
import { logger } from '../shared/observability/log.js';
import { loadPolicy } from '../shared/policy.js';
import { traced } from '../shared/lambda/trace.js';
import { runWatch } from '../shared/watch/index.js';
import { createRejectedCalls } from '../shared/watch/metrics.js';
import { publishWatchMetrics, summarize, type WatchSummary } from '../shared/watch/report.js';

const policy = loadPolicy();
const clients = traced(createClients(process.env.AWS_REGION ?? 'us-east-1'));

/** Logger context, metrics flush (shared/lambda/handler.ts), as every entry point. */
export const handler = lambdaHandler(handle);

async function handle(_event: unknown, context: Context): Promise<{ status: 'done' } & WatchSummary> {
  lambdaScope(context); // fails early on a malformed invocation context, like every entry point
  const results = await runWatch({ ec2: clients.ec2, rejectedCalls: createRejectedCalls(clients.cloudWatch), policy, now: () => new Date() });
  const summary = summarize(results);
  publishWatchMetrics(summary);
  logger.info('watch done', { ...summary });
  if (summary.writeFailures > 0) {
    throw new Error(`watch: ${summary.writeFailures} instance(s) could not be rolled back, marked or cleared: ${results.filter((r) => !r.ok && r.wrote).map((r) => `${r.instanceId}: ${r.message}`).join(' | ')}`);
  }
  return { status: 'done', ...summary };
}
