/**
 * The change filter: what a sweep imports given what imds-guard last
 * published (shared/sinks/published-state.ts reads and saves that state) —
 * findings whose content changed, plus the few due for a refresh; and which
 * resources' findings to archive. An unknown state publishes everything.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { CHECK_IDS as CHECKS } from '../kinds/checks.js';
import { type AsffContext, findingId, findingsFromReport, parseFindingRef } from '../findings/asff.js';
import { findingFingerprint, type PublishDecision, publishDecision, type PublishedEntry } from '../findings/fingerprint.js';
import { errorFields, logger } from '../observability/log.js';
import { refKey, type ResourceRef, type Scope } from '../model.js';
import type { Outcome } from '../verdict.js';
import type { FindingsSink, PublishResult, Report } from '../engine/ports.js';
import type { PublishedStore } from './published-state.js';
export const REFRESH_DAYS_ENV = 'IMDS_GUARD_FINDING_REFRESH_DAYS';
export const DEFAULT_REFRESH_DAYS = 30;
/**
 * Security Hub CSPM deletes an ACTIVE finding that was not updated for 90
 * days (user guide, "Creating and updating findings in Security Hub CSPM"):
 * the refresh age stays well under it, leaving room for missed sweeps.
 */
export const MAX_REFRESH_DAYS = 80;

/** The refresh age from the environment (`IMDS_GUARD_FINDING_REFRESH_DAYS`, 1..80, default 30). */
export function refreshDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[REFRESH_DAYS_ENV]?.trim();
  if (raw === undefined || raw === '') return DEFAULT_REFRESH_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_REFRESH_DAYS) {
    throw new Error(`${REFRESH_DAYS_ENV} must be a whole number of days from 1 to ${MAX_REFRESH_DAYS} (Security Hub deletes findings not updated for 90 days), got ${JSON.stringify(raw)}`);
  }
  return n;
}

export interface ChangeCounts {
  new: number;
  changed: number;
  refresh: number;
  unchanged: number;
}

/** What a sweep needs from the state: choose what to publish, remember what was published. */
export interface ChangeFilter {
  /** False when the state was unknown: every finding is published. */
  readonly known: boolean;
  readonly counts: ChangeCounts;
  /** The reports with only the checks whose finding must be imported now (reports with none are left out). */
  select(reports: readonly Report[]): Report[];
  /** Whether this run publishes a finding of the resource (its notes are then worth sending). */
  publishes(ref: ResourceRef): boolean;
  /** Records the outcome of the imports: everything selected that is not in `failed`. */
  recordPublished(results: readonly PublishResult[]): void;
  /** Resources with an active finding that the sweep did not see; `undefined` when the state cannot tell. */
  gone(seen: ReadonlySet<string>): ResourceRef[] | undefined;
  recordArchived(refs: readonly ResourceRef[], result: PublishResult): void;
  /** Saves the state when something changed (or it was unknown). Logged, never thrown: a lost save only costs a re-publish. */
  save(): Promise<void>;
}

export interface ChangeFilterOptions extends Scope {
  refreshDays: number;
  now: Date;
  productArn?: string;
}

/** Loads the state and returns the filter of one sweep. */
export async function openChangeFilter(store: PublishedStore, options: ChangeFilterOptions): Promise<ChangeFilter> {
  const loaded = await store.load();
  const entries = loaded?.entries ?? new Map<string, PublishedEntry>();
  const now = options.now.getTime();
  const ctx: AsffContext = { account: options.account, region: options.region, productArn: options.productArn, now: options.now };
  const counts: ChangeCounts = { new: 0, changed: 0, refresh: 0, unchanged: 0 };
  /** finding Id → fingerprint (or null: archived) selected for import in this run. */
  const pending = new Map<string, string | null>();
  const publishing = new Set<string>();
  let dirty = loaded === undefined;

  return {
    known: loaded !== undefined,
    counts,
    select(reports) {
      const out: Report[] = [];
      for (const report of reports) {
        const { verdict } = report;
        const key = refKey(verdict.ref);
        const findings = findingsFromReport(report, ctx);
        const keep = verdict.checks.filter((check, i) => {
          const finding = findings[i] as AwsSecurityFinding;
          const fp = findingFingerprint(finding, { reason: check.reason, usage: report.usage, outcome: report.outcome });
          const id = finding.Id as string;
          const archived = finding.RecordState === 'ARCHIVED';
          let decision: PublishDecision;
          if (!loaded) decision = 'new';
          else if (archived) decision = entries.has(id) ? 'changed' : 'unchanged'; // archived and forgotten stays so
          else decision = publishDecision(entries.get(id), fp, now, key, options.refreshDays);
          counts[decision] += 1;
          if (decision === 'unchanged') return false;
          pending.set(id, archived ? null : fp);
          return true;
        });
        if (keep.length === 0) continue;
        publishing.add(key);
        out.push(keep.length === verdict.checks.length ? report : { ...report, verdict: { ...verdict, checks: keep } });
      }
      return out;
    },
    publishes: (ref) => !loaded || publishing.has(refKey(ref)),
    recordPublished(results) {
      const failed = new Set(results.flatMap((r) => r.failed.map((f) => f.id)));
      for (const [id, fp] of pending) {
        if (failed.has(id)) continue;
        if (fp === null) entries.delete(id);
        else entries.set(id, { fp, at: now });
        dirty = true;
      }
      pending.clear();
    },
    gone(seen) {
      if (!loaded?.complete) return undefined;
      const refs = new Map<string, ResourceRef>();
      for (const id of entries.keys()) {
        const parsed = parseFindingRef({ Id: id });
        if (!parsed || parsed.account !== options.account || parsed.region !== options.region) continue;
        const ref: ResourceRef = { kind: parsed.kind, id: parsed.id, account: parsed.account, region: parsed.region };
        const key = refKey(ref);
        if (!seen.has(key)) refs.set(key, ref);
      }
      return [...refs.values()];
    },
    recordArchived(refs, result) {
      const failed = new Set(result.failed.map((f) => f.id));
      for (const ref of refs) {
        for (const check of CHECKS) {
          const id = findingId(ref, check);
          if (!failed.has(id) && entries.delete(id)) dirty = true;
        }
      }
    },
    async save() {
      if (!dirty) return;
      try {
        await store.save(entries, options.now);
      } catch (error) {
        logger.error('finding state not saved; the next sweep publishes again what this one published', { where: store.where, ...errorFields(error) });
      }
    },
  };
}

/**
 * The sink a sweep publishes through: only the checks the filter selects
 * reach `inner`, and notes only for resources whose findings go out now.
 */
export function changedOnly(filter: ChangeFilter, inner: FindingsSink): FindingsSink {
  return {
    publish: (reports) => inner.publish(filter.select(reports)),
    archive: (refs) => inner.archive(refs),
    annotate: (outcomes: readonly Outcome[]) => inner.annotate(outcomes.filter((o) => filter.publishes(o.plan.ref))),
  };
}
