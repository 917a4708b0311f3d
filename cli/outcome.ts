/**
 * The exit code of scan and fix, alone or with --org: judged on what could be
 * read (accounts, account-regions) and how many rows are still open. Its own
 * module below the commands, so the organization runs share it without a circle.
 */
import type { RegionStatus } from './engine.js';
import type { AccountStatus } from './org/report.js';

export interface RunOutcome {
  /** --org: every account chosen. */
  accounts?: readonly Pick<AccountStatus, 'status'>[];
  regions: readonly Pick<RegionStatus, 'status'>[];
  /** scan: open findings; fix: rows not fixed and verified (counted as they are written, with --org). */
  open: number;
}

/** An organization run's result: every account, every account-region, and the open rows. */
export interface OrgRunResult extends RunOutcome {
  accounts: AccountStatus[];
  regions: RegionStatus[];
}

/** 2: nothing could be read; 1: part of the estate unread, or rows still open; 0: done. */
export function exitCodeOf({ accounts, regions, open }: RunOutcome): number {
  // --org: an account that could not be read counts like a failed region.
  if (accounts && accounts.length > 0 && accounts.every((a) => a.status === 'failed')) return 2;
  if (accounts?.some((a) => a.status !== 'ok')) return 1;
  if (regions.length > 0 && regions.every((r) => r.status === 'failed')) return 2;
  if (regions.some((r) => r.status !== 'ok')) return 1;
  return open > 0 ? 1 : 0;
}
