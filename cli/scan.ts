/**
 * `imds-guard scan`: read-only inventory of the chosen regions through the
 * shared engine. Every page of subjects goes through processSubjects with a
 * plan-collecting remediator (nothing can be written), so verdicts, usage
 * evidence and the remediation gates are exactly what the pipeline and `fix`
 * would see; the CLI turns them into rows, a readiness label and a summary.
 */
import { describeAutoScalingUsage, emptyUsage, usageFromGroups, type AutoScalingUsage, type GroupLaunchSources } from '../shared/aws/autoscaling.js';
import type { Clients } from '../shared/aws/clients.js';
import { mapLimit } from '../shared/aws/batch.js';
import type { Compliance, ResourceKind } from '../shared/model.js';
import type { Verdict } from '../shared/verdict.js';
import { describeKind, KIND_NAMES } from '../shared/kinds/registry.js';
import type { Policy } from '../shared/policy.js';
import type { Report } from '../shared/engine/ports.js';
import { planCollector, RegionLog, regionDeps, type CliDeps, type RegionStatus } from './engine.js';
import type { OrgReportInfo } from './org/report.js';
import { walkWithStage } from './stage.js';
import { stageOf } from '../shared/engine/stage.js';
import type { Blocker, StageName } from '../shared/kinds/stage.js';
import type { Progress } from './progress.js';
import { HELD, readinessOf, type Readiness, type ReadinessOf } from './readiness.js';
import type { SkippedRegion } from './regions.js';
import { exitCodeOf } from './outcome.js';

export { READINESS, type Readiness } from './readiness.js';

export interface Row {
  /** The resource's account (the scanned account; with --org, each member account). */
  account: string;
  region: string;
  kind: ResourceKind;
  id: string;
  name?: string;
  /** Instance state (running, stopped, …). */
  state?: string;
  compliance: Compliance;
  /** Controls of the checks behind the verdict (EC2.8, AutoScaling.3, …). */
  controls: string[];
  /** Why, in words: the reasons of the checks that decided the verdict. */
  reason: string;
  httpTokens?: string;
  hopLimit?: number;
  httpEndpoint?: string;
  /** IMDSv1 calls in the look-back window; null = no datapoints; absent = not looked up. */
  imdsv1Calls?: number | null;
  lastImdsv1Call?: string;
  instanceProfile?: string;
  /** Auto Scaling groups using the launch template / configuration, or the instance's own group. */
  autoScalingGroups: string[];
  readiness: Readiness;
  /** Why that label, in the CLI's words: what `imds-guard fix` would do, or what holds it back. */
  readinessReason: string;
  /** On the account default's row: the account-region's migration stage (shared/engine/stage.ts). */
  stage?: StageName;
  /** How many things keep the account-region from `ready`. */
  blockers?: number;
  /** Why that stage, one sentence. */
  stageReason?: string;
  /** Every blocker with the resource it is about (JSON only). */
  blockerDetails?: Blocker[];
}

/** One account-region's migration stage, as the organization view lists it (from its account default's row). */
export interface StageLine {
  account: string;
  region: string;
  stage: StageName;
  blockers: number;
  reason?: string;
}

/** The stage line of an account-region's rows, when its account default was scanned. */
export function stageLineOf(rows: readonly Row[]): StageLine | undefined {
  const row = rows.find((r) => r.stage !== undefined);
  if (!row?.stage) return undefined;
  return { account: row.account, region: row.region, stage: row.stage, blockers: row.blockers ?? 0, ...(row.stageReason ? { reason: row.stageReason } : {}) };
}

/** Most blockers first, then account and region: where the work is. */
export function byBlockers(a: StageLine, b: StageLine): number {
  return b.blockers - a.blockers || a.account.localeCompare(b.account) || a.region.localeCompare(b.region);
}

export interface SummaryRow {
  /** Set in an organization report. */
  account?: string;
  region: string;
  kind: ResourceKind;
  total: number;
  compliant: number;
  nonCompliant: number;
  notApplicable: number;
  ready: number;
  usesImdsv1: number;
  usageUnknown: number;
  exempt: number;
  /** Held back by a setting or the resource itself (hop-limit-kept, kind-off, endpoint-disabled, manual). */
  held: number;
}

export interface ScanReport {
  tool: 'imds-guard';
  version: string;
  command: 'scan';
  account: string;
  generatedAt: string;
  lookbackDays: number;
  exemptTagKey: string;
  /** Highest acceptable hop limit (IMDS_GUARD_HOP_LIMIT_CEILING) and whether fix lowers one above it. */
  hopLimitCeiling: number;
  lowerHopLimit: boolean;
  kinds: ResourceKind[];
  regions: RegionStatus[];
  skippedRegions: SkippedRegion[];
  rows: Row[];
  summary: SummaryRow[];
  /** `scan --org`: every account with how it was read (cli/org/report.ts); `account` above is the caller's. */
  organization?: OrgReportInfo;
}

export interface ScanInput {
  account: string;
  regions: string[];
  skippedRegions: SkippedRegion[];
  kinds: ResourceKind[];
  policy: Policy;
  version: string;
}

const REGION_CONCURRENCY = 4;

/** Reasons of the checks that gave the verdict, each with its control. */
export function reasonOf(verdict: Verdict): { controls: string[]; reason: string } {
  const deciding = verdict.checks.filter((c) => c.compliance === verdict.compliance);
  const checks = deciding.length > 0 ? deciding : verdict.checks;
  return {
    controls: [...new Set(checks.map((c) => c.control))],
    reason: checks.map((c) => `${c.control}: ${c.reason}`).join(' ') || verdict.compliance.toLowerCase(),
  };
}

function readinessRow(r: ReadinessOf): { readiness: Readiness; readinessReason: string } {
  return { readiness: r.readiness, readinessReason: r.why };
}

export function rowOf(report: Report, asg: AutoScalingUsage, policy: Policy): Row {
  const { verdict, usage } = report;
  const s = verdict.subject;
  const plan = report.outcome?.plan;
  const shown = s.kind === 'missing' ? {} : describeKind(s.kind).row(s);
  const usedBy = s.kind === 'missing' ? undefined : describeKind(s.kind).usedBy?.(s, asg);
  const row: Row = {
    account: verdict.ref.account,
    region: verdict.ref.region,
    kind: verdict.ref.kind,
    id: verdict.ref.id,
    compliance: verdict.compliance,
    ...reasonOf(verdict),
    // The groups launching from a template or configuration, or the instance's own group.
    autoScalingGroups: usedBy ?? (shown.group ? [shown.group] : []),
    ...readinessRow(readinessOf(verdict, usage, plan, policy)),
  };
  if (shown.name) row.name = shown.name;
  if (shown.state) row.state = shown.state;
  if (shown.instanceProfile) row.instanceProfile = shown.instanceProfile;
  const metadata = shown.metadata;
  if (metadata?.httpTokens) row.httpTokens = metadata.httpTokens;
  if (metadata?.httpPutResponseHopLimit !== undefined) row.hopLimit = metadata.httpPutResponseHopLimit;
  if (metadata?.httpEndpoint) row.httpEndpoint = metadata.httpEndpoint;
  const stage = stageOf(s);
  if (stage) {
    row.stage = stage.stage;
    row.blockers = stage.blockers.length;
    row.stageReason = stage.reason;
    row.blockerDetails = stage.blockers;
  }
  if (usage) {
    row.imdsv1Calls = usage.noTokenCalls;
    if (usage.lastSeen) row.lastImdsv1Call = usage.lastSeen.toISOString();
  }
  return row;
}

/** The counts of a summary row, over any rows (a region's kind, an account, the organization). */
export type RowCounts = Omit<SummaryRow, 'account' | 'region' | 'kind'>;

/** Which rows each count takes in; a new count in SummaryRow needs its rule here. */
const COUNTED: Record<keyof RowCounts, (r: Row) => boolean> = {
  total: () => true,
  compliant: (r) => r.compliance === 'COMPLIANT',
  nonCompliant: (r) => r.compliance === 'NON_COMPLIANT',
  notApplicable: (r) => r.compliance === 'NOT_APPLICABLE',
  ready: (r) => r.readiness === 'ready',
  usesImdsv1: (r) => r.readiness === 'uses-imdsv1',
  usageUnknown: (r) => r.readiness === 'usage-unknown',
  exempt: (r) => r.readiness === 'exempt',
  held: (r) => r.compliance === 'NON_COMPLIANT' && HELD.includes(r.readiness),
};

export function countRows(rows: readonly Row[]): RowCounts {
  const counts = {} as RowCounts;
  for (const key of Object.keys(COUNTED) as (keyof RowCounts)[]) counts[key] = rows.filter(COUNTED[key]).length;
  return counts;
}

/** The sum of counts (an account's regions, the organization's accounts). */
export function addCounts(into: RowCounts, more: RowCounts): RowCounts {
  for (const key of Object.keys(COUNTED) as (keyof RowCounts)[]) into[key] += more[key];
  return into;
}

export function summarize(rows: readonly Row[], regions: readonly string[], kinds: readonly ResourceKind[], account?: string): SummaryRow[] {
  const out: SummaryRow[] = [];
  for (const region of regions) {
    for (const kind of kinds) {
      const mine = rows.filter((r) => r.region === region && r.kind === kind && (account === undefined || r.account === account));
      out.push({ ...(account !== undefined ? { account } : {}), region, kind, ...countRows(mine) });
    }
  }
  return out;
}

/** The region's Auto Scaling groups as "used by" maps; a failure leaves the column empty and is reported. */
async function listUsage(clients: Clients, log: RegionLog, progress: Progress, region: string): Promise<AutoScalingUsage> {
  try {
    progress.update(region, 'Auto Scaling groups');
    return await describeAutoScalingUsage(clients.autoScaling);
  } catch (error) {
    log.record('auto-scaling-groups', error);
    return emptyUsage();
  }
}

/** One region of one account (exported for `scan --org`, cli/org/scan.ts). */
export async function scanRegion(
  region: string,
  input: ScanInput,
  deps: CliDeps,
  progress: Progress,
): Promise<{ rows: Row[]; status: RegionStatus }> {
  const clients = deps.clientsFor(region);
  const scope = { account: input.account, region };
  const log = new RegionLog(region);
  const pipeline = regionDeps(clients, scope, input.policy, planCollector(deps.now), log);
  pipeline.now = deps.now;
  const rows: Row[] = [];
  // Templates' and configurations' rows wait for the "used by" column; when the
  // group kind is scanned too, its listing fills that column: one
  // DescribeAutoScalingGroups listing per region, not two.
  const waiting: Report[] = [];
  const groups: GroupLaunchSources[] = [];

  // The account default comes last, with the account-region's migration stage (cli/stage.ts).
  await walkWithStage({ clients, scope, kinds: input.kinds, log, progress, pipeline, policy: input.policy }, (kind, subjects, result) => {
    for (const s of subjects) if (s.kind === 'auto-scaling-group' && s.raw) groups.push(s.raw as GroupLaunchSources);
    if (describeKind(kind).usedBy) waiting.push(...result.reports);
    else for (const report of result.reports) rows.push(rowOf(report, emptyUsage(), input.policy));
  });
  if (waiting.length > 0) {
    const asg = input.kinds.includes('auto-scaling-group') ? usageFromGroups(groups) : await listUsage(clients, log, progress, region);
    for (const report of waiting) rows.push(rowOf(report, asg, input.policy));
  }
  return { rows, status: log.status() };
}

/** Report order: region as asked, then kind (sweep order), then id. */
export function rowOrder(regions: readonly string[]): (a: Row, b: Row) => number {
  return (a, b) => regions.indexOf(a.region) - regions.indexOf(b.region) || KIND_NAMES.indexOf(a.kind) - KIND_NAMES.indexOf(b.kind) || a.id.localeCompare(b.id);
}

export async function scan(input: ScanInput, deps: CliDeps, progress: Progress): Promise<ScanReport> {
  const results = await mapLimit(input.regions, REGION_CONCURRENCY, (region) => scanRegion(region, input, deps, progress));
  progress.done();
  const rows = results.flatMap((r) => r.rows).sort(rowOrder(input.regions));
  return { ...reportHeader(input, input.account, deps.now()), regions: results.map((r) => r.status), rows, summary: summarize(rows, input.regions, input.kinds) };
}

/** What every scan report says about the run: the tool, who ran it when, and the settings it judged by. */
export function reportHeader(
  input: Pick<ScanInput, 'version' | 'policy' | 'kinds' | 'skippedRegions'>,
  account: string,
  now: Date,
): Omit<ScanReport, 'regions' | 'rows' | 'summary'> {
  return {
    tool: 'imds-guard',
    version: input.version,
    command: 'scan',
    account,
    generatedAt: now.toISOString(),
    lookbackDays: input.policy.usageLookbackDays,
    exemptTagKey: input.policy.exemptTagKey,
    hopLimitCeiling: input.policy.hopLimitCeiling,
    lowerHopLimit: input.policy.lowerHopLimit,
    kinds: input.kinds,
    skippedRegions: input.skippedRegions,
  };
}

/** A non-compliant resource still to deal with: a superseded launch configuration is finished business, reported but not open. */
export const isOpen = (r: Row): boolean => r.compliance === 'NON_COMPLIANT' && r.readiness !== 'superseded';

export function scanExitCode(report: ScanReport): number {
  return exitCodeOf({ ...(report.organization ? { accounts: report.organization.accounts } : {}), regions: report.regions, open: report.rows.filter(isOpen).length });
}
