/** Machine-readable output: the whole report, dates as ISO 8601, stable key order. */
export function toJson(report: unknown): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
