/**
 * The CLI's contact with the terminal and the file system, injectable so
 * tests drive commands end to end and read what they printed.
 */
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Environment the SDK reads (AWS_PROFILE is set here); process.env in real use. */
  env: Record<string, string | undefined>;
  writeFile(path: string, text: string): Promise<void>;
  /** Asks a yes/no question on the terminal; true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
    writeFile: (path, text) => writeFile(path, text, 'utf8'),
    async confirm(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^(y|yes)$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}
