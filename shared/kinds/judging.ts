/**
 * Judgement helpers more than one kind uses: the hop-limit ceiling, and how
 * EC2 resolves an option a launch template leaves unset (the version's value,
 * else the Region's account default, else EC2's own default). Pure.
 */
import type { CheckId, Compliance, MetadataOptions } from '../model.js';
import type { LaunchTemplateVersionSummary } from './launch-template/subject.js';
import type { Policy } from '../policy.js';
import type { Judgement } from './types.js';

export function result(check: CheckId, compliance: Compliance, reason: string): Judgement {
  return { check, compliance, reason };
}

/** Both checks with the same outcome and reason (endpoint disabled, terminated). */
export function both(compliance: Compliance, reason: string): Judgement[] {
  return [result('imdsv2', compliance, reason), result('hop-limit', compliance, reason)];
}

export function hopLimitCheck(hop: number, source: string, policy: Policy): Judgement {
  const ceiling = policy.hopLimitCeiling;
  return hop > ceiling
    ? result('hop-limit', 'NON_COMPLIANT', `Hop limit ${hop} (${source}) is above the ceiling ${ceiling}: the IMDSv2 token can travel beyond the host.`)
    : result('hop-limit', 'COMPLIANT', `Hop limit ${hop} (${source}) is within the ceiling ${ceiling}.`);
}

interface Resolved<T> {
  value: T;
  /** Where the value came from, for the reason. */
  source: string;
  /** EC2's built-in default (no explicit or account value). */
  fallback: boolean;
}

/** A template option: the version's value, else the Region's account default, else EC2's default. */
export function resolveOption<K extends keyof MetadataOptions>(
  version: LaunchTemplateVersionSummary,
  defaults: MetadataOptions | undefined,
  key: K,
  ec2Default: NonNullable<MetadataOptions[K]>,
): Resolved<NonNullable<MetadataOptions[K]>> {
  const own = version.metadata[key];
  if (own !== undefined && own !== null) return { value: own as NonNullable<MetadataOptions[K]>, source: `set in version ${version.versionNumber}`, fallback: false };
  const dflt = defaults?.[key];
  if (dflt !== undefined && dflt !== null) {
    return { value: dflt as NonNullable<MetadataOptions[K]>, source: `unset in version ${version.versionNumber}, from the Region's account default`, fallback: false };
  }
  return { value: ec2Default, source: `unset in version ${version.versionNumber} and in the account default, EC2's default`, fallback: true };
}

export interface TemplateJudgement {
  tokens: Compliance;
  tokensReason: string;
  hop: Compliance;
  hopReason: string;
}

/** One launch template version as instances launched from it would get it. */
export function judgeTemplateVersion(version: LaunchTemplateVersionSummary, defaults: MetadataOptions | undefined, policy: Policy): TemplateJudgement {
  const endpoint = resolveOption(version, defaults, 'httpEndpoint', 'enabled');
  if (endpoint.value === 'disabled') {
    const reason = `Metadata endpoint disabled (${endpoint.source}): instances launch with IMDS off.`;
    return { tokens: 'COMPLIANT', tokensReason: reason, hop: 'COMPLIANT', hopReason: reason };
  }
  const tokens = resolveOption(version, defaults, 'httpTokens', 'optional');
  const amiNote = tokens.fallback ? ' unless the AMI declares ImdsSupport v2.0' : '';
  const tokensReason =
    tokens.value === 'required'
      ? `HttpTokens=required (${tokens.source}).`
      : `HttpTokens=optional (${tokens.source})${amiNote}: instances launch accepting IMDSv1.`;
  const hop = resolveOption(version, defaults, 'httpPutResponseHopLimit', 1);
  const ceiling = policy.hopLimitCeiling;
  const hopAmi = hop.fallback ? '; 2 if the AMI declares ImdsSupport v2.0' : '';
  const hopOk = hop.value <= ceiling;
  const hopReason = hopOk
    ? `Hop limit ${hop.value} (${hop.source}${hopAmi}) is within the ceiling ${ceiling}.`
    : `Hop limit ${hop.value} (${hop.source}) is above the ceiling ${ceiling}.`;
  return {
    tokens: tokens.value === 'required' ? 'COMPLIANT' : 'NON_COMPLIANT',
    tokensReason,
    hop: hopOk ? 'COMPLIANT' : 'NON_COMPLIANT',
    hopReason,
  };
}

/** Metadata options as ASFF spells them. */
export function metadataDetails(m: MetadataOptions | undefined): Record<string, string | number> | undefined {
  if (!m) return undefined;
  return prune({
    HttpEndpoint: m.httpEndpoint,
    HttpProtocolIpv6: m.httpProtocolIpv6,
    HttpPutResponseHopLimit: m.httpPutResponseHopLimit,
    HttpTokens: m.httpTokens,
    InstanceMetadataTags: m.instanceMetadataTags,
  }) as Record<string, string | number>;
}

/** Drops `undefined` values (recursively) so the JSON carries only what we know. */
export function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const pv = prune(v);
      if (pv && typeof pv === 'object' && !Array.isArray(pv) && Object.keys(pv).length === 0) continue;
      out[k] = pv;
    }
    return out as T;
  }
  return value;
}

export type AwsPartition = 'aws' | 'aws-cn' | 'aws-us-gov';

/** The partition of a Region name. */
export function partitionOf(region: string): AwsPartition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The options of a launch configuration (`undefined`: it has no MetadataOptions), as launches get them. Both checks, in order. */
export function judgeLaunchConfigurationOptions(m: MetadataOptions | undefined, policy: Policy): [Judgement, Judgement] {
  if (m === undefined) {
    return [
      result(
        'imdsv2',
        'NON_COMPLIANT',
        'No MetadataOptions: instances launch with the account default or EC2\'s default (HttpTokens=optional), so IMDSv1 may be accepted.',
      ),
      result('hop-limit', 'COMPLIANT', `No MetadataOptions: EC2's default hop limit 1 is within the ceiling ${policy.hopLimitCeiling}.`),
    ];
  }
  if (m.httpEndpoint === 'disabled') {
    const [tokens, hop] = both('COMPLIANT', 'Metadata endpoint disabled in the launch configuration: instances launch with IMDS off.');
    return [tokens!, hop!];
  }
  const tokens =
    m.httpTokens === 'required'
      ? result('imdsv2', 'COMPLIANT', 'HttpTokens=required in the launch configuration.')
      : result(
          'imdsv2',
          'NON_COMPLIANT',
          m.httpTokens === 'optional'
            ? 'HttpTokens=optional in the launch configuration: instances launch accepting IMDSv1.'
            : 'HttpTokens not set in the launch configuration\'s MetadataOptions: IMDSv1 may be accepted.',
        );
  const hop = m.httpPutResponseHopLimit;
  const hopCheck =
    hop === undefined
      ? result('hop-limit', 'COMPLIANT', `Hop limit not set: EC2's default 1 is within the ceiling ${policy.hopLimitCeiling}.`)
      : hopLimitCheck(hop, 'launch configuration', policy);
  return [tokens, hopCheck];
}

/**
 * HttpTokens as a launch from this template version gets it, as AWS's
 * enforcement looks at it: the version's value, else the account default's,
 * else EC2's default `optional` (an AMI that declares ImdsSupport v2.0 would
 * make it `required`, which imds-guard does not read for templates, so it
 * counts as `optional`). The metadata endpoint is not looked at: enforcement
 * speaks of HttpTokens only.
 */
export function launchTokens(version: LaunchTemplateVersionSummary, defaults: MetadataOptions | undefined): { value: 'optional' | 'required'; source: string } {
  const tokens = resolveOption(version, defaults, 'httpTokens', 'optional');
  return { value: tokens.value, source: tokens.source };
}
