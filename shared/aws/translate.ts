/**
 * SDK v3 response shapes → subjects (shared/model.ts). Pure: no clients, no
 * clock, no logging. Tolerant of the shapes that reach us in practice:
 * numbers sent as strings, dates as ISO strings (fixtures, CloudTrail), and
 * fields left out. A field the resource leaves unset stays `undefined`.
 */
import type { HttpEndpoint, HttpTokens, MetadataOptions, ResourceRef, Scope, Tags } from '../model.js';


import type { InstanceMetadataDefaultsResponse } from '@aws-sdk/client-ec2';
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

export function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
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

export function ref(kind: ResourceRef['kind'], id: string, scope: Scope): ResourceRef {
  return { kind, id, account: scope.account, region: scope.region };
}

/** GetInstanceMetadataDefaults `AccountLevel` → metadata options (absent fields = no preference). */
export function accountDefaultsMetadata(accountLevel: InstanceMetadataDefaultsResponse | undefined): MetadataOptions {
  return metadataOptions(accountLevel);
}
