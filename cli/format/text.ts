/** Small text helpers for fixed-width terminal output. */

/** Cuts `text` to `width` characters, ending with … when cut. */
export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

export function padEnd(text: string, width: number): string {
  return truncate(text, width).padEnd(width);
}

export function padStart(text: string, width: number): string {
  return truncate(text, width).padStart(width);
}

/** Greedy word wrap; words longer than a line are broken. Every line starts with `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const room = Math.max(10, width - indent.length);
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > room) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, room));
      word = word.slice(room);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= room) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l);
}

/** Removes control characters (terminal escapes in tag values must not reach the terminal). */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}
