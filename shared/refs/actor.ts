/** Who made a CloudTrail call, from its `userIdentity`. Pure; a leaf module (no catalog), so light readers can use it. */
import { own as prop, stringAt } from './paths.js';
import type { Actor } from './types.js';

/** The caller of a CloudTrail record, from `userIdentity`. */
export function actorOf(detail: unknown): Actor {
  const identity = prop(detail, 'userIdentity');
  const actor: Actor = {};
  const arn = stringAt(identity, 'arn');
  const issuerArn = stringAt(identity, 'sessionContext.sessionIssuer.arn');
  const type = stringAt(identity, 'type');
  const invokedBy = stringAt(identity, 'invokedBy');
  if (arn !== undefined) actor.arn = arn;
  if (issuerArn !== undefined) actor.issuerArn = issuerArn;
  if (type !== undefined) actor.type = type;
  if (invokedBy !== undefined) actor.invokedBy = invokedBy;
  return actor;
}

/** Whether Auto Scaling made the call on the customer's behalf (e.g. RunInstances for a group). */
export function byAutoScaling(actor: Actor): boolean {
  return (
    actor.invokedBy === 'autoscaling.amazonaws.com' ||
    (actor.issuerArn?.endsWith(':role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling') ?? false)
  );
}
