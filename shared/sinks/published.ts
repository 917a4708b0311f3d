/**
 * What imds-guard last published to Security Hub, so a sweep imports only
 * findings whose content changed, plus the few due for a refresh.
 *
 * Where the state lives (measured in bench/cost.ts, documented in README "Cost"):
 * - `IMDS_GUARD_STATE_BUCKET` set (the templates set it): one gzip JSON
 *   object per account and Region in that bucket — 1 GetObject per sweep, 1
 *   PutObject only when something was published, whatever the estate size;
 *   plus one GetFindings page for the findings that the events and action
 *   functions published since the state was saved (filtered on
 *   ProductFields `imds-guard/published-by` ≠ `sweep`), so their changes are
 *   not imported a second time and their resources can still be archived.
 * - no bucket (tests, an emulator, a partial deployment): our own findings
 *   are read back with GetFindings (ProductArn + GeneratorId prefix +
 *   RecordState ACTIVE, `paginateGetFindings`), 100 a page: one call per 50
 *   resources, and Security Hub allows only a few GetFindings a second.
 *
 * A state that is missing or unreadable is UNKNOWN, and an unknown state
 * publishes everything (never nothing); the sweep then writes a fresh one.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { paginateGetFindings, type AwsSecurityFinding, type AwsSecurityFindingFilters, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { gunzipSync, gzipSync } from 'node:zlib';
import { errorCode } from '../aws/batch.js';
import { CHECK_IDS as CHECKS } from '../kinds/checks.js';
import { findingId, findingsFromReport, ID_PREFIX, parseFindingRef, productArnFor, type AsffContext } from '../findings/asff.js';
import {
  FINGERPRINT_FIELD,
  findingFingerprint,
  publishDecision,
  PUBLISHER_FIELD,
  type PublishDecision,
  type PublishedEntry,
} from '../findings/fingerprint.js';
import { errorFields, logger } from '../observability/log.js';
import { refKey, type ResourceRef } from '../model.js';
import type { Outcome } from '../verdict.js';
import type { FindingsSink, PublishResult, Report } from '../engine/ports.js';
import type { Scope } from '../model.js';

export const STATE_BUCKET_ENV = 'IMDS_GUARD_STATE_BUCKET';
export const REFRESH_DAYS_ENV = 'IMDS_GUARD_FINDING_REFRESH_DAYS';
export const DEFAULT_REFRESH_DAYS = 30;
/**
 * Security Hub CSPM deletes an ACTIVE finding that was not updated for 90
 * days (user guide, "Creating and updating findings in Security Hub CSPM"):
 * the refresh age stays well under it, leaving room for missed sweeps.
 */
export const MAX_REFRESH_DAYS = 80;
/** Clock skew and in-flight imports: the read-back of others' findings starts this long before the state was saved. */
const DELTA_MARGIN_MS = 10 * 60 * 1000;
const STATE_VERSION = 1;

type SecurityHub = Pick<SecurityHubClient, 'send'>;
type S3 = Pick<S3Client, 'send'>;

export interface LoadedState {
  entries: Map<string, PublishedEntry>;
  /** True when `entries` holds every active finding of ours, so resources missing from the estate can be told from it. */
  complete: boolean;
}

export interface PublishedStore {
  /** For logs: where the state lives. */
  readonly where: string;
  /** `undefined`: the state is lost or unreadable (publish everything). */
  load(): Promise<LoadedState | undefined>;
  /** Persists the state as of `savedAt` (nothing to do for the read-back store). */
  save(entries: ReadonlyMap<string, PublishedEntry>, savedAt: Date): Promise<void>;
}

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

function ourFindings(scope: Scope, extra: AwsSecurityFindingFilters): AwsSecurityFindingFilters {
  return {
    ProductArn: [{ Value: productArnFor(scope.account, scope.region), Comparison: 'EQUALS' }],
    GeneratorId: [{ Value: ID_PREFIX, Comparison: 'PREFIX' }],
    AwsAccountId: [{ Value: scope.account, Comparison: 'EQUALS' }],
    ...extra,
  };
}

function entryOf(finding: AwsSecurityFinding): PublishedEntry {
  const at = Date.parse(finding.UpdatedAt ?? '');
  return { fp: finding.ProductFields?.[FINGERPRINT_FIELD] ?? '', at: Number.isNaN(at) ? 0 : at };
}

/** Reads our findings with the SDK paginator, 100 a page. */
async function readFindings(client: SecurityHub, filters: AwsSecurityFindingFilters, visit: (f: AwsSecurityFinding) => void): Promise<void> {
  for await (const page of paginateGetFindings({ client: client as SecurityHubClient, pageSize: 100 }, { Filters: filters, MaxResults: 100 })) {
    for (const finding of page.Findings ?? []) visit(finding);
  }
}

/** State read back from Security Hub itself: every ACTIVE finding of ours, with the fingerprint it carries. */
export function securityHubReadBack(client: SecurityHub, scope: Scope): PublishedStore {
  return {
    where: 'Security Hub (GetFindings read-back)',
    async load() {
      const entries = new Map<string, PublishedEntry>();
      try {
        await readFindings(client, ourFindings(scope, { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] }), (f) => {
          if (f.Id) entries.set(f.Id, entryOf(f));
        });
      } catch (error) {
        logger.warn('could not read our findings back from Security Hub; publishing everything', errorFields(error));
        return undefined;
      }
      return { entries, complete: true };
    },
    async save() {
      // The findings are the state.
    },
  };
}

interface StateFile {
  version: number;
  account: string;
  region: string;
  savedAt: string;
  /** finding Id → [fingerprint, published at (epoch seconds)] */
  entries: Record<string, [string, number]>;
}

export function stateKey(scope: Scope): string {
  return `imds-guard/state/${scope.account}/${scope.region}/findings.json.gz`;
}

export function encodeState(entries: ReadonlyMap<string, PublishedEntry>, scope: Scope, savedAt: Date): Buffer {
  const file: StateFile = { version: STATE_VERSION, account: scope.account, region: scope.region, savedAt: savedAt.toISOString(), entries: {} };
  for (const [id, e] of entries) file.entries[id] = [e.fp, Math.floor(e.at / 1000)];
  return gzipSync(JSON.stringify(file));
}

/** The state file's entries, or a reason it cannot be used. */
export function decodeState(body: Uint8Array, scope: Scope): { entries: Map<string, PublishedEntry>; savedAt: Date } | { error: string } {
  let file: StateFile;
  try {
    file = JSON.parse(gunzipSync(body).toString('utf8')) as StateFile;
  } catch (error) {
    return { error: `not gzip JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!file || typeof file !== 'object' || file.version !== STATE_VERSION) return { error: `unknown state version ${JSON.stringify((file as { version?: unknown })?.version)}` };
  if (file.account !== scope.account || file.region !== scope.region) return { error: `state of ${file.account}/${file.region}, not ${scope.account}/${scope.region}` };
  const savedAt = new Date(file.savedAt);
  if (Number.isNaN(savedAt.getTime()) || !file.entries || typeof file.entries !== 'object') return { error: 'state has no savedAt or entries' };
  const entries = new Map<string, PublishedEntry>();
  for (const [id, value] of Object.entries(file.entries)) {
    if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'number') return { error: `bad entry for ${id}` };
    entries.set(id, { fp: value[0], at: value[1] * 1000 });
  }
  return { entries, savedAt };
}

/** State in one S3 object per account and Region, completed with what the other functions published since. */
export function s3StateStore(s3: S3, securityHub: SecurityHub, scope: Scope & { bucket: string }): PublishedStore {
  const key = stateKey(scope);
  const where = `s3://${scope.bucket}/${key}`;
  return {
    where,
    async load() {
      let body: Uint8Array;
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: scope.bucket, Key: key }));
        body = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
      } catch (error) {
        const code = errorCode(error);
        if (code === 'NoSuchKey' || code === 'NotFound') logger.warn('no finding state yet (first sweep, or it was deleted); publishing everything', { where });
        else logger.error('finding state unreadable; publishing everything', { where, ...errorFields(error) });
        return undefined;
      }
      const decoded = decodeState(body, scope);
      if ('error' in decoded) {
        logger.error('finding state unreadable; publishing everything', { where, reason: decoded.error });
        return undefined;
      }
      const { entries, savedAt } = decoded;
      // What the events and action functions published since: merged, so it is not imported again.
      try {
        const start = new Date(savedAt.getTime() - DELTA_MARGIN_MS).toISOString();
        await readFindings(
          securityHub,
          ourFindings(scope, {
            UpdatedAt: [{ Start: start, End: new Date(Date.now() + 24 * 3600 * 1000).toISOString() }],
            ProductFields: [{ Key: PUBLISHER_FIELD, Value: 'sweep', Comparison: 'NOT_EQUALS' }],
          }),
          (f) => {
            if (!f.Id) return;
            if (f.RecordState === 'ARCHIVED') entries.delete(f.Id);
            else entries.set(f.Id, entryOf(f));
          },
        );
      } catch (error) {
        // Without it the state may miss findings of resources that came and went since: do not archive from it.
        logger.warn('could not read back the findings published since the last sweep', { where, ...errorFields(error) });
        return { entries, complete: false };
      }
      return { entries, complete: true };
    },
    async save(entries, savedAt) {
      await s3.send(
        new PutObjectCommand({
          Bucket: scope.bucket,
          Key: key,
          Body: encodeState(entries, scope, savedAt),
          ContentType: 'application/json',
          ContentEncoding: 'gzip',
        }),
      );
    },
  };
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

/** The store a function's environment names: the S3 bucket when set, else Security Hub read-back. */
export function publishedStoreFromEnv(
  clients: { securityHub: SecurityHub; s3?: () => S3 },
  scope: Scope,
  env: NodeJS.ProcessEnv = process.env,
): PublishedStore {
  const bucket = env[STATE_BUCKET_ENV]?.trim();
  if (bucket && clients.s3) return s3StateStore(clients.s3(), clients.securityHub, { ...scope, bucket });
  return securityHubReadBack(clients.securityHub, scope);
}
