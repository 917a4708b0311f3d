/**
 * What imds-guard records on an instance it switched to IMDSv2, as tags (the
 * instance carries its own watch state: no table to keep, and every entry
 * point, the CLI and a person in the console see the same thing). PURE.
 *
 * | tag                      | value                                                   | written when                     |
 * |--------------------------|---------------------------------------------------------|----------------------------------|
 * | imds-guard:flipped-at    | ISO time: the watch is open                             | before ModifyInstanceMetadataOptions |
 * | imds-guard:previous      | `at=…;tokens=optional;hop=2;endpoint=enabled;ipv6=…;tags=…` | with flipped-at; kept after a clean window so `imds-guard rollback` can still restore |
 * | imds-guard:rolled-back   | `at=…;action=…;rejected=N;first=…;last=…[;why=…]` (below) | rejected IMDSv1 calls in window, or a person's rollback |
 * | imds-guard:verified-at   | ISO time                                                | the guard window passed cleanly  |
 *
 * The rolled-back mark says what became of a rollback, never more than
 * happened: `pending` while the restore is under way (written first, so no
 * sweep flips the instance again meanwhile), `restored` only after the
 * options were read back as recorded, `failed` with the AWS error (`why`)
 * when the restore was refused, could not be confirmed or the read-back
 * differed; `final=1` when AWS refuses it for good (the account enforces
 * IMDSv2: not retried). `alert` (IMDS_GUARD_ROLLBACK=alert) and `manual`
 * (`imds-guard rollback`, restored and read back) as before.
 *
 * Tag values are at most 256 characters: `why` is cut to fit (it comes last).
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

/** A time written in a tag, if the value is one (absent, empty or hand-edited into words: none). */
function timeOf(value: string | undefined): Date | undefined {
  const time = new Date(value ?? NaN);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** When the recorded options were replaced (the flip), if the record says. */
export function previousAt(value: string): Date | undefined {
  return timeOf(value.split(';').find((p) => p.startsWith('at='))?.slice(3));
}

/** The breakage evidence: rejected IMDSv1 calls inside the guard window. */
export interface RejectionEvidence {
  rejected: number;
  first: Date;
  last: Date;
}

export type MarkAction = 'restored' | 'alert' | 'manual' | 'pending' | 'failed';

export interface RollbackMark extends Partial<RejectionEvidence> {
  at: Date;
  /**
   * `restored`: the watch put the previous options back and read them back;
   * `manual`: the same by `imds-guard rollback`; `alert`:
   * IMDS_GUARD_ROLLBACK=alert, left as it is; `pending`: a restore is under
   * way (its result not recorded yet); `failed`: the restore did not happen
   * or could not be confirmed (`why`).
   */
  action: MarkAction;
  /** `pending`/`failed`: who tried, the watch or a person's `imds-guard rollback`. */
  by?: 'watch' | 'manual';
  /** `failed`: AWS refuses it for good (the account enforces IMDSv2): not retried. */
  final?: boolean;
  /** `failed`: why, with the AWS error. */
  why?: string;
}

/** Largest tag value EC2 accepts. */
export const TAG_VALUE_MAX = 256;
const MARK_ACTIONS: readonly MarkAction[] = ['restored', 'alert', 'manual', 'pending', 'failed'];

export function encodeMark(mark: RollbackMark): string {
  const evidence =
    mark.rejected !== undefined && mark.first && mark.last
      ? `;rejected=${mark.rejected};first=${mark.first.toISOString()};last=${mark.last.toISOString()}`
      : '';
  const head = `at=${mark.at.toISOString()};action=${mark.action}${mark.by ? `;by=${mark.by}` : ''}${mark.final ? ';final=1' : ''}${evidence}`;
  if (mark.why === undefined) return head;
  // `why` is free text from AWS: no field separator in it, and cut to what a tag holds.
  const room = TAG_VALUE_MAX - head.length - ';why='.length;
  const why = mark.why.replace(/[;\s]+/g, (m) => (m.includes(';') ? ', ' : ' ')).trim();
  return `${head};why=${why.length > room ? `${why.slice(0, Math.max(0, room - 1))}…` : why}`;
}

/** Best effort: a person may have edited the mark; any value still marks the instance. */
export function decodeMark(value: string): Partial<RollbackMark> {
  // `why` is last and may hold `=`: everything after it is the text.
  const whyAt = value.indexOf(';why=');
  const why = whyAt >= 0 ? value.slice(whyAt + ';why='.length) : undefined;
  const head = whyAt >= 0 ? value.slice(0, whyAt) : value;
  const fields = Object.fromEntries(
    head.split(';').map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
    }),
  ) as Record<string, string | undefined>;
  const rejected = Number(fields.rejected); // NaN when absent
  // A field the value does not hold (or holds garbled) is left undefined.
  return {
    at: timeOf(fields.at),
    action: MARK_ACTIONS.find((a) => a === fields.action),
    by: fields.by === 'watch' || fields.by === 'manual' ? fields.by : undefined,
    final: fields.final === '1' || undefined,
    rejected: Number.isInteger(rejected) && rejected >= 0 ? rejected : undefined,
    first: timeOf(fields.first),
    last: timeOf(fields.last),
    why: why || undefined,
  };
}

/** What to do about an instance's mark when the watch finds it still watched. */
export function markHoldsWatch(mark: Partial<RollbackMark>): 'wait-for-person' | 'retry' | 'done' | undefined {
  switch (mark.action) {
    case 'alert':
      return 'wait-for-person';
    case 'failed':
      return mark.final ? 'wait-for-person' : 'retry';
    case 'pending':
      return 'retry';
    case 'restored':
    case 'manual':
      return 'done';
    default:
      return undefined;
  }
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
  return {
    flippedAt: timeOf(tags[FLIPPED_AT_TAG]),
    previous: tags[PREVIOUS_TAG],
    rolledBack: tags[ROLLED_BACK_TAG],
    verifiedAt: timeOf(tags[VERIFIED_AT_TAG]),
  };
}

/** The evidence in words: "3 rejected IMDSv1 calls (MetadataNoTokenRejected) between … and …". */
export function describeEvidence(e: Partial<RejectionEvidence>): string {
  const n = e.rejected ?? '?';
  const span = e.first && e.last ? ` between ${e.first.toISOString()} and ${e.last.toISOString()}` : '';
  return `${n} rejected IMDSv1 call${n === 1 ? '' : 's'} (MetadataNoTokenRejected)${span}`;
}

/** What a person does when AWS refuses a rollback because the account enforces IMDSv2. */
export const ENFORCED_ROLLBACK_ADVICE =
  'AWS refuses HttpTokens=optional on existing instances while the account enforces IMDSv2 in this Region (HttpTokensEnforced=enabled), ' +
  'so imds-guard does not try again. A person must either update the software making IMDSv1 calls to IMDSv2, or switch enforcement off ' +
  '(imds-guard rollback --account-enforcement) and then restore the instance (imds-guard rollback --instance <id>)';

/** The mark in words, never claiming more than it records. */
export function describeMark(mark: Partial<RollbackMark>): string {
  const at = mark.at ? ` at ${mark.at.toISOString()}` : '';
  const evidence = mark.rejected !== undefined ? `: ${describeEvidence(mark)} after it was switched to IMDSv2` : '';
  const who = mark.by === 'manual' ? 'by hand (imds-guard rollback)' : 'by imds-guard';
  switch (mark.action) {
    case 'restored':
      return `Rolled back by imds-guard${at}${evidence} (previous options restored and read back)`;
    case 'manual':
      return `Rolled back by hand (imds-guard rollback)${at} (previous options restored and read back)`;
    case 'alert':
      return `Breakage detected${at} (IMDS_GUARD_ROLLBACK=alert: not rolled back)${evidence}`;
    case 'pending':
      return `Rollback ${who} started${at}, its result not recorded (the previous options may or may not be back)${evidence}`;
    case 'failed':
      return `Rollback ${who} failed${at}: ${mark.why ?? 'reason not recorded'}${evidence}${mark.final ? `. ${ENFORCED_ROLLBACK_ADVICE}` : ''}`;
    default:
      return `Marked by imds-guard${at} (${ROLLED_BACK_TAG} tag)${evidence}`;
  }
}

/** What a finding says about imds-guard's watch of this instance, if anything. */
export function watchNote(tags: Tags): string | undefined {
  const record = watchRecordOf(tags);
  if (record.rolledBack !== undefined) {
    const mark = decodeMark(record.rolledBack);
    const retry = markHoldsWatch(mark) === 'retry' && record.flippedAt ? ' The watch tries the rollback again at its next run;' : '';
    return `${describeMark(mark)}.${retry} Not changed again automatically until a person removes the ${ROLLED_BACK_TAG} tag.`;
  }
  if (record.flippedAt) return `Switched to IMDSv2 by imds-guard at ${record.flippedAt.toISOString()}; watched for rejected IMDSv1 calls (guard window).`;
  return undefined;
}
