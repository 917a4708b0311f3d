/**
 * EventBridge "AWS API Call via CloudTrail" events → ResourceRefs, read
 * through EVENT_CATALOG. Only identifiers are taken from the record; the
 * loader describes the resources afresh. Pure, never throws on any input.
 */
import { CLOUDTRAIL_DETAIL_TYPE, catalogEntry } from './catalog.js';
import { RefCollector, foreign, isRecord, notOk } from './common.js';
import { own as prop, stringsAt, valuesAt } from './paths.js';
import type { EventParser, ParseResult } from './types.js';
import { actorOf } from './actor.js';

export { actorOf, byAutoScaling } from './actor.js';
import { show } from '../validate.js';
import type { Scope } from '../model.js';

export function parseCloudTrail(event: Record<string, unknown>, own: Scope): ParseResult {
  const detail = prop(event, 'detail');
  if (!isRecord(detail)) return notOk(false, 'CloudTrail event has no detail object', { source: 'cloudtrail' });
  const eventName = prop(detail, 'eventName');
  if (typeof eventName !== 'string' || eventName === '') {
    return notOk(false, 'CloudTrail event has no eventName', { source: 'cloudtrail' });
  }
  const actor = actorOf(detail);
  const base = { source: 'cloudtrail' as const, eventName, actor };

  const entry = catalogEntry(eventName);
  if (!entry) return notOk(false, `event ${show(eventName)} is not in the event catalog`, base);
  const eventSource = prop(detail, 'eventSource');
  if (eventSource !== entry.eventSource) {
    return notOk(false, `event ${eventName} came from ${show(eventSource)}, the catalog expects ${entry.eventSource}`, base);
  }

  const errorCode = prop(detail, 'errorCode');
  if (errorCode !== undefined && errorCode !== null && errorCode !== '') {
    return notOk(true, `${eventName} failed with ${show(errorCode)}; nothing changed`, base);
  }

  const elsewhere = foreign(own, [
    { what: 'event', account: prop(event, 'account'), region: prop(event, 'region') },
    { what: 'CloudTrail record', account: prop(detail, 'recipientAccountId'), region: prop(detail, 'awsRegion') },
  ]);
  if (elsewhere) return notOk(false, elsewhere, base);

  const collector = new RefCollector(own);
  for (const location of entry.refs) {
    if (location.onlyWith && !location.onlyWith.some((path) => valuesAt(detail, path).some((v) => v !== undefined && v !== null))) continue;
    let found = 0;
    for (const path of location.paths) {
      for (const value of stringsAt(detail, path)) {
        collector.add(location.kind, value);
        found += 1;
      }
    }
    if (found === 0) {
      for (const path of location.fallbackPaths ?? []) {
        for (const value of stringsAt(detail, path)) collector.add(location.kind, value);
      }
    }
  }

  if (collector.refs.length === 0) {
    // A request that names no launch template/configuration (an Auto Scaling group
    // resized, nothing else) changed nothing imds-guard checks: routine, not bad input.
    // Ids read from responseElements stay required: their absence means a broken record.
    const requestOnly = entry.refs.every((l) => [...l.paths, ...(l.fallbackPaths ?? [])].every((p) => p.startsWith('requestParameters.')));
    if (requestOnly && collector.rejected.length === 0) {
      return notOk(true, `${eventName} names no resource imds-guard checks (e.g. only sizes changed); nothing to do`, base);
    }
    const why = collector.rejected.length
      ? `every id was invalid: ${collector.rejected.map((r) => r.reason).join('; ')}`
      : 'no resource ids at the catalog paths';
    return notOk(false, `${eventName}: ${why}`, base);
  }
  return { ok: true, ...base, refs: collector.refs, rejected: collector.rejected };
}

export const cloudTrailParser: EventParser = {
  source: 'cloudtrail',
  matches: (event) => prop(event, 'detail-type') === CLOUDTRAIL_DETAIL_TYPE,
  parse: parseCloudTrail,
};
