/** The launch-configuration kind's Auto Scaling calls (shared/kinds/launch-configuration/aws.ts). */
import { AutoScalingClient, DescribeLaunchConfigurationsCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { pageLaunchConfigurations } from '../../../shared/kinds/launch-configuration/aws.js';
import { mocked } from '../../aws/helpers.js';

const autoScaling = new AutoScalingClient({ region: 'us-east-1' });
const mock = mocked(autoScaling);

describe('pageLaunchConfigurations', () => {
  it('pages launch configurations with MaxRecords 100', async () => {
    mock
      .on(DescribeLaunchConfigurationsCommand)
      .resolvesOnce({ LaunchConfigurations: [{ LaunchConfigurationName: 'a', ImageId: 'ami-1', InstanceType: 't3.small', CreatedTime: new Date() }], NextToken: 'n1' })
      .resolvesOnce({ LaunchConfigurations: [{ LaunchConfigurationName: 'b', ImageId: 'ami-1', InstanceType: 't3.small', CreatedTime: new Date() }] });
    const names = [];
    for await (const page of pageLaunchConfigurations(autoScaling)) names.push(page.map((lc) => lc.LaunchConfigurationName));
    expect(names).toEqual([['a'], ['b']]);
    expect(mock.commandCalls(DescribeLaunchConfigurationsCommand).map((c) => c.args[0].input)).toEqual([
      { MaxRecords: 100 },
      { MaxRecords: 100, NextToken: 'n1' },
    ]);
  });
});
