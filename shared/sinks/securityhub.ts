/**
 * Security Hub sink (FindingsSink): imports ASFF findings, archives the
 * findings of resources that are gone, and records remediation on them.
 *
 * Limits (Security Hub CSPM user guide, BatchImportFindings): 100 findings and
 * 6 MB per request, 240 KB per finding, 10 TPS (burst 30) per account and
 * Region. Calls are sequential, so one sink stays well under the rate.
 *
 * Failure handling, never silent:
 * - FailedFindings / UnprocessedFindings with a transient code are retried with
 *   backoff a bounded number of times; what still fails is returned in
 *   `failed` with the error and logged.
 * - A failed call (throttling, 5xx after the SDK's own retries) is retried the
 *   same way; other errors fail that batch and the next batch is tried.
 * - Security Hub not enabled (InvalidAccessException "... not subscribed ...",
 *   or FailedFindings with InvalidAccess): logged ONCE, and from then on every
 *   item is returned as failed with that reason without calling again.
 */
import {
  BatchImportFindingsCommand,
  GetFindingsCommand,
  type AwsSecurityFinding,
  type SecurityHubClient,
  type WorkflowUpdate,
} from '@aws-sdk/client-securityhub';
import { errorCode } from '../aws/batch.js';
import { degradable, pageSizeLadder, startingStep, timedOut } from '../aws/pages.js';
import { errorText } from '../errors.js';
import { recordDegradation } from '../observability/degraded.js';
import { GET_FINDINGS_MIN_PAGE_SIZE, GET_FINDINGS_PAGE_SIZE } from './published-state.js';
import { CHECK_IDS } from '../kinds/checks.js';
import { archivedFindings, type AsffContext, findingId, findingsFromReport, ID_PREFIX, parseFindingRef, productArnFor, truncate } from '../findings/asff.js';
import { findingFingerprint, FINGERPRINT_FIELD, type Publisher, PUBLISHER_FIELD } from '../findings/fingerprint.js';
import { errorFields, logger } from '../observability/log.js';
import type { CheckId, ResourceRef, Scope } from '../model.js';
import type { Outcome } from '../verdict.js';
import type { FindingsSink, PublishResult, Report } from '../engine/ports.js';
import { type BatchCall, isRetryableError, isRetryableItemCode, messageOf, retrier, type RetryOptions, sendWithRetries } from './retry.js';
import type { PermissionStatement } from '../kinds/edge-types.js';
import { ARN, HERE } from '../kinds/permissions.js';
import { type FindingNote, notSubscribed, writeFindingNotes } from './finding-notes.js';

/** IAM for importing findings (into the account's default product) and updating them (notes, workflow). */
export const FINDINGS_PERMISSIONS: PermissionStatement[] = [
  { sid: 'ImportFindings', actions: ['securityhub:BatchImportFindings'], resources: [`${ARN}:securityhub:${HERE}:product/\${AWS::AccountId}/default`] },
  { sid: 'UpdateFindings', actions: ['securityhub:BatchUpdateFindings'], resources: [`${ARN}:securityhub:${HERE}:hub/default`] },
];

/** IAM for reading imds-guard's own findings back (the sweep's index of active findings). */
export const FINDING_INDEX_PERMISSIONS: PermissionStatement = {
  sid: 'ReadOwnFindings',
  actions: ['securityhub:GetFindings'],
  resources: [`${ARN}:securityhub:${HERE}:hub/default`],
};

export const MAX_FINDINGS_PER_IMPORT = 100;
/** 6 MB per request; kept 64 KiB under for the request envelope. */
export const MAX_IMPORT_BYTES = 6 * 1024 * 1024 - 64 * 1024;
export const MAX_FINDING_BYTES = 240 * 1024;
export const NOTE_MAX = 512;

export interface SecurityHubSinkOptions extends RetryOptions, Scope {
  now?: () => Date;
  /** Written into each finding (ProductFields `imds-guard/published-by`); default `event`. */
  publisher?: Publisher;
}

/**
 * The findings of reports, each carrying the fingerprint of what it says and
 * who published it (ProductFields), so a later reader can tell a change from
 * a repeat without any other store (shared/findings/fingerprint.ts).
 */
export function stampedFindings(reports: readonly Report[], ctx: AsffContext, publisher: Publisher): AwsSecurityFinding[] {
  return reports.flatMap((report) =>
    findingsFromReport(report, ctx).map((finding, i) => {
      const reason = report.verdict.checks[i]?.reason ?? '';
      const fp = findingFingerprint(finding, { reason, usage: report.usage, outcome: report.outcome });
      return { ...finding, ProductFields: { ...finding.ProductFields, [FINGERPRINT_FIELD]: fp, [PUBLISHER_FIELD]: publisher } };
    }),
  );
}

type Client = Pick<SecurityHubClient, 'send'>;

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Batches of at most 100 findings and MAX_IMPORT_BYTES. */
export function importBatches(findings: readonly AwsSecurityFinding[]): AwsSecurityFinding[][] {
  const batches: AwsSecurityFinding[][] = [];
  let current: AwsSecurityFinding[] = [];
  let size = 0;
  for (const finding of findings) {
    const b = bytes(finding);
    if (current.length > 0 && (current.length >= MAX_FINDINGS_PER_IMPORT || size + b > MAX_IMPORT_BYTES)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(finding);
    size += b;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

interface Workflowed {
  text: string;
  workflow?: WorkflowUpdate['Status'];
}

/** The note and workflow status for one outcome. RESOLVED only after a verified fix. */
export function annotationFor(outcome: Outcome, check: CheckId = 'imdsv2'): Workflowed {
  const at = outcome.at.toISOString();
  // Each finding is one check: judge it by that check's result after the fix, not the worst of both.
  const verified = outcome.verifiedVerdict?.checks.find((c) => c.check === check)?.compliance ?? outcome.verifiedCompliance;
  // A superseded resource's finding stays FAILED; the note says what replaced it and what clears it (never RESOLVED).
  if (outcome.superseded !== undefined && outcome.plan.action === 'none') {
    return { text: truncate(`imds-guard (${at}): ${outcome.superseded}.`, NOTE_MAX), workflow: 'NOTIFIED' };
  }
  if (outcome.superseded !== undefined && outcome.status === 'remediated' && verified === undefined) {
    return { text: truncate(`imds-guard remediated (${at}): ${outcome.message}`, NOTE_MAX), workflow: 'NOTIFIED' };
  }
  switch (outcome.status) {
    case 'remediated':
      if (verified === 'COMPLIANT') {
        return { text: truncate(`imds-guard remediated (${at}), verified compliant: ${outcome.message}`, NOTE_MAX), workflow: 'RESOLVED' };
      }
      return {
        text: truncate(
          `imds-guard remediated (${at}) but the re-check says ${verified ?? 'nothing yet'}: ${outcome.message}`,
          NOTE_MAX,
        ),
        workflow: 'NOTIFIED',
      };
    case 'failed':
      return { text: truncate(`imds-guard remediation FAILED (${at}): ${outcome.message}`, NOTE_MAX), workflow: 'NOTIFIED' };
    case 'planned':
      return { text: truncate(`imds-guard plan (${at}), not executed: ${outcome.plan.summary || outcome.message}`, NOTE_MAX) };
    case 'skipped':
      return { text: truncate(`imds-guard did not remediate (${at}): ${outcome.message || outcome.plan.summary}`, NOTE_MAX) };
  }
}

/** Which findings an outcome concerns: the imdsv2 check, plus hop-limit when the plan changes the hop limit. */
function checksFor(outcome: Outcome): CheckId[] {
  return outcome.plan.target?.httpPutResponseHopLimit !== undefined ? ['imdsv2', 'hop-limit'] : ['imdsv2'];
}

export function createSecurityHubSink(client: Client, options: SecurityHubSinkOptions): FindingsSink {
  const { account, region } = options;
  const productArn = productArnFor(account, region);
  const now = options.now ?? (() => new Date());
  const retry = retrier(options);
  /** Set once Security Hub turns out to be unusable here (not enabled, no access). */
  const stopped: { reason?: string } = {};

  /** "Not subscribed" stops the sink: logged once, and no call is made after it. */
  function fatal(code: string | undefined, message: string): string | undefined {
    if (!notSubscribed(code, message)) return undefined;
    if (stopped.reason === undefined) {
      logger.error('Security Hub is not enabled in this account and Region; findings are NOT published until it is', {
        account,
        region,
        reason: `${code ?? 'Error'}: ${message}`,
      });
    }
    return message;
  }

  function call<T extends { Id?: string }>(what: string, send: BatchCall<T>['send']): BatchCall<T> {
    return { what, retry, idOf: (item) => item.Id ?? '', send, fatal, stopped };
  }

  function inScope(ref: ResourceRef): string | undefined {
    if (ref.account === account && ref.region === region) return undefined;
    return `resource in ${ref.account}/${ref.region}; this sink imports into ${account}/${region} only`;
  }

  function logFailures(what: string, result: PublishResult): PublishResult {
    if (stopped.reason !== undefined) result.unavailable = stopped.reason;
    if (result.failed.length > 0) {
      logger.warn(`Security Hub ${what}: some items failed`, {
        published: result.published,
        failedCount: result.failed.length,
        failed: result.failed.slice(0, 20),
      });
    }
    return result;
  }

  async function importBatch(batch: AwsSecurityFinding[], result: PublishResult): Promise<void> {
    const byId = new Map(batch.map((f) => [f.Id, f]));
    const importCall = call<AwsSecurityFinding>('BatchImportFindings', async (pending) => {
      const response = await client.send(new BatchImportFindingsCommand({ Findings: pending }));
      return (response.FailedFindings ?? []).map((f) => ({
        id: f.Id ?? '',
        item: byId.get(f.Id),
        error: `${f.ErrorCode ?? 'Error'}: ${f.ErrorMessage ?? 'no message'}`,
        retryable: isRetryableItemCode(f.ErrorCode),
      }));
    });
    await sendWithRetries(importCall, batch, result);
  }

  async function importFindings(findings: readonly AwsSecurityFinding[], result: PublishResult): Promise<void> {
    const sendable: AwsSecurityFinding[] = [];
    for (const finding of findings) {
      const size = bytes(finding);
      if (size > MAX_FINDING_BYTES) result.failed.push({ id: finding.Id ?? '', error: `finding is ${size} bytes, over Security Hub's 240 KB limit` });
      else sendable.push(finding);
    }
    for (const batch of importBatches(sendable)) await importBatch(batch, result);
  }

  return {
    async publish(reports: readonly Report[]): Promise<PublishResult> {
      const result: PublishResult = { published: 0, failed: [] };
      const ok: Report[] = [];
      for (const report of reports) {
        const why = inScope(report.verdict.ref);
        if (why === undefined) ok.push(report);
        else result.failed.push(...report.verdict.checks.map((c) => ({ id: findingId(report.verdict.ref, c.check), error: why })));
      }
      const findings = stampedFindings(ok, { account, region, productArn, now: now() }, options.publisher ?? 'event');
      await importFindings(findings, result);
      return logFailures('publish', result);
    },

    async archive(refs: readonly ResourceRef[]): Promise<PublishResult> {
      const result: PublishResult = { published: 0, failed: [] };
      const ctx = { account, region, productArn, now: now() };
      const findings: AwsSecurityFinding[] = [];
      for (const ref of refs) {
        const why = inScope(ref);
        if (why === undefined) {
          findings.push(...archivedFindings(ref, ctx).map((f) => ({ ...f, ProductFields: { ...f.ProductFields, [PUBLISHER_FIELD]: options.publisher ?? 'event' } })));
        }
        else result.failed.push(...CHECK_IDS.map((c) => ({ id: findingId(ref, c), error: why })));
      }
      await importFindings(findings, result);
      return logFailures('archive', result);
    },

    async annotate(outcomes: readonly Outcome[]): Promise<PublishResult> {
      const result: PublishResult = { published: 0, failed: [] };
      const notes: FindingNote[] = [];
      for (const outcome of outcomes) {
        const ref = outcome.plan.ref;
        const why = inScope(ref);
        const checks = checksFor(outcome);
        if (why !== undefined) {
          result.failed.push(...checks.map((c) => ({ id: findingId(ref, c), error: why })));
          continue;
        }
        for (const check of checks) notes.push({ finding: { Id: findingId(ref, check), ProductArn: productArn }, ...annotationFor(outcome, check) });
      }
      // Identical notes grouped, ≤ 100 identifiers a call; the sink's stop state is shared with its imports.
      const written = await writeFindingNotes(client, notes, { ...options, fatal, stopped });
      result.published += written.published;
      result.failed.push(...written.failed);
      return logFailures('annotate', result);
    },
  };
}

export interface ListActiveOptions extends RetryOptions, Scope {
  /**
   * Only findings last updated at or before this time: a sweep passes its
   * start, so the findings it has just refreshed are not paged through again
   * (one GetFindings per 100 stale findings instead of per 100 findings).
   */
  updatedBefore?: Date;
}

/**
 * The resources that have an ACTIVE imds-guard finding in this account and
 * Region (GetFindings on our product ARN and GeneratorId prefix, paginated),
 * one ref per resource, 100 a page and smaller pages when a full one times
 * out. Security Hub not enabled → logged, empty list.
 */
export async function listActiveFindingRefs(client: Client, options: ListActiveOptions): Promise<ResourceRef[]> {
  const { account, region } = options;
  const retry = retrier(options);
  const refs = new Map<string, ResourceRef>();
  const sizes = pageSizeLadder(GET_FINDINGS_PAGE_SIZE, GET_FINDINGS_MIN_PAGE_SIZE);
  let step = startingStep(sizes, 'GetFindings');
  let nextToken: string | undefined;
  do {
    let response;
    for (let attempt = 1; ; attempt++) {
      const size = sizes[step] as number;
      try {
        const command = new GetFindingsCommand({
          Filters: {
            ProductArn: [{ Value: productArnFor(account, region), Comparison: 'EQUALS' }],
            GeneratorId: [{ Value: ID_PREFIX, Comparison: 'PREFIX' }],
            AwsAccountId: [{ Value: account, Comparison: 'EQUALS' }],
            RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
            ...(options.updatedBefore
              ? { UpdatedAt: [{ Start: '2000-01-01T00:00:00.000Z', End: options.updatedBefore.toISOString() }] }
              : {}),
          },
          MaxResults: size,
          NextToken: nextToken,
        });
        // With a smaller page left, a timed-out page is asked again smaller rather than retried as it is.
        response = await client.send(sizes[step + 1] === undefined ? command : degradable(command));
        break;
      } catch (error) {
        if (notSubscribed(errorCode(error), messageOf(error))) {
          logger.error('Security Hub is not enabled in this account and Region: no findings to list', { account, region, ...errorFields(error) });
          return [];
        }
        const smaller = sizes[step + 1];
        if (smaller !== undefined && timedOut(error)) {
          // The same page again, smaller (shared/aws/pages.ts says why).
          recordDegradation({ operation: 'GetFindings', detail: 'active findings', from: size, to: smaller, error: errorText(error, { hint: false }) });
          step += 1;
          attempt = 0;
          continue;
        }
        if (isRetryableError(error) && attempt < retry.maxAttempts) {
          await retry.backoff(attempt);
          continue;
        }
        throw error;
      }
    }
    for (const finding of response.Findings ?? []) {
      const parsed = parseFindingRef(finding);
      if (!parsed || parsed.account !== account || parsed.region !== region) continue;
      const ref: ResourceRef = { kind: parsed.kind, id: parsed.id, account: parsed.account, region: parsed.region };
      refs.set(`${ref.kind}/${ref.id}`, ref);
    }
    nextToken = response.NextToken || undefined;
  } while (nextToken);
  return [...refs.values()];
}

/** The sweep's view of the findings index (shared/engine/sweep.ts ActiveFindingIndex). */
export function createSecurityHubFindingIndex(
  client: Client,
  options: ListActiveOptions,
): { activeRefs(filter?: { updatedBefore?: Date }): Promise<ResourceRef[]> } {
  return { activeRefs: (filter) => listActiveFindingRefs(client, { ...options, ...(filter?.updatedBefore ? { updatedBefore: filter.updatedBefore } : {}) }) };
}
