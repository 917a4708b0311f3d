/**
 * The instance kind: one EC2 instance as described now. Types only.
 */
import type { MetadataOptions, ResourceRef, Tags } from '../../model.js';

export interface InstanceSubject {
  kind: 'instance';
  ref: ResourceRef;
  /** EC2 instance state name: pending, running, stopping, stopped, shutting-down, terminated. */
  state: string;
  metadata: MetadataOptions;
  /** `pending` while a ModifyInstanceMetadataOptions change is being applied. */
  metadataState?: 'pending' | 'applied';
  tags: Tags;
  launchTime?: Date;
  imageId?: string;
  instanceType?: string;
  instanceProfileArn?: string;
  /** From the `aws:autoscaling:groupName` tag, when the instance belongs to a group. */
  autoScalingGroup?: string;
  /**
   * Whether its account enforces IMDSv2 in this Region (GetInstanceMetadataDefaults
   * HttpTokensEnforced), read when the instance still allows IMDSv1: then a
   * switch to IMDSv2 cannot be rolled back (AWS refuses HttpTokens=optional).
   */
  accountEnforced?: boolean;
}
