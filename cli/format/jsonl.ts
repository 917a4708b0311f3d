/**
 * JSON Lines (https://jsonlines.org): one resource a line, then one summary
 * line, `{"type":"summary", …}`, with the rest of the report (regions, totals,
 * the organization's accounts). A resource line never has a `type` field, so
 * `jq 'select(.type != "summary")'` keeps the resources. With --org the lines
 * are written as each account-region finishes.
 */
export function jsonlLines(items: readonly unknown[]): string {
  let out = '';
  for (const item of items) out += `${JSON.stringify(item)}\n`;
  return out;
}

export function jsonlSummary(rest: object): string {
  return `${JSON.stringify({ type: 'summary', ...rest })}\n`;
}

/** A whole report at once (one account): its rows, then the summary line. */
export function toJsonl<T extends { rows: readonly unknown[] }>(report: T): string {
  const { rows, ...rest } = report;
  return jsonlLines(rows) + jsonlSummary(rest);
}
