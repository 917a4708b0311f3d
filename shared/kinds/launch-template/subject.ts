/**
 * The launch-template kind: a template's default version (what EC2.170 judges) and `$Latest` when it differs, as described now. Types only.
 */
import type { MetadataOptions, ResourceRef, Tags } from '../../model.js';

export interface LaunchTemplateVersionSummary {
  versionNumber: number;
  metadata: MetadataOptions;
}

export interface LaunchTemplateSubject {
  kind: 'launch-template';
  ref: ResourceRef;
  name: string;
  tags: Tags;
  createdTime?: Date;
  defaultVersion: LaunchTemplateVersionSummary;
  /** Present when `$Latest` differs from the default version. */
  latestVersion?: LaunchTemplateVersionSummary;
  /** The region's account default, used for options the template leaves unset. */
  accountDefaults?: MetadataOptions;
}
