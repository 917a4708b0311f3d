/**
 * The one pipeline every entry point runs: subjects → evaluate → (usage
 * evidence) → decide → act → sinks. Entry points only turn their input into
 * refs or subjects and wire the adapters.
 */
import { decide, tooYoungToJudge } from './decide.js';
import { evaluate } from './evaluate.js';
import { launchedFrom, measuresUsage } from '../kinds/registry.js';
import { errorFields, logger } from '../observability/log.js';
import { count } from '../observability/metrics.js';
import { refKey, type ResourceRef, type UsageEvidence } from '../model.js';
import type { Outcome, Plan, Verdict } from '../verdict.js';
import type { Subject } from '../kinds/subject.js';
import type { Policy } from '../policy.js';
import type { FindingsSink, Loader, PublishResult, Report, SuppressedLookup, UsageSource, WaveMembersSource } from './ports.js';
import { applySafety } from './safety.js';
import { restage, stageOf, withStage } from './stage.js';

/** Executes plans (shared/act); absent when the caller never writes to resources. */
export type Remediator = (plans: readonly Plan[], context: { humanRequest: boolean }) => Promise<Outcome[]>;

/** Looks up the AMIs' declared IMDS support (`v2.0`), keyed by image id. */
export type ImageSupport = (imageIds: readonly string[]) => Promise<Map<string, string | undefined>>;

export interface PipelineDeps {
  policy: Policy;
  loader: Loader;
  findings?: FindingsSink;
  usage?: UsageSource;
  images?: ImageSupport;
  remediator?: Remediator;
  now?: () => Date;
  /** SUPPRESSED findings and wave groups (shared/engine/safety.ts); absent = not looked up. */
  suppressed?: SuppressedLookup;
  waveMembers?: WaveMembersSource;
}

export interface RunContext {
  /** The triggering change was made by imds-guard itself (loop prevention). */
  ownChange?: boolean;
  /** A person asked for the fix (Security Hub custom action, CLI `fix`). */
  humanRequest?: boolean;
  /**
   * Also judge what depends on these (the groups launching from a changed
   * template). Events only: a person's request acts on what they chose.
   */
  dependants?: boolean;
}

export interface PipelineResult {
  reports: Report[];
  findings?: PublishResult;
  annotations?: PublishResult;
}

/** Describes refs freshly, then judges and reports them. */
export async function runPipeline(
  refs: readonly ResourceRef[],
  deps: PipelineDeps,
  context: RunContext = {},
): Promise<PipelineResult> {
  if (refs.length === 0) return { reports: [] };
  const subjects = await deps.loader.load(refs);
  // Resources judged by what these are (the groups launching from a changed template), matched on the described subjects.
  const related = (context.dependants && (await deps.loader.related?.(subjects))) || [];
  const dependants = related.length > 0 ? await deps.loader.load(related) : [];
  return processSubjects([...subjects, ...dependants], deps, context);
}

/** Judges already-described subjects (the sweep streams pages of them here). */
export async function processSubjects(
  subjects: readonly Subject[],
  deps: PipelineDeps,
  context: RunContext = {},
): Promise<PipelineResult> {
  const now = deps.now?.() ?? new Date();
  const verdicts = subjects.map((subject) => evaluate(subject, deps.policy, now));
  for (const verdict of verdicts) logVerdict(verdict);

  // Independent look-ups (CloudWatch usage, EC2 image support): one round trip, not two.
  const [{ usage, usageError }, amis] = await Promise.all([usageFor(verdicts, deps), imageSupportFor(verdicts, deps, now)]);
  const outcomes = await remediate(verdicts, { usage, usageError, amis }, deps, context, now);

  const reports: Report[] = verdicts.map((verdict) => {
    const outcome = outcomes.get(refKey(verdict.ref));
    return {
      // After a verified fix the finding shows the resource as it is now, not as it was (with its stage, where it carries one).
      verdict: outcome?.verifiedVerdict ? keepStage(outcome.verifiedVerdict, verdict, deps.policy, now) : verdict,
      usage: measuresUsage(verdict.ref.kind) ? usage.get(verdict.ref.id) : undefined,
      outcome,
    };
  });

  const result: PipelineResult = { reports };
  if (deps.findings) {
    result.findings = await deps.findings.publish(reports);
    // Notes and workflow only for plans that had something to say beyond "compliant".
    // A superseded resource's note is news although nothing is done; the published-state filter sends it once.
    const annotated = [...outcomes.values()].filter((o) => o.plan.action !== 'none' || o.superseded !== undefined);
    if (annotated.length > 0) result.annotations = await deps.findings.annotate(annotated);
  }
  countResult(verdicts, outcomes, result);
  return result;
}

/** A verified verdict of a subject that carried its account-region's stage, judged again with the stage as the change left it. */
function keepStage(verified: Verdict, before: Verdict, policy: Policy, now: Date): Verdict {
  const stage = stageOf(before.subject);
  if (stage === undefined || stageOf(verified.subject) !== undefined) return verified;
  return evaluate(withStage(verified.subject, restage(stage, verified.subject)), policy, now);
}

/** Counters for CloudWatch metrics (shared/observability/metrics.ts; the Lambda handlers publish them). */
function countResult(verdicts: readonly Verdict[], outcomes: ReadonlyMap<string, Outcome>, result: PipelineResult): void {
  for (const v of verdicts) count('Verdicts', 1, { name: 'compliance', value: v.compliance });
  for (const o of outcomes.values()) {
    if (o.status !== 'skipped') {
      count('Remediations', 1, { name: 'status', value: o.status });
      continue;
    }
    // Compliant and not-applicable resources "skip" at the first gates: not worth a metric.
    const gate = o.plan.gates.find((g) => !g.passed)?.gate;
    if (gate !== undefined && gate !== 'applicable' && gate !== 'non-compliant') count('Skips', 1, { name: 'gate', value: gate });
  }
  if (result.findings) {
    count('FindingsPublished', result.findings.published);
    count('FindingsFailed', result.findings.failed.length);
    if (result.findings.failed.length > 0) count('Failures', 1, { name: 'stage', value: 'findings' });
  }
  if (result.annotations && result.annotations.failed.length > 0) count('Failures', 1, { name: 'stage', value: 'annotations' });
}

function logVerdict(verdict: Verdict): void {
  logger.info('verdict', {
    resource: verdict.ref,
    compliance: verdict.compliance,
    checks: verdict.checks.map((c) => ({ check: c.check, control: c.control, compliance: c.compliance, reason: c.reason })),
  });
}

function nonCompliantMeasured(verdicts: readonly Verdict[]): Verdict[] {
  return verdicts.filter((v) => measuresUsage(v.ref.kind) && v.compliance === 'NON_COMPLIANT');
}

interface Evidence {
  usage: Map<string, UsageEvidence>;
  /** Set when the usage look-up failed: findings still go out, instances are not changed. */
  usageError?: string;
  amis: Map<string, string | undefined>;
}

/** IMDSv1 usage is evidence in every non-compliant instance's finding, and a remediation gate. */
async function usageFor(verdicts: readonly Verdict[], deps: PipelineDeps): Promise<Omit<Evidence, 'amis'>> {
  const ids = nonCompliantMeasured(verdicts).map((v) => v.ref.id);
  if (!deps.usage || ids.length === 0) return { usage: new Map() };
  try {
    return { usage: await deps.usage.usage(ids, deps.policy.usageLookbackDays) };
  } catch (error) {
    logger.error('IMDSv1 usage look-up failed; instances are reported but not changed', { ...errorFields(error), instances: ids.length });
    count('Failures', 1, { name: 'stage', value: 'usage' });
    return { usage: new Map(), usageError: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The AMI shortcut only ever allows a fix, so a failed look-up just goes
 * without it. Only instances too young to judge by usage can use it, so only
 * their images are looked up (an estate of older instances makes no call).
 */
async function imageSupportFor(verdicts: readonly Verdict[], deps: PipelineDeps, now: Date): Promise<Map<string, string | undefined>> {
  if (!deps.images || !deps.remediator) return new Map();
  const imageIds = new Set<string>();
  for (const v of nonCompliantMeasured(verdicts)) {
    const imageId = launchedFrom(v.subject)?.imageId;
    if (imageId && tooYoungToJudge(v.subject, deps.policy, now)) imageIds.add(imageId);
  }
  if (imageIds.size === 0) return new Map();
  try {
    return await deps.images([...imageIds]);
  } catch (error) {
    logger.warn('AMI look-up failed; no launch-time shortcut for these instances', { ...errorFields(error), images: imageIds.size });
    count('Failures', 1, { name: 'stage', value: 'images' });
    return new Map();
  }
}

async function remediate(
  verdicts: readonly Verdict[],
  { usage, usageError, amis }: Evidence,
  deps: PipelineDeps,
  context: RunContext,
  now: Date,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  if (!deps.remediator) return outcomes;
  const decideOne = (verdict: Verdict, suppressed?: string): Plan => {
    const imageId = launchedFrom(verdict.subject)?.imageId;
    const imdsSupport = imageId ? amis.get(imageId) : undefined;
    return decide(verdict, deps.policy, {
      usage: measuresUsage(verdict.ref.kind) ? usage.get(verdict.ref.id) : undefined,
      usageError,
      now,
      ownChange: context.ownChange ?? false,
      humanRequest: context.humanRequest ?? false,
      ami: imdsSupport === 'v2.0' ? { imdsSupport: 'v2.0' } : undefined,
      ...(suppressed !== undefined ? { suppressed } : {}),
    });
  };
  // SUPPRESSED findings and waves, before anything is changed.
  const plans = await applySafety(verdicts.map((v) => decideOne(v)), verdicts, deps, { humanRequest: context.humanRequest ?? false }, decideOne);
  for (const plan of plans) {
    logger.info('plan', { resource: plan.ref, action: plan.action, execute: plan.execute, summary: plan.summary, gates: plan.gates });
  }
  for (const outcome of await deps.remediator(plans, { humanRequest: context.humanRequest ?? false })) {
    outcomes.set(refKey(outcome.plan.ref), outcome);
  }
  return outcomes;
}
