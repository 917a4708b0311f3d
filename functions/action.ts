/**
 * Security Hub custom action ("Enforce IMDSv2") → the same pipeline, as an
 * explicit human request: it may override the mode (works in `detect` and
 * `dry-run`) and the usage-unknown gate, never the exemption tag nor recorded
 * IMDSv1 use (see shared/decide.ts).
 *
 * EventBridge event: `detail-type: Security Hub Findings - Custom Action`,
 * `resources[0]` the action target ARN, `detail.actionName`,
 * `detail.findings[]` the selected ASFF findings. Only identifiers are taken
 * from the findings; the resources are described afresh.
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../shared/aws/clients.js';
import { lambdaHandler } from '../shared/handler.js';
import { traced } from '../shared/trace.js';
import { readCustomAction } from '../shared/custom-action.js';
import { lambdaScope } from '../shared/lambda.js';
import { errorFields, logger } from '../shared/log.js';
import { runPipeline } from '../shared/pipeline.js';
import { loadPolicy } from '../shared/policy.js';
import { failIfUnpublished, summarise, type HandlerResult } from '../shared/results.js';
import { pipelineDeps } from '../shared/wiring.js';

const policy = loadPolicy();
const clients = traced(createClients(process.env.AWS_REGION ?? 'us-east-1'));

/** Logger context, metrics flush (shared/handler.ts). */
export const handler = lambdaHandler(handle);

async function handle(event: unknown, context: Context): Promise<HandlerResult> {
  const scope = lambdaScope(context);
  const request = readCustomAction(event, scope);
  if ('error' in request) {
    logger.error('custom action rejected', { reason: request.error });
    return { status: 'rejected', reason: request.error };
  }
  for (const skipped of request.ignored) logger.info('finding ignored', { ...skipped, action: request.actionName });
  if (request.refs.length === 0) {
    return { status: 'ignored', reason: `no imds-guard finding of ${scope.account}/${scope.region} among the ${request.ignored.length} selected` };
  }

  const deps = pipelineDeps(clients, {
    ...scope,
    policy,
    findings: true,
    remediation: true,
    actor: `Security Hub custom action "${request.actionName}"`,
    publisher: 'action',
  });
  try {
    const result = await runPipeline(request.refs, deps, { humanRequest: true });
    failIfUnpublished(result.findings, result.annotations);
    return summarise(result);
  } catch (error) {
    logger.error('custom action failed', { ...errorFields(error), refs: request.refs, action: request.actionArn });
    throw error;
  }
}
