/**
 * Benchmark 3: peak RSS of the sweep process (process.resourceUsage().maxRSS
 * in bench/sweep-child.ts) at 1,000, 10,000 and 50,000 instances, 0 ms per
 * call. Pages are streamed, so the peak should not grow with the estate; the
 * largest estate is swept once more with the V8 heap capped at 128 MiB.
 *
 *   npx tsx bench/memory.ts [instances ...]
 */
import './env.js';
import { startFakeAws } from './fake-aws.js';
import { estateFor, runSweepChild } from './sweep.js';

export interface MemoryRow {
  instances: number;
  /** V8 old-space cap given to the sweep process, when one was. */
  heapCapMiB?: number;
  maxRssMiB: number;
  wallMs: number;
  evaluated: number;
}

export async function benchMemory(sizes: readonly number[] = [1000, 10_000, 50_000]): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  // Last: the largest estate again with the V8 heap capped at 128 MiB; it completes only if pages are streamed.
  const runs: { instances: number; heapCapMiB?: number }[] = [...sizes.map((instances) => ({ instances })), { instances: Math.max(...sizes), heapCapMiB: 128 }];
  for (const { instances, heapCapMiB } of runs) {
    const fake = await startFakeAws(estateFor(instances));
    try {
      const r = await runSweepChild(fake.url, heapCapMiB ? { NODE_OPTIONS: `--max-old-space-size=${heapCapMiB}` } : {});
      rows.push({ instances, ...(heapCapMiB ? { heapCapMiB } : {}), maxRssMiB: r.maxRssKiB / 1024, wallMs: r.wallMs, evaluated: r.summary.evaluated });
    } finally {
      await fake.close();
    }
  }
  return rows;
}

export function formatMemory(rows: MemoryRow[]): string {
  const lines = [
    'memory: peak RSS of the sweep process (process.resourceUsage().maxRSS; 0 ms per call; fake endpoint in another process;',
    '        the sweep runs from TypeScript source under tsx, whose compiler is part of the baseline)',
  ];
  for (const r of rows) {
    const cap = r.heapCapMiB ? `, V8 heap capped at ${r.heapCapMiB} MiB` : '';
    lines.push(
      `  ${String(r.instances).padStart(6)} instances${cap}: peak RSS ${r.maxRssMiB.toFixed(0).padStart(4)} MiB  (${r.evaluated} resources, ${(r.wallMs / 1000).toFixed(1)} s)`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  benchMemory(sizes.length ? sizes : undefined)
    .then((rows) => console.log(formatMemory(rows)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
