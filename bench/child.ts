/**
 * Runs a bench script in a fresh Node process (its own heap and module
 * cache, so memory and cold-start figures are its own) and reads the JSON
 * it prints on its last line.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a child process measures of itself: wall time of its work, its CPU time and peak RSS. */
export interface ChildCost {
  wallMs: number;
  cpuMs: number;
  maxRssKiB: number;
}

/** Just the cost fields of a child's answer, for a bench result. */
export function childCost({ wallMs, cpuMs, maxRssKiB }: ChildCost): ChildCost {
  return { wallMs, cpuMs, maxRssKiB };
}

/** `nodeArgs`: how Node runs the script (TypeScript through tsx by default; `[]` for a plain .mjs). */
export function runChild<T>(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  nodeArgs: readonly string[] = ['--no-warnings', '--import', 'tsx'],
): Promise<T> {
  const proc = spawn(process.execPath, [...nodeArgs, fileURLToPath(new URL(script, import.meta.url)), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    proc.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !(line.startsWith('{') || line.startsWith('['))) reject(new Error(`${script} failed (exit ${code}): ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as T);
    }),
  );
}
