/**
 * The full reconcile of one account and region, kind by kind (in registry
 * order) and page by page so that the estate is never held in memory: judge and publish every resource, then
 * archive the findings of resources that no longer exist.
 *
 * API economy (bench/sweep.ts measures it against the page and batch limits):
 * - the next page is fetched while the current one is judged (one page ahead);
 * - subjects are judged in groups cut after the 500th non-compliant instance
 *   (GetMetricData takes 500 queries a call), or at `maxGroupSize` subjects,
 *   whichever comes first, so usage look-ups are full calls;
 * - findings are imported in whole calls of 100 across pages and kinds (the
 *   remainder waits for the next group; everything is flushed before any
 *   annotation and at the end);
 * - stale findings are looked up among those not updated since the sweep began.
 *
 * With a change filter (shared/sinks/published.ts) only findings whose content
 * changed, or that are due for a refresh, are imported, and the resources to
 * archive come from the published state instead of a GetFindings listing.
 *
 * One kind's failure is that kind's alone: when a kind's listing fails (a
 * denied call, an unimplemented one on an emulator, a call that fails past its
 * retries), the failure is logged with the call and error and counted
 * (`KindsUnread`), the other kinds are judged and published, and nothing of
 * that kind is archived — its findings stay as they are, since not seeing a
 * resource proves nothing when the listing failed. The summary names the
 * kinds it could not read; when it could read none, the sweep fails.
 */
import { type FindingsSink, type Inventory, MAX_QUERIES_PER_CALL, type PublishResult, type Report } from './ports.js';
import { evaluate } from './evaluate.js';
import { KIND_NAMES, measuresUsage } from '../kinds/registry.js';
import { logger } from '../observability/log.js';
import { collectDegradations, type Degradation } from '../observability/degraded.js';
import { failIfNothingRead, readKind, type UnreadKind } from './unread.js';
import type { Outcome } from '../verdict.js';
import { refKey, type ResourceRef } from '../model.js';
import type { Subject } from '../kinds/subject.js';
import { type PipelineDeps, processSubjects } from './pipeline.js';
import { failIfUnpublished } from './unpublished.js';
import { changedOnly, type ChangeFilter } from '../sinks/published.js';
import { StageTally, stageOf } from './stage.js';
import { count } from '../observability/metrics.js';
import type { StageReport } from '../kinds/stage.js';

/** Lists the resources that have an active imds-guard finding. */
export interface ActiveFindingIndex {
  /** `updatedBefore`: an index may leave out findings updated after it (they were refreshed by this run). */
  activeRefs(filter?: { updatedBefore?: Date }): Promise<ResourceRef[]>;
}

export interface SweepInput {
  inventory: Inventory;
  deps: PipelineDeps;
  activeFindings?: ActiveFindingIndex;
  /** Most subjects judged at once (the memory bound of a group). Default 5000. */
  maxGroupSize?: number;
  /** Publish only what changed since the last sweep (and refreshes); without it every finding is imported. */
  changes?: ChangeFilter;
}

export type { UnreadKind } from './unread.js';

export interface SweepSummary {
  evaluated: number;
  nonCompliant: number;
  remediated: number;
  findingsPublished: number;
  archived: number;
  /** With a change filter: findings left as they are in Security Hub (nothing new to say, not due for a refresh). */
  findingsUnchanged?: number;
  /** The account-region's migration stage (shared/engine/stage.ts) and how many things keep it from `ready`. */
  stage?: StageReport['stage'];
  blockers?: number;
  /** Kinds whose listing failed: judged as far as they were read, never archived. Absent when every kind was read. */
  unread?: UnreadKind[];
  /** Listings that had to fall back to smaller pages (shared/aws/pages.ts). Absent when none did. */
  degraded?: Degradation[];
}

export const DEFAULT_MAX_GROUP_SIZE = 5000;
/** BatchImportFindings accepts 100 findings a call. */
const FINDINGS_PER_CALL = 100;

/** Starts fetching the next page while the caller works on the current one. */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  for (;;) {
    const result = await next;
    if (result.done) return;
    next = iterator.next();
    next.catch(() => undefined); // awaited on the next turn; not an unhandled rejection meanwhile
    yield result.value;
  }
}

/**
 * A findings sink that imports whole calls of 100 findings: what does not
 * fill a call waits for the next publish, `flush` sends the rest. Results are
 * collected for the summary, since a publish now answers for earlier reports.
 */
function wholeCalls(sink: FindingsSink): FindingsSink & { flush(): Promise<void>; results: PublishResult[] } {
  let buffer: Report[] = [];
  const results: PublishResult[] = [];
  const send = async (count: number): Promise<void> => {
    if (count === 0) return;
    const batch = buffer.slice(0, count);
    buffer = buffer.slice(count);
    results.push(await sink.publish(batch));
  };
  const flush = (): Promise<void> => send(buffer.length);
  const none = (): PublishResult => ({ published: 0, failed: [] });
  return {
    results,
    flush,
    async publish(reports) {
      buffer.push(...reports);
      const findings = buffer.reduce((n, r) => n + r.verdict.checks.length, 0);
      const target = findings - (findings % FINDINGS_PER_CALL);
      let count = 0;
      let sum = 0;
      for (const r of buffer) {
        if (sum + r.verdict.checks.length > target) break;
        sum += r.verdict.checks.length;
        count++;
      }
      await send(count);
      return none();
    },
    archive: (refs) => sink.archive(refs),
    async annotate(outcomes: readonly Outcome[]) {
      await flush(); // a note needs its finding imported first
      return sink.annotate(outcomes);
    },
  };
}

export async function sweep(input: SweepInput): Promise<SweepSummary> {
  const { result, degraded } = await collectDegradations(() => sweepRegion(input));
  return degraded.length > 0 ? { ...result, degraded } : result;
}

async function sweepRegion({ inventory, deps, activeFindings, maxGroupSize, changes }: SweepInput): Promise<SweepSummary> {
  const summary: SweepSummary = { evaluated: 0, nonCompliant: 0, remediated: 0, findingsPublished: 0, archived: 0 };
  const startedAt = new Date();
  const seen = new Set<string>();
  const published: (PublishResult | undefined)[] = [];
  const findings = deps.findings ? wholeCalls(deps.findings) : undefined;
  // The filter sits before the whole-call buffer, so what is imported still goes in full calls of 100.
  const groupDeps: PipelineDeps = { ...deps, findings: changes && findings ? changedOnly(changes, findings) : findings };
  const limit = Math.max(1, maxGroupSize ?? DEFAULT_MAX_GROUP_SIZE);

  let group: Subject[] = [];
  let groupUsage = 0;
  // The stage: facts gathered as pages go by, one account-wide usage look-up started now, the account default judged last with it.
  const tally = new StageTally(deps.policy.usageLookbackDays);
  tally.start(deps.usage);
  let judgedStage: StageReport | undefined;

  async function judge(): Promise<void> {
    if (group.length === 0) return;
    const subjects = group;
    group = [];
    groupUsage = 0;
    const result = await processSubjects(subjects, groupDeps);
    tally.observeReports(result.reports);
    for (const { verdict, outcome } of result.reports) {
      // The stage as the account default's finding says it (after a graduation in this run: enforced).
      judgedStage = stageOf(verdict.subject) ?? judgedStage;
      seen.add(refKey(verdict.ref));
      summary.evaluated += 1;
      if (verdict.compliance === 'NON_COMPLIANT') summary.nonCompliant += 1;
      if (outcome?.status === 'remediated') summary.remediated += 1;
    }
    published.push(result.annotations);
  }

  /** Adds subjects to the group; judges it once it holds 500 usage look-ups or `limit` subjects. */
  async function add(subjects: readonly Subject[]): Promise<void> {
    for (const subject of subjects) {
      group.push(subject);
      if (deps.usage && subject.kind !== 'missing' && measuresUsage(subject.kind) && evaluate(subject, deps.policy).compliance === 'NON_COMPLIANT') groupUsage++;
      if (groupUsage >= MAX_QUERIES_PER_CALL || group.length >= limit) await judge();
    }
  }

  const unread: UnreadKind[] = [];
  const errors: unknown[] = [];
  for (const kind of KIND_NAMES) {
    for await (const page of readKind(kind, readAhead<Subject[]>(inventory.pages(kind)), unread, errors)) {
      await add(tally.observe(page));
      logger.debug('sweep page', { kind, size: page.length, evaluated: summary.evaluated });
    }
    // A kind that could not be listed whole is not read: the stage then cannot be told.
    if (!unread.some((u) => u.kind === kind)) tally.kindRead(kind);
  }
  await judge();
  const { stage: computed, held } = await tally.finish();
  await add(held);
  await judge();
  const stage = judgedStage ?? computed;
  summary.stage = stage.stage;
  summary.blockers = stage.blockers.length;
  count('Stage', 1, { name: 'stage', value: stage.stage });
  count('StageBlockers', stage.blockers.length);
  logger.info('stage', { stage: stage.stage, computed: computed.stage, reason: stage.reason, blockers: stage.blockers.length, imdsv1: stage.imdsv1.source, first: stage.blockers.slice(0, 5) });
  if (findings) {
    await findings.flush();
    for (const r of findings.results) {
      summary.findingsPublished += r.published;
      published.push(r);
    }
    if (changes) {
      changes.recordPublished(findings.results);
      summary.findingsUnchanged = changes.counts.unchanged;
    }
  }

  if (deps.findings && (activeFindings || changes)) {
    // The published state knows which resources have a finding; a listing is the fallback when it cannot tell.
    // A kind that could not be listed was not seen: its resources are not gone.
    const unreadKinds = new Set(unread.map((u) => u.kind));
    const listed = (ref: ResourceRef): boolean => !seen.has(refKey(ref)) && !unreadKinds.has(ref.kind);
    const fromState = changes?.gone(seen)?.filter(listed);
    const gone = unreadKinds.size === KIND_NAMES.length ? [] : (fromState ?? (activeFindings ? (await activeFindings.activeRefs({ updatedBefore: startedAt })).filter(listed) : []));
    if (gone.length > 0) {
      const archived = await deps.findings.archive(gone);
      summary.archived = archived.published;
      published.push(archived);
      changes?.recordArchived(gone, archived);
    }
  }
  await changes?.save();
  // Everything that could be done is done; what could not is an error, so the run is visible and retried.
  failIfNothingRead(unread, errors);
  failIfUnpublished(...published);
  return unread.length > 0 ? { ...summary, unread } : summary;
}
