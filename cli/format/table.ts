/**
 * The default, human format: grouped by region and kind, fitting an
 * 80-column terminal. Each non-compliant resource gets its reason (wrapped)
 * and, where known, its instance profile and Auto Scaling groups on the
 * lines below. Ids longer than their column are never cut: they get a line
 * of their own.
 */
import type { RegionStatus } from '../engine.js';
import { fixTotals, type FixReport, type FixRow, type FixTotals } from '../fix.js';
import type { ResourceKind } from '../../shared/model.js';
import type { ErrorInfo } from '../errors.js';
import type { AccountStatus } from '../org/report.js';
import { byBlockers, countRows, stageLineOf, type Row, type RowCounts, type ScanReport, type StageLine, type SummaryRow } from '../scan.js';
import { STAGES, type StageName } from '../../shared/kinds/stage.js';
import { errorText, groupErrors } from './errors.js';
import { groupsUseIt, kindTitle, plural, profileName } from './labels.js';
import { clean, displayWidth, padEnd, padStart, wrap } from './text.js';

export const WIDTH = 80;

const COLS = { id: 20, name: 14, tokens: 8, hop: 3, calls: 6, readiness: 13 };

function header(): string {
  return (
    '  ' +
    [
      padEnd('ID', COLS.id),
      padEnd('NAME', COLS.name),
      padEnd('TOKENS', COLS.tokens),
      padStart('HOP', COLS.hop),
      padStart('IMDSv1', COLS.calls),
      'READINESS',
    ].join('  ')
  );
}

function calls(row: Row): string {
  if (row.imdsv1Calls === undefined) return '-';
  if (row.imdsv1Calls === null) return '?';
  return row.imdsv1Calls.toLocaleString('en-US');
}

function rowLines(row: Row): string[] {
  const id = clean(row.id);
  const lines: string[] = [];
  const longId = displayWidth(id) > COLS.id;
  if (longId) lines.push(`  ${id}`);
  lines.push(
    '  ' +
      [
        padEnd(longId ? '' : id, COLS.id),
        padEnd(clean(row.name ?? ''), COLS.name),
        padEnd(row.httpTokens ?? 'unset', COLS.tokens),
        padStart(row.hopLimit === undefined ? '-' : String(row.hopLimit), COLS.hop),
        padStart(calls(row), COLS.calls),
        row.readiness,
      ].join('  '),
  );
  if (row.compliance === 'NON_COMPLIANT') lines.push(...wrap(clean(row.reason), WIDTH, '      '));
  if (row.readiness !== 'compliant') lines.push(...wrap(clean(row.readinessReason), WIDTH, '      '));
  // The account default's row carries its account-region's migration stage.
  if (row.stage !== undefined) lines.push(...wrap(clean(stageLine(row)), WIDTH, '      '));
  if (row.compliance === 'NON_COMPLIANT') {
    const extras: string[] = [];
    const profile = profileName(row.instanceProfile);
    if (profile) extras.push(`profile ${clean(profile)}`);
    if (row.autoScalingGroups.length > 0) {
      extras.push(`${groupsUseIt(row.kind) ? 'used by' : 'group'} ${clean(row.autoScalingGroups.join(', '))}`);
    }
    if (extras.length > 0) lines.push(...wrap(extras.join(' · '), WIDTH, '      '));
  }
  return lines;
}

/** `stage migrating (3 blockers): why; first blockers` */
function stageLine(row: Row): string {
  const n = row.blockers ?? 0;
  const named = (row.blockerDetails ?? []).slice(0, 3).map((b) => `${b.id}: ${b.why}${b.calls !== undefined ? ` (${b.calls})` : ''}`);
  const more = n > named.length ? `; and ${n - named.length} more` : '';
  return `stage ${row.stage} (${plural(n, 'blocker')}): ${row.stageReason ?? ''}${named.length > 0 ? `. Blockers: ${named.join('; ')}${more}` : ''}`;
}

function errorLines(status: RegionStatus): string[] {
  return groupErrors(status.errors).flatMap((g) => {
    const [first = '', ...rest] = wrap(clean(errorText(g)), WIDTH, '    ');
    return [`  !${first.slice(3)}`, ...rest];
  });
}

/** 2 + 14 + 1 + 16 + 1 + 46 = 80 columns. HELD: held back by a setting or the resource (hop-limit-kept, kind-off, endpoint-disabled, manual). */
const SUMMARY_NUMBERS = [5, 7, 5, 6, 7, 6, 4];

function summaryLines(summary: readonly SummaryRow[], regions: readonly RegionStatus[]): string[] {
  const cols = (cells: string[]): string =>
    '  ' + padEnd(cells[0] ?? '', 14) + ' ' + padEnd(cells[1] ?? '', 16) + ' ' + cells.slice(2).map((c, i) => padStart(c, SUMMARY_NUMBERS[i] ?? 5)).join(' ');
  const lines = [cols(['REGION', 'KIND', 'TOTAL', 'NONCOMP', 'READY', 'IMDSv1', 'UNKNOWN', 'EXEMPT', 'HELD'])];
  const failed = new Set(regions.filter((r) => r.status === 'failed').map((r) => r.region));
  const total = { total: 0, nonCompliant: 0, ready: 0, usesImdsv1: 0, usageUnknown: 0, exempt: 0, held: 0 };
  const keys = Object.keys(total) as (keyof typeof total)[];
  for (const s of summary) {
    if (failed.has(s.region)) continue;
    lines.push(cols([s.region, kindTitle(s.kind), ...keys.map((k) => String(s[k]))]));
    for (const k of keys) total[k] += s[k];
  }
  for (const region of failed) lines.push(cols([region, 'not read']));
  lines.push(cols(['all', '', ...keys.map((k) => String(total[k]))]));
  return lines;
}

/** One region's resources grouped by kind, with its errors; `title` names the region (with --org, its account too). */
function regionSection(kinds: readonly ResourceKind[], status: RegionStatus, rows: readonly Row[], title = status.region): string[] {
  const out: string[] = [''];
  if (status.status === 'failed') {
    out.push(...wrap(`${title} · FAILED, nothing could be read`, WIDTH));
    out.push(...errorLines(status));
    return out;
  }
  out.push(...wrap(`${title}${status.status === 'partial' ? ' · PARTIAL' : ''}`, WIDTH));
  for (const kind of kinds) {
    const mine = rows.filter((r) => r.region === status.region && r.kind === kind);
    if (mine.length === 0) continue;
    out.push(`  ${kindTitle(kind)} (${mine.length})`);
    out.push(header());
    for (const row of mine) out.push(...rowLines(row));
  }
  if (!rows.some((r) => r.region === status.region)) out.push('  nothing found');
  out.push(...errorLines(status));
  return out;
}

function footer(counts: Pick<RowCounts, 'nonCompliant' | 'total'>, regions: readonly RegionStatus[], lookbackDays: number, failedText: string): string[] {
  return [
    '',
    ...wrap(
      `${plural(counts.nonCompliant, 'non-compliant resource')} of ${counts.total.toLocaleString('en-US')}` +
        failedText +
        (regions.some((r) => r.status === 'partial') ? ' · some regions only partly read' : ''),
      WIDTH,
    ),
    ...wrap(`IMDSv1 = MetadataNoToken calls in ${lookbackDays} days (? no datapoints, - not looked up). TOKENS unset = the account default applies.`, WIDTH),
  ];
}

export function scanTable(report: ScanReport): string {
  const out: string[] = [];
  const failed = report.regions.filter((r) => r.status === 'failed');
  out.push(
    `imds-guard scan · account ${report.account} · ${plural(report.regions.length, 'region')} · ${report.generatedAt.replace(/\.\d+Z$/, 'Z')}`,
  );
  out.push(`IMDSv1 look-back ${report.lookbackDays} days · exempt tag ${clean(report.exemptTagKey)}`);
  if (report.skippedRegions.length > 0) {
    out.push(...wrap(`Skipped (not opted in): ${report.skippedRegions.map((s) => s.region).join(', ')}`, WIDTH));
  }
  for (const status of report.regions) out.push(...regionSection(report.kinds, status, report.rows));
  out.push('', 'Summary');
  out.push(...summaryLines(report.summary, report.regions));
  out.push(...stageSection(report.rows.flatMap((r) => stageLineOf([r]) ?? [])));
  out.push(
    ...footer(countRows(report.rows), report.regions, report.lookbackDays, failed.length > 0 ? ` · ${plural(failed.length, 'region')} failed: ${failed.map((f) => f.region).join(', ')}` : ''),
  );
  return lines(out);
}

const lines = (out: readonly string[]): string => `${out.map((l) => l.trimEnd()).join('\n')}\n`;

/** An organization account as its lines name it: id, name, and whether the CLI's own credentials read it. */
export interface AccountLabel {
  account: string;
  name?: string;
  via: 'caller' | 'role';
  roleArn?: string;
  error?: ErrorInfo;
}

const accountTitle = (a: AccountLabel): string => `account ${a.account}${a.name ? ` (${clean(a.name)})` : ''}${a.via === 'caller' ? ' · own credentials' : ''}`;

/**
 * `scan --org` is written as it runs (cli/org/scan.ts): this heading first,
 * then each account that cannot be read (orgAccountNotRead), each
 * account-region as it finishes (orgRegionSection, in the order they finish),
 * and the summary by account last (orgScanClosing).
 */
export function orgScanHeading(h: Pick<ScanReport, 'account' | 'generatedAt' | 'lookbackDays' | 'exemptTagKey' | 'skippedRegions'> & { roleName: string; accounts: number; regions: number }): string {
  const out = [
    ...wrap(`imds-guard scan · organization, ${plural(h.accounts, 'account')} · ${plural(h.regions, 'region')} · ${h.generatedAt.replace(/\.\d+Z$/, 'Z')}`, WIDTH),
    ...wrap(`run from ${h.account} · member role ${clean(h.roleName)} · IMDSv1 look-back ${h.lookbackDays} days · exempt tag ${clean(h.exemptTagKey)}`, WIDTH),
  ];
  if (h.skippedRegions.length > 0) out.push(...wrap(`Skipped (not opted in): ${h.skippedRegions.map((s) => s.region).join(', ')}`, WIDTH));
  return lines(out);
}

export function orgAccountNotRead(a: AccountLabel): string {
  const e = a.error ?? { message: 'not read' };
  const text = `${e.code ? `${e.code} on ${e.operation ?? 'AssumeRole'}` : 'not read'}${a.roleArn ? ` (${a.roleArn})` : ''}: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`;
  const [first = '', ...rest] = wrap(clean(text), WIDTH, '    ');
  return lines(['', ...wrap(`${accountTitle(a)} · FAILED`, WIDTH), `  !${first.slice(3)}`, ...rest]);
}

export function orgRegionSection(kinds: readonly ResourceKind[], a: AccountLabel, status: RegionStatus, rows: readonly Row[]): string {
  return lines(regionSection(kinds, status, rows, `${accountTitle(a)} · ${status.region}`));
}

/** Each account-region's migration stage and blockers, most blockers first, and how many are at each stage. */
export function stageSection(stages: readonly StageLine[]): string[] {
  if (stages.length === 0) return [];
  const col = (cells: string[]): string => '  ' + padEnd(cells[0] ?? '', 14) + ' ' + padEnd(cells[1] ?? '', 16) + ' ' + padEnd(cells[2] ?? '', 10) + ' ' + padStart(cells[3] ?? '', 8);
  const counts = STAGES_IN_ORDER.map((s) => [s, stages.filter((x) => x.stage === s).length] as const).filter(([, n]) => n > 0);
  return [
    '',
    'Migration stage by account-region (docs/migration.md)',
    col(['ACCOUNT', 'REGION', 'STAGE', 'BLOCKERS']),
    ...[...stages].sort(byBlockers).map((s) => col([s.account, s.region, s.stage, String(s.blockers)])),
    ...wrap(`  stages: ${counts.map(([s, n]) => `${n} ${s}`).join(' · ')}`, WIDTH, '  '),
  ];
}

/** Stages from furthest to done, as the organization view counts them. */
const STAGES_IN_ORDER: readonly StageName[] = [...STAGES, 'unknown'];

/** The summary by account (the same columns as the per-region summary) and the organization's totals. */
export function orgScanClosing(
  accounts: readonly AccountStatus[],
  byAccount: ReadonlyMap<string, RowCounts>,
  total: RowCounts,
  regions: readonly RegionStatus[],
  lookbackDays: number,
  stages: readonly StageLine[] = [],
): string {
  const cols = (cells: string[]): string =>
    '  ' + padEnd(cells[0] ?? '', 14) + ' ' + padEnd(cells[1] ?? '', 16) + ' ' + cells.slice(2).map((c, i) => padStart(c, SUMMARY_NUMBERS[i] ?? 5)).join(' ');
  const numbers = (t: RowCounts): string[] => [t.total, t.nonCompliant, t.ready, t.usesImdsv1, t.usageUnknown, t.exempt, t.held].map(String);
  const summary = [cols(['ACCOUNT', '', 'TOTAL', 'NONCOMP', 'READY', 'IMDSv1', 'UNKNOWN', 'EXEMPT', 'HELD'])];
  for (const a of accounts) {
    if (a.error) summary.push(cols([a.account, 'not read']));
    else summary.push(cols([a.account, a.status === 'ok' ? '' : a.status.toUpperCase(), ...numbers(byAccount.get(a.account) ?? countRows([]))]));
  }
  summary.push(cols(['organization', '', ...numbers(total)]));
  const failedAccounts = accounts.filter((a) => a.status === 'failed');
  const failedRegions = regions.filter((r) => r.status === 'failed' && !failedAccounts.some((a) => a.account === r.account));
  return lines([
    ...stageSection(stages),
    '',
    'Summary by account',
    ...summary,
    ...footer(
      total,
      regions,
      lookbackDays,
      (failedAccounts.length > 0 ? ` · ${plural(failedAccounts.length, 'account')} not read: ${failedAccounts.map((a) => a.account).join(', ')}` : '') +
        (failedRegions.length > 0 ? ` · ${plural(failedRegions.length, 'region')} failed: ${failedRegions.map((r) => `${r.account} ${r.region}`).join(', ')}` : ''),
    ),
  ]);
}

const FIX_LABELS: Record<FixRow['status'], { dry: string; pending: string; done: string }> = {
  planned: { dry: 'WOULD FIX', pending: 'TO FIX', done: 'NOT DONE' },
  skipped: { dry: 'SKIP', pending: 'SKIP', done: 'SKIPPED' },
  remediated: { dry: 'FIXED', pending: 'FIXED', done: 'FIXED' },
  failed: { dry: 'FAILED', pending: 'FAILED', done: 'FAILED' },
  superseded: { dry: 'SUPERSEDED', pending: 'SUPERSEDED', done: 'SUPERSEDED' },
};

export type FixStage = 'dry' | 'pending' | 'done';

/** The first line of a fix report: what it is and at which stage. */
export function fixHeading(stage: FixStage, applied: boolean, where: { organization: number } | { account: string; regions: number }): string {
  const headline = stage === 'dry' ? 'dry run: nothing is changed' : stage === 'pending' ? 'plan' : applied ? 'result' : 'not applied';
  return 'organization' in where
    ? `imds-guard fix · organization, ${plural(where.organization, 'account')} · ${headline}`
    : `imds-guard fix · account ${where.account} · ${plural(where.regions, 'region')} · ${headline}`;
}

export function fixAccountNotRead(a: AccountLabel): string[] {
  const e = a.error ?? { message: 'not read' };
  return [
    '',
    `account ${a.account}${a.name ? ` (${clean(a.name)})` : ''} · FAILED, not read`,
    ...wrap(clean(`! ${e.code ? `${e.code} on ${e.operation ?? 'AssumeRole'}: ` : ''}${e.message}${e.hint ? ` — ${e.hint}` : ''}`), WIDTH, '  '),
  ];
}

/** One region's rows (with --org the title names its account too). */
export function fixRegionSection(status: RegionStatus, rows: readonly FixRow[], stage: FixStage, title = status.region): string[] {
  const out = ['', ...wrap(`${title}${status.status === 'failed' ? ' · FAILED' : status.status === 'partial' ? ' · PARTIAL' : ''}`, WIDTH)];
  if (rows.length === 0 && status.status !== 'failed') out.push('  nothing non-compliant');
  for (const row of rows) {
    const label = FIX_LABELS[row.status][stage];
    const name = row.name ? `  ${clean(row.name)}` : '';
    const head = `  ${label.padEnd(9)}  ${row.kind}  ${clean(row.id)}${name}`;
    out.push(...(displayWidth(head) <= WIDTH ? [head] : wrap(head, WIDTH, '  ')));
    const verified = row.verifiedCompliance ? ` [verified ${row.verifiedCompliance}]` : '';
    out.push(...wrap(clean(row.message) + verified, WIDTH, '             '));
    if (row.stage !== undefined) out.push(...wrap(clean(`stage ${row.stage}, ${plural(row.blockers?.length ?? 0, 'blocker')}`), WIDTH, '             '));
  }
  out.push(...errorLines(status));
  return out;
}

/** The summary line: counts by status, what is already compliant, what failed and was not read. */
export function fixSummary(totals: FixTotals, stage: FixStage, applied: boolean, failedRegions: readonly string[], failedAccounts: readonly string[]): string[] {
  const by = (s: FixRow['status']): number => totals.byStatus[s];
  const parts =
    stage === 'done'
      ? [`${by('remediated')} fixed`, `${by('failed')} failed`, `${by('skipped') + (applied ? 0 : by('planned'))} skipped`]
      : [`${by('planned')} to fix`, `${by('skipped')} skipped`];
  if (by('superseded') > 0) parts.push(`${by('superseded')} superseded`);
  parts.push(`${totals.compliant} already compliant`);
  if (failedRegions.length > 0) parts.push(`${plural(failedRegions.length, 'region')} failed: ${failedRegions.join(', ')}`);
  if (failedAccounts.length > 0) parts.push(`${plural(failedAccounts.length, 'account')} not read: ${failedAccounts.join(', ')}`);
  return ['', ...wrap(`Summary: ${parts.join(' · ')}`, WIDTH)];
}

/** One account's fix report (`fix --org` is written as it runs: orgFixHeading, orgFixSection, orgFixClosing). */
export function fixTable(report: FixReport, stage: FixStage): string {
  const out: string[] = [fixHeading(stage, report.applied, { account: report.account, regions: report.regions.length })];
  for (const status of report.regions) out.push(...fixRegionSection(status, report.rows.filter((r) => r.region === status.region), stage));
  const failed = report.regions.filter((r) => r.status === 'failed').map((f) => f.region);
  out.push(...fixSummary(fixTotals(report.rows, report.compliant), stage, report.applied, failed, []));
  return lines(out);
}

/** `fix --org` as it runs: one account-region's section (the title names the account). */
export function orgFixSection(a: AccountLabel, status: RegionStatus, rows: readonly FixRow[], stage: FixStage): string {
  return lines(fixRegionSection(status, rows, stage, `account ${a.account}${a.name ? ` (${clean(a.name)})` : ''} · ${status.region}`));
}

/** `fix --org` as it runs: the heading and the accounts that cannot be read, before any region. */
export function orgFixHeading(stage: FixStage, applied: boolean, accounts: readonly AccountLabel[]): string {
  return lines([fixHeading(stage, applied, { organization: accounts.length }), ...accounts.filter((a) => a.error).flatMap(fixAccountNotRead)]);
}

/** `fix --org`'s summary line, over the organization. */
export function orgFixClosing(totals: FixTotals, stage: FixStage, applied: boolean, failedRegions: readonly RegionStatus[], failedAccounts: readonly string[]): string {
  return lines(fixSummary(totals, stage, applied, failedRegions.map((r) => `${r.account} ${r.region}`), failedAccounts));
}
