/**
 * EventBridge → refs → pipeline → Security Hub findings (+ remediation when
 * the policy allows). Thin: all judgement lives in shared/.
 *
 * Two inputs:
 * - one EventBridge event (a rule targeting the function directly): bad
 *   input is logged and acknowledged; a failure to publish is thrown, so
 *   Lambda's asynchronous retries, then the dead-letter queue, keep it;
 * - an SQS batch (the templates route the rules through a queue with a
 *   batching window, IMDS_GUARD_BATCH_WINDOW_SECONDS): every record's body is
 *   an EventBridge event; the refs of all records go through ONE pipeline
 *   run, and only the records whose findings failed are reported back
 *   (`batchItemFailures`) for the queue to redeliver, then dead-letter.
 *   Unreadable records are logged with their messageId and dropped.
 *
 * The pipeline is idempotent, so a redelivered record cannot double anything.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { createClients } from '../shared/aws/clients.js';
import { lambdaHandler } from '../shared/lambda/handler.js';
import { traced } from '../shared/lambda/trace.js';
import { isOwnChange, lambdaScope } from '../shared/lambda/context.js';
import type { Scope } from '../shared/model.js';
import { errorFields, logger } from '../shared/observability/log.js';
import { runPipeline } from '../shared/engine/pipeline.js';
import { loadPolicy } from '../shared/policy.js';
import type { PublishResult } from '../shared/engine/ports.js';
import { failedRecords, isSqsBatch, mergedRefs, readBatch } from '../shared/lambda/queue.js';
import { parseEvent } from '../shared/refs/parse.js';
import { failIfUnpublished } from '../shared/engine/unpublished.js';
import { summarise, type HandlerResult } from '../shared/lambda/results.js';
import { automaticDeps } from '../shared/wiring/pipeline-deps.js';
import { enforcementStoreFromEnv } from '../shared/watch/account/store.js';

const policy = loadPolicy();
const clients = traced(createClients(process.env.AWS_REGION ?? 'us-east-1'));
const processor = new BatchProcessor(EventType.SQS);

/** Logger context, metrics flush (shared/lambda/handler.ts). */
export const handler = lambdaHandler(handle);

async function handle(event: unknown, context: Context): Promise<HandlerResult | SQSBatchResponse> {
  const scope = lambdaScope(context);
  if (isSqsBatch(event)) return handleBatch(event.Records, scope, context);
  const parsed = parseEvent(event, scope);
  if (!parsed.ok) {
    const fields = { reason: parsed.reason, source: parsed.source, eventName: parsed.eventName };
    // Routine (a failed call, a resize that names no launch settings): debug, not an alarm.
    if (parsed.ignored) logger.debug('event ignored', fields);
    else logger.error('event rejected', { ...fields, event: preview(event) });
    return { status: parsed.ignored ? 'ignored' : 'rejected', reason: parsed.reason };
  }
  for (const rejected of parsed.rejected) logger.warn('id rejected', { ...rejected, eventName: parsed.eventName });

  // The state bucket's enforcement record: the account default's finding and a graduation carry it.
  const deps = automaticDeps(clients, scope, policy, `on ${parsed.eventName ?? parsed.source}`, undefined, enforcementStoreFromEnv(scope));
  try {
    const result = await runPipeline(parsed.refs, deps, { ownChange: isOwnChange(parsed.actor?.issuerArn), dependants: true });
    failIfUnpublished(result.findings, result.annotations);
    return summarise(result);
  } catch (error) {
    logger.error('pipeline failed', { ...errorFields(error), refs: parsed.refs, eventName: parsed.eventName });
    throw error;
  }
}

/**
 * One pipeline run for the whole batch (two when it mixes our own changes
 * with others', since loop prevention is decided per run). Powertools'
 * BatchProcessor handles records one at a time, which would cost one
 * DescribeInstances per record; so the merged run happens first, and the
 * processor is given a record handler that only reports each record's result.
 * That keeps Powertools' response shape and its full-batch-failure rule (the
 * whole batch is retried when every record failed).
 */
async function handleBatch(records: SQSRecord[], scope: Scope, context: Context): Promise<SQSBatchResponse> {
  const { events, dropped } = readBatch(records, scope);
  for (const d of dropped) {
    if (d.ignored) logger.info('queued event ignored', { messageId: d.messageId, reason: d.reason });
    else logger.error('queued record dropped: not an event imds-guard can read', { messageId: d.messageId, reason: d.reason });
  }
  for (const e of events) for (const rejected of e.rejected) logger.warn('id rejected', { ...rejected, messageId: e.messageId, eventName: e.eventName });

  const failed = new Map<string, string>();
  for (const ownChange of [false, true]) {
    const group = events.filter((e) => e.ownChange === ownChange);
    const refs = mergedRefs(group);
    if (refs.length === 0) continue;
    const deps = automaticDeps(clients, scope, policy, `on ${group.length} queued event${group.length === 1 ? '' : 's'}`, undefined, enforcementStoreFromEnv(scope));
    let results: (PublishResult | undefined)[];
    try {
      const result = await runPipeline(refs, deps, { ownChange, dependants: true });
      results = [result.findings, result.annotations];
      logger.info('batch done', { records: group.length, resources: refs.length, ...summarise(result) });
    } catch (error) {
      logger.error('pipeline failed for a batch; its records go back to the queue', { ...errorFields(error), records: group.length, resources: refs.length });
      for (const e of group) failed.set(e.messageId, error instanceof Error ? error.message : String(error));
      continue;
    }
    for (const [messageId, why] of failedRecords(group, results)) failed.set(messageId, why);
  }
  if (failed.size > 0) logger.warn('records to retry', { count: failed.size, failed: [...failed].slice(0, 20).map(([messageId, reason]) => ({ messageId, reason })) });

  return processPartialResponse(
    { Records: records },
    (record: SQSRecord) => {
      const why = failed.get(record.messageId);
      if (why !== undefined) throw new Error(why);
    },
    processor,
    { context },
  );
}

/** Enough of a bad event to recognise it in the logs, never megabytes of it. */
function preview(event: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(event) ?? String(event);
  } catch {
    text = String(event);
  }
  return text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} chars)` : text;
}
