/**
 * The policy documents both renderings write, built in one place. Each
 * rendering passes values its own way: CloudFormation intrinsics in the
 * member template, strings or resolved outputs in SST.
 */

/** Lambda may assume the role, for functions of this account only (confused-deputy guard). */
export function lambdaTrustPolicy<T>(account: T) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': account } },
      },
    ],
  };
}

/**
 * EventBridge may send to a queue, for the stack's own rules only
 * (aws:SourceArn), the confused-deputy guard the EventBridge user guide gives
 * for SQS targets: the event queue the rules deliver to, and the dead-letter
 * queue they fail over to.
 */
function rulesMaySend<T>(sid: string, queueArn: T, ruleArns: T[]) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: sid,
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
      },
    ],
  };
}

/** EventBridge may dead-letter into the queue, for the stack's own rules only. */
export function deadLetterQueuePolicy<T>(queueArn: T, ruleArns: T[]) {
  return rulesMaySend('EventBridgeDeadLetters', queueArn, ruleArns);
}

/** EventBridge may deliver events to the event queue, for the stack's own rules only. */
export function eventQueuePolicy<T>(queueArn: T, ruleArns: T[]) {
  return rulesMaySend('EventBridgeRulesSend', queueArn, ruleArns);
}
