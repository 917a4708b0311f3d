/** Fixing a launch template (shared/kinds/launch-template/remedy.ts), through the remediator. */
import { DescribeAutoScalingGroupsCommand, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import { versionClientToken } from '../../../shared/kinds/launch-template/remedy.js';
import { planFor, remediationHarness } from '../../act/harness.js';
import { policy, templateSubject } from '../../act/helpers.js';

const { ec2, autoScaling, writes, deps } = remediationHarness();

describe('launch template', () => {
  const TEMPLATE = 'lt-0123456789abcdef0';
  const defaultVersion: LaunchTemplateVersion = {
    LaunchTemplateId: TEMPLATE,
    LaunchTemplateName: 'web',
    VersionNumber: 3,
    DefaultVersion: true,
    LaunchTemplateData: {
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.micro',
      UserData: 'ZWNobyBoaQ==',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', VolumeSize: 30, VolumeType: 'gp3', Encrypted: true } }],
      MetadataOptions: {
        State: 'applied',
        HttpTokens: 'optional',
        HttpPutResponseHopLimit: 2,
        HttpEndpoint: 'enabled',
        HttpProtocolIpv6: 'disabled',
        InstanceMetadataTags: 'enabled',
      },
    },
  };
  const groups = [
    { AutoScalingGroupName: 'web-asg', LaunchTemplate: { LaunchTemplateId: TEMPLATE, LaunchTemplateName: 'web', Version: '$Default' } },
    { AutoScalingGroupName: 'batch-asg', LaunchTemplate: { LaunchTemplateId: TEMPLATE, LaunchTemplateName: 'web', Version: '2' } },
    {
      AutoScalingGroupName: 'mixed-asg',
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: TEMPLATE, Version: '$Latest' } } },
    },
    { AutoScalingGroupName: 'other-asg', LaunchTemplate: { LaunchTemplateId: 'lt-0999', Version: '$Default' } },
  ];

  function templateMocks(versions: LaunchTemplateVersion[] = [defaultVersion]) {
    let created = false;
    ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input) => {
      if (input.Versions?.length === 1 && created) {
        return { LaunchTemplateVersions: [{ ...defaultVersion, VersionNumber: 4, LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } }] };
      }
      return { LaunchTemplateVersions: versions };
    });
    ec2.on(CreateLaunchTemplateVersionCommand).callsFake(() => {
      created = true;
      return { LaunchTemplateVersion: { LaunchTemplateId: TEMPLATE, VersionNumber: 4 } };
    });
    ec2.on(ModifyLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: TEMPLATE, DefaultVersionNumber: 4 } });
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: groups as never });
  }

  it('new version from the default keeps all other data, complete MetadataOptions, becomes default; pinned groups reported', async () => {
    templateMocks();
    const [outcome] = await remediate([planFor(templateSubject(), policy())], deps(policy()));
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]!.args[0].input).toEqual({
      LaunchTemplateId: TEMPLATE,
      Versions: ['$Default', '$Latest'],
    });
    const create = ec2.commandCalls(CreateLaunchTemplateVersionCommand);
    expect(create).toHaveLength(1);
    expect(create[0]!.args[0].input).toEqual({
      LaunchTemplateId: TEMPLATE,
      SourceVersion: '3',
      VersionDescription: expect.stringContaining('imds-guard'),
      ClientToken: versionClientToken(TEMPLATE, 3),
      LaunchTemplateData: {
        // everything else is inherited from SourceVersion; only these are given, complete
        MetadataOptions: {
          HttpTokens: 'required',
          HttpPutResponseHopLimit: 2,
          HttpEndpoint: 'enabled',
          HttpProtocolIpv6: 'disabled',
          InstanceMetadataTags: 'enabled',
        },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', VolumeSize: 30, VolumeType: 'gp3', Encrypted: true } }],
      },
    });
    expect(ec2.commandCalls(ModifyLaunchTemplateCommand)[0]!.args[0].input).toEqual({ LaunchTemplateId: TEMPLATE, DefaultVersion: '4' });
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'COMPLIANT' });
    expect(outcome!.message).toContain('created version 4 of web from version 3');
    expect(outcome!.message).toContain('web-asg ($Default)');
    expect(outcome!.message).toContain('mixed-asg ($Latest)');
    expect(outcome!.message).toMatch(/NOT picking up the fix.*batch-asg \(version 2\)/);
    expect(outcome!.message).not.toContain('other-asg');
    expect(autoScaling.commandCalls(StartInstanceRefreshCommand)).toHaveLength(0);
  });

  it('client token is stable per template and source version (≤128 chars)', () => {
    expect(versionClientToken(TEMPLATE, 3)).toBe(versionClientToken(TEMPLATE, 3));
    expect(versionClientToken(TEMPLATE, 3)).not.toBe(versionClientToken(TEMPLATE, 4));
    expect(versionClientToken(TEMPLATE, 3).length).toBeLessThanOrEqual(128);
  });

  it('instance refresh (when enabled) only on groups following $Default/$Latest', async () => {
    templateMocks();
    autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
    const p = policy({ instanceRefresh: true });
    await remediate([planFor(templateSubject(), p)], deps(p));
    const refreshed = autoScaling.commandCalls(StartInstanceRefreshCommand).map((c) => c.args[0].input.AutoScalingGroupName);
    expect(refreshed).toEqual(['web-asg', 'mixed-asg']);
  });

  it('refuses when $Latest differs from the default and a group follows $Latest', async () => {
    templateMocks([defaultVersion, { ...defaultVersion, VersionNumber: 5, DefaultVersion: false }]);
    const [outcome] = await remediate([planFor(templateSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome!.message).toContain('mixed-asg');
    expect(writes()).toEqual([]);
  });

  it('a default that already requires IMDSv2 (duplicate event) creates nothing', async () => {
    const fixed = { ...defaultVersion, LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' as const } } };
    templateMocks([fixed]);
    const [outcome] = await remediate([planFor(templateSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped', verifiedCompliance: 'COMPLIANT' });
    expect(writes()).toEqual([]);
  });
});
