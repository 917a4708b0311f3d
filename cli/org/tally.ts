/**
 * What an organization scan keeps once an account-region's rows are written
 * and released: one small record per account-region (its status and its
 * counts per kind). The table's and the HTML's summaries, the JSON summary
 * and the exit code are drawn from these, so memory grows with the number of
 * account-regions, never with the number of resources.
 *
 * A new per account-region column (a migration stage, say) is one more field
 * of AccountRegionTally, set in ScanTally.add and shown by the renderers.
 * FixTally does the same for `fix --org`.
 */
import type { ResourceKind } from '../../shared/model.js';
import type { RegionStatus } from '../engine.js';
import { fixTotals, isLeft, type FixRow, type FixStatus, type FixTotals } from '../fix.js';
import { addCounts, countRows, isOpen, stageLineOf, type Row, type RowCounts, type StageLine, type SummaryRow } from '../scan.js';

export interface AccountRegionTally {
  account: string;
  region: string;
  status: RegionStatus;
  /** Counts per kind, in the order the kinds were scanned. */
  kinds: SummaryRow[];
  /** The migration stage and its blockers, when the account default was scanned. */
  stage?: StageLine;
}

const zero = (): RowCounts => countRows([]);

/** One record per finished account-region, kept in report order: account as chosen, then region as asked. */
abstract class AccountRegionRecords<Entry extends { status: RegionStatus }> {
  protected readonly done = new Map<string, Entry>();

  constructor(
    /** The readable accounts, in report order. */
    private readonly accounts: readonly string[],
    private readonly regions: readonly string[],
  ) {}

  protected keep(account: string, region: string, entry: Entry): void {
    this.done.set(`${account}/${region}`, entry);
  }

  /** Every finished account-region in report order. */
  entries(): Entry[] {
    return this.accounts.flatMap((account) => this.regions.flatMap((region) => this.done.get(`${account}/${region}`) ?? []));
  }

  regionStatuses(): RegionStatus[] {
    return this.entries().map((e) => e.status);
  }
}

export class ScanTally extends AccountRegionRecords<AccountRegionTally> {
  /** Open findings (non-compliant, not superseded): what makes the exit code 1. */
  open = 0;

  constructor(
    accounts: readonly string[],
    regions: readonly string[],
    private readonly kinds: readonly ResourceKind[],
  ) {
    super(accounts, regions);
  }

  add(account: string, region: string, rows: readonly Row[], status: RegionStatus): AccountRegionTally {
    const entry: AccountRegionTally = {
      account,
      region,
      status: { ...status, account },
      kinds: this.kinds.map((kind) => ({ account, region, kind, ...countRows(rows.filter((r) => r.kind === kind)) })),
    };
    const stage = stageLineOf(rows);
    if (stage) entry.stage = { account, region, stage: stage.stage, blockers: stage.blockers };
    this.keep(account, region, entry);
    this.open += rows.filter(isOpen).length;
    return entry;
  }

  /** Every account-region's migration stage (those whose account default was scanned). */
  stages(): StageLine[] {
    return this.entries().flatMap((e) => (e.stage ? [e.stage] : []));
  }

  /** Per account, region and kind (the JSON report's `summary`). */
  summary(): SummaryRow[] {
    return this.entries().flatMap((e) => e.kinds);
  }

  /** Each account's counts (accounts with a finished account-region). */
  byAccount(): Map<string, RowCounts> {
    const out = new Map<string, RowCounts>();
    for (const entry of this.done.values()) {
      let counts = out.get(entry.account);
      if (!counts) out.set(entry.account, (counts = zero()));
      for (const k of entry.kinds) addCounts(counts, k);
    }
    return out;
  }

  /** The organization's counts. */
  total(): RowCounts {
    const total = zero();
    for (const entry of this.done.values()) for (const k of entry.kinds) addCounts(total, k);
    return total;
  }
}

/** One account-region of `fix --org`, once its rows are written. */
export interface FixRegionTally {
  account: string;
  region: string;
  status: RegionStatus;
  byStatus: Record<FixStatus, number>;
  compliant: number;
  /** Changes cleared to run when it was planned. */
  pending: number;
}

/** `fix --org`'s counters: the summary line, the confirmation's totals and the exit code. */
export class FixTally extends AccountRegionRecords<FixRegionTally> {
  /** Rows still open (see isLeft): what makes the exit code 1. */
  left = 0;

  add(account: string, region: string, rows: readonly FixRow[], compliant: number, status: RegionStatus, pending: number): void {
    const { byStatus } = fixTotals(rows, compliant);
    this.keep(account, region, { account, region, status: { ...status, account }, byStatus, compliant, pending });
    this.left += rows.filter(isLeft).length;
  }

  /** Counts by status and already compliant, over the organization. */
  totals(): FixTotals {
    const { byStatus } = fixTotals([], 0);
    let compliant = 0;
    for (const e of this.done.values()) {
      for (const k of Object.keys(byStatus) as FixStatus[]) byStatus[k] += e.byStatus[k];
      compliant += e.compliant;
    }
    return { byStatus, compliant };
  }

  /** What the confirmation asks about: changes, and the regions and accounts they are in. */
  pending(): { changes: number; regions: number; accounts: number } {
    const regions = new Set<string>();
    const accounts = new Set<string>();
    let changes = 0;
    for (const e of this.done.values()) {
      if (e.pending === 0) continue;
      changes += e.pending;
      regions.add(e.region);
      accounts.add(e.account);
    }
    return { changes, regions: regions.size, accounts: accounts.size };
  }
}
