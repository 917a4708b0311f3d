/**
 * The auto-scaling-group kind: what a group launches with, as described now.
 * Types only. EC2.170 judges a launch template's default version only; a
 * group pinned to another version, to `$Latest`, or naming other templates
 * in its mixed instances policy launches with what these sources say.
 */
import type { MetadataOptions, ResourceRef, Tags } from '../../model.js';

export interface LaunchTemplateSource {
  type: 'launch-template';
  /** Where the group names it: 'group' (LaunchTemplate), 'mixed-instances-policy', or `override ${instanceType}` */
  origin: string;
  templateId?: string;
  templateName?: string;
  /** What the group asks for: '$Default' (also when unset), '$Latest', or a number as a string */
  requestedVersion: string;
  /** The version number that request resolves to now; undefined when the template/version could not be read */
  resolvedVersion?: number;
  /** The template's default version number (to know whether pointing at $Default would help) */
  defaultVersion?: number;
  /** Metadata options of the resolved version; undefined when not readable */
  metadata?: MetadataOptions;
  /** Metadata options of the template's default version (for the remediation decision) */
  defaultMetadata?: MetadataOptions;
  /** Why the source could not be read: the AWS error code (e.g. `InvalidLaunchTemplateId.NotFound`). */
  error?: string;
}

export interface LaunchConfigurationSource {
  type: 'launch-configuration';
  name: string;
  found: boolean;
  /** undefined = no MetadataOptions */
  metadata?: MetadataOptions;
  /** Why the configuration could not be read, when known. */
  error?: string;
}

export type LaunchSource = LaunchTemplateSource | LaunchConfigurationSource;

export interface AutoScalingGroupSubject {
  kind: 'auto-scaling-group';
  /** kind 'auto-scaling-group', id = group name */
  ref: ResourceRef;
  name: string;
  arn?: string;
  tags: Tags;
  createdTime?: Date;
  /** empty = no launch source it can read */
  sources: LaunchSource[];
  /** The region's account default, used for options a template leaves unset (as for launch templates) */
  accountDefaults?: MetadataOptions;
  /**
   * The DescribeAutoScalingGroups record (without instances), kept for the
   * finding details (ASFF `AwsAutoScalingAutoScalingGroup`).
   */
  raw?: Record<string, unknown>;
}
