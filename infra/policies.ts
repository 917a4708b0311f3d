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
 * Requests that are not TLS are refused, whoever makes them (Security Hub
 * controls S3.5 and SQS's "enforce encryption of data in transit"). A Deny:
 * it grants nothing, so its `sqs:*` / `s3:*` widens no permission.
 */
function tlsOnly<T>(service: 'sqs' | 's3', resources: T | T[]) {
  return {
    Sid: 'TlsOnly',
    Effect: 'Deny',
    Principal: '*',
    Action: `${service}:*`,
    Resource: resources,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/**
 * EventBridge may send to a queue, for the stack's own rules only
 * (aws:SourceArn), the confused-deputy guard the EventBridge user guide gives
 * for SQS targets: the event queue the rules deliver to, and the dead-letter
 * queue they fail over to. Over TLS only.
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
      tlsOnly('sqs', queueArn),
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

/** The state bucket: its objects over TLS only (the sweep's role has its own grants). */
export function stateBucketPolicy<T>(bucketArn: T, objectsArn: T) {
  return { Version: '2012-10-17', Statement: [tlsOnly('s3', [bucketArn, objectsArn])] };
}

/**
 * An artifact bucket: every principal of the organization may read the code
 * and templates under `imds-guard/` (StackSet instances create their
 * functions with their own credentials), over TLS only. Shared by the SST
 * `org` stage and scripts/artifacts.ts.
 */
export function artifactBucketPolicy(bucketArn: string, organizationId: string, keyPrefix: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OrganizationReadsCode',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `${bucketArn}/${keyPrefix}*`,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
      },
      tlsOnly('s3', [bucketArn, `${bucketArn}/*`]),
    ],
  };
}
