/**
 * One row per resource, RFC 4180: comma separated, CRLF line ends, fields
 * with a comma, quote, CR or LF quoted and quotes doubled. Text that a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR) is
 * prefixed with a single quote (OWASP CSV injection guidance): tag values
 * are written by anyone who can tag an instance.
 */
import type { Row, ScanReport } from '../scan.js';

/** The Row fields, in column order; each header is its JSON key in snake_case. */
const COLUMNS = [
  'account', 'region', 'kind', 'id', 'name', 'state', 'compliance', 'controls', 'reason',
  'httpTokens', 'hopLimit', 'httpEndpoint', 'imdsv1Calls', 'lastImdsv1Call', 'instanceProfile',
  'autoScalingGroups', 'readiness', 'readinessReason', 'stage', 'blockers',
] as const satisfies readonly (keyof Row)[];

const header = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Lists (controls, Auto Scaling groups) go in one field, space separated. */
function cell(row: Row, field: (typeof COLUMNS)[number]): string {
  const value = row[field];
  return csvField(Array.isArray(value) ? value.join(' ') : value);
}

/** One CSV field: numbers as they are, text defused and quoted when needed. */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header line (with --org written first, then rows as each account-region finishes). */
export function csvHeader(): string {
  return `${COLUMNS.map(header).join(',')}\r\n`;
}

export function csvRows(rows: readonly Row[]): string {
  let out = '';
  for (const row of rows) out += `${COLUMNS.map((field) => cell(row, field)).join(',')}\r\n`;
  return out;
}

export function toCsv(report: ScanReport): string {
  return csvHeader() + csvRows(report.rows);
}
