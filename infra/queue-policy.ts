/**
 * The event queue's policy, for both renderings: EventBridge may send to it,
 * for the stack's own rules only (aws:SourceArn), the confused-deputy guard
 * the EventBridge user guide gives for SQS targets. Kept beside
 * infra/policies.ts rather than in it while the IAM derivation there changes.
 */
export function eventQueuePolicy<T>(queueArn: T, ruleArns: T[]) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EventBridgeRulesSend',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
      },
    ],
  };
}
