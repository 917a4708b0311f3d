/**
 * What imds-guard records on an instance it switched to IMDSv2, as tags (the
 * instance carries its own watch state: no table to keep, and every entry
 * point, the CLI and a person in the console see the same thing). PURE.
 *
 * | tag                      | value                                                   | written when                     |
 * |--------------------------|---------------------------------------------------------|----------------------------------|
 * | imds-guard:flipped-at    | ISO time: the watch is open                             | before ModifyInstanceMetadataOptions |
 * | imds-guard:previous      | `at=…;tokens=optional;hop=2;endpoint=enabled;ipv6=…;tags=…` | with flipped-at; kept after a clean window so `imds-guard rollback` can still restore |
 * | imds-guard:rolled-back   | `at=…;action=restored|alert|manual;rejected=N;first=…;last=…` | rejected IMDSv1 calls in window, or a person's rollback |
 * | imds-guard:verified-at   | ISO time                                                | the guard window passed cleanly  |
 *
 * Tag values are at most 256 characters; the longest value here is ~140.
 */
import type { MetadataOptions, Tags } from '../model.js';

export const FLIPPED_AT_TAG = 'imds-guard:flipped-at';
export const PREVIOUS_TAG = 'imds-guard:previous';
export const ROLLED_BACK_TAG = 'imds-guard:rolled-back';
export const VERIFIED_AT_TAG = 'imds-guard:verified-at';
/** The tags of a flip record, removed when it is rolled back (or the flip failed). */
export const WATCH_TAGS = [FLIPPED_AT_TAG, PREVIOUS_TAG] as const;
/** The tag of an open watch, removed when the window passes cleanly (the record stays). */
export const OPEN_WATCH_TAGS = [FLIPPED_AT_TAG] as const;

const FIELDS = [
  ['tokens', 'httpTokens'],
  ['hop', 'httpPutResponseHopLimit'],
  ['endpoint', 'httpEndpoint'],
  ['ipv6', 'httpProtocolIpv6'],
  ['tags', 'instanceMetadataTags'],
] as const;

const ENABLED = ['enabled', 'disabled'];

/** Previous options (and when they were replaced) → tag value; options the instance did not report are left out. */
export function encodePrevious(options: MetadataOptions, at?: Date): string {
  const parts: string[] = at ? [`at=${at.toISOString()}`] : [];
  for (const [short, field] of FIELDS) {
    const value = options[field];
    if (value !== undefined) parts.push(`${short}=${value}`);
  }
  return parts.join(';');
}

/** Tag value → options; throws on anything this module did not write, so a hand-edited tag is never guessed at. */
export function decodePrevious(value: string): MetadataOptions {
  const out: MetadataOptions = {};
  for (const part of value.split(';').filter(Boolean)) {
    const [short, text = ''] = part.split('=', 2) as [string, string?];
    switch (short) {
      case 'tokens':
        if (text !== 'optional' && text !== 'required') throw new Error(`${PREVIOUS_TAG}: bad tokens ${JSON.stringify(text)}`);
        out.httpTokens = text;
        break;
      case 'hop': {
        const n = Number(text);
        if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`${PREVIOUS_TAG}: bad hop ${JSON.stringify(text)}`);
        out.httpPutResponseHopLimit = n;
        break;
      }
      case 'endpoint':
      case 'ipv6':
      case 'tags': {
        if (!ENABLED.includes(text)) throw new Error(`${PREVIOUS_TAG}: bad ${short} ${JSON.stringify(text)}`);
        const field = short === 'endpoint' ? 'httpEndpoint' : short === 'ipv6' ? 'httpProtocolIpv6' : 'instanceMetadataTags';
        out[field] = text as 'enabled' | 'disabled';
        break;
      }
      case 'at':
        break; // when, not what: previousAt()
      default:
        throw new Error(`${PREVIOUS_TAG}: unknown field ${JSON.stringify(short)}`);
    }
  }
  if (out.httpTokens === undefined) throw new Error(`${PREVIOUS_TAG}: no tokens recorded in ${JSON.stringify(value)}`);
  return out;
}

/** When the recorded options were replaced (the flip), if the record says. */
export function previousAt(value: string): Date | undefined {
  const at = value.split(';').find((p) => p.startsWith('at='))?.slice(3);
  return at && !Number.isNaN(Date.parse(at)) ? new Date(at) : undefined;
}

/** The breakage evidence: rejected IMDSv1 calls inside the guard window. */
export interface RejectionEvidence {
  rejected: number;
  first: Date;
  last: Date;
}

export interface RollbackMark extends Partial<RejectionEvidence> {
  at: Date;
  /**
   * `restored`: the watch put the previous options back; `alert`:
   * IMDS_GUARD_ROLLBACK=alert, left as it is; `manual`: `imds-guard rollback`.
   */
  action: 'restored' | 'alert' | 'manual';
}

export function encodeMark(mark: RollbackMark): string {
  const evidence =
    mark.rejected !== undefined && mark.first && mark.last
      ? `;rejected=${mark.rejected};first=${mark.first.toISOString()};last=${mark.last.toISOString()}`
      : '';
  return `at=${mark.at.toISOString()};action=${mark.action}${evidence}`;
}

/** Best effort: a person may have edited the mark; any value still marks the instance. */
export function decodeMark(value: string): Partial<RollbackMark> {
  const fields = Object.fromEntries(value.split(';').map((p) => p.split('=', 2) as [string, string]));
  const date = (s: string | undefined): Date | undefined => (s && !Number.isNaN(Date.parse(s)) ? new Date(s) : undefined);
  const out: Partial<RollbackMark> = {};
  const at = date(fields.at);
  const first = date(fields.first);
  const last = date(fields.last);
  if (at) out.at = at;
  if (first) out.first = first;
  if (last) out.last = last;
  if (fields.action === 'restored' || fields.action === 'alert' || fields.action === 'manual') out.action = fields.action;
  const n = Number(fields.rejected);
  if (Number.isInteger(n) && n >= 0) out.rejected = n;
  return out;
}

/** An instance's watch state, read from its tags. */
export interface WatchRecord {
  flippedAt?: Date;
  /** The raw `previous` value (decoded only when restoring). */
  previous?: string;
  rolledBack?: string;
  verifiedAt?: Date;
}

export function watchRecordOf(tags: Tags): WatchRecord {
  const out: WatchRecord = {};
  const flipped = tags[FLIPPED_AT_TAG];
  if (flipped !== undefined && !Number.isNaN(Date.parse(flipped))) out.flippedAt = new Date(flipped);
  if (tags[PREVIOUS_TAG] !== undefined) out.previous = tags[PREVIOUS_TAG];
  if (tags[ROLLED_BACK_TAG] !== undefined) out.rolledBack = tags[ROLLED_BACK_TAG];
  const verified = tags[VERIFIED_AT_TAG];
  if (verified !== undefined && !Number.isNaN(Date.parse(verified))) out.verifiedAt = new Date(verified);
  return out;
}

/** The evidence in words: "3 rejected IMDSv1 calls (MetadataNoTokenRejected) between … and …". */
export function describeEvidence(e: Partial<RejectionEvidence>): string {
  const n = e.rejected ?? '?';
  const span = e.first && e.last ? ` between ${e.first.toISOString()} and ${e.last.toISOString()}` : '';
  return `${n} rejected IMDSv1 call${n === 1 ? '' : 's'} (MetadataNoTokenRejected)${span}`;
}

/** What a finding says about imds-guard's watch of this instance, if anything. */
export function watchNote(tags: Tags): string | undefined {
  const record = watchRecordOf(tags);
  if (record.rolledBack !== undefined) {
    const mark = decodeMark(record.rolledBack);
    const at = mark.at ? ` at ${mark.at.toISOString()}` : '';
    const what =
      mark.action === 'manual'
        ? `Rolled back by hand (imds-guard rollback)${at}`
        : `${mark.action === 'alert' ? 'Breakage detected (IMDS_GUARD_ROLLBACK=alert: not rolled back)' : 'Rolled back by imds-guard'}${at}: ${describeEvidence(mark)} after it was switched to IMDSv2`;
    return (
      `${what}; ` +
      `not changed again automatically until a person removes the ${ROLLED_BACK_TAG} tag.`
    );
  }
  if (record.flippedAt) return `Switched to IMDSv2 by imds-guard at ${record.flippedAt.toISOString()}; watched for rejected IMDSv1 calls (guard window).`;
  return undefined;
}
