/**
 * Security Hub custom action ("Enforce IMDSv2") → the same pipeline, as an
 * explicit human request: it may override the mode (works in `detect` and
 * `dry-run`) and the usage-unknown gate, never the exemption tag nor recorded
 * IMDSv1 use (see shared/decide.ts).
 *
 * Deployed twice: in the member stack (acts on its own account and region,
 * `IMDS_GUARD_ACTION_SCOPE=account`) and in the hub stack of the Security Hub
 * administrator (acts on any account of the organization through the member
 * role, `IMDS_GUARD_ACTION_SCOPE=organization`); see shared/custom-action-run.ts.
 *
 * EventBridge event: `detail-type: Security Hub Findings - Custom Action`,
 * `resources[0]` the action target ARN, `detail.actionName`,
 * `detail.findings[]` the selected ASFF findings. Only identifiers are taken
 * from the findings; the resources are described afresh.
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { clientConfig, createClients } from '../shared/aws/clients.js';
import { loadActionSettings, readCustomAction } from '../shared/custom-action.js';
import { runCustomAction } from '../shared/custom-action-run.js';
import { lambdaScope } from '../shared/lambda.js';
import { errorFields, logger } from '../shared/log.js';
import { loadPolicy } from '../shared/policy.js';
import { failIfUnpublished, type HandlerResult } from '../shared/results.js';

const policy = loadPolicy();
const settings = loadActionSettings();
const region = process.env.AWS_REGION ?? 'us-east-1';
const clients = createClients(region);
const sts = new STSClient(clientConfig(region));
const organizations = new OrganizationsClient(clientConfig(region));

export async function handler(event: unknown, context: Context): Promise<HandlerResult> {
  const scope = lambdaScope(context);
  const request = readCustomAction(event);
  if ('error' in request) {
    logger.error('custom action rejected', { reason: request.error });
    return { status: 'rejected', reason: request.error };
  }
  for (const skipped of request.ignored) logger.info('finding ignored', { ...skipped, action: request.actionName });
  if (request.selected.length === 0) {
    return { status: 'ignored', reason: `no imds-guard or Security Hub EC2.8/EC2.170/AutoScaling.3 finding among the ${request.ignored.length} selected` };
  }

  try {
    const run = await runCustomAction(request.selected, {
      scope,
      policy,
      settings,
      own: clients,
      sts,
      organizations,
      clientsFor: createClients,
      actor: `Security Hub custom action "${request.actionName}"`,
    });
    failIfUnpublished(run.notes, ...run.local);
    if (run.places.every((p) => p.status === 'out-of-scope')) {
      return { status: 'ignored', reason: run.places.map((p) => p.reason).join('; ') };
    }
    const reports = run.places.flatMap((p) => p.result?.reports ?? []);
    const refused = run.places.filter((p) => p.status !== 'done');
    return {
      status: 'done',
      evaluated: reports.length,
      nonCompliant: reports.filter((r) => r.verdict.compliance === 'NON_COMPLIANT').length,
      remediated: reports.filter((r) => r.outcome?.status === 'remediated').length,
      findingsPublished: run.local.reduce((n, r) => n + (r?.published ?? 0), 0),
      ...(refused.length ? { reason: refused.map((p) => `${p.account}/${p.region}: ${p.reason}`).join('; ') } : {}),
    };
  } catch (error) {
    logger.error('custom action failed', { ...errorFields(error), selected: request.selected.map((s) => s.ref), action: request.actionArn });
    throw error;
  }
}
