/**
 * Reading a Security Hub custom action event (PURE): which resources the
 * selected findings are about, in which account and region, and every other
 * finding with the reason it is ignored.
 *
 * EventBridge event: `detail-type: Security Hub Findings - Custom Action`,
 * `source: aws.securityhub`, `resources[0]` the action target ARN,
 * `detail.actionName`, `detail.actionDescription`, `detail.findings[]` (ASFF).
 * In the aggregated console of a Security Hub administrator the findings are
 * of any member account and linked region.
 *
 * Two kinds of findings are accepted:
 * - imds-guard's own (Id `imds-guard/<region>/<account>/<kind>/<id>/<check>`,
 *   imported into the account's own default product);
 * - Security Hub's control findings for the controls imds-guard fixes
 *   (ProductArn `arn:<partition>:securityhub:<region>::product/aws/securityhub`,
 *   `Compliance.SecurityControlId` — or `ProductFields.ControlId` when
 *   consolidated control findings are off — and `Resources[0]` the resource by
 *   ARN). Shape: Security Hub CSPM user guide, "Sample control findings".
 */
import type { ResourceRef, Scope } from '../model.js';
import { parseFindingRef, productArnFor } from '../findings/asff.js';
import { allKinds, validateRefId } from '../kinds/registry.js';
import type { KindDescription } from '../kinds/types.js';
import { PolicyError } from '../policy.js';
import { validateAccountId, validateRegion } from '../validate.js';

export const CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';

/** Which ASFF resource type is which imds-guard kind (from the registry: each kind's `asffType`). */
export const KIND_OF_RESOURCE_TYPE: ReadonlyMap<string, KindDescription> = new Map(
  allKinds().map(({ description }) => [description.asffType, description] as const),
);

/**
 * Security Hub controls whose findings the action accepts, and the resource
 * type each judges: every kind's controls that are Security Hub's own
 * (EC2.8, EC2.170, AutoScaling.3), for kinds whose ARN names the resource.
 */
export const ACCEPTED_CONTROLS: Readonly<Record<string, string>> = Object.fromEntries(
  allKinds().flatMap(({ description }) =>
    description.idFromArn
      ? Object.values(description.controls).flatMap((c) => (c.securityHubControl ? [[c.securityHubControl, description.asffType] as const] : []))
      : [],
  ),
);

/** `arn:<partition>:<service>:<region>:<account>:<resource>`: the region and account of any ARN. */
const ARN_PLACE = /^arn:aws[a-z-]*:[a-z0-9-]+:([^:]+):(\d{12}):/;

const SECURITY_HUB_PRODUCT = /^arn:aws[a-z-]*:securityhub:([a-z0-9-]+)::product\/aws\/securityhub$/;
/** Security Hub renamed itself "Security Hub CSPM" in 2025; findings carry either name. */
const SECURITY_HUB_PRODUCT_NAMES = new Set(['Security Hub', 'Security Hub CSPM']);

export interface IgnoredFinding {
  findingId: string;
  reason: string;
}

/** One selected finding the action can act on. */
export interface SelectedFinding {
  ref: ResourceRef;
  /** How BatchUpdateFindings names the finding. */
  identifier: { Id: string; ProductArn: string };
  source: 'imds-guard' | 'security-hub';
  /** Security Hub's control id (EC2.8, ...) for a control finding. */
  control?: string;
  /** imds-guard's check for an own finding (`imdsv2`, `hop-limit`). */
  check?: string;
}

export interface CustomActionRequest {
  actionName: string;
  actionArn?: string;
  selected: SelectedFinding[];
  ignored: IgnoredFinding[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Validates account, region and id like any event's ids: a finding is input too. */
function validated(ref: ResourceRef): { ref: ResourceRef } | { reason: string } {
  for (const validation of [validateAccountId(ref.account), validateRegion(ref.region), validateRefId(ref.kind, ref.id)]) {
    if (!validation.ok) return { reason: validation.reason };
  }
  return { ref: { kind: ref.kind, id: ref.id, account: ref.account, region: ref.region } };
}

function firstResource(finding: Json): { type?: string; id?: string } {
  const first = Array.isArray(finding.Resources) && isObject(finding.Resources[0]) ? finding.Resources[0] : {};
  // The ARN as given: trimmed, `…/web ` would name another resource (`web`), and names may end in a space.
  // (A blank one is no ARN: the caller refuses it like any other non-ARN.)
  const id = typeof first.Id === 'string' ? first.Id : undefined;
  return { type: str(first.Type), id };
}

/** An imds-guard finding: the resource from its Id (or ProductFields), checked against its resource type and product. */
function ownFinding(finding: Json, findingId: string): SelectedFinding | { reason: string } | undefined {
  const fields = isObject(finding.ProductFields) ? finding.ProductFields : {};
  const productFields = Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const parsed = parseFindingRef({ Id: findingId, ProductFields: productFields });
  if (!parsed) return undefined;
  const { check, ...raw } = parsed;
  const ok = validated(raw);
  if ('reason' in ok) return ok;
  const type = firstResource(finding).type;
  if (type !== undefined && KIND_OF_RESOURCE_TYPE.get(type)?.kind !== ok.ref.kind) {
    return { reason: `resource type ${type} does not match the finding's kind ${ok.ref.kind}` };
  }
  // Only findings imported into the resource account's default product, as imds-guard imports them.
  const productArn = str(finding.ProductArn);
  if (productArn !== productArnFor(ok.ref.account, ok.ref.region)) {
    return { reason: `not imported by imds-guard into account ${ok.ref.account}'s default product (ProductArn ${productArn ?? 'missing'})` };
  }
  return { ref: ok.ref, identifier: { Id: findingId, ProductArn: productArn }, source: 'imds-guard', check };
}

/** A Security Hub control finding for EC2.8, EC2.170 or AutoScaling.3. */
function controlFinding(finding: Json, findingId: string): SelectedFinding | { reason: string } | undefined {
  const productArn = str(finding.ProductArn);
  const product = productArn ? SECURITY_HUB_PRODUCT.exec(productArn) : null;
  if (!product) return undefined;
  const productName = str(finding.ProductName);
  if (productName !== undefined && !SECURITY_HUB_PRODUCT_NAMES.has(productName)) return { reason: `ProductName ${productName} is not Security Hub` };
  const compliance = isObject(finding.Compliance) ? finding.Compliance : {};
  const fields = isObject(finding.ProductFields) ? finding.ProductFields : {};
  const control = str(compliance.SecurityControlId) ?? str(fields.ControlId);
  const expectedType = control ? ACCEPTED_CONTROLS[control] : undefined;
  if (!control || !expectedType) {
    return { reason: `Security Hub control ${control ?? '(none)'} is not one imds-guard fixes (${Object.keys(ACCEPTED_CONTROLS).join(', ')})` };
  }
  const { type, id: arn } = firstResource(finding);
  if (type !== expectedType) return { reason: `control ${control} finding names a ${type ?? 'missing'} resource, expected ${expectedType}` };
  const description = KIND_OF_RESOURCE_TYPE.get(type)!;
  const place = arn ? ARN_PLACE.exec(arn) : null;
  // ACCEPTED_CONTROLS holds only kinds with idFromArn.
  const id = arn ? description.idFromArn!(arn) : undefined;
  if (!place || id === undefined) return { reason: `Resources[0].Id is not a ${type} ARN` };
  const [, arnRegion, arnAccount] = place as unknown as [string, string, string];
  const account = str(finding.AwsAccountId) ?? arnAccount;
  const region = str(finding.Region) ?? arnRegion;
  if (account !== arnAccount || region !== arnRegion || product[1] !== region) {
    return { reason: `finding of ${account}/${region} names a resource of ${arnAccount}/${arnRegion}` };
  }
  const ok = validated({ kind: description.kind, id, account, region });
  if ('reason' in ok) return ok;
  return { ref: ok.ref, identifier: { Id: findingId, ProductArn: productArn as string }, source: 'security-hub', control };
}

/** What one selected finding is about, or why it is ignored. */
export function selectFinding(finding: unknown): SelectedFinding | { reason: string } {
  if (!isObject(finding)) return { reason: 'not an ASFF finding object' };
  const findingId = str(finding.Id);
  if (!findingId) return { reason: 'finding has no Id' };
  return (
    ownFinding(finding, findingId) ??
    controlFinding(finding, findingId) ?? {
      reason: `neither an imds-guard finding nor a Security Hub control finding for ${Object.keys(ACCEPTED_CONTROLS).join(', ')}`,
    }
  );
}

/** The selected findings and the ignored ones, with reasons. */
export function readCustomAction(event: unknown): CustomActionRequest | { error: string } {
  if (!isObject(event) || event['detail-type'] !== CUSTOM_ACTION_DETAIL_TYPE || event.source !== 'aws.securityhub') {
    return { error: `not a "${CUSTOM_ACTION_DETAIL_TYPE}" event` };
  }
  const detail = isObject(event.detail) ? event.detail : {};
  const findings = Array.isArray(detail.findings) ? detail.findings : [];
  const resources = Array.isArray(event.resources) ? event.resources : [];
  const selected: SelectedFinding[] = [];
  const ignored: IgnoredFinding[] = [];
  for (const finding of findings) {
    const findingId = (isObject(finding) && str(finding.Id)) || '(no Id)';
    const result = selectFinding(finding);
    if ('reason' in result) ignored.push({ findingId, reason: result.reason });
    else selected.push(result);
  }
  const actionArn = str(resources[0]);
  return { actionName: str(detail.actionName) ?? 'custom action', ...(actionArn ? { actionArn } : {}), selected, ignored };
}

/** Selected findings grouped by the account and region they are in (one engine run each). */
export function byPlace(selected: readonly SelectedFinding[]): Map<string, Scope & { findings: SelectedFinding[] }> {
  const places = new Map<string, Scope & { findings: SelectedFinding[] }>();
  for (const f of selected) {
    const key = `${f.ref.account}/${f.ref.region}`;
    const place = places.get(key) ?? { account: f.ref.account, region: f.ref.region, findings: [] };
    place.findings.push(f);
    places.set(key, place);
  }
  return places;
}

/** One ref per resource. */
export function refsOf(findings: readonly SelectedFinding[]): ResourceRef[] {
  const refs = new Map<string, ResourceRef>();
  for (const f of findings) refs.set(`${f.ref.kind}/${f.ref.id}`, f.ref);
  return [...refs.values()];
}

// ── Settings of the hub's action function ─────────────────────────────────────

export const ACTION_SETTINGS = {
  memberRole: 'IMDS_GUARD_MEMBER_ROLE',
  memberAccounts: 'IMDS_GUARD_MEMBER_ACCOUNTS',
} as const;

export interface ActionSettings {
  /** Name of the member role (path `/imds-guard/`) assumed in other accounts. */
  memberRole: string;
  /** Accounts accepted without asking Organizations; undefined = Organizations DescribeAccount decides. */
  memberAccounts?: ReadonlySet<string>;
}

/** IAM role names: 1-64 of `[\w+=,.@-]`. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export function loadActionSettings(env: Record<string, string | undefined> = process.env): ActionSettings {
  const memberRole = env[ACTION_SETTINGS.memberRole]?.trim() || 'imds-guard-member';
  if (!ROLE_NAME.test(memberRole)) throw new PolicyError(`${ACTION_SETTINGS.memberRole}=${JSON.stringify(memberRole)} is not an IAM role name`);
  const settings: ActionSettings = { memberRole };
  const list = env[ACTION_SETTINGS.memberAccounts]?.trim();
  if (list) {
    const accounts = list.split(',').map((a) => a.trim()).filter(Boolean);
    for (const a of accounts) if (!/^\d{12}$/.test(a)) throw new PolicyError(`${ACTION_SETTINGS.memberAccounts}: ${JSON.stringify(a)} is not an account id`);
    settings.memberAccounts = new Set(accounts);
  }
  return settings;
}
