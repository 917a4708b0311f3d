/**
 * DescribeAutoScalingGroups record → AutoScalingGroupSubject. PURE: the
 * templates' versions and the launch configurations are looked up through
 * `lookups`, which the edge fills from its batched describe calls.
 *
 * Sources read, in this order (origin in brackets):
 * - `LaunchConfigurationName` (a launch-configuration source);
 * - `LaunchTemplate` [`group`];
 * - `MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification` [`mixed-instances-policy`];
 * - each `MixedInstancesPolicy.LaunchTemplate.Overrides[].LaunchTemplateSpecification`
 *   [`override <InstanceType>`; `override <n>` for an override without an
 *   instance type, e.g. one with InstanceRequirements]. An override without
 *   its own specification launches from the policy's template, already a source.
 * A version left unset means `$Default` (LaunchTemplateSpecification.Version:
 * "The default value is $Default", Auto Scaling API reference).
 */
import type { AutoScalingGroup, LaunchTemplateSpecification } from '@aws-sdk/client-auto-scaling';
import type { MetadataOptions, Scope } from '../../model.js';
import { tagsToRecord, toDate } from '../../aws/translate.js';
import type { AutoScalingGroupSubject, LaunchSource, LaunchTemplateSource } from './subject.js';

/** What the edge learnt about one template version request: a source's facts, without where the group names it. */
export type TemplateVersionLookup = Omit<LaunchTemplateSource, 'type' | 'origin' | 'requestedVersion'>;

export interface LaunchSourceLookups {
  /** `idOrName` is the spec's LaunchTemplateId, else its LaunchTemplateName; `undefined` = not looked up. */
  templateVersion(idOrName: string, requestedVersion: string): TemplateVersionLookup | undefined;
  launchConfiguration(name: string): { found: boolean; metadata?: MetadataOptions; error?: string };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The version a spec asks for, `$Default` when unset. */
export function requestedVersionOf(spec: LaunchTemplateSpecification): string {
  return text(spec.Version) ?? '$Default';
}

/** The key the edge and the lookups use for a spec: its id, else its name. */
export function templateKeyOf(spec: LaunchTemplateSpecification | undefined): string | undefined {
  return text(spec?.LaunchTemplateId) ?? text(spec?.LaunchTemplateName);
}

/** Every launch template spec of a group with its origin (no lookups). */
export function templateSpecsOf(group: AutoScalingGroup): { origin: string; spec: LaunchTemplateSpecification }[] {
  const out: { origin: string; spec: LaunchTemplateSpecification }[] = [];
  if (templateKeyOf(group.LaunchTemplate) !== undefined) out.push({ origin: 'group', spec: group.LaunchTemplate as LaunchTemplateSpecification });
  const mixed = group.MixedInstancesPolicy?.LaunchTemplate;
  if (templateKeyOf(mixed?.LaunchTemplateSpecification) !== undefined) {
    out.push({ origin: 'mixed-instances-policy', spec: mixed?.LaunchTemplateSpecification as LaunchTemplateSpecification });
  }
  (mixed?.Overrides ?? []).forEach((override, index) => {
    const spec = override.LaunchTemplateSpecification;
    if (templateKeyOf(spec) === undefined) return;
    out.push({ origin: `override ${text(override.InstanceType) ?? index + 1}`, spec: spec as LaunchTemplateSpecification });
  });
  return out;
}

function templateSource(origin: string, spec: LaunchTemplateSpecification, lookups: LaunchSourceLookups): LaunchTemplateSource {
  const key = templateKeyOf(spec) as string;
  const requestedVersion = requestedVersionOf(spec);
  const source: LaunchTemplateSource = { type: 'launch-template', origin, requestedVersion };
  const id = text(spec.LaunchTemplateId);
  const name = text(spec.LaunchTemplateName);
  if (id !== undefined) source.templateId = id;
  if (name !== undefined) source.templateName = name;
  const found = lookups.templateVersion(key, requestedVersion);
  if (found === undefined) return { ...source, error: 'not looked up' };
  // The template's own record is more complete than the group's spec (a spec may carry only one of the two).
  if (found.templateId !== undefined) source.templateId = found.templateId;
  if (found.templateName !== undefined) source.templateName = found.templateName;
  if (found.resolvedVersion !== undefined) source.resolvedVersion = found.resolvedVersion;
  if (found.defaultVersion !== undefined) source.defaultVersion = found.defaultVersion;
  if (found.metadata !== undefined) source.metadata = found.metadata;
  if (found.defaultMetadata !== undefined) source.defaultMetadata = found.defaultMetadata;
  if (found.error !== undefined) source.error = found.error;
  return source;
}

export function autoScalingGroupSubject(
  group: AutoScalingGroup,
  scope: Scope,
  lookups: LaunchSourceLookups,
  accountDefaults?: MetadataOptions,
): AutoScalingGroupSubject {
  const name = text(group.AutoScalingGroupName);
  if (name === undefined) throw new Error('DescribeAutoScalingGroups returned a group without AutoScalingGroupName');
  const sources: LaunchSource[] = [];
  const lcName = text(group.LaunchConfigurationName);
  if (lcName !== undefined) {
    const lc = lookups.launchConfiguration(lcName);
    const source: LaunchSource = { type: 'launch-configuration', name: lcName, found: lc.found };
    if (lc.metadata !== undefined) source.metadata = lc.metadata;
    if (lc.error !== undefined) source.error = lc.error;
    sources.push(source);
  }
  for (const { origin, spec } of templateSpecsOf(group)) sources.push(templateSource(origin, spec, lookups));

  const subject: AutoScalingGroupSubject = {
    kind: 'auto-scaling-group',
    ref: { kind: 'auto-scaling-group', id: name, account: scope.account, region: scope.region },
    name,
    // ASG tags are { Key, Value, PropagateAtLaunch, ResourceId, ResourceType }; only Key and Value matter here.
    tags: tagsToRecord(group.Tags),
    sources,
  };
  const arn = text(group.AutoScalingGroupARN);
  if (arn !== undefined) subject.arn = arn;
  const created = toDate(group.CreatedTime);
  if (created !== undefined) subject.createdTime = created;
  if (accountDefaults !== undefined) subject.accountDefaults = accountDefaults;
  // Instances are not part of the group's configuration (and make large records).
  const { Instances: _instances, ...raw } = group;
  subject.raw = raw as Record<string, unknown>;
  return subject;
}
