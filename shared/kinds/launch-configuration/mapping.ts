/**
 * Launch configuration → launch template data. PURE.
 *
 * Field by field (DescribeLaunchConfigurations → RequestLaunchTemplateData):
 *
 * | launch configuration            | launch template                                                  |
 * |---------------------------------|------------------------------------------------------------------|
 * | ImageId, InstanceType, KeyName  | same names                                                       |
 * | KernelId / RamdiskId            | KernelId / RamDiskId                                             |
 * | SecurityGroups (sg-… ids)       | SecurityGroupIds, or NetworkInterfaces[0].Groups (see below)     |
 * | SecurityGroups (names)          | SecurityGroups                                                   |
 * | UserData (already base64)       | UserData, unchanged                                              |
 * | IamInstanceProfile name / ARN   | IamInstanceProfile { Name } / { Arn }                            |
 * | BlockDeviceMappings             | same; Ebs fields kept; NoDevice true → NoDevice ""               |
 * | InstanceMonitoring.Enabled      | Monitoring.Enabled                                               |
 * | EbsOptimized                    | EbsOptimized                                                     |
 * | AssociatePublicIpAddress        | NetworkInterfaces[0] { DeviceIndex 0, AssociatePublicIpAddress,  |
 * |                                 |   DeleteOnTermination, Groups } — groups move into the interface |
 * | PlacementTenancy                | Placement.Tenancy                                                |
 * | SpotPrice                       | InstanceMarketOptions { spot, SpotOptions.MaxPrice }             |
 * | MetadataOptions                 | MetadataOptions, HttpTokens=required, hop limit and endpoint kept |
 *
 * DescribeLaunchConfigurations returns "" for unset KeyName, KernelId,
 * RamdiskId and UserData: empty strings are treated as unset.
 * ClassicLink settings are dropped (EC2-Classic is retired).
 */
import type { BlockDeviceMapping, LaunchConfiguration } from '@aws-sdk/client-auto-scaling';
import type {
  LaunchTemplateBlockDeviceMappingRequest,
  LaunchTemplateInstanceMetadataOptionsRequest,
  RequestLaunchTemplateData,
  Tenancy,
  VolumeType,
  _InstanceType,
} from '@aws-sdk/client-ec2';
import { ImdsGuardError } from '../../errors.js';

export class MappingError extends ImdsGuardError {
  override name = 'MappingError';
}

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

export function blockDeviceMappingsFor(mappings: readonly BlockDeviceMapping[]): LaunchTemplateBlockDeviceMappingRequest[] {
  return mappings.map((m) => {
    const out: LaunchTemplateBlockDeviceMappingRequest = {};
    if (present(m.DeviceName)) out.DeviceName = m.DeviceName;
    if (present(m.VirtualName)) out.VirtualName = m.VirtualName;
    if (m.NoDevice === true) {
      out.NoDevice = '';
      return out;
    }
    if (m.Ebs) {
      const e = m.Ebs;
      const ebs: NonNullable<LaunchTemplateBlockDeviceMappingRequest['Ebs']> = {};
      if (present(e.SnapshotId)) ebs.SnapshotId = e.SnapshotId;
      if (e.VolumeSize !== undefined) ebs.VolumeSize = e.VolumeSize;
      if (present(e.VolumeType)) ebs.VolumeType = e.VolumeType as VolumeType;
      if (e.DeleteOnTermination !== undefined) ebs.DeleteOnTermination = e.DeleteOnTermination;
      if (e.Iops !== undefined) ebs.Iops = e.Iops;
      if (e.Throughput !== undefined) ebs.Throughput = e.Throughput;
      if (e.Encrypted !== undefined) ebs.Encrypted = e.Encrypted;
      out.Ebs = ebs;
    }
    return out;
  });
}

export function metadataOptionsFor(lc: Pick<LaunchConfiguration, 'MetadataOptions'>, hopLimit?: number): LaunchTemplateInstanceMetadataOptionsRequest {
  const src = lc.MetadataOptions;
  const out: LaunchTemplateInstanceMetadataOptionsRequest = { HttpTokens: 'required' };
  const hop = hopLimit ?? src?.HttpPutResponseHopLimit;
  if (hop !== undefined) out.HttpPutResponseHopLimit = hop;
  if (src?.HttpEndpoint !== undefined) out.HttpEndpoint = src.HttpEndpoint;
  return out;
}

/**
 * Launch template data equivalent to the launch configuration, with IMDSv2
 * required. `hopLimit` replaces the configuration's hop limit when given
 * (policy lowering); otherwise it is kept.
 */
export function launchTemplateDataFor(lc: LaunchConfiguration, options: { hopLimit?: number } = {}): RequestLaunchTemplateData {
  const data: RequestLaunchTemplateData = {};
  if (present(lc.ImageId)) data.ImageId = lc.ImageId;
  if (present(lc.InstanceType)) data.InstanceType = lc.InstanceType as _InstanceType;
  if (present(lc.KeyName)) data.KeyName = lc.KeyName;
  if (present(lc.KernelId)) data.KernelId = lc.KernelId;
  if (present(lc.RamdiskId)) data.RamDiskId = lc.RamdiskId;
  if (present(lc.UserData)) data.UserData = lc.UserData;

  if (present(lc.IamInstanceProfile)) {
    data.IamInstanceProfile = lc.IamInstanceProfile.startsWith('arn:') ? { Arn: lc.IamInstanceProfile } : { Name: lc.IamInstanceProfile };
  }
  if (lc.BlockDeviceMappings && lc.BlockDeviceMappings.length > 0) data.BlockDeviceMappings = blockDeviceMappingsFor(lc.BlockDeviceMappings);
  if (lc.InstanceMonitoring?.Enabled !== undefined) data.Monitoring = { Enabled: lc.InstanceMonitoring.Enabled };
  if (lc.EbsOptimized !== undefined) data.EbsOptimized = lc.EbsOptimized;
  if (present(lc.PlacementTenancy)) data.Placement = { Tenancy: lc.PlacementTenancy as Tenancy };
  if (present(lc.SpotPrice)) data.InstanceMarketOptions = { MarketType: 'spot', SpotOptions: { MaxPrice: lc.SpotPrice } };

  const groups = (lc.SecurityGroups ?? []).filter(present);
  const ids = groups.filter((g) => g.startsWith('sg-'));
  const names = groups.filter((g) => !g.startsWith('sg-'));
  if (lc.AssociatePublicIpAddress !== undefined) {
    // A launch template cannot set AssociatePublicIpAddress outside a network
    // interface, and then the groups must be given on that interface (by id).
    if (names.length > 0) {
      throw new MappingError(
        `security groups given by name (${names.join(', ')}) cannot be combined with AssociatePublicIpAddress in a launch template; use group ids`,
      );
    }
    data.NetworkInterfaces = [
      {
        DeviceIndex: 0,
        AssociatePublicIpAddress: lc.AssociatePublicIpAddress,
        DeleteOnTermination: true,
        ...(ids.length > 0 ? { Groups: ids } : {}),
      },
    ];
  } else {
    if (ids.length > 0) data.SecurityGroupIds = ids;
    if (names.length > 0) data.SecurityGroups = names;
  }

  data.MetadataOptions = metadataOptionsFor(lc, options.hopLimit);
  return data;
}
