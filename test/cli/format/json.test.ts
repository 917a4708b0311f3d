import { describe, expect, it } from 'vitest';
import { JsonDocumentStream, toJson } from '../../../cli/format/json.js';
import { jsonlLines, jsonlSummary, toJsonl } from '../../../cli/format/jsonl.js';

describe('JsonDocumentStream', () => {
  const item = (n: number): object => ({ id: `i-${n}`, tags: ['a', 'b'], nested: { n, none: null }, text: 'quote " and\nnewline' });

  it.each([0, 1, 3])('head, %i items in pieces and tail join to exactly what toJson writes', (count) => {
    const head = { tool: 'imds-guard', kinds: ['instance'], empty: [] };
    const tail = { regions: [{ region: 'eu-west-1', errors: [] }], organization: { accounts: [] } };
    const items = Array.from({ length: count }, (_, i) => item(i));
    const doc = new JsonDocumentStream('rows');
    // Items arrive in uneven pieces, as account-regions finish.
    const text = doc.open(head) + doc.add(items.slice(0, 1)) + doc.add([]) + doc.add(items.slice(1)) + doc.close(tail);
    expect(text).toBe(toJson({ ...head, rows: items, ...tail }));
  });

  it('an empty head or tail still makes a valid document', () => {
    const doc = new JsonDocumentStream('rows');
    expect(JSON.parse(doc.open({}) + doc.add([item(1)]) + doc.close({}))).toEqual({ rows: [item(1)] });
  });
});

describe('JSON Lines', () => {
  it('one object a line, the summary last with type "summary"', () => {
    const text = toJsonl({ rows: [{ id: 'a\nb' }, { id: 'c' }], tool: 'imds-guard', regions: [] });
    const lines = text.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ id: 'a\nb' }, { id: 'c' }, { type: 'summary', tool: 'imds-guard', regions: [] }]);
    expect(jsonlLines([]) + jsonlSummary({})).toBe('{"type":"summary"}\n');
  });
});
