/**
 * Small facts about the Lambda environment that several entry points need.
 */
import type { Context } from 'aws-lambda';
import type { Scope } from '../model.js';

/** The function's own account and region: events from elsewhere are not acted on. */
export function lambdaScope(context: Pick<Context, 'invokedFunctionArn'>): Scope {
  // arn:aws:lambda:us-east-1:123456789012:function:name
  const [, , , region, account] = context.invokedFunctionArn.split(':');
  if (!region || !account) throw new Error(`cannot read account and region from ${context.invokedFunctionArn}`);
  return { account, region };
}

/**
 * Every imds-guard role lives under the IAM path `/imds-guard/` (infra/), so a
 * CloudTrail record whose session issuer is such a role is our own change.
 */
export const OWN_ROLE_PATH = '/imds-guard/';

export function isOwnChange(roleArn: string | undefined): boolean {
  return roleArn !== undefined && roleArn.includes(`:role${OWN_ROLE_PATH}`);
}
