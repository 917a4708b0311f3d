/**
 * EventBridge → refs → pipeline → Security Hub findings (+ remediation when
 * the policy allows). Thin: all judgement lives in shared/.
 *
 * Bad input is logged and acknowledged (no retry storm); a failure to publish
 * is thrown so Lambda's asynchronous retries, then the dead-letter queue, keep
 * the event (the pipeline is idempotent, so a retry cannot double anything).
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../shared/aws/clients.js';
import { lambdaHandler } from '../shared/handler.js';
import { traced } from '../shared/trace.js';
import { isOwnChange, lambdaScope } from '../shared/lambda.js';
import { errorFields, logger } from '../shared/log.js';
import { runPipeline } from '../shared/pipeline.js';
import { loadPolicy } from '../shared/policy.js';
import { parseEvent } from '../shared/refs/parse.js';
import { failIfUnpublished, summarise, type HandlerResult } from '../shared/results.js';
import { pipelineDeps } from '../shared/wiring.js';

const policy = loadPolicy();
const clients = traced(createClients(process.env.AWS_REGION ?? 'us-east-1'));

/** Logger context, metrics flush (shared/handler.ts). */
export const handler = lambdaHandler(handle);

async function handle(event: unknown, context: Context): Promise<HandlerResult> {
  const scope = lambdaScope(context);
  const parsed = parseEvent(event, scope);
  if (!parsed.ok) {
    const fields = { reason: parsed.reason, source: parsed.source, eventName: parsed.eventName };
    // Routine (a failed call, a resize that names no launch settings): debug, not an alarm.
    if (parsed.ignored) logger.debug('event ignored', fields);
    else logger.error('event rejected', { ...fields, event: preview(event) });
    return { status: parsed.ignored ? 'ignored' : 'rejected', reason: parsed.reason };
  }
  for (const rejected of parsed.rejected) logger.warn('id rejected', { ...rejected, eventName: parsed.eventName });

  const deps = pipelineDeps(clients, {
    ...scope,
    policy,
    findings: true,
    remediation: policy.mode !== 'detect',
    actor: `imds-guard (${policy.mode} mode, on ${parsed.eventName ?? parsed.source})`,
  });
  try {
    const result = await runPipeline(parsed.refs, deps, { ownChange: isOwnChange(parsed.actor?.issuerArn) });
    failIfUnpublished(result.findings, result.annotations);
    return summarise(result);
  } catch (error) {
    logger.error('pipeline failed', { ...errorFields(error), refs: parsed.refs, eventName: parsed.eventName });
    throw error;
  }
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
