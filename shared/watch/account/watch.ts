/**
 * The watch after graduation: for the guard window after imds-guard switched
 * the account-region's IMDSv2 enforcement on (record.ts), launches AWS
 * refused because of it (launches.ts) are the breakage signal.
 *
 * - A refused launch inside the window is added to the evidence. The first
 *   one of the window is a breakage: with IMDS_GUARD_ROLLBACK=auto the
 *   enforcement is switched off again (mark `pending` first, so no
 *   graduation happens meanwhile; then switch-off, read back, mark
 *   `disabled`), with `alert` only marked and reported. Either way the
 *   account-region carries the mark: no new graduation until a person
 *   clears it. A switch-off that failed is tried again by the next refused
 *   launch or the next scheduled run.
 * - The scheduled run: a window that passed with nothing refused is closed
 *   (`heldAt`: the graduation held).
 * - Outside enforce mode nothing is written (judged and reported only).
 *
 * The account default's finding says what the record holds whenever it is
 * published: at once after a switch-off (its own ModifyInstanceMetadataDefaults
 * reaches the events function, which reads the record), else at the next sweep.
 *
 * Cost: one GetObject per run (the record); the rest only when something
 * happens.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { errorText } from '../../errors.js';
import type { Scope } from '../../model.js';
import type { Policy } from '../../policy.js';
import {
  describeAccountMark,
  describeRefused,
  emptyRecord,
  judgeRefusal,
  judgeWindow,
  type AccountMark,
  type EnforcementRecord,
  type EnforcementStore,
  type RefusedLaunch,
} from './record.js';
import { switchEnforcementOff } from './switch-off.js';

export interface AccountWatchDeps {
  ec2: Pick<EC2Client, 'send'>;
  store: EnforcementStore;
  policy: Policy;
  scope: Scope;
  now: () => Date;
}

export type AccountWatchAction =
  | 'none'
  | 'wait'
  | 'held'
  | 'ignored'
  | 'counted'
  | 'rolled-back'
  | 'rollback-failed'
  | 'alerted'
  | 'reported'
  | 'unreadable';

export interface AccountWatchResult {
  action: AccountWatchAction;
  /** False when something failed (the record, the switch-off): the run fails so it is retried. */
  ok: boolean;
  wrote: boolean;
  message: string;
  /** Refused launches counted in this run. */
  refused: number;
  /** A breakage seen for the first time in this window (the rollback alarm's metric). */
  breakage: boolean;
  /** Enforcement switched off and read back. */
  rolledBack: boolean;
  /** A switch-off tried that did not happen. */
  rollbackFailed: boolean;
}

const WATCH = 'the watch after graduation';

function result(action: AccountWatchAction, message: string, extra: Partial<AccountWatchResult> = {}): AccountWatchResult {
  return { action, ok: true, wrote: false, message, refused: 0, breakage: false, rolledBack: false, rollbackFailed: false, ...extra };
}

async function save(deps: AccountWatchDeps, record: EnforcementRecord, steps: string[]): Promise<boolean> {
  try {
    await deps.store.write(record);
    steps.push(`PutObject ${deps.store.where} ok`);
    return true;
  } catch (error) {
    steps.push(`PutObject ${deps.store.where} failed: ${errorText(error)}`);
    return false;
  }
}

/**
 * Rolls the enforcement back (auto) or marks it (alert), writes the record
 * with the mark. The record given already holds the evidence.
 */
async function handleBreakage(record: EnforcementRecord, deps: AccountWatchDeps, breakage: boolean, refused: number): Promise<AccountWatchResult> {
  const at = deps.now().toISOString();
  const earlier = record.mark;
  const steps: string[] = [];
  const evidence = record.refused ? describeRefused(record.refused) : 'refused launches';
  if (deps.policy.rollback === 'alert') {
    const mark: AccountMark = { at, action: 'alert', by: WATCH, why: 'IMDS_GUARD_ROLLBACK=alert' };
    const saved = await save(deps, { ...record, mark }, steps);
    return result('alerted', `${evidence}; IMDS_GUARD_ROLLBACK=alert: marked, enforcement left on: ${steps.join('; ')}`, { ok: saved, wrote: true, refused, breakage });
  }
  // The mark goes on first: no graduation while the switch-off is under way, whatever happens next.
  await save(deps, { ...record, mark: { at, action: 'pending', by: WATCH } }, steps);
  const off = await switchEnforcementOff(deps.ec2);
  steps.push(...off.steps);
  const mark: AccountMark =
    off.outcome === 'disabled'
      ? { at, action: 'disabled', by: WATCH }
      : off.outcome === 'already-off'
        ? {
            at,
            action: 'alert',
            by: WATCH,
            why:
              earlier?.action === 'pending'
                ? `${off.why}; the switch-off begun at ${earlier.at} may have done it (its result was not recorded)`
                : `not rolled back by imds-guard: ${off.why}`,
          }
        : { at, action: 'failed', by: WATCH, why: off.why ?? 'unknown' };
  const next = { ...record, mark };
  const saved = await save(deps, next, steps);
  const said = `${describeAccountMark(next)}: ${steps.join('; ')}`;
  if (off.outcome === 'disabled') return result('rolled-back', said, { ok: saved, wrote: true, refused, breakage, rolledBack: true });
  if (off.outcome === 'already-off') return result('alerted', said, { ok: saved, wrote: true, refused, breakage });
  return result('rollback-failed', said, { ok: false, wrote: true, refused, breakage, rollbackFailed: true });
}

/** Refused launches from one event: count them, and handle the window's first one as a breakage. */
export async function onRefusedLaunches(launches: readonly RefusedLaunch[], deps: AccountWatchDeps): Promise<AccountWatchResult> {
  const state = await deps.store.read();
  if (state.kind !== 'read') {
    const why = state.kind === 'unreadable' ? `${state.where} unreadable: ${state.error}` : state.why;
    return result('unreadable', `${launches.length} refused launch(es) not judged: the enforcement record ${why}`, { ok: false });
  }
  let record: EnforcementRecord = state.record ?? emptyRecord(deps.scope.account, deps.scope.region);
  let counted = 0;
  let breakage = false;
  const ignored: string[] = [];
  for (const launch of launches) {
    const decision = judgeRefusal(record, launch);
    if (decision.action === 'ignore') ignored.push(decision.why);
    if (decision.action === 'ignore' || decision.action === 'duplicate') continue;
    counted += 1;
    // The window's first breakage: no mark yet (a failed or pending one is tried again, not counted again).
    if (decision.action === 'breakage' && record.mark === undefined) breakage = true;
    record = decision.record;
  }
  if (counted === 0) return result('ignored', ignored.length ? `refused launch not watched: ${[...new Set(ignored)].join('; ')}` : 'already counted (a redelivered event)');
  const evidence = record.refused ? describeRefused(record.refused) : `${counted} refused`;
  if (deps.policy.mode !== 'enforce') {
    return result('reported', `${evidence} (not written: not in enforce mode)`, { refused: counted, breakage });
  }
  const handled = record.mark !== undefined && record.mark.action !== 'failed' && record.mark.action !== 'pending';
  if (handled) {
    const steps: string[] = [];
    const saved = await save(deps, record, steps);
    return result('counted', `${evidence}; already marked (${record.mark!.action} at ${record.mark!.at}): ${steps.join('; ')}`, { ok: saved, wrote: true, refused: counted });
  }
  return handleBreakage(record, deps, breakage, counted);
}

/** The scheduled run: close a window that passed clean; try again a switch-off that failed. */
export async function runAccountWatch(deps: AccountWatchDeps): Promise<AccountWatchResult> {
  const state = await deps.store.read();
  if (state.kind !== 'read') return result('unreadable', `the enforcement record ${state.kind === 'unreadable' ? `${state.where} is unreadable: ${state.error}` : state.why}`, { ok: false });
  const record = state.record;
  if (!record) return result('none', 'no graduation recorded');
  const enforce = deps.policy.mode === 'enforce';
  const mark = record.mark;
  if (mark && (mark.action === 'failed' || mark.action === 'pending') && deps.policy.rollback === 'auto' && mark.by === WATCH) {
    if (!enforce) return result('reported', `${describeAccountMark(record)} (not retried: not in enforce mode)`);
    return handleBreakage(record, deps, false, 0);
  }
  const window = judgeWindow(record, deps.now());
  if (window.action === 'none') return result('none', mark ? describeAccountMark(record) : 'nothing watched');
  if (window.action === 'wait') return result('wait', `graduation of ${record.graduated!.at} watched until ${window.until!.toISOString()}; no launch refused so far`);
  const what = `no launch refused in the guard window of the graduation of ${record.graduated!.at} (ended ${window.until!.toISOString()}): it held`;
  if (!enforce) return result('held', `${what} (not written: not in enforce mode)`);
  const steps: string[] = [];
  const saved = await save(deps, { ...record, heldAt: deps.now().toISOString() }, steps);
  return result('held', `${what}: ${steps.join('; ')}`, { ok: saved, wrote: true });
}
