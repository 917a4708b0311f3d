/**
 * The launch-configuration kind: one launch configuration as described now, and what superseded it. Types only.
 */
import type { MetadataOptions, ResourceRef } from '../../model.js';

export interface LaunchConfigurationSubject {
  kind: 'launch-configuration';
  ref: ResourceRef;
  name: string;
  arn?: string;
  /** `undefined` when the launch configuration has no MetadataOptions at all. */
  metadata?: MetadataOptions;
  createdTime?: Date;
  /** The full DescribeLaunchConfigurations record, kept for migration to a launch template. */
  raw: Record<string, unknown>;
  /**
   * The launch template imds-guard made from this configuration (tagged
   * `imds-guard:source-launch-configuration=<name>`), when there is one
   * (a migrated configuration is superseded).
   */
  supersededBy?: { id: string; name: string };
  /** Auto Scaling groups that still launch from it; looked up only when `supersededBy` is set. */
  usedBy?: string[];
}
