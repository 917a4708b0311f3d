/**
 * `fix --org`'s report, one writer per format, each account-region written
 * as it is done and released: table (a section per account-region, the
 * summary line last), json (the one-account document in pieces: header,
 * rows item by item, then applied, regions, compliant and organization) and
 * jsonl (a row a line, the summary line last).
 */
import type { Format } from '../args/options.js';
import { JsonDocumentStream } from '../format/json.js';
import { jsonlLines, jsonlSummary } from '../format/jsonl.js';
import { orgFixClosing, orgFixHeading, orgFixSection, type FixStage } from '../format/table.js';
import type { Output } from '../io.js';
import type { OrgFixHead, OrgFixWriter } from './fix.js';

export function orgFixWriter(format: Format, out: Output, stage: FixStage, applied: boolean): OrgFixWriter {
  switch (format) {
    case 'json': {
      const doc = new JsonDocumentStream('rows');
      return {
        begin: ({ header }) => out.write(doc.open(header)),
        region: (_target, _status, rows) => out.write(doc.add(rows)),
        end: (tail) => out.write(doc.close(tail)),
      };
    }
    case 'jsonl': {
      let head: OrgFixHead['header'] | undefined;
      return {
        begin: async ({ header }) => void (head = header),
        region: (_target, _status, rows) => out.write(jsonlLines(rows)),
        end: (tail) => out.write(jsonlSummary({ ...head, ...tail })),
      };
    }
    default:
      return {
        begin: ({ targets }) => out.write(orgFixHeading(stage, applied, targets)),
        region: (target, status, rows) => out.write(orgFixSection(target, status, rows, stage)),
        end: ({ regions, organization }, tally) =>
          out.write(
            orgFixClosing(
              tally.totals(),
              stage,
              applied,
              regions.filter((r) => r.status === 'failed'),
              organization.accounts.filter((a) => a.error).map((a) => a.account),
            ),
          ),
      };
  }
}
