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

/** EventBridge may dead-letter into the queue, for the stack's own rules only. */
export function deadLetterQueuePolicy<T>(queueArn: T, ruleArns: T[]) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EventBridgeDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
      },
    ],
  };
}
