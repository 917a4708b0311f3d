/**
 * Scheduled full reconcile of one account and region: every instance, launch
 * template, launch configuration and the account default goes through the
 * pipeline page by page (findings, and remediation when the policy allows),
 * then findings of resources that no longer exist are archived.
 *
 * Stateless on purpose: a run cut short by the Lambda timeout leaves nothing
 * half-done that the next run does not simply redo.
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../shared/aws/clients.js';
import { lambdaHandler } from '../shared/handler.js';
import { traced } from '../shared/trace.js';
import { createInventory } from '../shared/inventory.js';
import { lambdaScope } from '../shared/lambda.js';
import { errorFields, logger } from '../shared/log.js';
import type { HandlerResult } from '../shared/results.js';
import { loadPolicy } from '../shared/policy.js';
import { sweep } from '../shared/sweep.js';
import { pipelineDeps } from '../shared/wiring.js';
import { createSecurityHubFindingIndex } from '../shared/sinks/securityhub.js';

const policy = loadPolicy();
const clients = traced(createClients(process.env.AWS_REGION ?? 'us-east-1'));

/** Logger context, metrics flush (shared/handler.ts). */
export const handler = lambdaHandler(handle);

async function handle(_event: unknown, context: Context): Promise<HandlerResult> {
  const scope = lambdaScope(context);
  const deps = pipelineDeps(clients, {
    ...scope,
    policy,
    findings: true,
    remediation: policy.mode !== 'detect',
    actor: `imds-guard (${policy.mode} mode, scheduled sweep)`,
  });
  try {
    const summary = await sweep({
      inventory: createInventory(clients, scope),
      deps,
      activeFindings: createSecurityHubFindingIndex(clients.securityHub, scope),
    });
    logger.info('sweep done', { ...summary });
    return { status: 'done', ...summary };
  } catch (error) {
    logger.error('sweep failed', errorFields(error));
    throw error;
  }
}
