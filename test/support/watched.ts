/** What the watch finds: a DescribeInstances reply with one running instance it follows. */
import type { DescribeInstancesCommandOutput } from '@aws-sdk/client-ec2';

/**
 * One running instance switched to IMDSv2 at `flippedAt`, with the two tags the
 * flip writes before it changes anything: when, and what it had before
 * (IMDSv1 allowed, hop limit 2).
 */
export function watchedInstanceReply(instanceId: string, flippedAt: Date): Pick<DescribeInstancesCommandOutput, 'Reservations'> {
  const tags = { 'imds-guard:flipped-at': flippedAt.toISOString(), 'imds-guard:previous': 'tokens=optional;hop=2;endpoint=enabled' };
  return {
    Reservations: [{ Instances: [{ InstanceId: instanceId, State: { Name: 'running' }, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] }],
  };
}

/**
 * The ModifyInstanceMetadataOptions a rollback sends for an instance whose
 * record says: IMDSv1 allowed, hop limit 3, endpoint, IPv6 and tags on.
 */
export function restoreOfRecorded(instanceId: string) {
  return { InstanceId: instanceId, HttpTokens: 'optional', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'enabled', InstanceMetadataTags: 'enabled' };
}
