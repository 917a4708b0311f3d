/**
 * The EventBridge rules of the member stack: the CloudTrail and state-change
 * patterns of the event catalog (to the events function, through its queue),
 * the schedules of the sweep and the watch, and the custom action's rule.
 */
import { eventPatterns } from '../shared/refs/catalog.js';
import type { RuleSpec, Value } from './model.js';
import { REFUSED_LAUNCH_RULE } from './refused-launches.js';

export const ACTION_TARGET_ID = 'EnforceImdsV2';
export const SECURITY_HUB_CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';

/** The pattern of the custom-action rule; the ARN is a `Value` (a `Fn::Sub` in the template). */
export function actionPattern(actionTargetArn: Value): Record<string, unknown> {
  return {
    source: ['aws.securityhub'],
    'detail-type': [SECURITY_HUB_CUSTOM_ACTION_DETAIL_TYPE],
    resources: [actionTargetArn],
  };
}

/** `CloudTrailEc2` for `aws.ec2` CloudTrail calls, `Ec2StateChange` for the state-change rule. */
function ruleId(pattern: Record<string, unknown>): string {
  const source = String((pattern.source as string[])[0]).replace(/^aws\./, '');
  const service = source === 'ec2' ? 'Ec2' : source === 'autoscaling' ? 'AutoScaling' : source.charAt(0).toUpperCase() + source.slice(1);
  const detailType = String((pattern['detail-type'] as string[])[0]);
  return detailType === 'AWS API Call via CloudTrail' ? `CloudTrail${service}` : `${service}StateChange`;
}

export const RULES: readonly RuleSpec[] = [
  ...eventPatterns().map(
    (pattern): RuleSpec => ({
      id: ruleId(pattern),
      description: `imds-guard: ${String((pattern['detail-type'] as string[])[0])} from ${String((pattern.source as string[])[0])}`,
      target: 'events',
      pattern,
    }),
  ),
  { id: 'Sweep', description: 'imds-guard: scheduled full reconcile', target: 'sweep', schedule: { param: 'SweepSchedule' } },
  { id: 'Watch', description: 'imds-guard: guard window of switched instances', target: 'watch', schedule: { param: 'WatchSchedule' } },
  REFUSED_LAUNCH_RULE,
  {
    id: 'SecurityHubAction',
    description: 'imds-guard: Security Hub custom action "Enforce IMDSv2"',
    target: 'action',
    pattern: actionPattern({ sub: '${ActionTarget.Arn}' }),
    when: 'SecurityHubActionEnabled',
  },
];
