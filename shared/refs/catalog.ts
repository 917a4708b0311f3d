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
}

export interface CatalogEntry {
  eventSource: EventSource;
  refs: readonly IdLocation[];
}

export const EVENT_CATALOG = {
  RunInstances: {
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
  CreateLaunchTemplate: {
    eventSource: 'ec2.amazonaws.com',
    refs: [
      {
        kind: 'launch-template',
        paths: ['responseElements.CreateLaunchTemplateResponse.launchTemplate.launchTemplateId'],
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
          'requestParameters.CreateLaunchTemplateVersionRequest.LaunchTemplateName',
        ],
      },
    ],
  },
  ModifyLaunchTemplate: {
    eventSource: 'ec2.amazonaws.com',
    refs: [
      {
        kind: 'launch-template',
        paths: [
          'responseElements.ModifyLaunchTemplateResponse.launchTemplate.launchTemplateId',
          'requestParameters.ModifyLaunchTemplateRequest.LaunchTemplateId',
          'requestParameters.ModifyLaunchTemplateRequest.LaunchTemplateName',
        ],
      },
    ],
  },
  ModifyInstanceMetadataDefaults: {
    eventSource: 'ec2.amazonaws.com',
    // The account default has no id of its own: the ref's id is the account.
    refs: [{ kind: 'account-defaults', paths: ['recipientAccountId'] }],
  },
  CreateLaunchConfiguration: {
    eventSource: 'autoscaling.amazonaws.com',
    refs: [{ kind: 'launch-configuration', paths: ['requestParameters.launchConfigurationName'] }],
  },
  CreateAutoScalingGroup: {
    eventSource: 'autoscaling.amazonaws.com',
    refs: [
      { kind: 'launch-configuration', paths: ['requestParameters.launchConfigurationName'] },
      {
        kind: 'launch-template',
        paths: [
          'requestParameters.launchTemplate.launchTemplateId',
          'requestParameters.launchTemplate.launchTemplateName',
          'requestParameters.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateId',
          'requestParameters.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateName',
        ],
      },
    ],
  },
  UpdateAutoScalingGroup: {
    eventSource: 'autoscaling.amazonaws.com',
    refs: [
      { kind: 'launch-configuration', paths: ['requestParameters.launchConfigurationName'] },
      {
        kind: 'launch-template',
        paths: [
          'requestParameters.launchTemplate.launchTemplateId',
          'requestParameters.launchTemplate.launchTemplateName',
          'requestParameters.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateId',
          'requestParameters.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateName',
        ],
      },
    ],
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
