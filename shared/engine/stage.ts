/**
 * The migration stage of one account-region (the stages and what AWS's
 * enforcement does: shared/kinds/stage.ts), from the facts every kind gives
 * about its resources and the account-region's IMDSv1 use. PURE, except the
 * tally's one look-up, which goes through the `UsageSource` port.
 *
 * - `enforced`: HttpTokensEnforced is on (whoever set it);
 * - `managed`: a declarative policy manages the default and has not enforced;
 * - `exposed`: something allows IMDSv1 and IMDSv1 calls were seen;
 * - `ready`: no blocker at all (no launch path resolves to `optional`, no
 *   IMDSv1 call seen, IMDSv1 use known);
 * - `migrating`: anything else.
 * Instances that allow IMDSv1 count for `exposed`, never as blockers.
 *
 * IMDSv1 use comes from one account-wide `SEARCH` (shared/wiring/usage.ts).
 * Where its limits bite (it returns at most 500 series, and finds only
 * metrics with data in the last two weeks), the per-instance evidence the
 * pipeline looked up anyway (every instance that allows IMDSv1 now) stands
 * in, at no extra call; an instance that allows IMDSv1 without evidence makes
 * the use unknown, and unknown is never `ready`.
 */
import type { ResourceKind, UsageEvidence } from '../model.js';
import type { Subject } from '../kinds/subject.js';
import { describeKind, KIND_NAMES } from '../kinds/registry.js';
import type { Blocker, Imdsv1Caller, Imdsv1Use, StageFact, StageReport } from '../kinds/stage.js';
import type { AccountUsage, Report, UsageSource } from './ports.js';

/** The kinds whose facts a stage needs: every kind that gives some (reading fewer leaves the stage unknown). */
export function stageKinds(): ResourceKind[] {
  return KIND_NAMES.filter((k) => describeKind(k).stageFacts !== undefined);
}

/** Whether subjects of this kind carry the stage (judged last, with the stage attached). */
export function carriesStage(kind: ResourceKind): boolean {
  return describeKind(kind).stageCarrier !== undefined;
}

/** The kind's facts about one subject (none for a vanished resource or a kind without any). */
export function factsOf(subject: Subject): StageFact[] {
  if (subject.kind === 'missing') return [];
  const facts = describeKind(subject.kind).stageFacts as ((s: Subject) => StageFact[]) | undefined;
  return facts ? facts(subject) : [];
}

/** The subject with the stage attached, for the kind that carries it; any other subject as it is. */
export function withStage(subject: Subject, stage: StageReport | undefined): Subject {
  if (stage === undefined || subject.kind === 'missing') return subject;
  const carrier = describeKind(subject.kind).stageCarrier as { attach(s: Subject, r: StageReport): Subject } | undefined;
  return carrier ? carrier.attach(subject, stage) : subject;
}

/** The stage a subject carries, if any. */
export function stageOf(subject: Subject): StageReport | undefined {
  if (subject.kind === 'missing') return undefined;
  const carrier = describeKind(subject.kind).stageCarrier as { stage(s: Subject): StageReport | undefined } | undefined;
  return carrier?.stage(subject);
}

const byCalls = (a: Imdsv1Caller, b: Imdsv1Caller): number => b.calls - a.calls || a.instanceId.localeCompare(b.instanceId);

/**
 * IMDSv1 use from the SEARCH (or its failure) and the pipeline's per-instance
 * evidence. Calls either found are real; an absence is proven only by a
 * complete SEARCH, or, where it was not, by per-instance evidence for every
 * instance that allows IMDSv1.
 */
export function imdsv1Use(
  search: AccountUsage | { error: string } | undefined,
  perInstance: ReadonlyMap<string, UsageEvidence>,
  allowingInstances: readonly string[],
  lookbackDays: number,
): Imdsv1Use {
  const callers = new Map<string, Imdsv1Caller>();
  const add = (instanceId: string, calls: number, lastSeen?: Date): void => {
    const seen = callers.get(instanceId);
    if (seen && seen.calls >= calls) return;
    callers.set(instanceId, { instanceId, calls, ...(lastSeen ? { lastSeen } : {}) });
  };
  if (search && !('error' in search)) for (const s of search.series) if (s.calls > 0) add(s.instanceId, s.calls, s.lastSeen);
  for (const [id, e] of perInstance) if (e.noTokenCalls !== null && e.noTokenCalls > 0) add(id, e.noTokenCalls, e.lastSeen);
  const list = [...callers.values()].sort(byCalls);

  if (search && !('error' in search) && search.incomplete === undefined) return { lookbackDays, callers: list, source: 'search' };
  const why = search === undefined ? 'no account-wide look-up was made' : 'error' in search ? `the account-wide look-up failed: ${search.error}` : search.incomplete;
  const without = allowingInstances.filter((id) => !perInstance.has(id));
  if (without.length === 0) return { lookbackDays, callers: list, source: 'per-instance' };
  return {
    lookbackDays,
    callers: list,
    source: search && !('error' in search) ? 'search' : 'none',
    unknown: `${why}, and ${without.length} instance${without.length === 1 ? '' : 's'} that allow IMDSv1 have no per-instance evidence (e.g. ${without[0]})`,
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Combines an account-region's facts and IMDSv1 use into its stage. Pure. */
export function computeStage(facts: readonly StageFact[], use: Imdsv1Use, missingKinds: readonly string[] = []): StageReport {
  const blockers: Blocker[] = [];
  for (const f of facts) {
    if (f.type === 'launch-path' && f.allowsImdsv1) blockers.push({ type: 'launch-path', kind: f.ref.kind, id: f.ref.id, why: f.why });
  }
  const callerKind = kindOfCallers(facts);
  for (const c of use.callers) {
    // The count moves from sweep to sweep: beside the words, not in them.
    blockers.push({ type: 'imdsv1-calls', kind: callerKind, id: c.instanceId, why: `IMDSv1 calls in the last ${use.lookbackDays} days`, calls: c.calls });
  }
  const enforcement = facts.find((f): f is EnforcementFact => f.type === 'enforcement');
  if (use.unknown !== undefined && enforcement) {
    blockers.push({ type: 'usage-unknown', kind: enforcement.ref.kind, id: enforcement.ref.id, why: `IMDSv1 use unknown: ${use.unknown}` });
  }
  const instancesAllowingImdsv1 = facts.filter((f) => f.type === 'workload' && f.allowsImdsv1).length;
  if (!enforcement || missingKinds.length > 0) {
    const what = missingKinds.length > 0 ? missingKinds.join(', ') : 'the account default';
    const reason = `not every kind was read (${what}), so the stage cannot be told`;
    return { blockers, instancesAllowingImdsv1, imdsv1: use, stage: 'unknown', reason, summary: reason };
  }
  return classify(blockers, instancesAllowingImdsv1, use, enforcement);
}

type EnforcementFact = Extract<StageFact, { type: 'enforcement' }>;

/** How people read the workload kind (instances), asked of the registry. */
function workloads(): { one: string; many: string } {
  const kind = KIND_NAMES.find((k) => describeKind(k).usageMeasured) ?? KIND_NAMES[0];
  return describeKind(kind).words;
}

/**
 * The stage from the blockers, the instances that allow IMDSv1, the IMDSv1
 * use and the enforcement itself. `reason` has the numbers (for the CLI);
 * `summary` leaves out what moves from one sweep to the next (how many calls,
 * how many instances), so the account default's finding changes only when
 * the stage or its blockers do.
 */
function classify(blockers: Blocker[], instancesAllowingImdsv1: number, use: Imdsv1Use, enforcement: EnforcementFact): StageReport {
  const launchPaths = blockers.filter((b) => b.type === 'launch-path').length;
  const base = { blockers, instancesAllowingImdsv1, imdsv1: use };
  const w = workloads();
  const window = `the last ${use.lookbackDays} days`;
  if (enforcement.enforced === true) {
    const by = enforcement.managedBy === 'declarative-policy' ? ' by a declarative policy' : '';
    const left = launchPaths > 0 ? `; ${plural(launchPaths, 'launch path')} still ask for IMDSv1 and would be refused` : '';
    const leftWords = launchPaths > 0 ? '; launch paths that still ask for IMDSv1 would be refused (the blockers)' : '';
    return { ...base, stage: 'enforced', reason: `HttpTokensEnforced is on${by}${left}`, summary: `HttpTokensEnforced is on${by}${leftWords}` };
  }
  if (enforcement.managedBy === 'declarative-policy') {
    const message = enforcement.managedMessage ? ` (${enforcement.managedMessage})` : '';
    const reason = `a declarative policy manages the instance metadata defaults${message}: imds-guard reports and never writes them`;
    return { ...base, stage: 'managed', reason, summary: reason };
  }
  const allowing = launchPaths + instancesAllowingImdsv1;
  const calls = use.callers.reduce((n, c) => n + c.calls, 0);
  const counted = (): string => {
    const parts: string[] = [];
    if (launchPaths > 0) parts.push(plural(launchPaths, 'launch path'));
    if (instancesAllowingImdsv1 > 0) parts.push(`${instancesAllowingImdsv1} ${instancesAllowingImdsv1 === 1 ? w.one : w.many}`);
    return parts.join(' and ');
  };
  const named = (): string => [launchPaths > 0 ? 'launch paths' : '', instancesAllowingImdsv1 > 0 ? w.many : ''].filter(Boolean).join(' and ');
  if (use.callers.length > 0 && allowing > 0) {
    return {
      ...base,
      stage: 'exposed',
      reason: `${plural(calls, 'IMDSv1 call')} by ${use.callers.length} ${use.callers.length === 1 ? w.one : w.many} in ${window}, and ${counted()} allow IMDSv1`,
      summary: `IMDSv1 calls were seen in ${window}, and ${named()} still allow IMDSv1`,
    };
  }
  if (blockers.length === 0) {
    const old = instancesAllowingImdsv1 > 0 ? `; ${instancesAllowingImdsv1} running ${instancesAllowingImdsv1 === 1 ? w.one : w.many} still allow IMDSv1 (enforcement leaves them as they are)` : '';
    const oldWords = instancesAllowingImdsv1 > 0 ? `; running ${w.many} that still allow IMDSv1 keep it (enforcement leaves them as they are)` : '';
    const ready = `every launch path requires IMDSv2 and no IMDSv1 call was seen in ${window}`;
    return { ...base, stage: 'ready', reason: `${ready}${old}`, summary: `${ready}${oldWords}` };
  }
  const parts: string[] = [];
  const words: string[] = [];
  if (allowing > 0) {
    parts.push(`${counted()} allow IMDSv1`);
    words.push(`${named()} still allow IMDSv1`);
  }
  if (use.callers.length > 0) {
    parts.push(`${plural(calls, 'IMDSv1 call')} seen in ${window}`);
    words.push(`IMDSv1 calls were seen in ${window}`);
  } else if (use.unknown !== undefined) {
    parts.push('IMDSv1 use unknown');
    words.push('IMDSv1 use is unknown');
  } else {
    parts.push(`no IMDSv1 call seen in ${window}`);
    words.push(`no IMDSv1 call was seen in ${window}`);
  }
  return { ...base, stage: 'migrating', reason: parts.join('; '), summary: words.join('; ') };
}

/**
 * The stage again after the carrier itself changed (a verified fix of the
 * account default in this run): its own facts replace the ones the stage was
 * computed with; everything else in the account-region is as it was read.
 */
export function restage(stage: StageReport, carrier: Subject): StageReport {
  if (stage.stage === 'unknown') return stage;
  const facts = factsOf(carrier);
  const enforcement = facts.find((f): f is EnforcementFact => f.type === 'enforcement');
  if (!enforcement) return stage;
  const own = (b: Blocker): boolean => b.kind === carrier.ref.kind && b.id === carrier.ref.id && b.type === 'launch-path';
  const mine: Blocker[] = facts.flatMap((f) => (f.type === 'launch-path' && f.allowsImdsv1 ? [{ type: 'launch-path' as const, kind: f.ref.kind, id: f.ref.id, why: f.why }] : []));
  return classify([...mine, ...stage.blockers.filter((b) => !own(b))], stage.instancesAllowingImdsv1, stage.imdsv1, enforcement);
}

/** The kind whose resources are the workloads (instances): IMDSv1 callers are named as that kind. */
function kindOfCallers(facts: readonly StageFact[]): ResourceKind {
  const workload = facts.find((f) => f.type === 'workload');
  return workload?.ref.kind ?? KIND_NAMES.find((k) => describeKind(k).usageMeasured) ?? KIND_NAMES[0];
}

/**
 * Gathers an account-region's facts as a walk (sweep, scan, fix) goes by,
 * holds back the subjects that carry the stage, and computes the stage once
 * everything was seen: the one account-wide usage look-up is started with the
 * walk and awaited at the end.
 */
export class StageTally {
  private readonly facts: StageFact[] = [];
  private readonly evidence = new Map<string, UsageEvidence>();
  private readonly allowing: string[] = [];
  private readonly read = new Set<ResourceKind>();
  private readonly held: Subject[] = [];
  private search?: Promise<AccountUsage | { error: string }>;

  constructor(private readonly lookbackDays: number) {}

  /** Starts the account-wide IMDSv1 look-up (one call), to be awaited by `finish`. */
  start(usage: UsageSource | undefined): void {
    const lookup = usage?.accountUsage;
    if (!lookup) return;
    this.search = lookup
      .call(usage, this.lookbackDays)
      .catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }));
  }

  /** Takes a page's facts; returns the subjects to judge now (the stage carriers wait for `finish`). */
  observe(subjects: readonly Subject[]): Subject[] {
    const now: Subject[] = [];
    for (const subject of subjects) {
      for (const fact of factsOf(subject)) {
        this.facts.push(fact);
        if (fact.type === 'workload' && fact.allowsImdsv1) this.allowing.push(fact.ref.id);
      }
      if (subject.kind !== 'missing' && carriesStage(subject.kind)) this.held.push(subject);
      else now.push(subject);
    }
    return now;
  }

  /** Takes the per-instance usage evidence the pipeline looked up for these reports. */
  observeReports(reports: readonly Report[]): void {
    for (const r of reports) if (r.usage) this.evidence.set(r.verdict.ref.id, r.usage);
  }

  /** A kind was read whole (every page). */
  kindRead(kind: ResourceKind): void {
    this.read.add(kind);
  }

  /** The stage, and the held subjects with it attached, ready to be judged. */
  async finish(): Promise<{ stage: StageReport; held: Subject[] }> {
    const search = this.search ? await this.search : undefined;
    const missing = stageKinds()
      .filter((k) => !this.read.has(k))
      .map((k) => describeKind(k).words.many);
    const use = imdsv1Use(search, this.evidence, this.allowing, this.lookbackDays);
    const stage = computeStage(this.facts, use, missing);
    return { stage, held: this.held.map((s) => withStage(s, stage)) };
  }
}
