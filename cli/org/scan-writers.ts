/**
 * `scan --org`'s report, one writer per format, each keeping only what it
 * still has to show:
 * - jsonl, csv: each account-region's rows as it finishes (JSON Lines ends with
 *   its summary line; CSV has no summary).
 * - json: the same document as one account's, written in pieces: the header,
 *   the rows array item by item, then regions, summary and organization.
 * - table: each account-region's section as it finishes, the summary by
 *   account at the end.
 * - html: written at the end (its summary comes first); rows are counted and
 *   at most `htmlRows` kept. When more come and the report goes to a file,
 *   every row is written beside it as JSON Lines (report.html → report.jsonl)
 *   and the report says so.
 */
import type { ResourceKind } from '../../shared/model.js';
import type { Format } from '../args/options.js';
import { csvHeader, csvRows } from '../format/csv.js';
import { renderHtml } from '../format/html.js';
import { HtmlRows } from '../format/html-rows.js';
import { JsonDocumentStream } from '../format/json.js';
import { jsonlLines, jsonlSummary } from '../format/jsonl.js';
import { orgAccountNotRead, orgRegionSection, orgScanClosing, orgScanHeading } from '../format/table.js';
import type { Output } from '../io.js';
import type { OrgScanWriter } from './scan.js';

export interface ScanWriterOptions {
  format: Format;
  out: Output;
  kinds: readonly ResourceKind[];
  /** HTML: rows listed in full. */
  htmlRows: number;
  /** HTML: the report's file (--out-file); the rows it does not list go beside it. */
  outFile?: string;
  openFile(path: string): Promise<Output>;
  /** Says on stderr what was written besides the report. */
  wrote(path: string, what: string): void;
}

/** `report.html` → `report.jsonl`; any other name gets `.jsonl` added. */
export function besideAsJsonl(file: string): string {
  return /\.html?$/i.test(file) ? file.replace(/\.html?$/i, '.jsonl') : `${file}.jsonl`;
}

export function orgScanWriter(o: ScanWriterOptions): OrgScanWriter {
  const { out } = o;
  switch (o.format) {
    case 'jsonl':
      return {
        begin: async () => undefined,
        region: (_target, _status, rows) => out.write(jsonlLines(rows)),
        end: (summary) => out.write(jsonlSummary(summary)),
      };
    case 'csv':
      return {
        begin: () => out.write(csvHeader()),
        region: (_target, _status, rows) => out.write(csvRows(rows)),
        end: async () => undefined,
      };
    case 'json': {
      const doc = new JsonDocumentStream('rows');
      return {
        begin: ({ header }) => out.write(doc.open(header)),
        region: (_target, _status, rows) => out.write(doc.add(rows)),
        end: ({ regions, summary, organization }) => out.write(doc.close({ regions, summary, organization })),
      };
    }
    case 'html':
      return htmlWriter(o);
    case 'table': {
      let lookbackDays = 0;
      return {
        async begin({ header, targets, regions, roleName }) {
          lookbackDays = header.lookbackDays;
          await out.write(orgScanHeading({ ...header, roleName, accounts: targets.length, regions: regions.length }));
          // Accounts that cannot be read are known before any region is: said first.
          for (const t of targets) if (t.error) await out.write(orgAccountNotRead(t));
        },
        region: (target, status, rows) => out.write(orgRegionSection(o.kinds, target, status, rows)),
        end: ({ organization, regions }, tally) => out.write(orgScanClosing(organization.accounts, tally.byAccount(), tally.total(), regions, lookbackDays, tally.stages())),
      };
    }
  }
}

function htmlWriter(o: ScanWriterOptions): OrgScanWriter {
  const rows = new HtmlRows(o.kinds, o.htmlRows);
  const besidePath = o.outFile !== undefined ? besideAsJsonl(o.outFile) : undefined;
  let beside: Output | undefined;
  return {
    begin: async () => undefined,
    async region(_target, _status, more) {
      if (!beside && besidePath !== undefined && rows.total + more.length > o.htmlRows) {
        // The first time rows would be left out: every row so far is still kept (no more than the cap), so all go beside.
        beside = await o.openFile(besidePath);
        await beside.write(jsonlLines(rows.shown()));
      }
      for (const row of more) rows.add(row);
      if (beside) await beside.write(jsonlLines(more));
    },
    async end(summary) {
      if (beside && besidePath !== undefined) {
        await beside.write(jsonlSummary(summary));
        await beside.close();
        o.wrote(besidePath, `every resource (${rows.total.toLocaleString('en-US')}) as JSON Lines, beside the HTML report that lists ${Math.min(rows.total, o.htmlRows).toLocaleString('en-US')}`);
      }
      await o.out.write(renderHtml(summary, rows, besidePath !== undefined && beside ? { file: besidePath.replace(/^.*[\\/]/, '') } : {}));
    },
  };
}
