/**
 * Benchmark 4: bundle size and cold start per function.
 *
 * - optimized: `npm run build` output, dist/functions/<name>/index.mjs
 *   (scripts/build.ts: esbuild, minified ESM, SDK bundled, tree-shaken). When
 *   the build is not available, the same settings are built here.
 * - naive baseline, built here in the same run: same entry and format but
 *   unminified and without tree shaking (every module of every client kept).
 *
 * Cold start: a fresh `node` process imports the bundle and runs one
 * invocation against the local fake endpoint (0 ms per call, so the figure
 * is Node start + module load + init + one invocation's own work); median of N.
 *
 *   npx tsx bench/bundle.ts [--runs 7] [--no-build]
 */
import './env.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { FUNCTION_BUILD_OPTIONS } from '../scripts/build.js';
import { instanceId, startFakeAws, templateId } from './fake-aws.js';
import { runChild } from './child.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FUNCTIONS = ['events', 'sweep', 'config-rule', 'action'] as const;
/** The settings of scripts/build.ts (used only when dist/ is missing), without source maps or a metafile. */
const optimized: BuildOptions = { ...FUNCTION_BUILD_OPTIONS, sourcemap: false, metafile: false, logLevel: 'error' };
const naive: BuildOptions = { ...optimized, minify: false, treeShaking: false };

function events(dir: string): Record<(typeof FUNCTIONS)[number], string> {
  const fixture = (path: string): string =>
    readFileSync(join(root, 'test/fixtures', path), 'utf8')
      .replaceAll('i-0abc1234def567890', instanceId(1))
      .replaceAll('i-0123456789abcdef0', instanceId(2))
      .replaceAll('lt-0123456789abcdef0', templateId(0));
  const run = JSON.parse(fixture('cloudtrail/RunInstances.json'));
  run.detail.responseElements.instancesSet.items = [{ ...run.detail.responseElements.instancesSet.items[0], instanceId: instanceId(3) }];
  // The fake holds only the findings imds-guard imports: Security Hub's own control findings exist in a
  // real account alone, so the action's cold start selects imds-guard's findings of the fixture.
  const action = JSON.parse(fixture('securityhub/custom-action.json'));
  action.detail.findings = action.detail.findings.filter((f: { Id: string }) => f.Id.startsWith('imds-guard/'));
  const files = {
    events: JSON.stringify(run),
    sweep: JSON.stringify({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }),
    'config-rule': fixture('config/change-instance.json'),
    action: JSON.stringify(action),
  };
  const out = {} as Record<(typeof FUNCTIONS)[number], string>;
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, `${name}.event.json`);
    writeFileSync(path, text);
    out[name as (typeof FUNCTIONS)[number]] = path;
  }
  return out;
}

interface Cold {
  totalMs: number;
  importMs: number;
  invokeMs: number;
  status: string;
}

function coldStart(bundle: string, event: string, url: string): Promise<Cold> {
  // A plain .mjs in a bare Node process: the cold start measured is the bundle's alone.
  return runChild<Cold>('./cold-start.mjs', [bundle, event], { AWS_ENDPOINT_URL: url, NODE_OPTIONS: '', NODE_NO_WARNINGS: '1' }, []);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

export interface BundleRow {
  name: string;
  variant: 'optimized' | 'naive';
  kib: number;
  coldMs: number;
  importMs: number;
  invokeMs: number;
  status: string;
}

export async function benchBundles(options: { runs?: number; build?: boolean } = {}): Promise<{ rows: BundleRow[]; source: string }> {
  const runs = options.runs ?? 7;
  const work = mkdtempSync(join(tmpdir(), 'imds-guard-bench-'));
  let source = 'npm run build (dist/functions/<name>/index.mjs)';
  if (options.build !== false) {
    try {
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
    } catch {
      source = '';
    }
  }
  const optimizedPath = (name: string): string => join(root, 'dist/functions', name, 'index.mjs');
  if (!source || FUNCTIONS.some((n) => !existsSync(optimizedPath(n)))) {
    source = 'esbuild here with the settings of scripts/build.ts (npm run build unavailable)';
    for (const name of FUNCTIONS) {
      mkdirSync(join(work, 'opt', name), { recursive: true });
      await build({ ...optimized, entryPoints: [join(root, 'functions', `${name}.ts`)], outfile: join(work, 'opt', name, 'index.mjs') });
    }
  }
  const optimizedFile = (name: string): string =>
    source.startsWith('npm') ? optimizedPath(name) : join(work, 'opt', name, 'index.mjs');
  for (const name of FUNCTIONS) {
    mkdirSync(join(work, 'naive', name), { recursive: true });
    await build({ ...naive, entryPoints: [join(root, 'functions', `${name}.ts`)], outfile: join(work, 'naive', name, 'index.mjs') });
  }

  const fake = await startFakeAws({ instances: 100, launchTemplates: 2, launchConfigurations: 2 });
  const eventFiles = events(work);
  const rows: BundleRow[] = [];
  try {
    for (const name of FUNCTIONS) {
      const files = { optimized: optimizedFile(name), naive: join(work, 'naive', name, 'index.mjs') };
      const samples: Record<'optimized' | 'naive', Cold[]> = { optimized: [], naive: [] };
      // Interleaved, each sample its own process, after one unmeasured start of each (disk cache).
      for (const variant of ['optimized', 'naive'] as const) await coldStart(files[variant], eventFiles[name], fake.url);
      for (let i = 0; i < runs; i++) {
        for (const variant of ['optimized', 'naive'] as const) samples[variant].push(await coldStart(files[variant], eventFiles[name], fake.url));
      }
      for (const variant of ['optimized', 'naive'] as const) {
        const s = samples[variant];
        rows.push({
          name,
          variant,
          kib: statSync(files[variant]).size / 1024,
          coldMs: median(s.map((x) => x.totalMs)),
          importMs: median(s.map((x) => x.importMs)),
          invokeMs: median(s.map((x) => x.invokeMs)),
          status: s[0]?.status ?? '?',
        });
      }
    }
  } finally {
    await fake.close();
  }
  return { rows, source };
}

export function formatBundles({ rows, source }: { rows: BundleRow[]; source: string }, runs: number): string {
  const lines = [
    `bundles and cold start (fresh node process: import + one invocation against the fake endpoint at 0 ms/call; median of ${runs})`,
    `  optimized = ${source}; naive = unminified, no tree shaking`,
    `  ${'function'.padEnd(12)} ${'variant'.padEnd(10)} ${'bundle KiB'.padStart(10)} ${'cold ms'.padStart(8)} ${'import ms'.padStart(10)} ${'invoke ms'.padStart(10)}  result`,
  ];
  for (const r of rows) {
    lines.push(
      `  ${r.name.padEnd(12)} ${r.variant.padEnd(10)} ${r.kib.toFixed(0).padStart(10)} ${r.coldMs.toFixed(0).padStart(8)} ${r.importMs.toFixed(0).padStart(10)} ${r.invokeMs.toFixed(0).padStart(10)}  ${r.status}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 7;
  benchBundles({ runs, build: !process.argv.includes('--no-build') })
    .then((r) => console.log(formatBundles(r, runs)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
