/**
 * One row per resource, RFC 4180: comma separated, CRLF line ends, fields
 * with a comma, quote, CR or LF quoted and quotes doubled. Text that a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR) is
 * prefixed with a single quote (OWASP CSV injection guidance): tag values
 * are written by anyone who can tag an instance.
 */
import type { Row, ScanReport } from '../scan.js';

const COLUMNS: { header: string; value: (r: Row, report: ScanReport) => string | number | undefined | null }[] = [
  { header: 'account', value: (r) => r.account },
  { header: 'region', value: (r) => r.region },
  { header: 'kind', value: (r) => r.kind },
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name },
  { header: 'state', value: (r) => r.state },
  { header: 'compliance', value: (r) => r.compliance },
  { header: 'controls', value: (r) => r.controls.join(' ') },
  { header: 'reason', value: (r) => r.reason },
  { header: 'http_tokens', value: (r) => r.httpTokens },
  { header: 'hop_limit', value: (r) => r.hopLimit },
  { header: 'http_endpoint', value: (r) => r.httpEndpoint },
  { header: 'imdsv1_calls', value: (r) => r.imdsv1Calls },
  { header: 'last_imdsv1_call', value: (r) => r.lastImdsv1Call },
  { header: 'instance_profile', value: (r) => r.instanceProfile },
  { header: 'auto_scaling_groups', value: (r) => r.autoScalingGroups.join(' ') },
  { header: 'readiness', value: (r) => r.readiness },
  { header: 'readiness_reason', value: (r) => r.readinessReason },
];

/** One CSV field: numbers as they are, text defused and quoted when needed. */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(report: ScanReport): string {
  const lines = [COLUMNS.map((c) => c.header).join(',')];
  for (const row of report.rows) lines.push(COLUMNS.map((c) => csvField(c.value(row, report))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
