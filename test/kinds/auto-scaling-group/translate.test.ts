import type { AutoScalingGroup, DescribeAutoScalingGroupsCommandOutput } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { autoScalingGroupSubject, templateSpecsOf } from '../../../shared/kinds/auto-scaling-group/translate.js';
import type { LaunchSourceLookups } from '../../../shared/kinds/auto-scaling-group/translate.js';
import { apiFixture, SCOPE } from '../../aws/helpers.js';

const groups = apiFixture<DescribeAutoScalingGroupsCommandOutput>('autoscaling/describe-auto-scaling-groups-launch-sources.json').AutoScalingGroups!;
const byName = (name: string) => groups.find((g) => g.AutoScalingGroupName === name)!;

/** A group record with the members the API always returns, plus `extra`. */
function record(extra: Partial<AutoScalingGroup>): AutoScalingGroup {
  return {
    AutoScalingGroupName: 'g',
    MinSize: 0,
    MaxSize: 1,
    DesiredCapacity: 0,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2025-01-01T00:00:00Z'),
    ...extra,
  };
}

/** Lookups that record what was asked and answer from a table. */
function lookups(table: Record<string, { resolvedVersion: number; templateName?: string }> = {}) {
  const asked: string[] = [];
  const l: LaunchSourceLookups = {
    templateVersion(idOrName, requested) {
      asked.push(`${idOrName}@${requested}`);
      const row = table[`${idOrName}@${requested}`];
      return row === undefined
        ? { error: 'InvalidLaunchTemplateId.NotFound' }
        : { ...row, defaultVersion: 1, metadata: { httpTokens: 'optional' }, defaultMetadata: { httpTokens: 'required' } };
    },
    launchConfiguration(name) {
      asked.push(`lc:${name}`);
      return { found: true, metadata: { httpTokens: 'required' } };
    },
  };
  return { l, asked };
}

describe('autoScalingGroupSubject', () => {
  it('reads a group pinned to a launch template version, with its ARN, tags and creation time', () => {
    const { l, asked } = lookups({ 'lt-1234567890abcde12@1': { resolvedVersion: 1 } });
    const subject = autoScalingGroupSubject(byName('my-asg'), SCOPE, l, { httpTokens: 'required' });
    expect(asked).toEqual(['lt-1234567890abcde12@1']);
    expect(subject.ref).toEqual({ kind: 'auto-scaling-group', id: 'my-asg', account: '111122223333', region: 'us-east-1' });
    expect(subject.arn).toMatch(/:autoScalingGroupName\/my-asg$/);
    expect(subject.createdTime).toEqual(new Date('2020-10-28T02:39:22.152Z'));
    expect(subject.tags).toEqual({ environment: 'production', 'imds-guard:exempt': 'false' });
    expect(subject.accountDefaults).toEqual({ httpTokens: 'required' });
    expect(subject.sources).toEqual([
      {
        type: 'launch-template',
        origin: 'group',
        templateId: 'lt-1234567890abcde12',
        templateName: 'my-launch-template',
        requestedVersion: '1',
        resolvedVersion: 1,
        defaultVersion: 1,
        metadata: { httpTokens: 'optional' },
        defaultMetadata: { httpTokens: 'required' },
      },
    ]);
    expect(subject.raw?.AutoScalingGroupName).toBe('my-asg');
  });

  it('reads the mixed instances policy template and every override that names its own template', () => {
    const { l, asked } = lookups({
      'lt-0877401c93c294001@4': { resolvedVersion: 4 },
      'lt-09d958b8fb2ba5bcc@$Latest': { resolvedVersion: 6 },
    });
    const subject = autoScalingGroupSubject(byName('devx'), SCOPE, l);
    expect(asked).toEqual(['lt-0877401c93c294001@4', 'lt-09d958b8fb2ba5bcc@$Latest']);
    expect(subject.sources.map((s) => (s.type === 'launch-template' ? [s.origin, s.templateName, s.requestedVersion, s.resolvedVersion] : s.name))).toEqual([
      ['mixed-instances-policy', 'test', '4', 4],
      ['override c6g.large', 'my-launch-template-for-arm', '$Latest', 6],
    ]);
    expect(subject.accountDefaults).toBeUndefined();
  });

  it('reads a launch configuration source', () => {
    const { l } = lookups();
    const subject = autoScalingGroupSubject(byName('my-auto-scaling-group'), SCOPE, l);
    expect(subject.sources).toEqual([{ type: 'launch-configuration', name: 'my-launch-config', found: true, metadata: { httpTokens: 'required' } }]);
  });

  it('keeps a lookup error on the source, and a version left unset is $Default', () => {
    const { l } = lookups();
    const subject = autoScalingGroupSubject(
      record({ LaunchTemplate: { LaunchTemplateName: 'by-name-only' } }),
      SCOPE,
      l,
    );
    expect(subject.sources).toEqual([
      { type: 'launch-template', origin: 'group', templateName: 'by-name-only', requestedVersion: '$Default', error: 'InvalidLaunchTemplateId.NotFound' },
    ]);
  });

  it('names an override without an instance type by its position', () => {
    const specs = templateSpecsOf(record({
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateId: 'lt-1' },
          Overrides: [{ InstanceRequirements: { VCpuCount: { Min: 2 }, MemoryMiB: { Min: 4096 } }, LaunchTemplateSpecification: { LaunchTemplateId: 'lt-2', Version: '2' } }],
        },
      },
    }));
    expect(specs.map((s) => s.origin)).toEqual(['mixed-instances-policy', 'override 1']);
  });

  it('a group with no launch source gets no sources; a record without a name is refused', () => {
    const { l } = lookups();
    expect(autoScalingGroupSubject(record({ AutoScalingGroupName: 'bare' }), SCOPE, l).sources).toEqual([]);
    expect(() => autoScalingGroupSubject(record({ AutoScalingGroupName: '' }), SCOPE, l)).toThrow(/without AutoScalingGroupName/);
  });
});
