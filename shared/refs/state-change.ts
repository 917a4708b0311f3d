/**
 * EventBridge "EC2 Instance State-change Notification" → an instance ref
 * when the instance is `running` (launches by fleets, Spot and anything the
 * CloudTrail rule does not list). Other states are ignored with a reason.
 * Pure, never throws.
 */
import { STATE_CHANGE_DETAIL_TYPE } from './catalog.js';
import { RefCollector, foreign, isRecord, notOk } from './common.js';
import { own as prop } from './paths.js';
import type { EventParser, ParseResult } from './types.js';
import { show } from '../validate.js';
import type { Scope } from '../model.js';

export function parseStateChange(event: Record<string, unknown>, own: Scope): ParseResult {
  const source = 'state-change' as const;
  if (prop(event, 'source') !== 'aws.ec2') {
    return notOk(false, `state-change event from ${show(prop(event, 'source'))}, expected aws.ec2`, { source });
  }
  const detail = prop(event, 'detail');
  if (!isRecord(detail)) return notOk(false, 'state-change event has no detail object', { source });
  const state = prop(detail, 'state');
  if (typeof state !== 'string') return notOk(false, 'state-change event has no state', { source });
  const elsewhere = foreign(own, [{ what: 'event', account: prop(event, 'account'), region: prop(event, 'region') }]);
  if (elsewhere) return notOk(false, elsewhere, { source });
  const instanceId = prop(detail, 'instance-id');
  if (typeof instanceId !== 'string') return notOk(false, 'state-change event has no instance-id', { source });
  if (state !== 'running') {
    return notOk(true, `instance ${show(instanceId)} is ${show(state)}; only running instances are checked`, { source });
  }
  const collector = new RefCollector(own);
  if (!collector.add('instance', instanceId)) {
    return notOk(false, collector.rejected[0]?.reason ?? `invalid instance id ${show(instanceId)}`, { source });
  }
  return { ok: true, source, refs: collector.refs, rejected: [] };
}

export const stateChangeParser: EventParser = {
  source: 'state-change',
  matches: (event) => prop(event, 'detail-type') === STATE_CHANGE_DETAIL_TYPE,
  parse: parseStateChange,
};
