/**
 * Security Hub custom action ("Enforce IMDSv2") of the member stack → the
 * same pipeline, as an explicit human request: it may override the mode
 * (works in `detect` and `dry-run`) and the usage-unknown gate, never the
 * exemption tag nor recorded IMDSv1 use (see shared/engine/decide.ts).
 *
 * Acts on findings of its own account and region only, with its own role
 * (imds-guard's findings and Security Hub's EC2.8 / EC2.170 / AutoScaling.3
 * control findings); others are left to the hub's action
 * (functions/hub-action.ts) with a logged reason. See shared/custom-action/run.ts.
 *
 * EventBridge event: `detail-type: Security Hub Findings - Custom Action`,
 * `resources[0]` the action target ARN, `detail.actionName`,
 * `detail.findings[]` the selected ASFF findings. Only identifiers are taken
 * from the findings; the resources are described afresh.
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../shared/aws/clients.js';
import { handleCustomAction } from '../shared/custom-action/run.js';
import { lambdaHandler } from '../shared/lambda/handler.js';
import { traced } from '../shared/lambda/trace.js';
import { lambdaScope } from '../shared/lambda/context.js';
import { runPipeline } from '../shared/engine/pipeline.js';
import { loadPolicy } from '../shared/policy.js';
import type { HandlerResult } from '../shared/lambda/results.js';
import { pipelineDeps } from '../shared/wiring/pipeline-deps.js';
import { enforcementStoreFromEnv } from '../shared/watch/account/store.js';
import type { Scope } from '../shared/model.js';

const policy = loadPolicy();
const clients = traced(createClients(process.env.AWS_REGION ?? 'us-east-1'));

/** The state bucket's enforcement record: a graduation a person asks for is recorded and watched like the pipeline's. */
function withEnforcement(scope: Scope): { enforcement?: ReturnType<typeof enforcementStoreFromEnv> & object } {
  const store = enforcementStoreFromEnv(scope);
  return store ? { enforcement: store } : {};
}

/** Logger context, metrics flush (shared/lambda/handler.ts). */
export const handler = lambdaHandler(handle);

async function handle(event: unknown, context: Context): Promise<HandlerResult> {
  const scope = lambdaScope(context);
  return handleCustomAction(event, (actor) => ({
    scope,
    securityHub: clients.securityHub,
    local: (refs) =>
      runPipeline(
        refs,
        pipelineDeps(clients, { ...scope, policy, findings: true, remediation: true, actor, publisher: 'action', ...withEnforcement(scope) }),
        { humanRequest: true },
      ),
  }));
}
