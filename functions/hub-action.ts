/**
 * Security Hub custom action "Enforce IMDSv2 (org)" of the hub stack, in the
 * Security Hub administrator account: findings of any account of the
 * organization (its own included) are acted on through the member role of
 * their account (shared/custom-action/member.ts), with the same gates as the
 * member stack's action; the outcome is noted on the selected findings.
 *
 * Its own role only assumes member roles, asks Organizations whether an
 * account is a member and notes findings (infra/hub.ts); everything else this
 * bundle sends is sent with a member role's credentials.
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { createClient, createClients } from '../shared/aws/clients.js';
import { loadActionSettings } from '../shared/custom-action/parse.js';
import { memberAccess } from '../shared/custom-action/member.js';
import { handleCustomAction } from '../shared/custom-action/run.js';
import { lambdaHandler } from '../shared/lambda/handler.js';
import { lambdaScope } from '../shared/lambda/context.js';
import { loadPolicy } from '../shared/policy.js';
import type { HandlerResult } from '../shared/lambda/results.js';
import { traced } from '../shared/lambda/trace.js';

const policy = loadPolicy();
const settings = loadActionSettings();
const region = process.env.AWS_REGION ?? 'us-east-1';
// Only the clients the hub's own role uses; the same timeouts and checks as shared/aws/clients.ts.
const securityHub = createClient(SecurityHubClient, region);
const sts = createClient(STSClient, region);
const organizations = createClient(OrganizationsClient, region);

/** Logger context, metrics flush (shared/lambda/handler.ts). */
export const handler = lambdaHandler(handle);

async function handle(event: unknown, context: Context): Promise<HandlerResult> {
  const scope = lambdaScope(context);
  return handleCustomAction(event, (actor) => ({
    scope,
    securityHub,
    member: memberAccess({ settings, policy, actor, sts, organizations, clientsFor: (r, credentials) => traced(createClients(r, credentials)) }),
  }));
}
