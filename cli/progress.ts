/**
 * Progress for long scans, on stderr, only when stderr is a terminal: one
 * line rewritten in place ("eu-west-1: instances, page 3 (3,000)"). In a
 * pipe or a file it prints nothing, so output stays clean.
 */
import { truncate } from './format/text.js';

export interface Progress {
  update(region: string, text: string): void;
  /** A message that should stay on screen (printed on any stderr). */
  note(text: string): void;
  done(): void;
}

export function createProgress(stderr: { write(text: string): unknown }, isTTY: boolean, columns = 80): Progress {
  let shown = false;
  const clear = (): void => {
    if (shown) stderr.write('\r\x1b[K');
    shown = false;
  };
  return {
    update(region, text) {
      if (!isTTY) return;
      const line = `${region}: ${text}`;
      stderr.write(`\r\x1b[K${truncate(line, columns - 1)}`);
      shown = true;
    },
    note(text) {
      clear();
      stderr.write(`${text}\n`);
    },
    done() {
      clear();
    },
  };
}

export const count = (n: number): string => n.toLocaleString('en-US');
