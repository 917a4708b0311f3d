/**
 * `IMDS_GUARD_FINDINGS=annotate|both`: imds-guard's evidence on Security Hub's
 * own control findings (EC2.8, EC2.170, AutoScaling.3), so a person sees one
 * finding per resource and control instead of two that share nothing.
 *
 * Wraps the Security Hub sink. For each check that corresponds to a Security
 * Hub control, Security Hub's ACTIVE finding for the resource is looked up
 * (GetFindings: ProductArn of Security Hub in this region,
 * ComplianceSecurityControlId, ResourceId — up to 20 ids per filter — and the
 * account); where one exists:
 * - its Note and UserDefinedFields get imds-guard's reason, IMDSv1 usage and
 *   plan (BatchUpdateFindings), only when they differ from what is there;
 * - `annotate`: imds-guard imports no finding of its own for that check;
 *   `both`: it does, as in `own`.
 * Checks without a Security Hub finding (control disabled, not yet evaluated,
 * imds-guard's own controls) get imds-guard's finding in every mode.
 */
import { type AwsSecurityFinding, paginateGetFindings, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { chunk } from '../aws/batch.js';
import { partitionOf, resourceArn, truncate, usageLine } from '../findings/asff.js';
import type { PermissionStatement } from '../kinds/edge-types.js';
import { ARN, HERE } from '../kinds/permissions.js';
import { describeKind } from '../kinds/registry.js';
import { errorFields, logger } from '../observability/log.js';
import type { CheckResult, Scope } from '../model.js';
import type { FindingsMode } from '../policy.js';
import type { FindingsSink, PublishResult, Report } from '../engine/ports.js';
import { type FindingNote, writeFindingNotes } from './finding-notes.js';
import type { RetryOptions } from './retry.js';
import { NOTE_MAX } from './securityhub.js';

/** IAM for looking up Security Hub's control findings (GetFindings on the account's hub). */
export const CONTROL_FINDINGS_PERMISSIONS: PermissionStatement = {
  sid: 'ReadControlFindings',
  actions: ['securityhub:GetFindings'],
  resources: [`${ARN}:securityhub:${HERE}:hub/default`],
};

/** GetFindings: at most 20 values per filter attribute (API reference, AwsSecurityFindingFilters). */
export const MAX_FILTER_VALUES = 20;
const FIELD_VALUE_MAX = 1024;

export interface ControlFindingsOptions extends RetryOptions, Scope {
  mode: FindingsMode;
}

type Client = Pick<SecurityHubClient, 'send'>;

/** Security Hub's own product in a region (its control findings are imported under it). */
export function securityHubProductArn(region: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}::product/aws/securityhub`;
}

interface Candidate {
  report: Report;
  result: CheckResult;
  control: string;
  arn: string;
}

const key = (control: string, arn: string) => `${control}\u0000${arn}`;

/** Security Hub's ACTIVE control findings for these resources, by control and resource ARN. */
async function controlFindings(client: Client, options: ControlFindingsOptions, candidates: readonly Candidate[]): Promise<Map<string, AwsSecurityFinding>> {
  const found = new Map<string, AwsSecurityFinding>();
  const byControl = new Map<string, string[]>();
  for (const c of candidates) byControl.set(c.control, [...(byControl.get(c.control) ?? []), c.arn]);
  for (const [control, arns] of byControl) {
    for (const batch of chunk([...new Set(arns)], MAX_FILTER_VALUES)) {
      const filters = {
        ProductArn: [{ Value: securityHubProductArn(options.region), Comparison: 'EQUALS' as const }],
        ComplianceSecurityControlId: [{ Value: control, Comparison: 'EQUALS' as const }],
        ResourceId: batch.map((arn) => ({ Value: arn, Comparison: 'EQUALS' as const })),
        AwsAccountId: [{ Value: options.account, Comparison: 'EQUALS' as const }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' as const }],
      };
      for await (const page of paginateGetFindings({ client: client as SecurityHubClient, pageSize: 100 }, { Filters: filters, MaxResults: 100 })) {
        for (const f of page.Findings ?? []) {
          const arn = f.Resources?.[0]?.Id;
          if (arn) found.set(key(control, arn), f);
        }
      }
    }
  }
  return found;
}

/** What imds-guard knows, as a note (≤ 512) and UserDefinedFields. Stable text: no timestamps, so an unchanged resource is not rewritten. */
export function annotationOf(c: Candidate): { text: string; fields: Record<string, string> } {
  const { report, result } = c;
  const usage = describeKind(report.verdict.ref.kind).usageMeasured === true && result.check === 'imdsv2' ? usageLine(report.usage) : undefined;
  const plan = report.outcome ? `${report.outcome.status}: ${report.outcome.plan.summary || report.outcome.message}` : undefined;
  const text = truncate(['imds-guard:', `${result.compliance}.`, result.reason, usage, plan ? `Plan (${plan}).` : undefined].filter(Boolean).join(' '), NOTE_MAX);
  const fields: Record<string, string> = { 'imds-guard/compliance': result.compliance };
  if (report.usage) fields['imds-guard/imdsv1-calls'] = report.usage.noTokenCalls === null ? 'unknown' : `${report.usage.noTokenCalls} in ${report.usage.lookbackDays}d`;
  if (report.usage?.lastSeen) fields['imds-guard/imdsv1-last-seen'] = report.usage.lastSeen.toISOString();
  if (plan) fields['imds-guard/plan'] = truncate(plan, FIELD_VALUE_MAX);
  for (const gate of report.outcome?.plan.gates ?? []) if (!gate.passed) fields[`imds-guard/gate/${gate.gate}`] = truncate(gate.reason, FIELD_VALUE_MAX);
  return { text, fields };
}

/** Fields others set are kept; imds-guard's are replaced as a whole. */
function othersFields(fields: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(fields ?? {}).filter(([k]) => !k.startsWith('imds-guard/')));
}

function sameFields(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ours = Object.entries(a ?? {}).filter(([k]) => k.startsWith('imds-guard/'));
  return ours.length === Object.keys(b).length && ours.every(([k, v]) => b[k] === v);
}

export function withControlFindings(inner: FindingsSink, client: Client, options: ControlFindingsOptions): FindingsSink {
  if (options.mode === 'own') return inner;
  return {
    ...inner,
    async publish(reports: readonly Report[]): Promise<PublishResult> {
      const candidates: Candidate[] = [];
      for (const report of reports) {
        if (report.verdict.subject.kind === 'missing') continue;
        for (const result of report.verdict.checks) {
          const control = describeKind(report.verdict.ref.kind).controls[result.check].securityHubControl;
          if (control) candidates.push({ report, result, control, arn: resourceArn(report.verdict.ref, report.verdict.subject) });
        }
      }
      let found = new Map<string, AwsSecurityFinding>();
      try {
        if (candidates.length > 0) found = await controlFindings(client, options, candidates);
      } catch (error) {
        // Without the look-up, imds-guard's own findings still go out: nothing is lost.
        logger.warn('Security Hub control findings could not be looked up; publishing imds-guard findings only', errorFields(error));
      }

      const notes: FindingNote[] = [];
      const covered = new Set<CheckResult>();
      for (const c of candidates) {
        const theirs = found.get(key(c.control, c.arn));
        if (!theirs?.Id || !theirs.ProductArn) continue;
        covered.add(c.result);
        const { text, fields } = annotationOf(c);
        if (theirs.Note?.Text === text && sameFields(theirs.UserDefinedFields, fields)) continue;
        notes.push({ finding: { Id: theirs.Id, ProductArn: theirs.ProductArn }, text, userDefinedFields: { ...othersFields(theirs.UserDefinedFields), ...fields } });
      }

      const own =
        options.mode === 'both'
          ? reports
          : reports
              .map((r) => ({ ...r, verdict: { ...r.verdict, checks: r.verdict.checks.filter((c) => !covered.has(c)) } }))
              .filter((r) => r.verdict.checks.length > 0);
      const published = await inner.publish(own);
      const annotated = await writeFindingNotes(client, notes, options);
      return {
        published: published.published + annotated.published,
        failed: [...published.failed, ...annotated.failed],
        ...(published.unavailable ?? annotated.unavailable ? { unavailable: published.unavailable ?? annotated.unavailable } : {}),
      };
    },
  };
}
