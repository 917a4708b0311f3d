import type { LaunchConfiguration } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { MappingError, launchTemplateDataFor } from '../../../shared/kinds/launch-configuration/mapping.js';

const base: LaunchConfiguration = {
  LaunchConfigurationName: 'web-lc',
  ImageId: 'ami-0123456789abcdef0',
  InstanceType: 't3.micro',
  CreatedTime: new Date('2020-01-01T00:00:00Z'),
  // DescribeLaunchConfigurations returns "" for these when unset
  KeyName: '',
  KernelId: '',
  RamdiskId: '',
  UserData: '',
  SecurityGroups: [],
  BlockDeviceMappings: [],
};

const cases: [string, Partial<LaunchConfiguration>, Record<string, unknown>][] = [
  ['image and type', {}, { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' }],
  ['key name', { KeyName: 'ops' }, { KeyName: 'ops' }],
  ['security group ids', { SecurityGroups: ['sg-1111', 'sg-2222'] }, { SecurityGroupIds: ['sg-1111', 'sg-2222'] }],
  ['security group names', { SecurityGroups: ['default'] }, { SecurityGroups: ['default'] }],
  ['user data kept base64 as is', { UserData: 'IyEvYmluL2Jhc2gKZWNobyBoaQ==' }, { UserData: 'IyEvYmluL2Jhc2gKZWNobyBoaQ==' }],
  ['instance profile by name', { IamInstanceProfile: 'web-role' }, { IamInstanceProfile: { Name: 'web-role' } }],
  [
    'instance profile by ARN',
    { IamInstanceProfile: 'arn:aws:iam::111122223333:instance-profile/web-role' },
    { IamInstanceProfile: { Arn: 'arn:aws:iam::111122223333:instance-profile/web-role' } },
  ],
  [
    'block devices: EBS fields and NoDevice',
    {
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { SnapshotId: 'snap-1', VolumeSize: 30, VolumeType: 'gp3', DeleteOnTermination: true, Iops: 3000, Throughput: 250, Encrypted: true },
        },
        { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
        { DeviceName: '/dev/sdc', NoDevice: true },
      ],
    },
    {
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { SnapshotId: 'snap-1', VolumeSize: 30, VolumeType: 'gp3', DeleteOnTermination: true, Iops: 3000, Throughput: 250, Encrypted: true },
        },
        { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
        { DeviceName: '/dev/sdc', NoDevice: '' },
      ],
    },
  ],
  ['detailed monitoring', { InstanceMonitoring: { Enabled: true } }, { Monitoring: { Enabled: true } }],
  ['basic monitoring', { InstanceMonitoring: { Enabled: false } }, { Monitoring: { Enabled: false } }],
  ['EBS optimised', { EbsOptimized: true }, { EbsOptimized: true }],
  [
    'public IP: groups move into the interface',
    { AssociatePublicIpAddress: true, SecurityGroups: ['sg-1111'] },
    { NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true, DeleteOnTermination: true, Groups: ['sg-1111'] }] },
  ],
  [
    'no public IP is also explicit',
    { AssociatePublicIpAddress: false, SecurityGroups: ['sg-1111'] },
    { NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: false, DeleteOnTermination: true, Groups: ['sg-1111'] }] },
  ],
  ['tenancy', { PlacementTenancy: 'dedicated' }, { Placement: { Tenancy: 'dedicated' } }],
  ['spot price', { SpotPrice: '0.05' }, { InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.05' } } }],
  ['kernel and ramdisk', { KernelId: 'aki-1', RamdiskId: 'ari-1' }, { KernelId: 'aki-1', RamDiskId: 'ari-1' }],
  ['metadata: no options → required', {}, { MetadataOptions: { HttpTokens: 'required' } }],
  [
    'metadata: hop limit and endpoint preserved',
    { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled' } },
    { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled' } },
  ],
];

describe('launch configuration → launch template data', () => {
  it.each(cases)('%s', (_name, lc, expected) => {
    const data = launchTemplateDataFor({ ...base, ...lc });
    expect(data).toMatchObject(expected);
  });

  it('drops empty strings and unset fields', () => {
    expect(launchTemplateDataFor(base)).toEqual({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.micro',
      MetadataOptions: { HttpTokens: 'required' },
    });
  });

  it('never puts security groups both on top and in the interface', () => {
    const data = launchTemplateDataFor({ ...base, AssociatePublicIpAddress: true, SecurityGroups: ['sg-1'] });
    expect(data.SecurityGroupIds).toBeUndefined();
    expect(data.SecurityGroups).toBeUndefined();
  });

  it('lowers the hop limit only when asked', () => {
    const lc = { ...base, MetadataOptions: { HttpTokens: 'optional' as const, HttpPutResponseHopLimit: 5 } };
    expect(launchTemplateDataFor(lc).MetadataOptions?.HttpPutResponseHopLimit).toBe(5);
    expect(launchTemplateDataFor(lc, { hopLimit: 2 }).MetadataOptions?.HttpPutResponseHopLimit).toBe(2);
  });

  it('refuses group names with a public IP setting (an interface needs ids)', () => {
    expect(() => launchTemplateDataFor({ ...base, AssociatePublicIpAddress: true, SecurityGroups: ['default'] })).toThrow(MappingError);
  });

  it('maps a full real-shaped configuration', () => {
    const data = launchTemplateDataFor({
      ...base,
      KeyName: 'ops',
      SecurityGroups: ['sg-0aaa'],
      UserData: 'ZWNobyBoaQ==',
      IamInstanceProfile: 'web',
      InstanceMonitoring: { Enabled: true },
      EbsOptimized: false,
      AssociatePublicIpAddress: true,
      PlacementTenancy: 'default',
      SpotPrice: '0.10',
      MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
    });
    expect(data).toEqual({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.micro',
      KeyName: 'ops',
      UserData: 'ZWNobyBoaQ==',
      IamInstanceProfile: { Name: 'web' },
      Monitoring: { Enabled: true },
      EbsOptimized: false,
      Placement: { Tenancy: 'default' },
      InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.10' } },
      NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true, DeleteOnTermination: true, Groups: ['sg-0aaa'] }],
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
    });
  });
});
