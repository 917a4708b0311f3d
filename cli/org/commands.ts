/**
 * `scan --org` and `fix --org` as commands (cli/run.ts dispatches here):
 * where their report goes (stdout or --out-file, written piece by piece), the
 * one confirmation for the organization, what is said on stderr, and the exit
 * code.
 */
import type { FixOptions, ScanOptions } from '../args/options.js';
import type { CliDeps, RegionStatus } from '../engine.js';
import { EXIT_FINDINGS } from '../errors.js';
import { type RemediatorFactory } from '../fix.js';
import { plural } from '../format/labels.js';
import type { FixStage } from '../format/table.js';
import { stdoutOutput, type Io, type Output } from '../io.js';
import type { Progress } from '../progress.js';
import { applyOrg, fixOrgInOnePass, planOrg, planOutcome, type OrgFixInput, type OrgFixWriter } from './fix.js';
import { orgFixWriter } from './fix-writers.js';
import { scanOrg, type OrgScanInput } from './scan.js';
import { orgScanWriter } from './scan-writers.js';
import { PlanSpool } from './spool.js';
import type { OrgDeps } from './walk.js';
import { exitCodeOf, type OrgRunResult } from '../outcome.js';

/** Where a streamed report goes: the --out-file, or stdout (the progress line cleared before each piece). */
export async function openOutput(io: Io, outFile: string | undefined, progress: Progress): Promise<Output> {
  return outFile !== undefined ? io.openFile(outFile) : stdoutOutput(io.stdout, () => progress.done());
}

/** `scan --org`: written as each account-region finishes, never held whole (cli/org/scan.ts). */
export async function runScanOrg(
  options: ScanOptions,
  input: OrgScanInput,
  io: Io,
  deps: CliDeps & OrgDeps,
  progress: Progress,
  warnFailures: (regions: readonly RegionStatus[]) => void,
): Promise<number> {
  const out = await openOutput(io, options.outFile, progress);
  const writer = orgScanWriter({
    format: options.format,
    out,
    kinds: options.kinds,
    htmlRows: options.htmlRows,
    ...(options.outFile !== undefined ? { outFile: options.outFile } : {}),
    openFile: (path) => io.openFile(path),
    wrote: (path, what) => io.stderr.write(`Wrote ${path}: ${what}\n`),
  });
  let result: OrgRunResult;
  try {
    result = await scanOrg(input, deps, progress, writer);
  } finally {
    await out.close();
  }
  if (options.outFile !== undefined) io.stderr.write(`Wrote ${options.outFile}\n`);
  if (options.format !== 'table' || options.outFile !== undefined) warnFailures(result.regions);
  return exitCodeOf(result);
}

/** `fix --org`: written as each account-region is done, never held whole (cli/org/fix.ts). */
export async function runFixOrg(options: FixOptions, input: OrgFixInput, io: Io, deps: CliDeps & OrgDeps & { remediatorFor: RemediatorFactory }, progress: Progress): Promise<number> {
  // The report (stdout or --out-file) is opened only when it is written: after the answer, when there is a question.
  const toOutput = async (stage: FixStage, applied: boolean, run: (writer: OrgFixWriter) => Promise<OrgRunResult>): Promise<number> => {
    const out = await openOutput(io, options.outFile, progress);
    let result: OrgRunResult;
    try {
      result = await run(orgFixWriter(options.format, out, stage, applied));
    } finally {
      await out.close();
    }
    if (options.outFile !== undefined) io.stderr.write(`Wrote ${options.outFile}\n`);
    return exitCodeOf(result);
  };
  if (options.dryRun || options.yes) {
    return toOutput(options.dryRun ? 'dry' : 'done', !options.dryRun, (writer) =>
      fixOrgInOnePass(input, deps, progress, writer, { dryRun: options.dryRun, remediatorFor: deps.remediatorFor }),
    );
  }
  const spool = await PlanSpool.create();
  try {
    // The plan goes to stderr as it is made, its totals last, then the one question.
    const plan = await planOrg(input, deps, progress, orgFixWriter('table', stdoutOutput(io.stderr, () => progress.done()), 'pending', false), spool);
    const { changes, regions, accounts } = plan.tally.pending();
    const replay = (stage: FixStage, apply: boolean): Promise<number> =>
      toOutput(stage, apply, (writer) => applyOrg(input, deps, progress, writer, spool, plan, { apply, remediatorFor: deps.remediatorFor }));
    if (changes === 0) {
      // Nothing to ask: the plan is the report (not shown twice on a terminal).
      if (options.format === 'table' && options.outFile === undefined && io.stdoutIsTTY) return exitCodeOf({ ...planOutcome(plan), open: plan.tally.left });
      return replay('pending', false);
    }
    const ok = await io.confirm(`Apply ${plural(changes, 'change')} in ${plural(regions, 'region')} of ${plural(accounts, 'account')} of the organization?`);
    if (!ok) {
      io.stderr.write('Nothing changed.\n');
      if (options.format !== 'table' || options.outFile !== undefined) await replay('done', false);
      return EXIT_FINDINGS;
    }
    return await replay('done', true);
  } finally {
    await spool.dispose();
  }
}
