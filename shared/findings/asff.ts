/**
 * Pure builder of AWS Security Finding Format (ASFF) findings: one finding per
 * resource and check, with a stable Id so that re-evaluating the same resource
 * updates its finding instead of adding one.
 *
 * Facts this relies on (Security Hub CSPM user guide, "BatchImportFindings for
 * finding providers", and the ASFF reference):
 * - an import whose Id matches an existing finding updates it only when its
 *   UpdatedAt is later than the stored one (so UpdatedAt is always `now`);
 * - CreatedAt is not protected: what we send replaces what is stored, so it
 *   must be a stable value (the caller's first-seen time, else the resource's
 *   own launch/creation time, else now);
 * - Note, Workflow, VerificationState and UserDefinedFields are ignored on
 *   import of an existing finding (they go through BatchUpdateFindings);
 * - providers should give Severity and Types in FindingProviderFields; we send
 *   the same values top-level too, for readers of the raw JSON (on a new finding
 *   Security Hub takes FindingProviderFields; on an existing one it keeps any
 *   top-level value a person set with BatchUpdateFindings);
 * - Compliance.Status / RelatedRequirements may be filled by any provider;
 *   Compliance.SecurityControlId names the Security Hub control the check
 *   corresponds to (EC2.8, EC2.170, AutoScaling.3), so both findings of a
 *   resource can be filtered together; AssociatedStandards and StatusReasons
 *   describe Security Hub's own evaluations and are left out;
 * - GeneratorId is one per control (`imds-guard/EC2.8`,
 *   `imds-guard/launch-configuration-hop-limit`);
 * - Description ≤ 1024, Title ≤ 256, Remediation.Recommendation.Text ≤ 512,
 *   ProductFields values are strings (≤ 50 entries).
 */
import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import type { SeverityLabel } from '../kinds/controls.js';
import { CHECK_IDS, CHECKS, isCheck } from '../kinds/checks.js';
import { partitionOf, prune } from '../kinds/judging.js';
import { describeKind, isKind } from '../kinds/registry.js';
import type { LiveSubject, Subject } from '../kinds/subject.js';
import type { CheckId, CheckResult, Compliance, ResourceRef, Tags, UsageEvidence } from '../model.js';
import type { Outcome } from '../verdict.js';
import type { Report } from '../engine/ports.js';

export { partitionOf };

export const SCHEMA_VERSION = '2018-10-08';
export const FINDING_TYPES = ['Software and Configuration Checks/AWS Security Best Practices'];
export const PRODUCT_NAME = 'imds-guard';
/** Every finding's Id and GeneratorId start with this. */
export const ID_PREFIX = 'imds-guard/';

export const LIMITS = { title: 256, description: 1024, remediationText: 512, productFieldValue: 2048, tags: 50 } as const;

export interface AsffContext {
  /** The account that imports (must equal each finding's AwsAccountId). */
  account: string;
  /** The Region the findings are imported into. */
  region: string;
  /** Defaults to the account's default product ARN in that Region. */
  productArn?: string;
  now: Date;
}

/** The account's own ("default") product, the one custom findings are imported under. */
export function productArnFor(account: string, region: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}:${account}:product/${account}/default`;
}

/** One generator per control: `imds-guard/EC2.8`, `imds-guard/instance-hop-limit`. */
export function generatorId(control: string): string {
  return `${ID_PREFIX}${control}`;
}

/** The stable finding Id of one check on one resource. */
export function findingId(ref: ResourceRef, check: CheckId): string {
  return `${ID_PREFIX}${ref.region}/${ref.account}/${ref.kind}/${ref.id}/${check}`;
}

/**
 * The resource a finding of ours is about, from its Id (the id part may itself
 * contain `/`, launch configuration names can), falling back to ProductFields.
 * `undefined` for anything that is not an imds-guard finding.
 */
export function parseFindingRef(finding: Pick<AwsSecurityFinding, 'Id' | 'ProductFields'>): (ResourceRef & { check: CheckId }) | undefined {
  const id = finding.Id;
  if (typeof id === 'string' && id.startsWith(ID_PREFIX)) {
    const parts = id.slice(ID_PREFIX.length).split('/');
    if (parts.length >= 5) {
      const [region, account, kind] = parts as [string, string, string];
      const check = parts[parts.length - 1] as string;
      const resourceId = parts.slice(3, -1).join('/');
      if (isKind(kind) && isCheck(check) && region && account && resourceId) {
        return { kind, id: resourceId, account, region, check };
      }
    }
  }
  const f = finding.ProductFields ?? {};
  const kind = f['imds-guard/kind'];
  const rid = f['imds-guard/id'];
  const check = f['imds-guard/check'];
  const account = f['imds-guard/account'];
  const region = f['imds-guard/region'];
  if (isKind(kind) && isCheck(check) && rid && account && region) return { kind, id: rid, account, region, check };
  return undefined;
}

export function complianceStatus(c: Compliance): 'PASSED' | 'FAILED' | 'NOT_AVAILABLE' {
  return c === 'COMPLIANT' ? 'PASSED' : c === 'NON_COMPLIANT' ? 'FAILED' : 'NOT_AVAILABLE';
}

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair, marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // would leave a lone high surrogate
  return text.slice(0, end) + '…';
}

/** The subject when it exists (missing subjects have no details). */
function live(subject: Subject | undefined): LiveSubject | undefined {
  return subject === undefined || subject.kind === 'missing' ? undefined : subject;
}

/** The resource's ARN (or Security Hub's id for an account). */
export function resourceArn(ref: ResourceRef, subject?: Subject): string {
  return describeKind(ref.kind).arn(ref, live(subject));
}

function titleFor(ref: ResourceRef, subject: Subject | undefined, result: CheckResult, archived: boolean): string {
  const description = describeKind(ref.kind);
  const known = live(subject);
  const what = `${description.words.title} ${known && description.label ? description.label(known) : ref.id}`;
  const state = archived ? 'no longer exists' : CHECKS[result.check].states[result.compliance];
  return truncate(`${what}: ${state} (${result.control})`, LIMITS.title);
}

/** One line on IMDSv1 usage, for instance findings of the imdsv2 check. */
export function usageLine(usage: UsageEvidence | undefined): string {
  if (!usage) return 'IMDSv1 usage: unknown (not looked up).';
  if (usage.noTokenCalls === null) return `IMDSv1 usage: unknown (no MetadataNoToken datapoints in the last ${usage.lookbackDays} days).`;
  const seen = usage.lastSeen ? `, last at ${usage.lastSeen.toISOString()}` : '';
  return `IMDSv1 usage: ${usage.noTokenCalls} MetadataNoToken call${usage.noTokenCalls === 1 ? '' : 's'} in the last ${usage.lookbackDays} days${seen}.`;
}

function usageSummary(usage: UsageEvidence | undefined): string {
  if (!usage || usage.noTokenCalls === null) return 'unknown';
  return `${usage.noTokenCalls} in ${usage.lookbackDays}d`;
}

/** One line on what remediation did. */
export function outcomeLine(outcome: Outcome): string {
  const verified = outcome.verifiedCompliance ? ` Verified afterwards: ${outcome.verifiedCompliance}.` : '';
  return `Remediation (${outcome.status}, ${outcome.at.toISOString()}): ${outcome.message}${verified}`;
}

/** Joins parts with spaces into at most `max` characters, shortening the first (the reason) before dropping later ones. */
function fit(first: string, rest: readonly string[], max: number): string {
  const tail = rest.filter((s) => s !== '').join(' ');
  const whole = tail ? `${first} ${tail}` : first;
  if (whole.length <= max) return whole;
  const room = max - (tail ? tail.length + 1 : 0);
  if (room >= 80) return `${truncate(first, room)} ${tail}`;
  return truncate(whole, max);
}

/** Tags as ASFF accepts them: non-empty values, at most 50. */
function asffTags(tags: Tags | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  const entries = Object.entries(tags).filter(([k, v]) => k !== '' && v !== '').slice(0, LIMITS.tags);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/**
 * A stable CreatedAt without reading the stored finding back: when the resource
 * came to be (the kind says: instance launch, template or configuration
 * creation), else now (account defaults, archived findings).
 */
function createdAt(subject: LiveSubject | undefined, ctx: AsffContext): Date {
  return (subject && describeKind(subject.kind).createdAt?.(subject)) ?? ctx.now;
}

function productFields(
  ref: ResourceRef,
  result: CheckResult,
  extra: Record<string, string | undefined>,
): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    'imds-guard/kind': ref.kind,
    'imds-guard/id': ref.id,
    'imds-guard/account': ref.account,
    'imds-guard/region': ref.region,
    'imds-guard/check': result.check,
    'imds-guard/control': result.control,
    'imds-guard/compliance': result.compliance,
    ...extra,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') out[k] = truncate(v, LIMITS.productFieldValue);
  return out;
}

interface BuildInput {
  ref: ResourceRef;
  subject?: Subject;
  result: CheckResult;
  usage?: UsageEvidence;
  outcome?: Outcome;
  archived: boolean;
}

function build(input: BuildInput, ctx: AsffContext): AwsSecurityFinding {
  const { ref, subject, result, usage, outcome, archived } = input;
  const kind = describeKind(ref.kind);
  const known = live(subject);
  const control = kind.controls[result.check];
  const id = findingId(ref, result.check);
  const usageShown = kind.usageMeasured === true && result.check === 'imdsv2' && !archived;
  const failed = result.compliance === 'NON_COMPLIANT' && !archived;
  const severity: SeverityLabel = failed ? control.severity : 'INFORMATIONAL';
  const now = ctx.now.toISOString();

  const rest: string[] = [];
  if (usageShown && result.compliance !== 'NOT_APPLICABLE') rest.push(usageLine(usage));
  if (outcome) rest.push(outcomeLine(outcome));
  const ctl = control.securityHubControl
    ? `Checks the same as Security Hub control ${control.securityHubControl}.`
    : 'imds-guard\'s own check (no Security Hub control).';
  rest.push(ctl);
  const description = fit(result.reason.trim() || result.compliance, rest, LIMITS.description);

  const finding: AwsSecurityFinding = {
    SchemaVersion: SCHEMA_VERSION,
    Id: id,
    ProductArn: ctx.productArn ?? productArnFor(ctx.account, ctx.region),
    ProductName: PRODUCT_NAME,
    CompanyName: PRODUCT_NAME,
    GeneratorId: generatorId(result.control),
    AwsAccountId: ref.account,
    Region: ref.region,
    Types: [...FINDING_TYPES],
    CreatedAt: createdAt(known, ctx).toISOString(),
    UpdatedAt: now,
    LastObservedAt: now,
    Severity: { Label: severity, Original: severity },
    FindingProviderFields: { Severity: { Label: severity, Original: severity }, Types: [...FINDING_TYPES] },
    Title: titleFor(ref, subject, result, archived),
    Description: description,
    Remediation: {
      Recommendation: { Text: truncate(control.remediation, LIMITS.remediationText), Url: control.remediationUrl },
    },
    ProductFields: productFields(ref, result, {
      'imds-guard/security-hub-control': control.securityHubControl,
      'imds-guard/usage': usageShown ? usageSummary(usage) : undefined,
      'imds-guard/outcome': outcome?.status,
      'imds-guard/outcome-message': outcome ? outcome.message : undefined,
      'imds-guard/verified': outcome?.verifiedCompliance,
      ...(known && kind.productFields?.(known)),
    }),
    Resources: [
      prune({
        Type: kind.asffType,
        Id: resourceArn(ref, subject),
        Partition: partitionOf(ref.region),
        Region: ref.region,
        Tags: asffTags(known && kind.tags?.(known)),
        Details: known && kind.details(known),
      }) as Resource,
    ],
    Compliance: prune({
      Status: archived ? 'NOT_AVAILABLE' : complianceStatus(result.compliance),
      RelatedRequirements: control.relatedRequirements.length > 0 ? [...control.relatedRequirements] : undefined,
      SecurityControlId: control.securityHubControl,
    }),
    RecordState: archived ? 'ARCHIVED' : 'ACTIVE',
  };
  return finding;
}

/** The findings of one report: one per check, ARCHIVED when the resource no longer exists. */
export function findingsFromReport(report: Report, ctx: AsffContext): AwsSecurityFinding[] {
  const { verdict } = report;
  const archived = verdict.subject.kind === 'missing';
  return verdict.checks.map((result) =>
    build({ ref: verdict.ref, subject: verdict.subject, result, usage: report.usage, outcome: report.outcome, archived }, ctx),
  );
}

/** The findings of many reports, in order. */
export function findingsFromReports(reports: readonly Report[], ctx: AsffContext): AwsSecurityFinding[] {
  return reports.flatMap((r) => findingsFromReport(r, ctx));
}

/** ARCHIVED findings for a resource that no longer exists: one per check, built from the ref alone. */
export function archivedFindings(ref: ResourceRef, ctx: AsffContext, checks: readonly CheckId[] = CHECK_IDS): AwsSecurityFinding[] {
  return checks.map((check) =>
    build(
      {
        ref,
        result: {
          check,
          control: describeKind(ref.kind).controls[check].id,
          compliance: 'NOT_APPLICABLE',
          reason: `The ${ref.kind.replace('-', ' ')} ${ref.id} no longer exists; finding archived by imds-guard.`,
        },
        archived: true,
      },
      ctx,
    ),
  );
}
