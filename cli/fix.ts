/**
 * `imds-guard fix`: the shared remediation engine with the pipeline's gates.
 *
 * 1. Plan: every region is listed and judged by processSubjects with the
 *    enforce policy and a plan-collecting remediator, so the plan shown is
 *    exactly what would run (nothing can be written in this phase).
 * 2. `--dry-run` stops here. Otherwise a person confirms (or `--yes`), and
 *    the resources cleared to change are described again and go through the
 *    pipeline with the real remediator (shared/act): decide runs again on
 *    fresh state and usage evidence, so a resource tagged exempt or an
 *    instance that started calling IMDSv1 meanwhile is held back; each change
 *    is verified by describing the resource again.
 */
import { mapLimit } from '../shared/aws/batch.js';
import type { Clients } from '../shared/aws/clients.js';
import { createRemediator } from '../shared/act/index.js';
import { evaluate } from '../shared/engine/evaluate.js';
import { createLoader } from '../shared/wiring/load.js';
import type { ActionKind, Compliance, ResourceKind, ResourceRef } from '../shared/model.js';
import type { Outcome } from '../shared/verdict.js';
import type { Subject } from '../shared/kinds/subject.js';
import { runPipeline, type Remediator } from '../shared/engine/pipeline.js';
import type { Policy } from '../shared/policy.js';
import type { Report } from '../shared/engine/ports.js';
import { planCollector, RegionLog, regionDeps, type CliDeps, type RegionStatus } from './engine.js';
import { walkWithStage, withStageAttached } from './stage.js';
import { carriesStage, stageOf } from '../shared/engine/stage.js';
import type { Blocker, StageName, StageReport } from '../shared/kinds/stage.js';
import type { OrgReportInfo } from './org/report.js';
import type { Progress } from './progress.js';
import type { EnforcementStore } from '../shared/watch/account/record.js';
import { readinessOf } from './readiness.js';
import type { SkippedRegion } from './regions.js';
import { describeKind } from '../shared/kinds/registry.js';
import type { Scope } from '../shared/model.js';
import { exitCodeOf } from './outcome.js';

export type FixStatus = 'planned' | 'skipped' | 'remediated' | 'failed' | 'superseded';

export interface FixRow {
  account: string;
  region: string;
  kind: ResourceKind;
  id: string;
  name?: string;
  action: ActionKind;
  status: FixStatus;
  /** The plan's summary, or what the action did / why it failed. */
  message: string;
  /** Gates that held the resource back. */
  blockedBy: string[];
  verifiedCompliance?: Compliance;
  /** On the account default's row: the account-region's migration stage and everything that keeps it from `ready`. */
  stage?: StageName;
  blockers?: Blocker[];
}

export interface FixReport {
  tool: 'imds-guard';
  version: string;
  command: 'fix';
  dryRun: boolean;
  /** False when the plan was shown but the person said no. */
  applied: boolean;
  account: string;
  generatedAt: string;
  kinds: ResourceKind[];
  regions: RegionStatus[];
  skippedRegions: SkippedRegion[];
  /** Resources already compliant (not listed one by one). */
  compliant: number;
  rows: FixRow[];
  /** `fix --org`: every account with how it was read (cli/org/report.ts). */
  organization?: OrgReportInfo;
}

export interface FixInput {
  account: string;
  actor: string;
  regions: string[];
  skippedRegions: SkippedRegion[];
  kinds: ResourceKind[];
  policy: Policy;
  humanRequest: boolean;
  version: string;
  /** `fix --enforce-account`: every kind is read for the stage, only the account default is planned and shown. */
  enforceAccount?: boolean;
  /**
   * `fix --enforce-account`: where a region's graduation is recorded so the member
   * stack's watch follows it (the region's state bucket), or undefined when it
   * cannot be found — the outcome then says the graduation is not watched.
   */
  enforcementStoreFor?: (scope: Scope) => Promise<EnforcementStore | undefined>;
}

/** How fix builds the real remediator for a region (injectable for tests). */
export type RemediatorFactory = (clients: Clients, scope: Scope, policy: Policy, actor: string, enforcement?: EnforcementStore) => Remediator;

export const realRemediator: RemediatorFactory = (clients, scope, policy, actor, enforcement) => {
  const withStore = enforcement ? { enforcement } : {};
  return createRemediator({ clients, policy, account: scope.account, actor, loader: createLoader(clients, { account: scope.account, ...withStore }), evaluate, ...withStore });
};

const REGION_CONCURRENCY = 4;

export interface RegionPlan {
  account: string;
  region: string;
  clients: Clients;
  log: RegionLog;
  rows: FixRow[];
  compliant: number;
  /** Resources whose plan executes, to act on after confirmation (described again then). */
  toFix: ResourceRef[];
  /** The account-region's migration stage, attached again when phase 2 re-describes the account default. */
  stage?: StageReport;
}

/** A skipped plan says why in the CLI's words (the readiness reason), not the Lambdas'. */
function rowOf(report: Report & { outcome: Outcome }, policy: Policy, name: string | undefined): FixRow {
  const { outcome } = report;
  const { plan } = outcome;
  const row: FixRow = {
    account: plan.ref.account,
    region: plan.ref.region,
    kind: plan.ref.kind,
    id: plan.ref.id,
    action: plan.action,
    status: outcome.status,
    message: outcome.status === 'skipped' ? sentence(readinessOf(report.verdict, report.usage, plan, policy).why) : outcome.message,
    blockedBy: plan.gates.filter((g) => !g.passed).map((g) => g.gate),
  };
  if (name) row.name = name;
  if (outcome.verifiedCompliance) row.verifiedCompliance = outcome.verifiedCompliance;
  const stage = stageOf(report.verdict.subject);
  if (stage) {
    row.stage = stage.stage;
    row.blockers = stage.blockers;
  }
  // A migrated launch configuration is finished business, shown as such (the deletion it can still get is a plan of its own).
  if (outcome.status === 'skipped' && readinessOf(report.verdict, report.usage, plan, policy).readiness === 'superseded') {
    row.status = 'superseded';
    row.message = `Superseded: ${readinessOf(report.verdict, report.usage, plan, policy).why}.`;
  }
  return row;
}

function sentence(text: string): string {
  return `Skipped: ${text}.`;
}

function nameOf(subject: Subject): string | undefined {
  return subject.kind === 'missing' ? undefined : describeKind(subject.kind).row(subject).name;
}

/** Phase 1 for one region of one account (exported for `fix --org`, cli/org/fix.ts). */
export async function planRegion(region: string, input: FixInput, deps: CliDeps, progress: Progress): Promise<RegionPlan> {
  const clients = deps.clientsFor(region);
  const scope = { account: input.account, region };
  const log = new RegionLog(region);
  const pipeline = regionDeps(clients, scope, input.policy, planCollector(deps.now), log);
  pipeline.now = deps.now;
  const plan: RegionPlan = { account: input.account, region, clients, log, rows: [], compliant: 0, toFix: [] };
  const walk = { clients, scope, kinds: input.kinds, log, progress, pipeline, policy: input.policy, context: { humanRequest: input.humanRequest } };
  // The account default comes last, with the account-region's migration stage (cli/stage.ts).
  plan.stage = await walkWithStage(walk, (kind, _subjects, result) => {
    // --enforce-account reads every kind for the stage and plans only the kind that switches enforcement.
    if (input.enforceAccount && !carriesStage(kind)) return;
    for (const report of result.reports) {
      const { verdict, outcome } = report;
      if (verdict.compliance === 'COMPLIANT') plan.compliant += 1;
      if (verdict.compliance !== 'NON_COMPLIANT' || !outcome) continue;
      plan.rows.push(rowOf({ ...report, outcome }, input.policy, nameOf(verdict.subject)));
      if (outcome.plan.execute) plan.toFix.push(verdict.subject.ref);
    }
  });
  return plan;
}

/** Phase 2 for one region of one account (exported for `fix --org`, cli/org/fix.ts). */
export async function applyRegion(plan: RegionPlan, input: FixInput, deps: CliDeps, remediatorFor: RemediatorFactory, progress: Progress): Promise<void> {
  if (plan.toFix.length === 0) return;
  const scope = { account: plan.account, region: plan.region };
  progress.update(plan.region, `fixing ${plan.toFix.length} resource${plan.toFix.length === 1 ? '' : 's'}`);
  // Phase 1's stage goes with the account default described again: the gate judges the same account-region the person read.
  const enforcement = input.enforceAccount ? await input.enforcementStoreFor?.(scope) : undefined;
  const remediator = remediatorFor(plan.clients, scope, input.policy, input.actor, enforcement);
  const pipeline = withStageAttached(regionDeps(plan.clients, scope, input.policy, remediator, plan.log), plan.stage);
  pipeline.now = deps.now;
  const byKey = new Map<string, FixRow>(plan.rows.map((r) => [`${r.kind}/${r.id}`, r]));
  try {
    // Described again: a tag, state or default version may have changed while the person read the plan.
    const result = await runPipeline(plan.toFix, pipeline, { humanRequest: input.humanRequest });
    for (const report of result.reports) {
      const outcome = report.outcome;
      if (!outcome) continue;
      const key = `${report.verdict.ref.kind}/${report.verdict.ref.id}`;
      const fresh = rowOf({ ...report, outcome }, input.policy, byKey.get(key)?.name);
      const index = plan.rows.findIndex((r) => `${r.kind}/${r.id}` === key);
      if (index >= 0) plan.rows[index] = fresh;
      else plan.rows.push(fresh);
    }
  } catch (error) {
    plan.log.record('remediation', error);
    for (const row of plan.rows) {
      if (row.status === 'planned') {
        row.status = 'failed';
        row.message = `Not attempted: ${plan.log.errors.at(-1)?.message ?? String(error)}`;
      }
    }
  }
}

export interface FixRun {
  plans: RegionPlan[];
  report(applied: boolean): FixReport;
  /** Number of changes cleared to run. */
  pending: number;
  apply(): Promise<void>;
}

/** Phase 1: builds the plan for every region; `apply()` is phase 2. */
/** The report of a fix run over region plans (one account, or every account of `--org`). */
export function fixReport(
  input: Pick<FixInput, 'version' | 'kinds' | 'skippedRegions'>,
  account: string,
  now: Date,
  run: { dryRun: boolean; applied: boolean; plans: readonly Pick<RegionPlan, 'compliant' | 'rows'>[]; regions: FixReport['regions'] },
): FixReport {
  return {
    tool: 'imds-guard',
    version: input.version,
    command: 'fix',
    dryRun: run.dryRun,
    applied: run.applied,
    account,
    generatedAt: now.toISOString(),
    kinds: input.kinds,
    regions: run.regions,
    skippedRegions: input.skippedRegions,
    compliant: run.plans.reduce((n, p) => n + p.compliant, 0),
    rows: run.plans.flatMap((p) => p.rows),
  };
}

export async function planFix(
  input: FixInput,
  deps: CliDeps,
  progress: Progress,
  remediatorFor: RemediatorFactory = realRemediator,
  dryRun = false,
): Promise<FixRun> {
  const plans = await mapLimit(input.regions, REGION_CONCURRENCY, (region) => planRegion(region, input, deps, progress));
  progress.done();
  return {
    plans,
    pending: plans.reduce((n, p) => n + p.toFix.length, 0),
    async apply() {
      await mapLimit(plans, REGION_CONCURRENCY, (plan) => applyRegion(plan, input, deps, remediatorFor, progress));
      progress.done();
    },
    report(applied) {
      return fixReport(input, input.account, deps.now(), { dryRun, applied, plans, regions: plans.map((p) => p.log.status()) });
    },
  };
}

/** What a fix run's summary counts: rows by status, and resources already compliant. */
export interface FixTotals {
  byStatus: Record<FixStatus, number>;
  compliant: number;
}

export function fixTotals(rows: readonly FixRow[], compliant: number): FixTotals {
  const byStatus: Record<FixStatus, number> = { planned: 0, skipped: 0, remediated: 0, failed: 0, superseded: 0 };
  for (const row of rows) byStatus[row.status] += 1;
  return { byStatus, compliant };
}

/** A row still open after a fix run: not fixed and verified, and not finished business (superseded). */
export const isLeft = (r: FixRow): boolean => r.status !== 'superseded' && !(r.status === 'remediated' && r.verifiedCompliance !== 'NON_COMPLIANT');

export function fixExitCode(report: FixReport): number {
  return exitCodeOf({ ...(report.organization ? { accounts: report.organization.accounts } : {}), regions: report.regions, open: report.rows.filter(isLeft).length });
}
