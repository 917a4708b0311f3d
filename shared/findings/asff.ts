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
import { ASFF_RESOURCE_TYPES, CHECKS, CONTROLS, controlFor, type SeverityLabel } from '../controls.js';
import type { CheckId, CheckResult, Compliance, MetadataOptions, Outcome, ResourceKind, ResourceRef, Subject, Tags, UsageEvidence } from '../model.js';
import { RESOURCE_KINDS } from '../model.js';
import type { Report } from '../ports.js';

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

export type AwsPartition = 'aws' | 'aws-cn' | 'aws-us-gov';

/** The partition of a Region name. */
export function partitionOf(region: string): AwsPartition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
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

function isKind(value: unknown): value is ResourceKind {
  return typeof value === 'string' && (RESOURCE_KINDS as readonly string[]).includes(value);
}

function isCheck(value: unknown): value is CheckId {
  return typeof value === 'string' && (CHECKS as readonly string[]).includes(value);
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

/** The resource's ARN (or Security Hub's id for an account). */
export function resourceArn(ref: ResourceRef, subject?: Subject): string {
  const p = partitionOf(ref.region);
  switch (ref.kind) {
    case 'instance':
      return `arn:${p}:ec2:${ref.region}:${ref.account}:instance/${ref.id}`;
    case 'launch-template':
      return `arn:${p}:ec2:${ref.region}:${ref.account}:launch-template/${ref.id}`;
    case 'launch-configuration':
      // The real ARN carries a UUID we only know from a description.
      return subject?.kind === 'launch-configuration' && subject.arn ? subject.arn : ref.id;
    case 'account-defaults':
      return `AWS::::Account:${ref.account}`;
  }
}

const KIND_TITLE: Record<ResourceKind, string> = {
  instance: 'EC2 instance',
  'launch-template': 'Launch template',
  'launch-configuration': 'Launch configuration',
  'account-defaults': 'Account default',
};

function label(ref: ResourceRef, subject?: Subject): string {
  if (subject?.kind === 'launch-template') return `${subject.name} (${ref.id})`;
  if (ref.kind === 'account-defaults') return `metadata options in ${ref.region}`;
  return ref.id;
}

function titleFor(ref: ResourceRef, subject: Subject | undefined, result: CheckResult, archived: boolean): string {
  const what = `${KIND_TITLE[ref.kind]} ${label(ref, subject)}`;
  let state: string;
  if (archived) state = 'no longer exists';
  else if (result.check === 'imdsv2') {
    state = result.compliance === 'NON_COMPLIANT' ? 'accepts IMDSv1' : result.compliance === 'COMPLIANT' ? 'does not accept IMDSv1' : 'IMDSv2 check not applicable';
  } else {
    state =
      result.compliance === 'NON_COMPLIANT'
        ? 'hop limit above the ceiling'
        : result.compliance === 'COMPLIANT'
          ? 'hop limit within the ceiling'
          : 'hop-limit check not applicable';
  }
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

function metadataDetails(m: MetadataOptions | undefined): Record<string, string | number> | undefined {
  if (!m) return undefined;
  return prune({
    HttpEndpoint: m.httpEndpoint,
    HttpProtocolIpv6: m.httpProtocolIpv6,
    HttpPutResponseHopLimit: m.httpPutResponseHopLimit,
    HttpTokens: m.httpTokens,
    InstanceMetadataTags: m.instanceMetadataTags,
  }) as Record<string, string | number>;
}

/** Drops `undefined` values (recursively) so the JSON carries only what we know. */
function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const pv = prune(v);
      if (pv && typeof pv === 'object' && !Array.isArray(pv) && Object.keys(pv).length === 0) continue;
      out[k] = pv;
    }
    return out as T;
  }
  return value;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function resourceDetails(subject: Subject | undefined): Resource['Details'] {
  if (!subject) return undefined;
  switch (subject.kind) {
    case 'instance':
      return prune({
        AwsEc2Instance: {
          Type: subject.instanceType,
          ImageId: subject.imageId,
          IamInstanceProfileArn: subject.instanceProfileArn,
          LaunchedAt: subject.launchTime?.toISOString(),
          MetadataOptions: metadataDetails(subject.metadata),
        },
      });
    case 'launch-template':
      return prune({
        AwsEc2LaunchTemplate: {
          Id: subject.ref.id,
          LaunchTemplateName: subject.name,
          DefaultVersionNumber: subject.defaultVersion.versionNumber,
          LatestVersionNumber: subject.latestVersion?.versionNumber ?? subject.defaultVersion.versionNumber,
          LaunchTemplateData: { MetadataOptions: metadataDetails(subject.defaultVersion.metadata) },
        },
      });
    case 'launch-configuration': {
      const m = subject.metadata;
      return prune({
        AwsAutoScalingLaunchConfiguration: {
          LaunchConfigurationName: subject.name,
          CreatedTime: subject.createdTime?.toISOString(),
          ImageId: str(subject.raw['ImageId']),
          InstanceType: str(subject.raw['InstanceType']),
          MetadataOptions: m
            ? prune({ HttpEndpoint: m.httpEndpoint, HttpPutResponseHopLimit: m.httpPutResponseHopLimit, HttpTokens: m.httpTokens })
            : undefined,
        },
      });
    }
    case 'account-defaults': {
      const m = subject.metadata;
      return prune({
        Other: {
          HttpTokens: m.httpTokens ?? 'no-preference',
          HttpPutResponseHopLimit: m.httpPutResponseHopLimit === undefined ? 'no-preference' : String(m.httpPutResponseHopLimit),
          HttpEndpoint: m.httpEndpoint ?? 'no-preference',
          InstanceMetadataTags: m.instanceMetadataTags ?? 'no-preference',
          HttpTokensEnforced: subject.httpTokensEnforced === undefined ? 'unknown' : subject.httpTokensEnforced ? 'enabled' : 'disabled',
        },
      });
    }
    case 'missing':
      return undefined;
  }
}

/** Tags as ASFF accepts them: non-empty values, at most 50. */
function asffTags(tags: Tags | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  const entries = Object.entries(tags).filter(([k, v]) => k !== '' && v !== '').slice(0, LIMITS.tags);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function tagsOf(subject: Subject | undefined): Tags | undefined {
  return subject?.kind === 'instance' || subject?.kind === 'launch-template' ? subject.tags : undefined;
}

/**
 * A stable CreatedAt without reading the stored finding back: when the resource
 * came to be (instance launch, template or configuration creation), else now
 * (account defaults, archived findings). An instance's LaunchTime moves when
 * it is stopped and started.
 */
function createdAt(subject: Subject | undefined, ctx: AsffContext): Date {
  if (subject?.kind === 'instance' && subject.launchTime) return subject.launchTime;
  if ((subject?.kind === 'launch-configuration' || subject?.kind === 'launch-template') && subject.createdTime) return subject.createdTime;
  return ctx.now;
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
  const control = CONTROLS[result.control];
  const id = findingId(ref, result.check);
  const failed = result.compliance === 'NON_COMPLIANT' && !archived;
  const severity: SeverityLabel = failed ? control.severity : 'INFORMATIONAL';
  const now = ctx.now.toISOString();

  const rest: string[] = [];
  if (ref.kind === 'instance' && result.check === 'imdsv2' && !archived && result.compliance !== 'NOT_APPLICABLE') rest.push(usageLine(usage));
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
    CreatedAt: createdAt(subject, ctx).toISOString(),
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
      'imds-guard/usage': ref.kind === 'instance' && result.check === 'imdsv2' && !archived ? usageSummary(usage) : undefined,
      'imds-guard/outcome': outcome?.status,
      'imds-guard/outcome-message': outcome ? outcome.message : undefined,
      'imds-guard/verified': outcome?.verifiedCompliance,
      'imds-guard/metadata-state': subject?.kind === 'instance' ? subject.metadataState : undefined,
    }),
    Resources: [
      prune({
        Type: ASFF_RESOURCE_TYPES[ref.kind],
        Id: resourceArn(ref, subject),
        Partition: partitionOf(ref.region),
        Region: ref.region,
        Tags: asffTags(tagsOf(subject)),
        Details: resourceDetails(subject),
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
export function archivedFindings(ref: ResourceRef, ctx: AsffContext, checks: readonly CheckId[] = CHECKS): AwsSecurityFinding[] {
  return checks.map((check) =>
    build(
      {
        ref,
        result: {
          check,
          control: controlFor(ref.kind, check),
          compliance: 'NOT_APPLICABLE',
          reason: `The ${ref.kind.replace('-', ' ')} ${ref.id} no longer exists; finding archived by imds-guard.`,
        },
        archived: true,
      },
      ctx,
    ),
  );
}
