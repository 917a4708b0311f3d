/** Machine-readable output: the whole report, dates as ISO 8601, stable key order. */
export function toJson(report: unknown): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const indent = (text: string, by: string): string => text.replace(/\n/g, `\n${by}`);

/**
 * The same document toJson writes, in pieces: the fields known first, then
 * the array `key` item by item as items come, then the fields known last.
 * Joined, the pieces parse to `{ ...head, [key]: items, ...tail }`, indented
 * as toJson indents it; nothing but the open array's state is kept.
 */
export class JsonDocumentStream {
  private items = 0;

  constructor(private readonly key: string) {}

  /** `{`, the head's fields and the opening of the array. */
  open(head: object): string {
    const fields = JSON.stringify(head, null, 2).slice(1, -2); // without `{` and `\n}`
    return `{${fields}${fields ? ',' : ''}\n  ${JSON.stringify(this.key)}: [`;
  }

  /** More items of the array. */
  add(items: readonly unknown[]): string {
    let out = '';
    for (const item of items) {
      out += `${this.items === 0 ? '' : ','}\n    ${indent(JSON.stringify(item, null, 2), '    ')}`;
      this.items += 1;
    }
    return out;
  }

  /** The end of the array, the tail's fields and `}`. */
  close(tail: object): string {
    const fields = JSON.stringify(tail, null, 2).slice(1, -2);
    return `${this.items === 0 ? ']' : '\n  ]'}${fields ? `,${fields}` : ''}\n}\n`;
  }
}
