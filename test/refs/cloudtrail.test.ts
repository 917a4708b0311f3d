/**
 * CloudTrail fixtures and where their shapes come from:
 * - RunInstances.json: wwalpha/aws-spotlight backend/src/cloudtrail/test/datas/create/EC2_RunInstances.json (real record).
 * - RunInstances-autoscaling.json: a real RunInstances record made by AWSServiceRoleForAutoScaling
 *   (userIdentity type AssumedRole, invokedBy autoscaling.amazonaws.com), extended from one to three instances.
 * - CreateLaunchTemplate.json: wwalpha/aws-spotlight .../create/ec2/EC2_CreateLaunchTemplate.json (real record).
 * - CreateAutoScalingGroup.json: wwalpha/aws-spotlight .../create/AUTOSCALING_CreateAutoScalingGroup.json (real record).
 * - ModifyInstanceMetadataOptions-nested/-error: a public test suite's record with
 *   requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId and errorCode Client.InvalidParameterValue.
 * NOT verified against a real record (built from the EC2 XML API response shapes and the conventions above):
 *   CreateFleet-* (responseElements.CreateFleetResponse.fleetInstanceSet.item), ModifyInstanceMetadataDefaults,
 *   CreateLaunchTemplateVersion*, ModifyLaunchTemplate, CreateLaunchConfiguration, UpdateAutoScalingGroup*,
 *   CreateAutoScalingGroup-launch-template, and the flat camelCase ModifyInstanceMetadataOptions-flat.
 */
import { describe, expect, it } from 'vitest';
import { byAutoScaling, parseCloudTrail } from '../../shared/refs/cloudtrail.js';
import { OWN, fixture, ref } from './fixtures.js';

const parse = (name: string) => parseCloudTrail(fixture(`cloudtrail/${name}`), OWN);

describe('CloudTrail events → refs', () => {
  // Each fixture is named after its event: the name up to the first '-' or '.'.
  it.each([
    ['RunInstances.json', [ref('instance', 'i-0fc5d99558e8357e8')]],
    ['RunInstances-autoscaling.json', [ref('instance', 'i-047be45c593a7157f'), ref('instance', 'i-047be45c593a7157e'), ref('instance', 'i-047be45c593a7157d')]],
    ['ModifyInstanceMetadataOptions-nested.json', [ref('instance', 'i-0123456789abcdef0')]],
    ['ModifyInstanceMetadataOptions-flat.json', [ref('instance', 'i-0abc1234')]],
    ['CreateFleet-instant-one.json', [ref('instance', 'i-0aaaaaaaaaaaaaaa1')]],
    ['CreateFleet-instant-several.json', [ref('instance', 'i-0bbbbbbbbbbbbbbb1'), ref('instance', 'i-0bbbbbbbbbbbbbbb2'), ref('instance', 'i-0bbbbbbbbbbbbbbb3')]],
    ['ModifyInstanceMetadataDefaults.json', [ref('account-defaults', '111122223333')]],
    ['CreateLaunchTemplate.json', [ref('launch-template', 'lt-09bcb085b7dc5d962')]],
    // The response's id wins; the request's name is only a fallback, so one ref, not two.
    ['CreateLaunchTemplateVersion.json', [ref('launch-template', 'lt-09bcb085b7dc5d962')]],
    ['CreateLaunchTemplateVersion-name-only.json', [ref('launch-template', 'web-template')]],
    ['ModifyLaunchTemplate.json', [ref('launch-template', 'lt-09bcb085b7dc5d962')]],
    ['CreateLaunchConfiguration.json', [ref('launch-configuration', 'legacy-web-lc-v7')]],
    ['CreateAutoScalingGroup.json', [ref('launch-configuration', 'EC2ContainerService-ecs-on-ec2-EcsInstanceLc-M1GQHZ0VYK8Z'), ref('auto-scaling-group', 'ecs-asg')]],
    ['CreateAutoScalingGroup-launch-template.json', [ref('launch-template', 'lt-03a70e6a9f2f6657d'), ref('auto-scaling-group', 'web-asg')]],
    ['UpdateAutoScalingGroup.json', [ref('launch-template', 'web-template'), ref('auto-scaling-group', 'web-asg')]],
    [
      'UpdateAutoScalingGroup-mixed-instances.json',
      [ref('launch-template', 'lt-03a70e6a9f2f6657d'), ref('launch-template', 'lt-0abcd1234ef567890'), ref('auto-scaling-group', 'web-asg')],
    ],
  ])('%s', (file, refs) => {
    const result = parse(file);
    expect(result).toMatchObject({ ok: true, source: 'cloudtrail', eventName: file.split(/[-.]/)[0], rejected: [] });
    if (result.ok) expect(result.refs).toEqual(refs);
  });

  it('ignores failed calls (errorCode) with a reason', () => {
    expect(parse('ModifyInstanceMetadataOptions-error.json')).toMatchObject({
      ok: false,
      ignored: true,
      reason: 'ModifyInstanceMetadataOptions failed with "Client.InvalidParameterValue"; nothing changed',
    });
  });
});

describe('actor', () => {
  it.each([
    ['CreateLaunchTemplate.json', { arn: 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/alice', issuerArn: 'arn:aws:iam::111122223333:role/PlatformAdmin' }],
    [
      'RunInstances-autoscaling.json',
      {
        arn: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling',
        issuerArn: 'arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
        invokedBy: 'autoscaling.amazonaws.com',
      },
    ],
  ])('%s exposes the caller and the role that issued the session', (file, actor) => {
    expect(parse(file).actor).toEqual({ type: 'AssumedRole', ...actor });
  });

  it('recognises Auto Scaling acting for the customer', () => {
    expect(byAutoScaling(parse('RunInstances-autoscaling.json').actor!)).toBe(true);
    expect(byAutoScaling(parse('RunInstances.json').actor!)).toBe(false);
    expect(byAutoScaling({ type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' })).toBe(true);
  });

  it('is still reported on ignored events (so our own failed calls are recognisable)', () => {
    expect(parse('ModifyInstanceMetadataOptions-error.json').actor?.arn).toBe(
      'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/alice',
    );
  });
});

describe('rejections', () => {
  const mutate = (file: string, change: (e: Record<string, any>) => void) => {
    const event = fixture(`cloudtrail/${file}`) as Record<string, any>;
    change(event);
    return parseCloudTrail(event, OWN);
  };

  it('rejects another account or region', () => {
    expect(mutate('RunInstances.json', (e) => (e.account = '999999999999'))).toEqual(
      expect.objectContaining({ ok: false, ignored: false, reason: `event account "999999999999" is not this function's account 111122223333` }),
    );
    expect(mutate('RunInstances.json', (e) => (e.detail.awsRegion = 'eu-west-1'))).toEqual(
      expect.objectContaining({ ok: false, ignored: false, reason: `CloudTrail record region "eu-west-1" is not this function's region us-east-1` }),
    );
    expect(mutate('ModifyInstanceMetadataDefaults.json', (e) => (e.detail.recipientAccountId = '444455556666'))).toMatchObject({
      ok: false,
      reason: `CloudTrail record account "444455556666" is not this function's account 111122223333`,
    });
  });

  it('rejects invalid ids with a reason and keeps the valid ones', () => {
    const result = mutate('CreateFleet-instant-several.json', (e) => {
      e.detail.responseElements.CreateFleetResponse.fleetInstanceSet.item[1].instanceIds.item = 'i-123;rm';
    });
    expect(result).toMatchObject({ ok: true, refs: [ref('instance', 'i-0bbbbbbbbbbbbbbb1'), ref('instance', 'i-0bbbbbbbbbbbbbbb2')] });
    if (result.ok) {
      expect(result.rejected).toEqual([
        { kind: 'instance', value: 'i-123;rm', reason: `instance id "i-123;rm" is not 'i-' followed by 8 or 17 lowercase hex digits` },
      ]);
    }
  });

  it('fails when every id is invalid or none is present', () => {
    expect(mutate('ModifyInstanceMetadataOptions-nested.json', (e) => {
      e.detail.requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId = 'i-123;rm';
      e.detail.responseElements.ModifyInstanceMetadataOptionsResponse.instanceId = 'i-123;rm';
    })).toMatchObject({ ok: false, ignored: false, reason: expect.stringContaining('every id was invalid') });
    expect(mutate('RunInstances.json', (e) => (e.detail.responseElements = null))).toMatchObject({
      ok: false,
      ignored: false,
      reason: 'RunInstances: no resource ids at the catalog paths',
    });
  });

  it('ignores a call whose request names no resource to check (a resize), but still rejects an invalid id there', () => {
    expect(parse('UpdateAutoScalingGroup-sizes-only.json')).toMatchObject({
      ok: false,
      ignored: true,
      eventName: 'UpdateAutoScalingGroup',
      reason: 'UpdateAutoScalingGroup names no resource imds-guard checks (e.g. only sizes changed); nothing to do',
    });
    // A new launch source re-judges the group itself; the bad template name is still rejected with its reason.
    expect(mutate('UpdateAutoScalingGroup.json', (e) => (e.detail.requestParameters.launchTemplate = { launchTemplateName: 'bad name;rm' }))).toMatchObject({
      ok: true,
      refs: [ref('auto-scaling-group', 'web-asg')],
      rejected: [{ kind: 'launch-template', value: 'bad name;rm' }],
    });
  });

  it('rejects events not in the catalog or from the wrong service', () => {
    expect(mutate('RunInstances.json', (e) => (e.detail.eventName = 'TerminateInstances'))).toMatchObject({
      ok: false,
      ignored: false,
      reason: 'event "TerminateInstances" is not in the event catalog',
    });
    expect(mutate('RunInstances.json', (e) => (e.detail.eventName = 'toString'))).toMatchObject({ ok: false, ignored: false });
    expect(mutate('RunInstances.json', (e) => (e.detail.eventSource = 'autoscaling.amazonaws.com'))).toMatchObject({
      ok: false,
      reason: 'event RunInstances came from "autoscaling.amazonaws.com", the catalog expects ec2.amazonaws.com',
    });
  });

  it('collapses duplicate ids', () => {
    const result = mutate('RunInstances-autoscaling.json', (e) => {
      const items = e.detail.responseElements.instancesSet.items;
      items.push(items[0], items[0]);
    });
    expect(result.ok && result.refs.map((r) => r.id)).toEqual(['i-047be45c593a7157f', 'i-047be45c593a7157e', 'i-047be45c593a7157d']);
  });
});
