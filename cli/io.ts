/**
 * The CLI's contact with the terminal and the file system, injectable so
 * tests drive commands end to end and read what they printed.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';

/** Where a streamed report goes: written piece by piece, closed once at the end. */
export interface Output {
  /** Resolves when the text may be followed by more (the stream's buffer has drained). */
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Environment the SDK reads (AWS_PROFILE is set here); process.env in real use. */
  env: Record<string, string | undefined>;
  writeFile(path: string, text: string): Promise<void>;
  /** A file written piece by piece (`--org` reports, which are never held whole in memory). */
  openFile(path: string): Promise<Output>;
  /** Asks a yes/no question on the terminal; true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
}

interface NodeWritable {
  write(text: string): boolean;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Writes to a Node stream and waits for 'drain' when its buffer is full, so a
 * slow reader (a pipe, a disk) slows the walk instead of growing the heap.
 */
async function writeDrained(stream: NodeWritable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream as unknown as NodeJS.EventEmitter, 'drain');
}

/**
 * stdout (or any `{ write }`) as an Output. `before` runs ahead of each write
 * (the progress line on a terminal is cleared so the report does not mix
 * with it). A plain `{ write }` (tests) is never waited on.
 */
export function stdoutOutput(stdout: Io['stdout'], before: () => void = () => undefined): Output {
  const isStream = typeof (stdout as Partial<NodeWritable>).once === 'function';
  return {
    async write(text) {
      before();
      if (isStream) await writeDrained(stdout as NodeWritable, text);
      else stdout.write(text);
    },
    close: async () => undefined,
  };
}

async function openFileOutput(path: string): Promise<Output> {
  const stream = createWriteStream(path, { encoding: 'utf8' });
  let failure: Error | undefined;
  stream.on('error', (error) => (failure = error));
  await once(stream, 'open');
  return {
    async write(text) {
      if (failure) throw failure;
      await writeDrained(stream, text);
    },
    async close() {
      if (failure) throw failure;
      stream.end();
      await once(stream, 'close');
      if (failure) throw failure;
    },
  };
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
    openFile: openFileOutput,
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
