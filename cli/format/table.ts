/**
 * The default, human format: grouped by region and kind, fitting an
 * 80-column terminal. Each non-compliant resource gets its reason (wrapped)
 * and, where known, its instance profile and Auto Scaling groups on the
 * lines below. Ids longer than their column are never cut: they get a line
 * of their own.
 */
import type { RegionStatus } from '../engine.js';
import type { FixReport, FixRow } from '../fix.js';
import { countRows, type Row, type RowCounts, type ScanReport, type SummaryRow } from '../scan.js';
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

/** One region's resources grouped by kind, with its errors. */
function regionSection(report: ScanReport, status: RegionStatus, rows: readonly Row[]): string[] {
  const out: string[] = [''];
  if (status.status === 'failed') {
    out.push(`${status.region} · FAILED, nothing could be read`);
    out.push(...errorLines(status));
    return out;
  }
  out.push(`${status.region}${status.status === 'partial' ? ' · PARTIAL' : ''}`);
  for (const kind of report.kinds) {
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

function footer(report: ScanReport, failedText: string): string[] {
  const nonCompliant = report.rows.filter((r) => r.compliance === 'NON_COMPLIANT').length;
  return [
    '',
    ...wrap(
      `${plural(nonCompliant, 'non-compliant resource')} of ${report.rows.length.toLocaleString('en-US')}` +
        failedText +
        (report.regions.some((r) => r.status === 'partial') ? ' · some regions only partly read' : ''),
      WIDTH,
    ),
    ...wrap(`IMDSv1 = MetadataNoToken calls in ${report.lookbackDays} days (? no datapoints, - not looked up). TOKENS unset = the account default applies.`, WIDTH),
  ];
}

export function scanTable(report: ScanReport): string {
  if (report.organization) return orgScanTable(report);
  const out: string[] = [];
  const failed = report.regions.filter((r) => r.status === 'failed');
  out.push(
    `imds-guard scan · account ${report.account} · ${plural(report.regions.length, 'region')} · ${report.generatedAt.replace(/\.\d+Z$/, 'Z')}`,
  );
  out.push(`IMDSv1 look-back ${report.lookbackDays} days · exempt tag ${clean(report.exemptTagKey)}`);
  if (report.skippedRegions.length > 0) {
    out.push(...wrap(`Skipped (not opted in): ${report.skippedRegions.map((s) => s.region).join(', ')}`, WIDTH));
  }
  for (const status of report.regions) out.push(...regionSection(report, status, report.rows));
  out.push('', 'Summary');
  out.push(...summaryLines(report.summary, report.regions));
  out.push(...footer(report, failed.length > 0 ? ` · ${plural(failed.length, 'region')} failed: ${failed.map((f) => f.region).join(', ')}` : ''));
  return `${out.map((l) => l.trimEnd()).join('\n')}\n`;
}

/** `scan --org`: grouped by account, then region and kind; totals per account and for the organization. */
function orgScanTable(report: ScanReport): string {
  const org = report.organization as NonNullable<ScanReport['organization']>;
  const out: string[] = [];
  const regionNames = [...new Set(report.regions.map((r) => r.region))];
  out.push(
    ...wrap(
      `imds-guard scan · organization, ${plural(org.accounts.length, 'account')} · ${plural(regionNames.length, 'region')} · ${report.generatedAt.replace(/\.\d+Z$/, 'Z')}`,
      WIDTH,
    ),
  );
  out.push(...wrap(`run from ${report.account} · member role ${clean(org.roleName)} · IMDSv1 look-back ${report.lookbackDays} days · exempt tag ${clean(report.exemptTagKey)}`, WIDTH));
  // The same columns as the per-region summary (summaryLines).
  const cols = (cells: string[]): string =>
    '  ' + padEnd(cells[0] ?? '', 14) + ' ' + padEnd(cells[1] ?? '', 16) + ' ' + cells.slice(2).map((c, i) => padStart(c, SUMMARY_NUMBERS[i] ?? 5)).join(' ');
  const numbers = (t: RowCounts): string[] => [t.total, t.nonCompliant, t.ready, t.usesImdsv1, t.usageUnknown, t.exempt, t.held].map(String);
  const summary = [cols(['ACCOUNT', '', 'TOTAL', 'NONCOMP', 'READY', 'IMDSv1', 'UNKNOWN', 'EXEMPT', 'HELD'])];
  for (const a of org.accounts) {
    const name = a.name ? ` (${clean(a.name)})` : '';
    const via = a.via === 'caller' ? ' · own credentials' : '';
    out.push('', `account ${a.account}${name}${via}${a.status === 'failed' ? ' · FAILED' : a.status === 'partial' ? ' · PARTIAL' : ''}`);
    if (a.error) {
      const e = a.error;
      const text = `${e.code ? `${e.code} on ${e.operation ?? 'AssumeRole'}` : 'not read'}${a.roleArn ? ` (${a.roleArn})` : ''}: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`;
      const [first = '', ...rest] = wrap(clean(text), WIDTH, '    ');
      out.push(`  !${first.slice(3)}`, ...rest);
      summary.push(cols([a.account, 'not read']));
      continue;
    }
    const rows = report.rows.filter((r) => r.account === a.account);
    for (const status of report.regions.filter((r) => r.account === a.account)) out.push(...regionSection(report, status, rows));
    const t = countRows(rows);
    out.push(`  account ${a.account}: ${plural(t.nonCompliant, 'non-compliant resource')} of ${t.total.toLocaleString('en-US')}`);
    summary.push(cols([a.account, a.status === 'ok' ? '' : a.status.toUpperCase(), ...numbers(t)]));
  }
  summary.push(cols(['organization', '', ...numbers(countRows(report.rows))]));
  out.push('', 'Summary by account', ...summary);
  const failedAccounts = org.accounts.filter((a) => a.status === 'failed');
  const failedRegions = report.regions.filter((r) => r.status === 'failed' && !failedAccounts.some((a) => a.account === r.account));
  out.push(
    ...footer(
      report,
      (failedAccounts.length > 0 ? ` · ${plural(failedAccounts.length, 'account')} not read: ${failedAccounts.map((a) => a.account).join(', ')}` : '') +
        (failedRegions.length > 0 ? ` · ${plural(failedRegions.length, 'region')} failed: ${failedRegions.map((r) => `${r.account} ${r.region}`).join(', ')}` : ''),
    ),
  );
  return `${out.map((l) => l.trimEnd()).join('\n')}\n`;
}

const FIX_LABELS: Record<FixRow['status'], { dry: string; pending: string; done: string }> = {
  planned: { dry: 'WOULD FIX', pending: 'TO FIX', done: 'NOT DONE' },
  skipped: { dry: 'SKIP', pending: 'SKIP', done: 'SKIPPED' },
  remediated: { dry: 'FIXED', pending: 'FIXED', done: 'FIXED' },
  failed: { dry: 'FAILED', pending: 'FAILED', done: 'FAILED' },
  superseded: { dry: 'SUPERSEDED', pending: 'SUPERSEDED', done: 'SUPERSEDED' },
};

export function fixTable(report: FixReport, stage: 'dry' | 'pending' | 'done'): string {
  const out: string[] = [];
  const headline =
    stage === 'dry' ? 'dry run: nothing is changed' : stage === 'pending' ? 'plan' : report.applied ? 'result' : 'not applied';
  const org = report.organization;
  out.push(
    org
      ? `imds-guard fix · organization, ${plural(org.accounts.length, 'account')} · ${headline}`
      : `imds-guard fix · account ${report.account} · ${plural(report.regions.length, 'region')} · ${headline}`,
  );
  for (const a of org?.accounts ?? []) {
    if (!a.error) continue;
    const e = a.error;
    out.push('', `account ${a.account}${a.name ? ` (${clean(a.name)})` : ''} · FAILED, not read`);
    out.push(...wrap(clean(`! ${e.code ? `${e.code} on ${e.operation ?? 'AssumeRole'}: ` : ''}${e.message}${e.hint ? ` — ${e.hint}` : ''}`), WIDTH, '  '));
  }
  let lastAccount: string | undefined;
  for (const status of report.regions) {
    const rows = report.rows.filter((r) => r.region === status.region && (status.account === undefined || r.account === status.account));
    if (org && status.account !== lastAccount) {
      lastAccount = status.account;
      const a = org.accounts.find((x) => x.account === status.account);
      out.push('', `account ${status.account}${a?.name ? ` (${clean(a.name)})` : ''}`);
    }
    out.push('', `${status.region}${status.status === 'failed' ? ' · FAILED' : status.status === 'partial' ? ' · PARTIAL' : ''}`);
    if (rows.length === 0 && status.status !== 'failed') out.push('  nothing non-compliant');
    for (const row of rows) {
      const label = FIX_LABELS[row.status][stage];
      const name = row.name ? `  ${clean(row.name)}` : '';
      const head = `  ${label.padEnd(9)}  ${row.kind}  ${clean(row.id)}${name}`;
      out.push(...(displayWidth(head) <= WIDTH ? [head] : wrap(head, WIDTH, '  ')));
      const verified = row.verifiedCompliance ? ` [verified ${row.verifiedCompliance}]` : '';
      out.push(...wrap(clean(row.message) + verified, WIDTH, '             '));
    }
    out.push(...errorLines(status));
  }
  const by = (s: FixRow['status']): number => report.rows.filter((r) => r.status === s).length;
  const parts =
    stage === 'done'
      ? [`${by('remediated')} fixed`, `${by('failed')} failed`, `${by('skipped') + (report.applied ? 0 : by('planned'))} skipped`]
      : [`${by('planned')} to fix`, `${by('skipped')} skipped`];
  if (by('superseded') > 0) parts.push(`${by('superseded')} superseded`);
  parts.push(`${report.compliant} already compliant`);
  const failed = report.regions.filter((r) => r.status === 'failed');
  if (failed.length > 0) parts.push(`${plural(failed.length, 'region')} failed: ${failed.map((f) => (f.account && org ? `${f.account} ${f.region}` : f.region)).join(', ')}`);
  const failedAccounts = org?.accounts.filter((a) => a.error) ?? [];
  if (failedAccounts.length > 0) parts.push(`${plural(failedAccounts.length, 'account')} not read: ${failedAccounts.map((a) => a.account).join(', ')}`);
  out.push('', ...wrap(`Summary: ${parts.join(' · ')}`, WIDTH));
  return `${out.map((l) => l.trimEnd()).join('\n')}\n`;
}
