/**
 * The event catalog: one row per CloudTrail event imds-guard reacts to.
 * Each row says which service emits it, and where in the record the ids of
 * the affected resources live. The CloudTrail parser reads ids through it and
 * the EventBridge rule pattern in infra/ is generated from it, so adding a
 * trigger is adding a trigger to a kind's description (and a fixture under
 * test/fixtures/cloudtrail).
 *
 * Paths are dotted; `[]` walks every element of an array. CloudTrail renders
 * EC2's XML responses with `items`/`item` lists that hold a bare object when
 * there is one element, so `[]` also accepts a single object.
 */
import { allKinds } from '../kinds/registry.js';
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
  /** Read only when the record has a value at one of these paths. */
  onlyWith?: readonly string[];
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
 *
 * Each kind declares its triggers (shared/kinds/<kind>/description.ts); the
 * catalog is their union, keyed by event name, in registry order.
 */
function buildCatalog(): Readonly<Record<string, CatalogEntry>> {
  const catalog: Record<string, { eventSource: EventSource; refs: IdLocation[] }> = {};
  for (const { description } of allKinds()) {
    for (const trigger of description.triggers) {
      const entry = (catalog[trigger.eventName] ??= { eventSource: trigger.eventSource, refs: [] });
      if (entry.eventSource !== trigger.eventSource) {
        throw new Error(`${trigger.eventName} is declared with two event sources: ${entry.eventSource} and ${trigger.eventSource}`);
      }
      entry.refs.push({
        kind: description.kind,
        paths: trigger.paths,
        ...(trigger.fallbackPaths ? { fallbackPaths: trigger.fallbackPaths } : {}),
        ...(trigger.onlyWith ? { onlyWith: trigger.onlyWith } : {}),
      });
    }
  }
  return catalog;
}

export const EVENT_CATALOG = buildCatalog();

export function catalogEntry(eventName: string): CatalogEntry | undefined {
  return Object.hasOwn(EVENT_CATALOG, eventName) ? EVENT_CATALOG[eventName] : undefined;
}

export { CLOUDTRAIL_DETAIL_TYPE, STATE_CHANGE_DETAIL_TYPE } from './detail-types.js';
import { CLOUDTRAIL_DETAIL_TYPE, STATE_CHANGE_DETAIL_TYPE } from './detail-types.js';

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
