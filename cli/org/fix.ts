/**
 * `fix --org`: plans (and applies) per account-region, at most
 * `--concurrency` at once; each account-region's rows are written when it is
 * done and released, so no plan of the whole organization is held in memory.
 *
 * - `--dry-run`: plan each account-region, write it.
 * - `--yes`: plan each account-region and apply its plan right away (the
 *   same gates; decide runs again on fresh state before each change).
 * - otherwise, one question for the organization: every account-region is
 *   planned first (each written to stderr as it is planned, its plan kept in a
 *   spool file, ./spool.ts), then the organization's totals are shown and
 *   asked about before anything is written; after a yes the spooled plans are
 *   applied one account-region at a time.
 */
import type { Clients } from '../../shared/aws/clients.js';
import type { OrgOptions } from '../args/options.js';
import { RegionLog, type CliDeps, type Identity, type RegionStatus } from '../engine.js';
import { applyRegion, planRegion, type FixInput, type FixReport, type FixRow, type RegionPlan, type RemediatorFactory } from '../fix.js';
import type { Progress } from '../progress.js';
import type { OrgReportInfo } from './report.js';
import type { PlanSpool } from './spool.js';
import { FixTally } from './tally.js';
import { accountProgress, accountStatuses, destroyAll, forEachAccountRegion, remember, resolveTargets, roleSessionError, type AccountTarget, type OrgDeps } from './walk.js';
import type { OrgRunResult } from '../outcome.js';

export interface OrgFixInput extends FixInput {
  caller: Identity;
  home: string;
  org: OrgOptions;
}

/** What is known before the first account-region. */
export interface OrgFixHead {
  header: Pick<FixReport, 'tool' | 'version' | 'command' | 'dryRun' | 'account' | 'generatedAt' | 'kinds' | 'skippedRegions'>;
  /** In report order; those with `error` cannot be read. */
  targets: readonly AccountTarget[];
}

/** What is known once every account-region is done. */
export interface OrgFixTail {
  applied: boolean;
  regions: RegionStatus[];
  compliant: number;
  organization: OrgReportInfo;
}

/** Where the report goes, piece by piece (./fix-writers.ts, one per format). */
export interface OrgFixWriter {
  begin(head: OrgFixHead): Promise<void>;
  region(target: AccountTarget, status: RegionStatus, rows: readonly FixRow[]): Promise<void>;
  end(tail: OrgFixTail, tally: FixTally): Promise<void>;
}

/** The organization after the planning pass: its accounts (with their credentials) and what was counted. */
export interface OrgPlan {
  targets: AccountTarget[];
  assumeRoleCalls: number;
  tally: FixTally;
}

function header(input: OrgFixInput, dryRun: boolean, now: Date): OrgFixHead['header'] {
  return {
    tool: 'imds-guard',
    version: input.version,
    command: 'fix',
    dryRun,
    account: input.caller.account,
    generatedAt: now.toISOString(),
    kinds: input.kinds,
    skippedRegions: input.skippedRegions,
  };
}

/** An account-region's own clients (freed when it is done) and how its progress is shown. */
function accountRegion(target: AccountTarget, deps: CliDeps & OrgDeps, progress: Progress): { deps: CliDeps; progress: Progress; dispose(): void } {
  const created: Clients[] = [];
  return {
    deps: { ...deps, clientsFor: (r) => remember(created, deps.clientsWith(r, target.credentials)) },
    progress: accountProgress(progress, target.account),
    dispose: () => destroyAll(created),
  };
}

/** Phase 1 of one account-region; a member session refused mid-run fails this account-region only. */
async function planAccountRegion(input: OrgFixInput, target: AccountTarget, region: string, own: ReturnType<typeof accountRegion>): Promise<RegionPlan> {
  try {
    return await planRegion(region, { ...input, account: target.account }, own.deps, own.progress);
  } catch (error) {
    const refused = roleSessionError(target, error);
    if (!refused) throw error;
    const log = new RegionLog(region);
    log.errors.push(refused);
    return { account: target.account, region, clients: own.deps.clientsFor(region), log, rows: [], compliant: 0, toFix: [] };
  }
}

/** Phase 2 of one account-region; a member session refused mid-run fails its changes, not the run. */
async function applyAccountRegion(input: OrgFixInput, target: AccountTarget, plan: RegionPlan, own: ReturnType<typeof accountRegion>, remediatorFor: RemediatorFactory): Promise<void> {
  try {
    await applyRegion(plan, { ...input, account: target.account }, own.deps, remediatorFor, own.progress);
  } catch (error) {
    const refused = roleSessionError(target, error);
    if (!refused) throw error;
    plan.log.errors.push(refused);
    for (const row of plan.rows) {
      if (row.status !== 'planned') continue;
      row.status = 'failed';
      row.message = `Not attempted: ${refused.message}`;
    }
  }
}

function tail(input: OrgFixInput, plan: OrgPlan, tally: FixTally, applied: boolean): OrgFixTail {
  const regions = tally.regionStatuses();
  return {
    applied,
    regions,
    compliant: tally.totals().compliant,
    organization: { roleName: input.org.roleName, concurrency: input.org.concurrency, accounts: accountStatuses(plan.targets, regions), assumeRoleCalls: plan.assumeRoleCalls },
  };
}

async function finish(input: OrgFixInput, plan: OrgPlan, tally: FixTally, applied: boolean, writer: OrgFixWriter): Promise<OrgRunResult> {
  const end = tail(input, plan, tally, applied);
  await writer.end(end, tally);
  return { accounts: end.organization.accounts, regions: end.regions, open: tally.left };
}

const readable = (targets: readonly AccountTarget[]): string[] => targets.filter((t) => !t.error).map((t) => t.account);

/** The accounts and their credentials (one AssumeRole each), for either pass. */
export async function orgTargets(input: OrgFixInput, deps: CliDeps & OrgDeps, progress: Progress): Promise<OrgPlan> {
  const { targets, assumeRoleCalls } = await resolveTargets(input.org, input.caller, input.home, deps, progress, 'imds-guard-fix');
  return { targets, assumeRoleCalls, tally: new FixTally(readable(targets), input.regions) };
}

/**
 * One pass: `--dry-run` plans each account-region, `--yes` plans and applies
 * it; either way it is written and released before the next one starts.
 */
export async function fixOrgInOnePass(
  input: OrgFixInput,
  deps: CliDeps & OrgDeps,
  progress: Progress,
  writer: OrgFixWriter,
  o: { dryRun: boolean; remediatorFor: RemediatorFactory },
): Promise<OrgRunResult> {
  const plan = await orgTargets(input, deps, progress);
  await writer.begin({ header: header(input, o.dryRun, deps.now()), targets: plan.targets });
  let pending = 0;
  await forEachAccountRegion(plan.targets, input.regions, input.org.concurrency, async (target, region) => {
    const own = accountRegion(target, deps, progress);
    try {
      const regionPlan = await planAccountRegion(input, target, region, own);
      const cleared = regionPlan.toFix.length;
      pending += cleared;
      if (!o.dryRun) await applyAccountRegion(input, target, regionPlan, own, o.remediatorFor);
      const status = { ...regionPlan.log.status(), account: target.account };
      plan.tally.add(target.account, region, regionPlan.rows, regionPlan.compliant, status, cleared);
      await writer.region(target, status, regionPlan.rows);
    } finally {
      own.dispose();
    }
  });
  progress.done();
  // Nothing cleared to change: nothing was applied (as with one account).
  return finish(input, plan, plan.tally, !o.dryRun && pending > 0, writer);
}

/** Pass 1 of a confirmed run: every account-region planned, written (the plan, to stderr) and spooled; nothing changed. */
export async function planOrg(input: OrgFixInput, deps: CliDeps & OrgDeps, progress: Progress, writer: OrgFixWriter, spool: PlanSpool): Promise<OrgPlan> {
  const plan = await orgTargets(input, deps, progress);
  await writer.begin({ header: header(input, false, deps.now()), targets: plan.targets });
  await forEachAccountRegion(plan.targets, input.regions, input.org.concurrency, async (target, region) => {
    const own = accountRegion(target, deps, progress);
    try {
      const p = await planAccountRegion(input, target, region, own);
      const status = { ...p.log.status(), account: target.account };
      plan.tally.add(target.account, region, p.rows, p.compliant, status, p.toFix.length);
      await spool.add({ account: p.account, region, compliant: p.compliant, rows: p.rows, toFix: p.toFix, errors: p.log.errors, succeeded: p.log.succeeded });
      await writer.region(target, status, p.rows);
    } finally {
      own.dispose();
    }
  });
  progress.done();
  await writer.end(tail(input, plan, plan.tally, false), plan.tally);
  return plan;
}

/** At most `limit` items of an async iterable in flight at once (the spool is read as it is worked through). */
async function eachLimit<T>(items: AsyncIterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.asyncIterator]();
  const worker = async (): Promise<void> => {
    for (let next = await it.next(); !next.done; next = await it.next()) await fn(next.value);
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}

/**
 * Pass 2: the spooled plans applied (after a yes) or written as they were
 * (after a no, `apply` false), one account-region at a time.
 */
export async function applyOrg(
  input: OrgFixInput,
  deps: CliDeps & OrgDeps,
  progress: Progress,
  writer: OrgFixWriter,
  spool: PlanSpool,
  plan: OrgPlan,
  o: { apply: boolean; remediatorFor: RemediatorFactory },
): Promise<OrgRunResult> {
  const byAccount = new Map(plan.targets.map((t) => [t.account, t]));
  const tally = new FixTally(readable(plan.targets), input.regions);
  await writer.begin({ header: header(input, false, deps.now()), targets: plan.targets });
  await eachLimit(spool.plans(), input.org.concurrency, async (spooled) => {
    const target = byAccount.get(spooled.account) as AccountTarget;
    const own = accountRegion(target, deps, progress);
    try {
      const log = new RegionLog(spooled.region);
      log.errors.push(...spooled.errors);
      log.succeeded = spooled.succeeded;
      const regionPlan: RegionPlan = { ...spooled, clients: own.deps.clientsFor(spooled.region), log };
      if (o.apply) await applyAccountRegion(input, target, regionPlan, own, o.remediatorFor);
      const status = { ...log.status(), account: target.account };
      tally.add(target.account, spooled.region, regionPlan.rows, regionPlan.compliant, status, spooled.toFix.length);
      await writer.region(target, status, regionPlan.rows);
    } finally {
      own.dispose();
    }
  });
  progress.done();
  return finish(input, plan, tally, o.apply, writer);
}

/** The statuses of the planning pass (for the exit code when nothing was asked). */
export function planOutcome(plan: OrgPlan): Omit<OrgRunResult, 'open'> {
  const regions = plan.tally.regionStatuses();
  return { accounts: accountStatuses(plan.targets, regions), regions };
}
