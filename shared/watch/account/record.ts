/**
 * The record of an account-region's graduation to AWS's own IMDSv2
 * enforcement (HttpTokensEnforced=enabled) and of the watch after it, PURE.
 *
 * An account has no tags, so the record is one small JSON object per
 * account-region in the member stack's state bucket (store.ts):
 *
 * | field       | set when                                                      | by |
 * |-------------|---------------------------------------------------------------|----|
 * | graduated   | imds-guard switches HttpTokensEnforced on (who, when, window) | the account-defaults remedy, before the switch |
 * | refused     | a launch AWS refused because of enforcement, inside the window | the watch (watch.ts) |
 * | mark        | the "enforcement rolled back" mark: rolled back, reported (alert), rolled back by hand, under way or failed | the watch, `imds-guard rollback --account-enforcement` |
 * | heldAt      | the window passed with no refused launch: the graduation held  | the scheduled watch |
 *
 * While the mark is set, no new graduation happens (`graduationHeld`) until a
 * person clears it (deletes the object, or removes `mark` from it).
 */

/** The record format; an object of another version is unreadable, never guessed at. */
export const RECORD_VERSION = 1;

export interface Graduation {
  /** ISO time imds-guard switched HttpTokensEnforced on (recorded just before the switch). */
  at: string;
  /** Who asked: the actor of the remediation ("imds-guard (enforce mode, scheduled sweep)", "imds-guard fix (CLI, arn)"). */
  by: string;
  /** The guard window in hours at graduation (IMDS_GUARD_GUARD_WINDOW_HOURS then). */
  windowHours: number;
}

/** One launch AWS refused, as far as the event says. */
export interface RefusedLaunch {
  /** ISO time of the call or of the Auto Scaling activity. */
  at: string;
  /** `RunInstances`, `CreateFleet` (CloudTrail) or `Auto Scaling` (a group's launch failure). */
  via: 'RunInstances' | 'CreateFleet' | 'Auto Scaling';
  /** Who launched: the caller's ARN, or `autoscaling.amazonaws.com` on a group's behalf. */
  caller: string;
  /** What it launched from: `launch template lt-… (version …)`, `group web-asg`, or absent. */
  source?: string;
  /** The refusal's error code and message as AWS wrote them. */
  error: string;
  /** The event's own id (EventBridge `id`), so a redelivered event is not counted twice. */
  eventId?: string;
}

/** The evidence: how many launches AWS refused, the first of them, and the last time. */
export interface RefusedEvidence {
  /** Refused launches seen (CloudTrail calls + Auto Scaling launch failures; one launch may show as both). */
  count: number;
  calls: number;
  groupFailures: number;
  first: RefusedLaunch;
  lastAt: string;
  /** Ids of the events counted (the last few), against redelivery. */
  seen: string[];
}

export type AccountMarkAction = 'disabled' | 'alert' | 'manual' | 'pending' | 'failed';

/** The "enforcement rolled back" mark. */
export interface AccountMark {
  at: string;
  /**
   * `disabled`: the watch switched HttpTokensEnforced off and read it back;
   * `manual`: the same by `imds-guard rollback --account-enforcement`;
   * `alert`: reported, enforcement left on (IMDS_GUARD_ROLLBACK=alert, or it
   * was already off); `pending`: the switch-off is under way; `failed`: it
   * did not happen or could not be confirmed (`why`).
   */
  action: AccountMarkAction;
  by: string;
  why?: string;
}

export interface EnforcementRecord {
  version: typeof RECORD_VERSION;
  account: string;
  region: string;
  graduated?: Graduation;
  refused?: RefusedEvidence;
  mark?: AccountMark;
  heldAt?: string;
}

/**
 * What the store said: nowhere to keep a record (no state bucket: nothing is
 * recorded, nothing watched), a record that cannot be read (a graduation is
 * held back until it can), or what it holds (maybe nothing yet).
 */
export type EnforcementState =
  | { kind: 'none'; why: string }
  | { kind: 'unreadable'; where: string; error: string }
  | { kind: 'read'; where: string; record?: EnforcementRecord };

/** Where the record lives (store.ts implements it on S3): the port the loader, the remedy and the watch use. */
export interface EnforcementStore {
  /** For texts: `s3://bucket/key`. */
  readonly where: string;
  /** Never throws: a missing object is "no record yet", any other failure is `unreadable`. */
  read(): Promise<EnforcementState>;
  /** Throws when the record could not be written. */
  write(record: EnforcementRecord): Promise<void>;
}

const HOUR_MS = 3_600_000;
/** Auto Scaling retries a failing launch for minutes and CloudTrail delivers within minutes: wait this long past the window. */
export const SETTLING_MS = 15 * 60_000;
/** Event ids kept against redelivery (EventBridge delivers at least once; retries come within hours). */
const SEEN_MAX = 50;

export function emptyRecord(account: string, region: string): EnforcementRecord {
  return { version: RECORD_VERSION, account, region };
}

/**
 * True when no new graduation may happen here: the account-region carries
 * the "enforcement rolled back" mark (in any of its actions), or its record
 * cannot be read (held back until it can). The gate of `when-ready` (and the
 * remedy itself) asks this before switching HttpTokensEnforced on.
 */
export function graduationHeld(state: EnforcementState | undefined): boolean {
  return graduationHoldReason(state) !== undefined;
}

/** Why a graduation is held back, for the gate's reason; `undefined` when it is not. */
export function graduationHoldReason(state: EnforcementState | undefined): string | undefined {
  if (state === undefined || state.kind === 'none') return undefined;
  if (state.kind === 'unreadable') {
    return `the enforcement record (${state.where}) cannot be read (${state.error}): no graduation until it can be, so a rolled-back mark is never missed`;
  }
  const mark = state.record?.mark;
  if (mark === undefined) return undefined;
  return `${describeAccountMark(state.record!)}; no new graduation until a person clears the mark (${clearMarkHint(state.where)})`;
}

/** How a person clears the mark. */
export function clearMarkHint(where: string): string {
  return `delete ${where}, or remove its "mark"`;
}

/** The record after imds-guard switches enforcement on: a fresh watch; an earlier window's evidence and outcome go. */
export function graduate(record: EnforcementRecord, graduation: Graduation): EnforcementRecord {
  const { refused: _r, heldAt: _h, ...rest } = record;
  return { ...rest, graduated: graduation };
}

export function windowEnd(g: Graduation): Date {
  return new Date(Date.parse(g.at) + g.windowHours * HOUR_MS);
}

/** Whether `at` falls in the guard window of the record's graduation (from the switch to its end, plus the settling margin). */
export function inWindow(record: EnforcementRecord | undefined, at: Date): boolean {
  const g = record?.graduated;
  if (!g || record?.heldAt !== undefined) return false;
  const start = Date.parse(g.at);
  // A refused call stamped a little before the recorded time still counts: the record is written just before the switch.
  return at.getTime() >= start - 60_000 && at.getTime() <= windowEnd(g).getTime() + SETTLING_MS;
}

export type RefusalDecision =
  /** Not imds-guard's graduation, or outside its window: reported in the log only. */
  | { action: 'ignore'; why: string }
  /** Already counted (a redelivered event). */
  | { action: 'duplicate' }
  /** Counted; the mark is already there (rolled back or reported before). */
  | { action: 'count'; record: EnforcementRecord }
  /** The first refusal of this window: roll back (auto) or report (alert), and mark. */
  | { action: 'breakage'; record: EnforcementRecord };

/** A launch AWS refused: add it to the evidence and say what to do. Pure. */
export function judgeRefusal(record: EnforcementRecord | undefined, launch: RefusedLaunch): RefusalDecision {
  if (!record?.graduated) return { action: 'ignore', why: 'HttpTokensEnforced was not switched on by imds-guard here (no graduation recorded)' };
  if (!inWindow(record, new Date(launch.at))) {
    return {
      action: 'ignore',
      why: record.heldAt
        ? `the graduation of ${record.graduated.at} held (window passed clean at ${record.heldAt})`
        : `outside the guard window of the graduation of ${record.graduated.at} (until ${windowEnd(record.graduated).toISOString()})`,
    };
  }
  if (launch.eventId !== undefined && record.refused?.seen.includes(launch.eventId)) return { action: 'duplicate' };
  const before = record.refused;
  const group = launch.via === 'Auto Scaling';
  const refused: RefusedEvidence = before
    ? {
        count: before.count + 1,
        calls: before.calls + (group ? 0 : 1),
        groupFailures: before.groupFailures + (group ? 1 : 0),
        first: Date.parse(launch.at) < Date.parse(before.first.at) ? launch : before.first,
        lastAt: Date.parse(launch.at) > Date.parse(before.lastAt) ? launch.at : before.lastAt,
        seen: launch.eventId ? [...before.seen, launch.eventId].slice(-SEEN_MAX) : before.seen,
      }
    : { count: 1, calls: group ? 0 : 1, groupFailures: group ? 1 : 0, first: launch, lastAt: launch.at, seen: launch.eventId ? [launch.eventId] : [] };
  const next = { ...record, refused };
  // A mark that is not a failure means the breakage was handled already; a failed one is tried again.
  return record.mark !== undefined && record.mark.action !== 'failed' && record.mark.action !== 'pending' ? { action: 'count', record: next } : { action: 'breakage', record: next };
}

/** The scheduled watch: the window passed with no refused launch → the graduation held (the watch is cleared). */
export function judgeWindow(record: EnforcementRecord | undefined, now: Date): { action: 'none' | 'wait' | 'held'; until?: Date } {
  const g = record?.graduated;
  if (!g || record?.heldAt !== undefined || record?.mark !== undefined || record?.refused !== undefined) return { action: 'none' };
  const end = windowEnd(g);
  if (now.getTime() >= end.getTime() + SETTLING_MS) return { action: 'held', until: end };
  return { action: 'wait', until: end };
}

/** The evidence in words: "3 launches refused (2 RunInstances/CreateFleet calls, 1 Auto Scaling launch failure); first at … by … from …; last at …". */
export function describeRefused(e: RefusedEvidence): string {
  const parts = [
    `${e.calls} RunInstances/CreateFleet call${e.calls === 1 ? '' : 's'}`,
    `${e.groupFailures} Auto Scaling launch failure${e.groupFailures === 1 ? '' : 's'}`,
  ];
  const from = e.first.source ? ` from ${e.first.source}` : '';
  const last = e.count > 1 ? `; last at ${e.lastAt}` : '';
  // The code only: the message is EC2's documented refusal, and findings have little room.
  const code = e.first.error.split(':')[0];
  return `${e.count} launch${e.count === 1 ? '' : 'es'} refused by HttpTokensEnforced (${parts.join(', ')}); first at ${e.first.at} by ${e.first.caller}${from} (${e.first.via}, ${code})${last}`;
}

/** The mark in words, never more than it records; with the evidence unless told not to. */
export function describeAccountMark(record: EnforcementRecord, withEvidence = true): string {
  const mark = record.mark;
  if (!mark) return 'no mark';
  const evidence = record.refused && withEvidence ? `: ${describeRefused(record.refused)}` : '';
  const grad = record.graduated ? ` after its graduation at ${record.graduated.at} by ${record.graduated.by}` : '';
  switch (mark.action) {
    case 'disabled':
      return `IMDSv2 enforcement rolled back by imds-guard at ${mark.at} (HttpTokensEnforced=disabled, read back)${grad}${evidence}`;
    case 'manual':
      return `IMDSv2 enforcement rolled back by hand at ${mark.at} (${mark.by}; HttpTokensEnforced=disabled, read back)${grad}${evidence}`;
    case 'alert':
      return `Launches refused by IMDSv2 enforcement${grad}, reported at ${mark.at}, enforcement NOT rolled back (${mark.why ?? 'IMDS_GUARD_ROLLBACK=alert'})${evidence}`;
    case 'pending':
      return `Rollback of IMDSv2 enforcement started at ${mark.at} by ${mark.by}, its result not recorded (HttpTokensEnforced may still be enabled)${grad}${evidence}`;
    case 'failed':
      return `Rollback of IMDSv2 enforcement failed at ${mark.at} (${mark.by}): ${mark.why ?? 'reason not recorded'}; HttpTokensEnforced is still enabled as far as imds-guard knows${grad}${evidence}`;
  }
}

/** What the account-default's finding says about the watch after graduation, if anything. */
export function enforcementNote(state: EnforcementState | undefined, now?: Date): string | undefined {
  if (state === undefined || state.kind === 'none') return undefined;
  if (state.kind === 'unreadable') return `The enforcement record (${state.where}) could not be read (${state.error}); no graduation until it can be.`;
  const record = state.record;
  if (!record?.graduated && !record?.mark) return undefined;
  // What it means first (findings cut long texts), then the evidence.
  if (record.mark) {
    const evidence = record.refused ? ` Evidence: ${describeRefused(record.refused)}.` : '';
    return `${describeAccountMark(record, false)}. No new graduation until a person clears the mark (${clearMarkHint(state.where)}).${evidence}`;
  }
  const g = record.graduated!;
  if (record.heldAt) return `HttpTokensEnforced switched on by ${g.by} at ${g.at}; no launch refused in its ${g.windowHours}-hour guard window: it held.`;
  const end = windowEnd(g).toISOString();
  const seen = record.refused ? ` So far: ${describeRefused(record.refused)}.` : '';
  const open = now === undefined || now.getTime() <= windowEnd(g).getTime() + SETTLING_MS ? `watched for refused launches until ${end}` : `its guard window ended ${end}`;
  return `HttpTokensEnforced switched on by ${g.by} at ${g.at}; ${open}.${seen}`;
}

/** Parses a stored record; `{ error }` for anything this module did not write. */
export function decodeRecord(text: string, account: string, region: string): { record: EnforcementRecord } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof value !== 'object' || value === null) return { error: 'not an object' };
  const r = value as Partial<EnforcementRecord>;
  if (r.version !== RECORD_VERSION) return { error: `unknown record version ${JSON.stringify(r.version)}` };
  if (r.account !== account || r.region !== region) return { error: `record of ${String(r.account)}/${String(r.region)}, not ${account}/${region}` };
  const time = (s: unknown): boolean => typeof s === 'string' && !Number.isNaN(Date.parse(s));
  if (r.graduated !== undefined && (!time(r.graduated.at) || typeof r.graduated.by !== 'string' || typeof r.graduated.windowHours !== 'number')) {
    return { error: 'graduated: needs at, by and windowHours' };
  }
  if (r.mark !== undefined && (!time(r.mark.at) || !['disabled', 'alert', 'manual', 'pending', 'failed'].includes(r.mark.action as string))) {
    // A mark a person edited still holds graduation back: keep it, as "failed" with what it said.
    r.mark = { at: time(r.mark.at) ? r.mark.at! : new Date(0).toISOString(), action: 'failed', by: String(r.mark.by ?? 'unknown'), why: `unreadable mark ${JSON.stringify(r.mark)}` };
  }
  if (r.refused !== undefined && (typeof r.refused.count !== 'number' || !r.refused.first || !Array.isArray(r.refused.seen))) return { error: 'refused: malformed' };
  return { record: r as EnforcementRecord };
}

export function encodeRecord(record: EnforcementRecord): string {
  return `${JSON.stringify(record, null, 1)}\n`;
}
