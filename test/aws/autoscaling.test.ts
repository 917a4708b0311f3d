import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
} from '@aws-sdk/client-auto-scaling';
import type { DescribeAutoScalingGroupsCommandOutput, DescribeLaunchConfigurationsCommandInput } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { describeAutoScalingUsage, describeLaunchConfigurationsByNames, usageFromGroups } from '../../shared/aws/autoscaling.js';
import { awsError } from '../support/aws-errors.js';
import { apiFixture, mocked } from './helpers.js';

const autoScaling = new AutoScalingClient({ region: 'us-east-1' });
const mock = mocked(autoScaling);

const groups = apiFixture<DescribeAutoScalingGroupsCommandOutput>('autoscaling/describe-auto-scaling-groups.json').AutoScalingGroups!;

describe('describeLaunchConfigurationsByNames', () => {
  it('describes 120 names in 3 calls of at most 50 names', async () => {
    mock.on(DescribeLaunchConfigurationsCommand).callsFake((input: DescribeLaunchConfigurationsCommandInput) => ({
      LaunchConfigurations: (input.LaunchConfigurationNames ?? []).map((name) => ({
        LaunchConfigurationName: name,
        ImageId: 'ami-0abcdef1234567890',
        InstanceType: 't3.small',
        CreatedTime: new Date('2021-01-01T00:00:00Z'),
      })),
    }));
    const names = Array.from({ length: 120 }, (_, i) => `lc-${i}`);
    const { launchConfigurations, missing } = await describeLaunchConfigurationsByNames(autoScaling, names);
    const calls = mock.commandCalls(DescribeLaunchConfigurationsCommand);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.args[0].input.LaunchConfigurationNames!.length).sort((a, b) => b - a)).toEqual([50, 50, 20]);
    expect(new Set(calls.flatMap((c) => c.args[0].input.LaunchConfigurationNames))).toEqual(new Set(names));
    expect(launchConfigurations).toHaveLength(120);
    expect(missing).toEqual([]);
  });

  it('reports names Auto Scaling leaves out of its reply as missing', async () => {
    mock.on(DescribeLaunchConfigurationsCommand).resolves(apiFixture('autoscaling/describe-launch-configurations.json'));
    const out = await describeLaunchConfigurationsByNames(autoScaling, ['legacy-web-lc', 'deleted-lc', 'legacy-api-lc']);
    expect(out.missing).toEqual(['deleted-lc']);
    expect(out.launchConfigurations).toHaveLength(2);
  });

  it('propagates errors with the call named', async () => {
    mock.on(DescribeLaunchConfigurationsCommand).rejects(awsError('AutoScaling', 'AccessDenied', 'User is not authorized'));
    await expect(describeLaunchConfigurationsByNames(autoScaling, ['a'])).rejects.toThrow(
      /DescribeLaunchConfigurations \(1 names: a\) failed: AccessDenied: User is not authorized/,
    );
  });
});

describe('Auto Scaling usage maps', () => {
  it('maps launch configurations and launch templates (incl. mixed instances policy and overrides) to groups', () => {
    const usage = usageFromGroups(groups);
    expect(Object.fromEntries(usage.launchConfigurations)).toEqual({ 'legacy-web-lc': ['legacy-web-asg', 'legacy-web-asg-2'] });
    expect(Object.fromEntries(usage.launchTemplates)).toEqual({
      'lt-0a1b2c3d4e5f60718': [
        { group: 'web-asg', version: '$Latest', mixed: false },
        { group: 'batch-spot-asg', version: '3', mixed: true },
      ],
      'lt-0c3d4e5f607182930': [
        { group: 'batch-spot-asg', version: '$Default', mixed: true },
        // queue-asg leaves Version unset: Auto Scaling uses the default version.
        { group: 'queue-asg', version: '$Default', mixed: false },
      ],
    });
  });

  it('pages DescribeAutoScalingGroups with MaxRecords 100 and without instance lists', async () => {
    mock
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({ AutoScalingGroups: groups.slice(0, 3), NextToken: 'g2' })
      .resolvesOnce({ AutoScalingGroups: groups.slice(3) });
    const usage = await describeAutoScalingUsage(autoScaling);
    expect(usage.launchConfigurations.get('legacy-web-lc')).toEqual(['legacy-web-asg', 'legacy-web-asg-2']);
    expect(usage.launchTemplates.get('lt-0c3d4e5f607182930')).toHaveLength(2);
    expect(mock.commandCalls(DescribeAutoScalingGroupsCommand).map((c) => c.args[0].input)).toEqual([
      { MaxRecords: 100, IncludeInstances: false },
      { MaxRecords: 100, IncludeInstances: false, NextToken: 'g2' },
    ]);
  });
});
