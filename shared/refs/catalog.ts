/**
 * The event catalog: one row per CloudTrail event imds-guard reacts to.
 * Each row says which service emits it, and where in the record the ids of
 * the affected resources live. The CloudTrail parser reads ids through it and
 * the EventBridge rule pattern in infra/ is generated from it, so adding a
 * trigger is adding a row here (and a fixture under test/fixtures/cloudtrail).
 *
 * Paths are dotted; `[]` walks every element of an array. CloudTrail renders
 * EC2's XML responses with `items`/`item` lists that hold a bare object when
 * there is one element, so `[]` also accepts a single object.
 */
import type { ResourceKind } from '../model.js';

export type EventSource = 'ec2.amazonaws.com' | 'autoscaling.amazonaws.com';

export interface IdLocation {
  kind: ResourceKind;
  /** Tried in order; ids found under every path are collected. */
  paths: readonly string[];
  /**
   * Read only when `paths` found nothing: launch template *names*, for calls
   * that may identify the template by name alone (the loader resolves names).
   */
  fallbackPaths?: readonly string[];
}

export interface CatalogEntry {
  eventSource: EventSource;
  refs: readonly IdLocation[];
}

/*
 * Record shapes (checked against real CloudTrail records where one could be
 * found; see test/fixtures/SOURCES.md):
 * - EC2 Query-API calls whose request CloudTrail logs in PascalCase nest it
 *   under `<Action>Request` (CreateLaunchTemplate, ModifyInstanceMetadataOptions);
 *   their responses are the XML document, `<Action>Response` with camelCase
 *   fields. Older EC2 calls (RunInstances) log flat camelCase.
 * - Auto Scaling logs flat camelCase request parameters and null responses.
 */
const ASG_LAUNCH_TEMPLATE: readonly IdLocation[] = [
  { kind: 'launch-configuration', paths: ['requestParameters.launchConfigurationName'] },
  {
    kind: 'launch-template',
    paths: ['requestParameters.launchTemplate.launchTemplateId'],
    fallbackPaths: ['requestParameters.launchTemplate.launchTemplateName'],
  },
  {
    kind: 'launch-template',
    paths: ['requestParameters.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateId'],
    fallbackPaths: ['requestParameters.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateName'],
  },
  {
    // An override may name its own template for some instance types.
    kind: 'launch-template',
    paths: ['requestParameters.mixedInstancesPolicy.launchTemplate.overrides[].launchTemplateSpecification.launchTemplateId'],
    fallbackPaths: [
      'requestParameters.mixedInstancesPolicy.launchTemplate.overrides[].launchTemplateSpecification.launchTemplateName',
    ],
  },
];

export const EVENT_CATALOG = {
  RunInstances: {
    // Also what Auto Scaling calls on the customer's behalf (invokedBy autoscaling.amazonaws.com).
    eventSource: 'ec2.amazonaws.com',
    refs: [{ kind: 'instance', paths: ['responseElements.instancesSet.items[].instanceId'] }],
  },
  CreateFleet: {
    // Only `instant` fleets launch synchronously and list their instances here;
    // `maintain`/`request` fleets are caught by the state-change rule.
    eventSource: 'ec2.amazonaws.com',
    refs: [
      {
        kind: 'instance',
        paths: ['responseElements.CreateFleetResponse.fleetInstanceSet.item[].instanceIds.item[]'],
      },
    ],
  },
  ModifyInstanceMetadataOptions: {
    eventSource: 'ec2.amazonaws.com',
    refs: [
      {
        kind: 'instance',
        paths: [
          'requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId',
          'requestParameters.instanceId',
          'responseElements.ModifyInstanceMetadataOptionsResponse.instanceId',
        ],
      },
    ],
  },
  ModifyInstanceMetadataDefaults: {
    eventSource: 'ec2.amazonaws.com',
    // The account default has no id of its own: the ref's id is the account.
    refs: [{ kind: 'account-defaults', paths: ['recipientAccountId'] }],
  },
  CreateLaunchTemplate: {
    eventSource: 'ec2.amazonaws.com',
    refs: [
      {
        kind: 'launch-template',
        paths: ['responseElements.CreateLaunchTemplateResponse.launchTemplate.launchTemplateId'],
        fallbackPaths: ['requestParameters.CreateLaunchTemplateRequest.LaunchTemplateName'],
      },
    ],
  },
  CreateLaunchTemplateVersion: {
    eventSource: 'ec2.amazonaws.com',
    refs: [
      {
        kind: 'launch-template',
        paths: [
          'responseElements.CreateLaunchTemplateVersionResponse.launchTemplateVersion.launchTemplateId',
          'requestParameters.CreateLaunchTemplateVersionRequest.LaunchTemplateId',
        ],
        fallbackPaths: ['requestParameters.CreateLaunchTemplateVersionRequest.LaunchTemplateName'],
      },
    ],
  },
  ModifyLaunchTemplate: {
    // Changes the default version, which is what launches use.
    eventSource: 'ec2.amazonaws.com',
    refs: [
      {
        kind: 'launch-template',
        paths: [
          'responseElements.ModifyLaunchTemplateResponse.launchTemplate.launchTemplateId',
          'requestParameters.ModifyLaunchTemplateRequest.LaunchTemplateId',
        ],
        fallbackPaths: ['requestParameters.ModifyLaunchTemplateRequest.LaunchTemplateName'],
      },
    ],
  },
  CreateLaunchConfiguration: {
    eventSource: 'autoscaling.amazonaws.com',
    refs: [{ kind: 'launch-configuration', paths: ['requestParameters.launchConfigurationName'] }],
  },
  CreateAutoScalingGroup: {
    eventSource: 'autoscaling.amazonaws.com',
    refs: ASG_LAUNCH_TEMPLATE,
  },
  UpdateAutoScalingGroup: {
    eventSource: 'autoscaling.amazonaws.com',
    refs: ASG_LAUNCH_TEMPLATE,
  },
} as const satisfies Record<string, CatalogEntry>;

export type CatalogEventName = keyof typeof EVENT_CATALOG;

export function catalogEntry(eventName: string): CatalogEntry | undefined {
  return Object.hasOwn(EVENT_CATALOG, eventName) ? EVENT_CATALOG[eventName as CatalogEventName] : undefined;
}

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const STATE_CHANGE_DETAIL_TYPE = 'EC2 Instance State-change Notification';

/** EventBridge `source` for a CloudTrail event source (`ec2.amazonaws.com` → `aws.ec2`). */
function busSource(eventSource: EventSource): string {
  return `aws.${eventSource.split('.')[0]}`;
}

/**
 * The EventBridge rule patterns, generated from the catalog: one per event
 * source for CloudTrail calls, plus the instance state-change catch-all.
 * Failed calls (`errorCode` present) are filtered out by the pattern already.
 */
export function eventPatterns(): Record<string, unknown>[] {
  const bySource = new Map<EventSource, string[]>();
  for (const [name, entry] of Object.entries(EVENT_CATALOG) as [string, CatalogEntry][]) {
    bySource.set(entry.eventSource, [...(bySource.get(entry.eventSource) ?? []), name]);
  }
  const cloudTrail = [...bySource.entries()].map(([eventSource, names]) => ({
    source: [busSource(eventSource)],
    'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
    detail: {
      eventSource: [eventSource],
      eventName: names.sort(),
      errorCode: [{ exists: false }],
    },
  }));
  const stateChange = {
    source: ['aws.ec2'],
    'detail-type': [STATE_CHANGE_DETAIL_TYPE],
    detail: { state: ['running'] },
  };
  return [...cloudTrail, stateChange];
}
