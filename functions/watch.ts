/**
 * The watch, two inputs:
 * - the schedule (IMDS_GUARD_WATCH_SCHEDULE, default every 15 minutes): the
 *   instances imds-guard switched to IMDSv2 and still watches are checked for
 *   rejected IMDSv1 calls (shared/watch), and the account-region's
 *   graduation to IMDSv2 enforcement, if one is being watched, is closed when
 *   its window passed clean (shared/watch/account). When nothing is watched
 *   the run is one DescribeInstances, filtered on the tag, and one GetObject
 *   of the enforcement record;
 * - launches AWS refused because the account enforces IMDSv2 (the member
 *   stack's refused-launch rules: failed RunInstances/CreateFleet calls, Auto
 *   Scaling launch failures): inside a graduation's guard window they roll
 *   the enforcement back (IMDS_GUARD_ROLLBACK=auto) or mark it (alert). The
 *   account default's finding says so when it is next published: at once
 *   after a switch-off (its ModifyInstanceMetadataDefaults call reaches the
 *   events function, which reads the record), else at the next sweep.
 *
 * A write that failed makes the run fail (logged, function-errors alarm); the
 * next run retries it (the instance keeps its watch record; a refused-launch
 * event is retried by Lambda's asynchronous retries).
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../shared/aws/clients.js';
import { lambdaHandler } from '../shared/lambda/handler.js';
import { lambdaScope } from '../shared/lambda/context.js';
import { logger } from '../shared/observability/log.js';
import { loadPolicy } from '../shared/policy.js';
import type { Scope } from '../shared/model.js';
import { traced } from '../shared/lambda/trace.js';
import { runWatch } from '../shared/watch/index.js';
import { createRejectedCalls } from '../shared/watch/metrics.js';
import { publishWatchMetrics, summarize, type WatchSummary } from '../shared/watch/report.js';
import { isLaunchEvent, refusedLaunches } from '../shared/watch/account/launches.js';
import type { EnforcementStore } from '../shared/watch/account/record.js';
import { enforcementStoreFromEnv } from '../shared/watch/account/store.js';
import { onRefusedLaunches, runAccountWatch, type AccountWatchDeps, type AccountWatchResult } from '../shared/watch/account/watch.js';

const policy = loadPolicy();
const clients = traced(createClients(process.env.AWS_REGION ?? 'us-east-1'));

/** Logger context, metrics flush (shared/lambda/handler.ts), as every entry point. */
export const handler = lambdaHandler(handle);

type WatchOutput = { status: 'done' | 'ignored'; reason?: string; account?: AccountWatchResult } & Partial<WatchSummary>;

async function handle(event: unknown, context: Context): Promise<WatchOutput> {
  const scope = lambdaScope(context); // fails early on a malformed invocation context, like every entry point
  const store = enforcementStoreFromEnv(scope);
  if (isLaunchEvent(event)) return onLaunchEvent(event, scope, store);

  const results = await runWatch({ ec2: clients.ec2, rejectedCalls: createRejectedCalls(clients.cloudWatch), policy, now: () => new Date() });
  const summary = summarize(results);
  const account = store ? await runAccountWatch(accountDeps(scope, store)) : undefined;
  publishWatchMetrics(summary, account);
  logger.info('watch done', { ...summary, ...(account ? { account: account.action, accountMessage: account.message } : {}) });
  const failures = [
    ...results.filter((r) => !r.ok && r.wrote && r.rollback !== 'refused').map((r) => `${r.instanceId}: ${r.message}`),
    ...(account && !account.ok ? [`account-region: ${account.message}`] : []),
  ];
  if (failures.length > 0) throw new Error(`watch: ${failures.length} could not be rolled back, marked or cleared: ${failures.join(' | ')}`);
  return { status: 'done', ...summary, ...(account ? { account } : {}) };
}

/** A launch EC2 or Auto Scaling reports as failed: the breakage signal after a graduation, when enforcement refused it. */
async function onLaunchEvent(event: unknown, scope: Scope, store: EnforcementStore | undefined): Promise<WatchOutput> {
  const parsed = refusedLaunches(event, scope);
  if (!parsed.ok) {
    logger.debug('launch event ignored', { reason: parsed.reason });
    return { status: 'ignored', reason: parsed.reason };
  }
  if (!store) {
    logger.error('launches refused by IMDSv2 enforcement, but no enforcement record here (IMDS_GUARD_STATE_BUCKET unset): not judged', { launches: parsed.launches });
    return { status: 'ignored', reason: 'no enforcement record (IMDS_GUARD_STATE_BUCKET unset)' };
  }
  const account = await onRefusedLaunches(parsed.launches, accountDeps(scope, store));
  publishWatchMetrics(summarize([]), account);
  logger[account.ok ? 'info' : 'error']('refused launches', { action: account.action, message: account.message, refused: account.refused });
  if (!account.ok) throw new Error(`watch after graduation: ${account.message}`);
  return { status: 'done', account };
}

function accountDeps(scope: Scope, store: EnforcementStore): AccountWatchDeps {
  return { ec2: clients.ec2, store, policy, scope, now: () => new Date() };
}
