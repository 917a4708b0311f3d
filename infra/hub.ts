/**
 * The hub: what runs in the Security Hub delegated administrator (security
 * tooling) account, where people look at the aggregated console. One custom
 * action "Enforce IMDSv2 (organization)", its EventBridge rule and the hub
 * action function (functions/hub-action.ts, its own bundle), whose role may
 * only assume the member role of accounts in the organization, ask
 * Organizations about an account and note findings. Like the member stack, a
 * dead-letter queue (undelivered events, failed invocations) and two alarms
 * (function errors, dead letters): a person clicked and must see a failure.
 *
 * Pure description (HUB) rendered as a CloudFormation template
 * (`renderHubTemplate`, dist/hub-template.json) and by infra/sst.ts for the
 * SST `hub` stage.
 */
import { acknowledged, actionTargetProvider, actionTargetProviderRole, conditionJson, Conditions, DEAD_LETTER_QUEUE_OUTPUT, deadLetterQueuePolicyResource, deadLetterQueueResource, deadLettersAlarm, eventInvokeConfig, functionErrorsAlarm, functionResource, getAtt, parameter, ref, roleStatementResources, sub, value, type CfnParameter, type CfnResource, type CfnTemplate, type Json } from './cloudformation.js';
import type { ParameterName, Statement, Value } from './model.js';
import { lambdaTrustPolicy } from './policies.js';
import { settingsEnvironment } from './functions.js';
import { runtimeStatements } from './iam.js';
import { APP_NAME } from './names.js';
import { PARAMETERS, RUNTIME_SETTINGS, SETTING_PARAMETERS } from './parameters.js';
import { actionPattern } from './rules.js';
import { MEMBER_STACK } from './stack.js';

/** Custom action id: ≤ 20 alphanumerics, distinct from the member stack's `EnforceImdsV2` (both may exist in the hub account). */
export const HUB_ACTION_TARGET_ID = 'EnforceImdsV2Org';

/** The member stack's parameters the hub template shares (its own two, OrganizationId and MemberAccounts, are declared below). */
export const HUB_SHARED_PARAMETERS: readonly ParameterName[] = [
  ...Object.values(SETTING_PARAMETERS),
  ...Object.values(RUNTIME_SETTINGS),
  'LogRetentionDays',
  'AlarmTopicArn',
  'ArtifactBucketPrefix',
  'ArtifactVersion',
  'MemberRoleName',
];

const ARN = 'arn:${AWS::Partition}';

export const HUB = {
  description: 'imds-guard hub: the Security Hub custom action "Enforce IMDSv2 (organization)" for the aggregated console of the Security Hub administrator.',
  actionTarget: {
    id: HUB_ACTION_TARGET_ID,
    name: 'Enforce IMDSv2 (org)',
    description: 'imds-guard: require IMDSv2 on the resources of the selected findings, in any account of the organization',
  },
  function: {
    name: 'hub-action' as const,
    description: 'imds-guard hub: Security Hub custom action across the organization (assumes the member role)',
    memoryMb: 512,
    timeoutSeconds: 600,
    asyncRetries: 0,
    maxEventAgeSeconds: 3600,
  },
  /** EventBridge → function: the event reaches the function or the dead-letter queue within the hour. */
  targetRetry: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
  /** The function's own permissions: its logs and the DLQ (as every member function), the member role and notes; no resource access. */
  statements: [
    ...runtimeStatements('HubAction'),
    {
      sid: 'AssumeMemberRole',
      actions: ['sts:AssumeRole'],
      resources: [`${ARN}:iam::*:role/imds-guard/\${MemberRoleName}`],
      condition: { StringEquals: { 'aws:ResourceOrgID': '${OrganizationId}' } },
      reason: 'The member role of any account of the organization (aws:ResourceOrgID); a finding names the account only at run time.',
    },
    {
      // Is the finding's account in the organization? (DescribeAccount; its resource is the account in the org.)
      sid: 'CheckMembership',
      actions: ['organizations:DescribeAccount'],
      resources: [`${ARN}:organizations::*:account/\${OrganizationId}/*`],
      reason: 'Any account of this organization (the ARN holds the organization id); a finding names the account only at run time.',
    },
    {
      sid: 'NoteFindings',
      actions: ['securityhub:BatchUpdateFindings'],
      resources: [`${ARN}:securityhub:\${AWS::Region}:\${AWS::AccountId}:hub/default`],
    },
  ] satisfies Statement[],
  providerStatements: MEMBER_STACK.actionTarget.providerStatements.map((s) =>
    s.sid === 'WriteOwnLogs' ? { ...s, resources: ['${ActionTargetProviderLogGroup.Arn}'] } : s,
  ),
};

/** Environment of the hub function: every setting from its parameter, plus the hub's own. */
export function hubEnvironment(): Record<string, Value> {
  return {
    ...settingsEnvironment(),
    IMDS_GUARD_MEMBER_ROLE: { param: 'MemberRoleName' },
    IMDS_GUARD_MEMBER_ACCOUNTS: { param: 'MemberAccounts' as ParameterName },
  };
}

/** `AlarmTopicArn` of the hub: the member's parameter, its own alarms named. */
export const HUB_ALARM_TOPIC_DESCRIPTION = 'SNS topic of the alarms (hub action errors, dead letters), or none.';


export function renderHubTemplate(options: { artifactVersion?: string } = {}): CfnTemplate {
  const parameters: Record<string, CfnParameter> = {};
  for (const name of HUB_SHARED_PARAMETERS) {
    parameters[name] = parameter(PARAMETERS[name], name === 'ArtifactVersion' ? options.artifactVersion : undefined);
  }
  // The member's parameter (same pattern, default none); the hub has no rollbacks to alarm on.
  parameters.AlarmTopicArn!.Description = HUB_ALARM_TOPIC_DESCRIPTION;
  parameters.OrganizationId = {
    Type: 'String',
    Default: '',
    AllowedPattern: '^(o-[a-z0-9]{10,32})?$',
    Description: 'Required. The organization (o-...): the hub may assume member roles only in its accounts (aws:ResourceOrgID). aws organizations describe-organization --query Organization.Id',
  };
  parameters.MemberAccounts = {
    Type: 'String',
    Default: '',
    AllowedPattern: '^(\\d{12}(,\\d{12})*)?$',
    Description: 'Optional allow-list of member accounts (comma-separated). Empty: Organizations DescribeAccount decides whether a finding\'s account is in the organization.',
  };

  const f = HUB.function;
  const environment: { [key: string]: Json } = {};
  for (const [name, v] of Object.entries(hubEnvironment())) environment[name] = value(v);
  const at = HUB.actionTarget;
  const conditions = new Conditions();
  const own = roleStatementResources('HubActionRole', `${APP_NAME}-hub-action`, HUB.statements, undefined, conditions);

  const resources: Record<string, CfnResource> = {
    // The member stack's queue and alarms, same retention, encryption and thresholds.
    DeadLetterQueue: acknowledged(deadLetterQueueResource(MEMBER_STACK.deadLetterQueue.retentionSeconds), [
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This is the dead-letter queue: of the custom-action rule\'s target (DeadLetterConfig) and of the function\'s failed invocations (OnFailure destination).',
      },
    ]),
    DeadLetterQueuePolicy: deadLetterQueuePolicyResource([getAtt('HubActionRule', 'Arn')]),
    DeadLettersAlarm: deadLettersAlarm(MEMBER_STACK.alarms.deadLetters),
    HubActionErrorsAlarm: functionErrorsAlarm('HubAction', f.name, MEMBER_STACK.alarms.functionErrors),
    HubActionLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: { LogGroupName: sub(`/${APP_NAME}/\${AWS::StackName}/hub-action`), RetentionInDays: ref('LogRetentionDays') },
    },
    HubActionRole: acknowledged(
      {
        Type: 'AWS::IAM::Role',
        Properties: {
          Path: MEMBER_STACK.rolePath,
          Description: `${APP_NAME} hub custom action function`,
          AssumeRolePolicyDocument: lambdaTrustPolicy(ref('AWS::AccountId')),
          Policies: own.inline,
        },
      },
      own.inlineAcknowledgements,
    ),
    ...own.policies,
    HubActionFunction: functionResource('HubAction', f, MEMBER_STACK, environment),
    // A person clicked: no silent retries of a half-done fix; a failed invocation lands in the DLQ (and its alarm), the log and on the findings.
    HubActionEventInvokeConfig: eventInvokeConfig('HubAction', f),
    ActionTargetProviderLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: { LogGroupName: sub(`/${APP_NAME}/\${AWS::StackName}/action-target-provider`), RetentionInDays: ref('LogRetentionDays') },
    },
    ActionTargetProviderRole: actionTargetProviderRole(MEMBER_STACK.rolePath, HUB.providerStatements),
    ActionTargetProvider: actionTargetProvider(),
    ActionTarget: {
      Type: 'Custom::SecurityHubActionTarget',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: { ServiceToken: getAtt('ActionTargetProvider', 'Arn'), Id: at.id, Name: at.name, Description: at.description },
    },
    HubActionRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `${APP_NAME}: Security Hub custom action "${at.name}"`,
        State: 'ENABLED',
        EventPattern: { ...actionPattern('x'), resources: [getAtt('ActionTarget', 'Arn')] } as Json,
        Targets: [
          {
            Id: `${APP_NAME}-hub-action`,
            Arn: getAtt('HubActionFunction', 'Arn'),
            RetryPolicy: { MaximumRetryAttempts: HUB.targetRetry.maximumRetryAttempts, MaximumEventAgeInSeconds: HUB.targetRetry.maximumEventAgeSeconds },
            DeadLetterConfig: { Arn: getAtt('DeadLetterQueue', 'Arn') },
          },
        ],
      },
    },
    HubActionPermission: {
      Type: 'AWS::Lambda::Permission',
      Properties: { Action: 'lambda:InvokeFunction', FunctionName: getAtt('HubActionFunction', 'Arn'), Principal: 'events.amazonaws.com', SourceArn: getAtt('HubActionRule', 'Arn') },
    },
  };

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: HUB.description,
    Metadata: {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          { Label: { default: 'Organization' }, Parameters: ['OrganizationId', 'MemberRoleName', 'MemberAccounts'] },
          { Label: { default: 'Behaviour' }, Parameters: Object.values(SETTING_PARAMETERS) },
          { Label: { default: 'Operations' }, Parameters: ['LogLevel', 'LogRetentionDays', 'AlarmTopicArn', 'RequestTimeoutMs', 'Tracing'] },
          { Label: { default: 'Code' }, Parameters: ['ArtifactBucketPrefix', 'ArtifactVersion'] },
        ],
      },
    },
    Parameters: parameters,
    Rules: {
      OrganizationIdRequired: {
        Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Equals': [ref('OrganizationId'), ''] }] }, AssertDescription: 'OrganizationId (o-...) is required: member roles are assumed only within the organization.' }],
      },
    },
    Conditions: {
      HasAlarmTopic: conditionJson(MEMBER_STACK.conditions.HasAlarmTopic),
      TracingEnabled: conditionJson(MEMBER_STACK.conditions.TracingEnabled),
      ...conditions.extra,
    },
    Resources: resources,
    Outputs: {
      ActionTargetArn: { Description: 'Security Hub custom action', Value: getAtt('ActionTarget', 'Arn') },
      HubActionFunctionArn: { Description: 'hub action function', Value: getAtt('HubActionFunction', 'Arn') },
      HubActionRoleArn: { Description: 'role the member roles are assumed from', Value: getAtt('HubActionRole', 'Arn') },
      DeadLetterQueueUrl: DEAD_LETTER_QUEUE_OUTPUT,
    },
  };
}
