/**
 * What a finding SAYS, as a short stable hash, and when an unchanged finding
 * is due for a refresh. Pure: the sinks use it to publish only what changed
 * ("pay for changes, not for sweeps").
 *
 * The fingerprint covers the meaningful content of the ASFF finding —
 * compliance, record state, severity, title, resource (type, ARN, tags,
 * details such as the metadata options), controls — plus what the caller says
 * the text is built from: the check's reason, the IMDSv1 usage as a bucket
 * (none / used / unknown: a daily-changing count is evidence refreshed with
 * the finding, not a change), and the remediation outcome (status, action,
 * verified compliance). Timestamps never enter it (UpdatedAt, LastObservedAt,
 * CreatedAt, the outcome time, the usage's last-seen time).
 *
 * The value is stored in the finding itself (`ProductFields`, key
 * FINGERPRINT_FIELD) so a reader of our own findings can compare without
 * any other store. ASFF allows 50 ProductFields pairs, keys up to 128
 * characters and values up to 2048 (ASFF reference, AwsSecurityFinding
 * ProductFields); a fingerprint is 16 hex characters.
 */
import { createHash } from 'node:crypto';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { Outcome } from '../verdict.js';
import type { UsageEvidence } from '../model.js';
import { measuresUsage } from '../kinds/registry.js';
import { parseFindingRef } from './asff.js';

export const FINGERPRINT_FIELD = 'imds-guard/fingerprint';
/** Who published the finding: `sweep`, or `event` / `action` (lets a sweep read back only what others published). */
export const PUBLISHER_FIELD = 'imds-guard/published-by';
export type Publisher = 'sweep' | 'event' | 'action';

/** ProductFields that change without the finding saying anything new. */
const VOLATILE_PRODUCT_FIELDS = new Set([FINGERPRINT_FIELD, PUBLISHER_FIELD, 'imds-guard/usage', 'imds-guard/outcome-message']);

/** What the text of a finding is built from, beside the ASFF fields. */
export interface FingerprintInput {
  reason: string;
  usage?: UsageEvidence;
  outcome?: Outcome;
}

/** IMDSv1 usage as the finding means it: no calls, some calls, or not known. */
export function usageBucket(usage: UsageEvidence | undefined): 'unknown' | 'none' | 'used' {
  if (!usage || usage.noTokenCalls === null) return 'unknown';
  return usage.noTokenCalls > 0 ? 'used' : 'none';
}

/** The finding is the imdsv2 check of a kind whose IMDSv1 use is measured: its text carries the usage. */
function showsUsage(finding: AwsSecurityFinding): boolean {
  const ref = parseFindingRef(finding);
  return ref !== undefined && ref.check === 'imdsv2' && measuresUsage(ref.kind);
}

/** JSON with sorted keys, so equal content hashes equally whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function findingFingerprint(finding: AwsSecurityFinding, input: FingerprintInput): string {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(finding.ProductFields ?? {})) if (!VOLATILE_PRODUCT_FIELDS.has(k)) fields[k] = v;
  const outcome = input.outcome;
  const content = {
    id: finding.Id,
    recordState: finding.RecordState,
    compliance: finding.Compliance,
    severity: finding.FindingProviderFields?.Severity?.Label ?? finding.Severity?.Label,
    title: finding.Title,
    types: finding.Types,
    resources: finding.Resources,
    remediation: finding.Remediation,
    productFields: fields,
    reason: input.reason,
    // Usage is shown only in the imdsv2 finding of a kind whose usage is measured (shared/findings/asff.ts).
    usage: showsUsage(finding) ? usageBucket(input.usage) : undefined,
    outcome: outcome
      ? { status: outcome.status, action: outcome.plan.action, summary: outcome.plan.summary, verified: outcome.verifiedCompliance }
      : undefined,
  };
  return createHash('sha256').update(canonical(content)).digest('hex').slice(0, 16);
}

export const DAY_MS = 24 * 3600 * 1000;

/**
 * Where in the refresh window this resource falls, in [0, 1): a hash of the
 * resource key, so the same resource always refreshes at the same age and the
 * estate's refreshes spread over the window instead of coming due together.
 */
export function spreadOf(resourceKey: string): number {
  return createHash('sha256').update(resourceKey).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The age at which an unchanged finding is published again: between half the
 * refresh age and the refresh age, by resource. With the default 30 days and
 * sweeps every 6 hours, a finding is at most ~30.25 days old when refreshed,
 * far under the 90 days after which Security Hub CSPM deletes an active
 * finding that was not updated.
 */
export function refreshAgeMs(resourceKey: string, refreshDays: number): number {
  return refreshDays * DAY_MS * (1 - spreadOf(resourceKey) / 2);
}

export interface PublishedEntry {
  /** The fingerprint last published (`''` when not known: never equal to a real one). */
  fp: string;
  /** When it was published (epoch ms). */
  at: number;
}

export type PublishDecision = 'new' | 'changed' | 'refresh' | 'unchanged';

/** Whether a finding must be imported now, given what was last published for it. */
export function publishDecision(
  entry: PublishedEntry | undefined,
  fp: string,
  now: number,
  resourceKey: string,
  refreshDays: number,
): PublishDecision {
  if (!entry) return 'new';
  if (entry.fp !== fp) return 'changed';
  if (now - entry.at >= refreshAgeMs(resourceKey, refreshDays)) return 'refresh';
  return 'unchanged';
}
