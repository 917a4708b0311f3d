/**
 * `npm run build`: everything a deployment needs, offline.
 *
 *   dist/functions/<name>/index.mjs(.map)   esbuild bundles of functions/*.ts (AWS SDK v3 included)
 *   dist/functions/<name>.zip               the Lambda packages
 *   dist/member-template.json               CloudFormation member template (StackSets)
 *   dist/hub-template.json                  CloudFormation hub template (Security Hub administrator account)
 *   dist/manifest.json                      every function and template with its hash (read by every deploy path:
 *                                           the SST stages and scripts/artifacts.ts)
 *   dist/guardrails/*.json                  SCP and EC2 declarative policy
 *   dist/cli/imds-guard.mjs                 the CLI, when cli/main.ts exists
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { TEMPLATE_FILES, type BuildManifest, type TemplateName } from '../infra/artifacts.js';
import { renderMemberTemplate } from '../infra/cloudformation.js';
import { FUNCTION_NAMES } from '../infra/functions.js';
import { guardrailDocuments } from '../infra/guardrails.js';
import { HUB } from '../infra/hub.js';
import { renderHubTemplate } from '../infra/hub.js';
import { assertWithinLimits, limitReport, measureTemplate } from '../infra/limits.js';
import { zip } from './zip.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** ESM output that still lets bundled CommonJS dependencies `require` Node built-ins. */
const REQUIRE_BANNER = "import { createRequire as __imdsGuardCreateRequire } from 'node:module'; const require = __imdsGuardCreateRequire(import.meta.url);";

/** The function bundle settings; bench/bundle.ts builds its baselines from these. */
export const FUNCTION_BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_BANNER },
  logLevel: 'warning',
  metafile: true,
};

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function writeJson(path: string, data: unknown, compact = false): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, compact ? JSON.stringify(data) : `${JSON.stringify(data, null, 2)}\n`);
}

/** Every function the build bundles: each entry point `functions/<name>.ts` (the manifest lists them all). */
export function functionEntries(): string[] {
  return readdirSync(join(root, 'functions'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => basename(f, '.ts'))
    .sort();
}

export async function buildAll(): Promise<{ artifactVersion: string }> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const entries = functionEntries();
  const missing = [...FUNCTION_NAMES, HUB.function.name].filter((n) => !entries.includes(n));
  if (missing.length) throw new Error(`functions/ lacks entry points the member stack deploys: ${missing.map((m) => `functions/${m}.ts`).join(', ')}`);

  rmSync(join(dist, 'functions'), { recursive: true, force: true });
  const functions: Record<string, { bundle: string; zip: string; sha256: string; bytes: number }> = {};
  await Promise.all(
    entries.map(async (name) => {
      const outdir = join(dist, 'functions', name);
      await build({ ...FUNCTION_BUILD_OPTIONS, entryPoints: [join(root, 'functions', `${name}.ts`)], outfile: join(outdir, 'index.mjs') });
      const archive = zip(
        ['index.mjs', 'index.mjs.map'].map((file) => ({ name: file, data: readFileSync(join(outdir, file)) })),
      );
      const zipPath = join(dist, 'functions', `${name}.zip`);
      writeFileSync(zipPath, archive);
      functions[name] = { bundle: `dist/functions/${name}`, zip: `dist/functions/${name}.zip`, sha256: sha256(archive), bytes: archive.length };
    }),
  );

  const combined = createHash('sha256');
  for (const name of Object.keys(functions).sort()) combined.update(`${name}:${functions[name]!.sha256}\n`);
  const artifactVersion = `${pkg.version}-${combined.digest('hex').slice(0, 12)}`;

  // Compact JSON: the size CloudFormation counts. Checked against its quotas before anything is written.
  const rendered: Record<TemplateName, string> = {
    member: JSON.stringify(renderMemberTemplate({ artifactVersion })),
    hub: JSON.stringify(renderHubTemplate({ artifactVersion })),
  };
  const measures = (Object.keys(rendered) as TemplateName[]).map((t) => measureTemplate(basename(TEMPLATE_FILES[t]), JSON.parse(rendered[t]) as object, rendered[t]));
  assertWithinLimits(measures);
  const templates = {} as BuildManifest['templates'];
  for (const t of Object.keys(rendered) as TemplateName[]) {
    writeFileSync(join(root, TEMPLATE_FILES[t]), rendered[t]);
    templates[t] = { file: TEMPLATE_FILES[t], sha256: sha256(Buffer.from(rendered[t])), bytes: Buffer.byteLength(rendered[t]) };
  }
  const manifest: BuildManifest = { version: pkg.version, artifactVersion, functions, templates };
  writeJson(join(dist, 'manifest.json'), manifest);

  rmSync(join(dist, 'guardrails'), { recursive: true, force: true });
  for (const [file, doc] of Object.entries(guardrailDocuments())) writeJson(join(dist, 'guardrails', file), doc);

  const cli = join(root, 'cli', 'main.ts');
  if (existsSync(cli)) {
    const outfile = join(dist, 'cli', 'imds-guard.mjs');
    await build({
      ...FUNCTION_BUILD_OPTIONS,
      entryPoints: [cli],
      outfile,
      banner: { js: `#!/usr/bin/env node\n${REQUIRE_BANNER}` },
    });
    chmodSync(outfile, 0o755);
  }

  for (const [name, f] of Object.entries(functions).sort()) {
    console.log(`  ${`${name}.zip`.padEnd(18)} ${(f.bytes / 1024).toFixed(0).padStart(6)} KiB  ${f.sha256.slice(0, 12)}`);
  }
  for (const m of measures) console.log(`  ${limitReport(m)}`);
  console.log(`  artifact version ${artifactVersion}`);
  return { artifactVersion };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAll().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
