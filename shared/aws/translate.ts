/**
 * SDK v3 response shapes → subjects (shared/model.ts). Pure: no clients, no
 * clock, no logging. Tolerant of the shapes that reach us in practice:
 * numbers sent as strings, dates as ISO strings (fixtures, CloudTrail), and
 * fields left out. A field the resource leaves unset stays `undefined`.
 */
import type { LaunchConfiguration } from '@aws-sdk/client-auto-scaling';
import type {
  Instance,
  InstanceMetadataDefaultsResponse,
  LaunchTemplate,
  LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import type {
  AccountDefaultsSubject,
  HttpEndpoint,
  HttpTokens,
  InstanceSubject,
  LaunchConfigurationSubject,
  LaunchTemplateSubject,
  LaunchTemplateVersionSummary,
  MetadataOptions,
  ResourceRef,
  Tags,
} from '../model.js';

import type { Scope } from '../scope.js';

export type { Scope };

/** The tag Auto Scaling puts on the instances it launches. */
export const ASG_NAME_TAG = 'aws:autoscaling:groupName';

/** A whole number from a number or a numeric string; otherwise undefined. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A Date from a Date, an ISO string or epoch milliseconds; otherwise undefined. */
export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'string' || typeof value === 'number') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** A string with something in it (AWS returns "" for unset fields), else undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** `[{ Key, Value }]` → `{ key: value }`; a tag without a value maps to `''`. */
export function tagsToRecord(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Tags {
  const out: Tags = {};
  for (const tag of tags ?? []) {
    if (typeof tag?.Key === 'string') out[tag.Key] = tag.Value ?? '';
  }
  return out;
}

/**
 * Metadata options from any of the SDK's shapes (instance, launch template
 * data, launch configuration, account defaults): PascalCase fields, each
 * kept only when set to a known value. Keys left unset are absent.
 */
export function metadataOptions(raw: unknown): MetadataOptions {
  const out: MetadataOptions = {};
  if (typeof raw !== 'object' || raw === null) return out;
  const r = raw as Record<string, unknown>;
  const httpTokens = oneOf<HttpTokens>(r.HttpTokens, ['optional', 'required']);
  if (httpTokens !== undefined) out.httpTokens = httpTokens;
  const hopLimit = toNumber(r.HttpPutResponseHopLimit);
  if (hopLimit !== undefined) out.httpPutResponseHopLimit = hopLimit;
  const httpEndpoint = oneOf<HttpEndpoint>(r.HttpEndpoint, ['enabled', 'disabled']);
  if (httpEndpoint !== undefined) out.httpEndpoint = httpEndpoint;
  const ipv6 = oneOf(r.HttpProtocolIpv6, ['enabled', 'disabled'] as const);
  if (ipv6 !== undefined) out.httpProtocolIpv6 = ipv6;
  const tags = oneOf(r.InstanceMetadataTags, ['enabled', 'disabled'] as const);
  if (tags !== undefined) out.instanceMetadataTags = tags;
  return out;
}

function ref(kind: ResourceRef['kind'], id: string, scope: Scope): ResourceRef {
  return { kind, id, account: scope.account, region: scope.region };
}

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

export function launchConfigurationSubject(lc: LaunchConfiguration, scope: Scope): LaunchConfigurationSubject {
  const name = str(lc.LaunchConfigurationName);
  if (name === undefined) throw new Error('DescribeLaunchConfigurations returned a record without LaunchConfigurationName');
  const subject: LaunchConfigurationSubject = {
    kind: 'launch-configuration',
    ref: ref('launch-configuration', name, scope),
    name,
    metadata: lc.MetadataOptions == null ? undefined : metadataOptions(lc.MetadataOptions),
    raw: { ...(lc as unknown as Record<string, unknown>) },
  };
  const arn = str(lc.LaunchConfigurationARN);
  if (arn !== undefined) subject.arn = arn;
  const created = toDate(lc.CreatedTime);
  if (created !== undefined) subject.createdTime = created;
  return subject;
}

/** GetInstanceMetadataDefaults `AccountLevel` → metadata options (absent fields = no preference). */
export function accountDefaultsMetadata(accountLevel: InstanceMetadataDefaultsResponse | undefined): MetadataOptions {
  return metadataOptions(accountLevel);
}

export function accountDefaultsSubject(
  accountLevel: InstanceMetadataDefaultsResponse | undefined,
  scope: Scope,
): AccountDefaultsSubject {
  const subject: AccountDefaultsSubject = {
    kind: 'account-defaults',
    ref: ref('account-defaults', scope.account, scope),
    metadata: accountDefaultsMetadata(accountLevel),
  };
  const enforced = oneOf(accountLevel?.HttpTokensEnforced, ['enabled', 'disabled'] as const);
  if (enforced !== undefined) subject.httpTokensEnforced = enforced === 'enabled';
  const managedBy = oneOf(accountLevel?.ManagedBy, ['account', 'declarative-policy'] as const);
  if (managedBy !== undefined) subject.managedBy = managedBy;
  return subject;
}
