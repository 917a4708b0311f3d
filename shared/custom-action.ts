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
import { RESOURCE_KINDS, type ResourceKind, type ResourceRef } from './model.js';

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
 * The resource an imds-guard finding is about, from its ProductFields
 * (`imds-guard/kind`, `imds-guard/id`), AwsAccountId and Region.
 * Interim local parser until shared/findings/asff.ts exports parseFindingRef.
 */
export function parseFindingRef(finding: unknown): { ref: ResourceRef } | { reason: string } {
  if (!isObject(finding)) return { reason: 'not an ASFF finding object' };
  const fields = isObject(finding.ProductFields) ? finding.ProductFields : {};
  const kind = str(fields['imds-guard/kind']);
  const id = str(fields['imds-guard/id']);
  if (kind === undefined || id === undefined) return { reason: 'not an imds-guard finding (no imds-guard/kind and imds-guard/id product fields)' };
  if (!(RESOURCE_KINDS as readonly string[]).includes(kind)) return { reason: `unknown resource kind ${JSON.stringify(kind)}` };
  const account = str(finding.AwsAccountId);
  const region = str(finding.Region);
  if (!account || !/^\d{12}$/.test(account)) return { reason: 'no valid AwsAccountId' };
  if (!region) return { reason: 'no Region' };
  return { ref: { kind: kind as ResourceKind, id, account, region } };
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
    const parsed = parseFindingRef(finding);
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
