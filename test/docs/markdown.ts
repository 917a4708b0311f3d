/**
 * Just enough Markdown for the documentation tests: the tables of a page
 * (with the heading they sit under), its heading anchors as GitHub makes
 * them, and its links. Fenced code blocks are skipped throughout, so a
 * `# comment` in a shell example is not a heading and a URL in a sample is
 * not a link.
 */

export interface Table {
  /** Text of the nearest `##` heading above the table ('' before any). */
  section: string;
  /** Text of the nearest heading of any level above the table. */
  heading: string;
  header: string[];
  rows: string[][];
}

/** The page's lines with fenced code blocks blanked (line numbers kept). */
function prose(md: string): string[] {
  let fenced = false;
  return md.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/** Splits a table row on unescaped pipes; `\|` stays inside its cell. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;

export function tables(md: string): Table[] {
  const lines = prose(md);
  const out: Table[] = [];
  let section = '';
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const h = HEADING.exec(line);
    if (h) {
      heading = h[2]!;
      if (h[1] === '##') section = heading;
      continue;
    }
    const next = lines[i + 1] ?? '';
    if (line.trim().startsWith('|') && /^\s*\|?\s*:?-{3,}/.test(next)) {
      const table: Table = { section, heading, header: cells(line), rows: [] };
      i += 2;
      while (i < lines.length && lines[i]!.trim().startsWith('|')) table.rows.push(cells(lines[i++]!));
      i--;
      out.push(table);
    }
  }
  return out;
}

/** The values of the `code spans` in a cell, in order. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a page offers: its headings (repeats numbered `-1`, `-2` as GitHub does) and explicit `<a id>` / `<a name>`. */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(md)) {
    const h = HEADING.exec(line);
    if (h) {
      const base = slug(h[2]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  }
  return out;
}

export interface Link {
  line: number;
  target: string;
}

/** Inline links and images outside code (code spans are blanked so a `[x](y)` in code is not one). */
export function links(md: string): Link[] {
  const out: Link[] = [];
  prose(md).forEach((raw, i) => {
    const line = raw.replace(/`[^`]*`/g, 'code');
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line: i + 1, target: m[1]! });
  });
  return out;
}
