/**
 * DescribeInstances records → the instance subject. Pure.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import type { InstanceSubject } from './subject.js';
import type { Scope } from '../../model.js';
import { ASG_NAME_TAG, metadataOptions, oneOf, ref, str, tagsToRecord, toDate } from '../../aws/translate.js';

export function instanceSubject(instance: Instance, scope: Scope): InstanceSubject {
  const id = str(instance.InstanceId);
  if (id === undefined) throw new Error('DescribeInstances returned an instance without InstanceId');
  const tags = tagsToRecord(instance.Tags);
  const subject: InstanceSubject = {
    kind: 'instance',
    ref: ref('instance', id, scope),
    state: str(instance.State?.Name) ?? 'unknown',
    metadata: metadataOptions(instance.MetadataOptions),
    tags,
  };
  const metadataState = oneOf(instance.MetadataOptions?.State, ['pending', 'applied'] as const);
  if (metadataState !== undefined) subject.metadataState = metadataState;
  const launchTime = toDate(instance.LaunchTime);
  if (launchTime !== undefined) subject.launchTime = launchTime;
  const imageId = str(instance.ImageId);
  if (imageId !== undefined) subject.imageId = imageId;
  const instanceType = str(instance.InstanceType);
  if (instanceType !== undefined) subject.instanceType = instanceType;
  const profileArn = str(instance.IamInstanceProfile?.Arn);
  if (profileArn !== undefined) subject.instanceProfileArn = profileArn;
  const group = str(tags[ASG_NAME_TAG]);
  if (group !== undefined) subject.autoScalingGroup = group;
  return subject;
}
