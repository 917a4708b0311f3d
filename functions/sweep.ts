/**
 * Scheduled full reconcile of one account and region: every instance, launch
 * template, launch configuration and the account default goes through the
 * pipeline page by page (findings, and remediation when the policy allows),
 * then findings of resources that no longer exist are archived.
 *
 * Stateless on purpose: a run cut short by the Lambda timeout leaves nothing
 * half-done that the next run does not simply redo.
 *
 * A kind that cannot be listed makes the run `partial` (the other kinds are
 * published, that kind's findings stay as they are), not a failed invocation
 * that Lambda would retry to the same end; the run fails when no kind could
 * be read, or when findings could not be published.
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../shared/aws/clients.js';
import { lambdaHandler } from '../shared/lambda/handler.js';
import { traced } from '../shared/lambda/trace.js';
import { createInventory } from '../shared/wiring/inventory.js';
import { lambdaScope } from '../shared/lambda/context.js';
import { errorFields, logger } from '../shared/observability/log.js';
import type { HandlerResult } from '../shared/lambda/results.js';
import { loadPolicy } from '../shared/policy.js';
import { sweep } from '../shared/engine/sweep.js';
import { automaticDeps } from '../shared/wiring/pipeline-deps.js';
import { createSecurityHubFindingIndex } from '../shared/sinks/securityhub.js';
import { runWatch } from '../shared/watch/index.js';
import { createRejectedCalls } from '../shared/watch/metrics.js';
import { publishWatchMetrics, summarize } from '../shared/watch/report.js';
import { openChangeFilter, refreshDaysFromEnv } from '../shared/sinks/published.js';
import { publishedStoreFromEnv } from '../shared/sinks/published-state.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../shared/aws/s3.js';
import { enforcementStoreFromEnv } from '../shared/watch/account/store.js';

const policy = loadPolicy();
const clients = traced(createClients(process.env.AWS_REGION ?? 'us-east-1'));
const refreshDays = refreshDaysFromEnv();
let s3: S3Client | undefined;

/** Logger context, metrics flush (shared/lambda/handler.ts). */
export const handler = lambdaHandler(handle);

async function handle(_event: unknown, context: Context): Promise<HandlerResult> {
  const scope = lambdaScope(context);
  // The enforcement record lives in the same bucket: the account default's finding and a graduation carry it.
  const enforcement = enforcementStoreFromEnv(scope, process.env, () => (s3 ??= createS3Client(clients.region)));
  const deps = automaticDeps(clients, scope, policy, 'scheduled sweep', 'sweep', enforcement);
  // The watch first, so a rollback's mark is on the instance before the sweep decides about it.
  try {
    const watched = summarize(await runWatch({ ec2: clients.ec2, rejectedCalls: createRejectedCalls(clients.cloudWatch), policy, now: () => new Date() }));
    publishWatchMetrics(watched);
    if (watched.watched > 0) logger.info('watch done', { ...watched });
  } catch (error) {
    // The sweep still runs: a watched instance keeps its record and the scheduled watch retries.
    logger.error('watch failed before the sweep', errorFields(error));
  }
  try {
    // The state bucket the template sets (IMDS_GUARD_STATE_BUCKET), else our own findings read back.
    const store = publishedStoreFromEnv({ securityHub: clients.securityHub, s3: () => (s3 ??= createS3Client(clients.region)) }, scope);
    const changes = await openChangeFilter(store, { ...scope, refreshDays, now: new Date() });
    const summary = await sweep({
      changes,
      inventory: createInventory(clients, { ...scope, ...(enforcement ? { enforcement } : {}) }),
      deps,
      activeFindings: createSecurityHubFindingIndex(clients.securityHub, scope),
    });
    const status = summary.unread ? 'partial' : 'done';
    const fields = { ...summary, state: store.where, stateKnown: changes.known, decisions: changes.counts };
    if (status === 'partial') logger.warn('sweep partial: some kinds could not be read', fields);
    else logger.info('sweep done', fields);
    return { status, ...summary };
  } catch (error) {
    logger.error('sweep failed', errorFields(error));
    throw error;
  }
}
