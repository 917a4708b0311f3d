/**
 * One entry for every input event: `parseEvent` finds the parser whose
 * format matches, and returns refs or a reason. It never throws, whatever
 * the input (null, arrays, strings, huge or hostile objects).
 *
 * To support another event format (e.g. the Security Hub custom action),
 * write a module exporting an `EventParser` and pass it in `parsers` (or add
 * it to DEFAULT_PARSERS).
 */
import { cloudTrailParser } from './cloudtrail.js';
import { isRecord, notOk } from './common.js';
import { configInvocationParser } from './config-invocation.js';
import { stateChangeParser } from './state-change.js';
import type { EventParser, ParseResult } from './types.js';
import { show, validateAccountId, validateRegion } from '../validate.js';
import type { Scope } from '../model.js';

export type {
  Actor,
  ConfigInvocation,
  ConfigItem,
  ConfigMessageType,
  EventOrigin,
  EventParser,
  ParseNotOk,
  ParseOk,
  ParseResult,
  RejectedId,
} from './types.js';

export const DEFAULT_PARSERS: readonly EventParser[] = [cloudTrailParser, stateChangeParser, configInvocationParser];

export function parseEvent(event: unknown, own: Scope, parsers: readonly EventParser[] = DEFAULT_PARSERS): ParseResult {
  try {
    const account = validateAccountId(own?.account);
    const region = validateRegion(own?.region);
    if (!account.ok) return notOk(false, `own ${account.reason}`);
    if (!region.ok) return notOk(false, `own ${region.reason}`);
    if (!isRecord(event)) {
      return notOk(false, `event is not a JSON object (${event === null ? 'null' : Array.isArray(event) ? 'array' : typeof event})`);
    }
    for (const parser of parsers) {
      if (parser.matches(event)) return parser.parse(event, { account: account.value, region: region.value });
    }
    const detailType = Object.hasOwn(event, 'detail-type') ? event['detail-type'] : undefined;
    return notOk(false, detailType === undefined ? 'unrecognised event format' : `unrecognised event detail-type ${show(detailType)}`);
  } catch (error) {
    return notOk(false, `event could not be read: ${error instanceof Error ? error.message : show(error)}`);
  }
}
