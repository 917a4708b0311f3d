/**
 * Reading a Security Hub custom action event (PURE): the refs of the selected
 * imds-guard findings in this function's scope, and every other finding with
 * the reason it is ignored.
 *
 * EventBridge event: `detail-type: Security Hub Findings - Custom Action`,
 * `source: aws.securityhub`, `resources[0]` the action target ARN,
 * `detail.actionName`, `detail.actionDescription`, `detail.findings[]` (ASFF).
 */
import type { Scope } from './lambda.js';
import { parseFindingRef, productArnFor } from './findings/asff.js';
import type { ResourceRef } from './model.js';
import { validateRefId } from './kinds/registry.js';
import { validateAccountId, validateRegion } from './refs/validate.js';

export const CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';

export interface IgnoredFinding {
  findingId: string;
  reason: string;
}

export interface CustomActionRequest {
  actionName: string;
  actionArn?: string;
  refs: ResourceRef[];
  ignored: IgnoredFinding[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The resource an imds-guard finding is about (its Id, else its ProductFields;
 * see shared/findings/asff.ts), with the id validated like any event's ids:
 * a finding is input too.
 */
export function refOfFinding(finding: unknown): { ref: ResourceRef } | { reason: string } {
  if (!isObject(finding)) return { reason: 'not an ASFF finding object' };
  const fields = isObject(finding.ProductFields) ? finding.ProductFields : {};
  const productFields = Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const parsed = parseFindingRef({ Id: str(finding.Id), ProductFields: productFields });
  if (!parsed) return { reason: 'not an imds-guard finding (neither its Id nor its ProductFields name an imds-guard resource)' };
  const { check: _check, ...ref } = parsed;
  for (const validation of [validateAccountId(ref.account), validateRegion(ref.region), validateRefId(ref.kind, ref.id)]) {
    if (!validation.ok) return { reason: validation.reason };
  }
  return { ref };
}

/** Refs from the selected findings, in this function's scope, one per resource. */
export function readCustomAction(event: unknown, scope: Scope): CustomActionRequest | { error: string } {
  if (!isObject(event) || event['detail-type'] !== CUSTOM_ACTION_DETAIL_TYPE || event.source !== 'aws.securityhub') {
    return { error: `not a "${CUSTOM_ACTION_DETAIL_TYPE}" event` };
  }
  const detail = isObject(event.detail) ? event.detail : {};
  const findings = Array.isArray(detail.findings) ? detail.findings : [];
  const resources = Array.isArray(event.resources) ? event.resources : [];
  const refs = new Map<string, ResourceRef>();
  const ignored: IgnoredFinding[] = [];
  for (const finding of findings) {
    const findingId = (isObject(finding) && str(finding.Id)) || '(no Id)';
    const parsed = refOfFinding(finding);
    if ('reason' in parsed) {
      ignored.push({ findingId, reason: parsed.reason });
      continue;
    }
    const { ref } = parsed;
    if (ref.account !== scope.account || ref.region !== scope.region) {
      ignored.push({
        findingId,
        reason: `resource in ${ref.account}/${ref.region}; this function acts in ${scope.account}/${scope.region} only`,
      });
      continue;
    }
    // Only findings imported into this account's default product, as imds-guard imports them, can trigger a fix.
    const productArn = isObject(finding) ? str(finding.ProductArn) : undefined;
    if (productArn !== productArnFor(scope.account, scope.region)) {
      ignored.push({ findingId, reason: `not imported by imds-guard into this account's default product (ProductArn ${productArn ?? 'missing'})` });
      continue;
    }
    refs.set(`${ref.kind}/${ref.id}`, ref);
  }
  const actionArn = str(resources[0]);
  return {
    actionName: str(detail.actionName) ?? 'custom action',
    ...(actionArn ? { actionArn } : {}),
    refs: [...refs.values()],
    ignored,
  };
}
