/**
 * DescribeLaunchTemplates / DescribeLaunchTemplateVersions records → the launch-template subject. Pure.
 */
import type { LaunchTemplate, LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import type { MetadataOptions, Scope } from '../../model.js';
import type { LaunchTemplateSubject, LaunchTemplateVersionSummary } from './subject.js';
import { metadataOptions, ref, str, tagsToRecord, toDate, toNumber } from '../../aws/translate.js';

export function launchTemplateVersionSummary(version: LaunchTemplateVersion): LaunchTemplateVersionSummary {
  const versionNumber = toNumber(version.VersionNumber);
  if (versionNumber === undefined) {
    throw new Error(`launch template version of ${version.LaunchTemplateId ?? '?'} has no VersionNumber`);
  }
  return { versionNumber, metadata: metadataOptions(version.LaunchTemplateData?.MetadataOptions) };
}

/**
 * A launch template from DescribeLaunchTemplates plus its default version
 * (and `$Latest`, kept only when it is a different version).
 */
export function launchTemplateSubject(
  template: LaunchTemplate,
  defaultVersion: LaunchTemplateVersion,
  latestVersion: LaunchTemplateVersion | undefined,
  scope: Scope,
  accountDefaults?: MetadataOptions,
): LaunchTemplateSubject {
  const id = str(template.LaunchTemplateId) ?? str(defaultVersion.LaunchTemplateId);
  if (id === undefined) throw new Error('launch template without LaunchTemplateId');
  const subject: LaunchTemplateSubject = {
    kind: 'launch-template',
    ref: ref('launch-template', id, scope),
    name: str(template.LaunchTemplateName) ?? str(defaultVersion.LaunchTemplateName) ?? id,
    tags: tagsToRecord(template.Tags),
    defaultVersion: launchTemplateVersionSummary(defaultVersion),
  };
  if (latestVersion !== undefined) {
    const latest = launchTemplateVersionSummary(latestVersion);
    if (latest.versionNumber !== subject.defaultVersion.versionNumber) subject.latestVersion = latest;
  }
  if (accountDefaults !== undefined) subject.accountDefaults = accountDefaults;
  const created = toDate(template.CreateTime);
  if (created !== undefined) subject.createdTime = created;
  return subject;
}
