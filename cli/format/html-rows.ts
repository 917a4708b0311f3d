/**
 * The numbers of the HTML report, counted row by row as rows arrive: cards,
 * failing controls, the by-account table. Only the rows the report lists stay
 * in memory, at most `cap` of them (the first in report order: non-compliant
 * and most severe first), so an organization's report has a fixed size
 * whatever the number of accounts; every count still covers every row.
 */
import type { SeverityLabel } from '../../shared/kinds/controls.js';
import { CHECK_IDS as CHECKS } from '../../shared/kinds/checks.js';
import { CONTROLS, controlFor } from '../../shared/kinds/registry.js';
import type { ControlId, ResourceKind } from '../../shared/model.js';
import { READINESS, type Readiness } from '../readiness.js';
import { byBlockers, stageLineOf, type Row, type StageLine } from '../scan.js';

export const SEVERITY_ORDER: readonly SeverityLabel[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
export const sevRank = (s: SeverityLabel): number => SEVERITY_ORDER.indexOf(s);

export interface ControlLine {
  control: ControlId;
  severity: SeverityLabel;
  failing: number;
  checked: number;
}

/** The worst severity among a row's failing controls (undefined when it fails none). */
export function rowSeverity(row: Row): SeverityLabel | undefined {
  if (row.compliance !== 'NON_COMPLIANT') return undefined;
  return row.controls.map((c) => CONTROLS[c as ControlId]?.severity).filter((s): s is SeverityLabel => s !== undefined).sort((a, b) => sevRank(a) - sevRank(b))[0];
}

export const VERDICT_ORDER: Record<Row['compliance'], number> = { NON_COMPLIANT: 0, COMPLIANT: 2, NOT_APPLICABLE: 3 };

/** Report order: non-compliant first (most severe, then readiness order), then exempt, compliant, not applicable. */
export function compareRows(a: Row, b: Row): number {
  const rank = (r: Row): number => (r.readiness === 'exempt' ? 1 : VERDICT_ORDER[r.compliance]);
  return (
    rank(a) - rank(b) ||
    sevRank(rowSeverity(a) ?? 'INFORMATIONAL') - sevRank(rowSeverity(b) ?? 'INFORMATIONAL') ||
    READINESS.indexOf(a.readiness) - READINESS.indexOf(b.readiness) ||
    a.account.localeCompare(b.account) ||
    a.region.localeCompare(b.region) ||
    a.id.localeCompare(b.id)
  );
}

/** What the by-account table shows of one account. */
export interface AccountLine {
  /** Failing resources by their worst severity. */
  failingBy: Map<SeverityLabel, number>;
  failing: number;
  total: number;
  ready: number;
}

const emptyLine = (): AccountLine => ({ failingBy: new Map(), failing: 0, total: 0, ready: 0 });

const bump = <K>(map: Map<K, number>, key: K): void => void map.set(key, (map.get(key) ?? 0) + 1);

/** Counts every row added; keeps the first `cap` rows in report order. */
export class HtmlRows {
  total = 0;
  private readonly readinessCounts = new Map<Readiness, number>();
  private readonly accounts = new Map<string, AccountLine>();
  private readonly all = emptyLine();
  private readonly controls: (ControlLine & { kinds: readonly ResourceKind[] })[];
  private kept: Row[] = [];
  /** Each account-region's migration stage (one account default row each): kept whatever the cap. */
  private readonly stageLines: StageLine[] = [];

  constructor(
    kinds: readonly ResourceKind[],
    /** Rows listed in full; Infinity: all of them. */
    readonly cap = Number.POSITIVE_INFINITY,
  ) {
    const controls = [...new Set(kinds.flatMap((k) => CHECKS.map((c) => controlFor(k, c))))];
    this.controls = controls.map((control) => ({
      control,
      severity: CONTROLS[control]!.severity,
      kinds: kinds.filter((k) => CHECKS.some((c) => controlFor(k, c) === control)),
      failing: 0,
      checked: 0,
    }));
  }

  static of(kinds: readonly ResourceKind[], rows: readonly Row[], cap?: number): HtmlRows {
    const out = new HtmlRows(kinds, cap);
    for (const row of rows) out.add(row);
    return out;
  }

  add(row: Row): void {
    this.total += 1;
    const stage = stageLineOf([row]);
    if (stage) this.stageLines.push(stage);
    bump(this.readinessCounts, row.readiness);
    let account = this.accounts.get(row.account);
    if (!account) this.accounts.set(row.account, (account = emptyLine()));
    const severity = rowSeverity(row);
    for (const line of [account, this.all]) {
      line.total += 1;
      if (row.readiness === 'ready') line.ready += 1;
      if (row.compliance === 'NON_COMPLIANT') line.failing += 1;
      if (severity) bump(line.failingBy, severity);
    }
    for (const c of this.controls) {
      if (!c.kinds.includes(row.kind) || row.compliance === 'NOT_APPLICABLE') continue;
      c.checked += 1;
      if (row.compliance === 'NON_COMPLIANT' && row.controls.includes(c.control)) c.failing += 1;
    }
    this.kept.push(row);
    // Trimmed in batches: one sort per `cap` rows added, not one per row.
    if (this.kept.length >= 2 * this.cap) this.trim();
  }

  /** The account-regions' stages, most blockers first. */
  stages(): StageLine[] {
    return [...this.stageLines].sort(byBlockers);
  }

  private trim(): void {
    this.kept.sort(compareRows);
    if (this.kept.length > this.cap) this.kept.length = this.cap;
  }

  /** The rows the report lists, in report order. */
  shown(): Row[] {
    this.trim();
    return this.kept;
  }

  /** Rows counted but not listed. */
  get omitted(): number {
    return this.total - Math.min(this.total, this.cap);
  }

  readiness(x: Readiness): number {
    return this.readinessCounts.get(x) ?? 0;
  }

  /** Every row's counts, and each account's (accounts in the order their first row came). */
  organization(): AccountLine {
    return this.all;
  }

  account(account: string): AccountLine {
    return this.accounts.get(account) ?? emptyLine();
  }

  accountNames(): string[] {
    return [...this.accounts.keys()];
  }

  /** Failing and checked resources per control, most severe first, then most failing. */
  controlLines(): ControlLine[] {
    return this.controls
      .map(({ control, severity, failing, checked }) => ({ control, severity, failing, checked }))
      .sort((a, b) => sevRank(a.severity) - sevRank(b.severity) || b.failing - a.failing || a.control.localeCompare(b.control));
  }
}
