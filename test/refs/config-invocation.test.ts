/**
 * Fixture shapes: AWS Config Developer Guide, "Example Events for AWS Config Rules"
 * (awsdocs/aws-config-developer-guide doc_source/evaluate-config_develop-rules_example-events.md):
 * change-triggered (configurationItem), oversized (configurationItemSummary) and periodic
 * (ScheduledNotification) invocations. The launch template and launch configuration items
 * follow the same configuration item format; which of resourceId / resourceName Config fills
 * for AWS::AutoScaling::LaunchConfiguration could NOT be confirmed from a real item, so the
 * parser accepts the name in resourceName, an ARN-shaped resourceId, or a bare resourceId.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigInvocation } from '../../shared/refs/config-invocation.js';
import { OWN, fixture, ref } from './fixtures.js';

const parse = (name: string) => parseConfigInvocation(fixture(`config/${name}`), OWN);
const rule = {
  resultToken: 'eyJyZXN1bHRUb2tlbiI6ImV4YW1wbGUifQ==',
  configRuleArn: 'arn:aws:config:us-east-1:111122223333:config-rule/config-rule-0123456',
  executionRoleArn: 'arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig',
};

/** An instance's configuration item as parsed from the change fixtures (one capture time). */
const instanceItem = (id: string, deleted: boolean) => ({
  ref: ref('instance', id),
  resourceType: 'AWS::EC2::Instance',
  resourceId: id,
  deleted,
  orderingTimestamp: '2025-03-10T10:01:02.345Z',
});

/** Parses a Config fixture with these fields of its configuration item changed (undefined drops one). */
function parseEdited(name: string, changes: Record<string, unknown>) {
  const event = fixture(`config/${name}`) as Record<string, any>;
  const invoking = JSON.parse(event.invokingEvent);
  Object.assign(invoking.configurationItem, changes);
  return parseConfigInvocation({ ...event, invokingEvent: JSON.stringify(invoking) }, OWN);
}

describe('Config rule invocations', () => {
  it('change notification for an instance', () => {
    expect(parse('change-instance.json')).toEqual({
      ok: true,
      source: 'config',
      refs: [ref('instance', 'i-0123456789abcdef0')],
      rejected: [],
      config: {
        ...rule,
        configRuleName: 'imds-guard-imdsv2',
        messageType: 'ConfigurationItemChangeNotification',
        ruleParameters: { hopLimitCeiling: '2' },
        eventLeftScope: false,
        evaluateAll: false,
        orderingTimestamp: '2025-03-10T10:01:02.345Z',
        items: [instanceItem('i-0123456789abcdef0', false)],
      },
    });
  });

  it('launch template: ref id is the lt- id', () => {
    const result = parse('change-launch-template.json');
    expect(result.ok && result.refs).toEqual([ref('launch-template', 'lt-09bcb085b7dc5d962')]);
    expect(result.ok && result.config?.items[0]).toMatchObject({ resourceType: 'AWS::EC2::LaunchTemplate', resourceId: 'lt-09bcb085b7dc5d962' });
  });

  it('launch configuration: ref id is the NAME, Config resourceId kept for PutEvaluations', () => {
    const result = parse('change-launch-configuration.json');
    expect(result.ok && result.refs).toEqual([ref('launch-configuration', 'legacy-web-lc-v7')]);
    expect(result.ok && result.config?.items[0]?.resourceId).toBe(
      'arn:aws:autoscaling:us-east-1:111122223333:launchConfiguration:98d3b196-4cf9-4e88-8ca1-8547c24ced8b:launchConfigurationName/legacy-web-lc-v7',
    );
    // Without resourceName, the name comes out of the ARN-shaped resourceId.
    const noName = parseEdited('change-launch-configuration.json', { resourceName: undefined });
    expect(noName.ok && noName.refs).toEqual([ref('launch-configuration', 'legacy-web-lc-v7')]);
  });

  it('deleted resources are marked deleted and not described', () => {
    const result = parse('change-instance-deleted.json');
    expect(result).toMatchObject({ ok: true, refs: [] });
    expect(result.ok && result.config?.items).toEqual([instanceItem('i-0fc5d99558e8357e8', true)]);
  });

  it('ResourceDeletedNotRecorded and eventLeftScope are deleted too', () => {
    const left = parse('change-instance-left-scope.json');
    expect(left).toMatchObject({ ok: true, refs: [], config: { eventLeftScope: true, items: [{ deleted: true }] } });
    expect(parseEdited('change-instance.json', { configurationItemStatus: 'ResourceDeletedNotRecorded' })).toMatchObject({
      ok: true,
      refs: [],
      config: { items: [{ deleted: true }] },
    });
  });

  it('oversized notification uses the summary and its capture time', () => {
    const result = parse('oversized-instance.json');
    expect(result).toMatchObject({
      ok: true,
      refs: [ref('instance', 'i-0123456789abcdef0')],
      config: {
        messageType: 'OversizedConfigurationItemChangeNotification',
        orderingTimestamp: '2025-03-10T10:02:16.261Z',
        items: [{ resourceId: 'i-0123456789abcdef0', deleted: false, orderingTimestamp: '2025-03-10T10:02:16.261Z' }],
      },
    });
  });

  it('scheduled notification: evaluate everything, no refs', () => {
    expect(parse('scheduled.json')).toEqual({
      ok: true,
      source: 'config',
      refs: [],
      rejected: [],
      config: {
        ...rule,
        configRuleName: 'imds-guard-periodic',
        messageType: 'ScheduledNotification',
        ruleParameters: {},
        eventLeftScope: false,
        evaluateAll: true,
        orderingTimestamp: '2025-03-10T12:00:00.373Z',
        items: [],
      },
    });
  });

  it('rejects malformed and foreign invocations with reasons', () => {
    const event = fixture('config/change-instance.json') as Record<string, any>;
    expect(parseConfigInvocation({ ...event, invokingEvent: '{not json' }, OWN)).toMatchObject({
      ok: false,
      ignored: false,
      reason: expect.stringContaining('Config invokingEvent is not valid JSON'),
    });
    expect(parseConfigInvocation({ ...event, invokingEvent: { messageType: 'x' } }, OWN)).toMatchObject({
      ok: false,
      reason: 'Config invokingEvent is not a JSON string (object)',
    });
    expect(parseConfigInvocation({ ...event, ruleParameters: '[1]' }, OWN)).toMatchObject({
      ok: false,
      reason: 'Config ruleParameters is not a JSON object',
    });
    expect(parseConfigInvocation({ ...event, resultToken: '' }, OWN)).toMatchObject({ ok: false, reason: 'Config rule invocation has no resultToken' });
    expect(parseConfigInvocation({ ...event, accountId: '999999999999' }, OWN)).toMatchObject({
      ok: false,
      reason: `Config rule invocation account "999999999999" is not this function's account 111122223333`,
    });
    expect(parseEdited('change-instance.json', { awsRegion: 'eu-west-1' })).toMatchObject({
      ok: false,
      reason: `configuration item region "eu-west-1" is not this function's region us-east-1`,
    });
    expect(parseEdited('change-instance.json', { resourceId: 'i-123;rm' })).toMatchObject({
      ok: false,
      reason: `instance id "i-123;rm" is not 'i-' followed by 8 or 17 lowercase hex digits`,
    });
    // A type imds-guard does not evaluate is ignored, whatever its id.
    expect(parseEdited('change-instance.json', { resourceId: 'i-123;rm', resourceType: 'AWS::S3::Bucket' })).toMatchObject({
      ok: false,
      ignored: true,
      reason: 'Config resource type "AWS::S3::Bucket" is not one imds-guard evaluates',
    });
    expect(
      parseConfigInvocation({ ...event, invokingEvent: JSON.stringify({ messageType: 'ConfigurationSnapshotDeliveryCompleted' }) }, OWN),
    ).toMatchObject({ ok: false, reason: 'Config messageType "ConfigurationSnapshotDeliveryCompleted" is not handled' });
  });
});
