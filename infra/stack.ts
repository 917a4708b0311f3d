/**
 * THE description of the member stack: what runs in every account and
 * region. Pure data, assembled from its parts (infra/parameters.ts,
 * infra/functions.ts with the IAM of infra/iam.ts, infra/rules.ts); rendered
 * as a CloudFormation template (infra/cloudformation.ts, for StackSets) and
 * as SST components (infra/sst-args.ts → infra/sst.ts). Change the pipeline
 * in those parts, not in a renderer.
 */
import { ARN, HERE } from '../shared/kinds/permissions.js';
import { recordedConfigTypes } from '../shared/kinds/registry.js';
import { FUNCTIONS } from './functions.js';
import { memberRoleNeeds } from './iam.js';
import { memberRoleStatements } from './member-role.js';
import type { MemberStack } from './model.js';
import { ROLE_PATH } from './names.js';
import { PARAMETERS } from './parameters.js';
import { ACTION_TARGET_ID, RULES } from './rules.js';

/**
 * nodejs24.x: the newest Node.js runtime the Lambda developer guide lists as
 * supported ("Building Lambda functions with Node.js": Node.js 24, Amazon
 * Linux 2023, deprecation Apr 30, 2028). aws-cdk-lib already names
 * nodejs26.x, which that list does not include; switch when it does.
 */
export const RUNTIME_REASON =
  'nodejs24.x is the newest Node.js runtime the Lambda developer guide lists as supported (deprecation Apr 30, 2028); nodejs26.x is not listed there yet.';

/** The metric the rollback alarm watches; shared/watch/report.ts publishes it (a test keeps the two equal). */
export const ROLLBACK_ALARM_METRIC = { namespace: 'imds-guard', metricName: 'Breakages', service: 'imds-guard' } as const;

export const MEMBER_STACK: MemberStack = {
  description: 'imds-guard member stack: keeps EC2 instances, launch templates, launch configurations and account defaults on IMDSv2.',
  parameters: PARAMETERS,
  conditions: {
    RemediationAllowed: { parameter: 'RemediationEnabled', equals: 'true' },
    ConfigRuleEnabled: { parameter: 'EnableConfigRule', equals: 'true' },
    SecurityHubActionEnabled: { parameter: 'EnableSecurityHubAction', equals: 'true' },
    ConcurrencyReserved: { parameter: 'ReserveConcurrency', equals: 'true' },
    HasAlarmTopic: { parameter: 'AlarmTopicArn', equals: 'none', negate: true },
    MemberRoleCreated: { allOf: [{ parameter: 'HubAccountId', equals: '', negate: true }, { regionIs: 'HomeRegion' }] },
    TracingEnabled: { parameter: 'Tracing', equals: 'true' },
  },
  rolePath: ROLE_PATH,
  runtime: 'nodejs24.x',
  runtimeReason: RUNTIME_REASON,
  architecture: 'arm64',
  functions: FUNCTIONS,
  rules: RULES,
  targetRetry: { maximumRetryAttempts: 8, maximumEventAgeSeconds: 6 * 3600 },
  configRule: {
    target: 'config-rule',
    // Every kind AWS Config records (the account default is judged by the periodic run only).
    resourceTypes: recordedConfigTypes(),
    frequency: { param: 'ConfigRuleFrequency' },
    when: 'ConfigRuleEnabled',
  },
  actionTarget: {
    id: ACTION_TARGET_ID,
    name: 'Enforce IMDSv2',
    description: 'imds-guard: require IMDSv2 on the resources of the selected findings',
    when: 'SecurityHubActionEnabled',
    providerStatements: [
      { sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: ['${ActionTargetProviderLogGroup.Arn}'] },
      {
        sid: 'ManageActionTarget',
        actions: ['securityhub:CreateActionTarget', 'securityhub:UpdateActionTarget', 'securityhub:DeleteActionTarget'],
        resources: [`${ARN}:securityhub:${HERE}:hub/default`, `${ARN}:securityhub:${HERE}:action/custom/*`],
        reason: 'The custom action\'s ARN does not exist before CreateActionTarget makes it; limited to custom actions of this account\'s hub.',
      },
    ],
  },
  memberRole: { when: 'MemberRoleCreated', statements: memberRoleStatements(memberRoleNeeds()) },
  deadLetterQueue: { retentionSeconds: 14 * 24 * 3600 },
  eventQueue: {
    target: 'events',
    // 1,000 records = one DescribeInstances; Lambda's 6 MB payload limit ends a batch earlier for large records.
    batchSize: 1000,
    batchWindowSeconds: { param: 'BatchWindowSeconds' },
    visibilityTimeoutSeconds: 6 * 120,
    maxReceiveCount: 5,
    retentionSeconds: 4 * 24 * 3600,
    maxConcurrency: 5,
  },
  stateBucket: {
    keyPrefix: 'imds-guard/state/',
    deletionPolicy: 'Retain',
    noAccessLoggingReason:
      'One small object written and read only by the sweep\'s own role; server access logs would need a second bucket in every account and Region (itself unlogged). CloudTrail S3 data events cover it where an organization wants object-level records.',
  },
  alarms: {
    functionErrors: { evaluationPeriods: 1, periodSeconds: 300, threshold: 1 },
    deadLetters: { evaluationPeriods: 1, periodSeconds: 300, threshold: 1 },
    rollbacks: { evaluationPeriods: 1, periodSeconds: 900, threshold: 1 },
  },
  logRetentionDays: { param: 'LogRetentionDays' },
};
