/**
 * Edge: which resources have a Security Hub finding a person set to
 * SUPPRESSED. imds-guard respects that as an exemption from remediation (not
 * from detection: the finding is still published). Any ACTIVE finding of the
 * resource counts, imds-guard's own or Security Hub's control findings
 * (EC2.8, AutoScaling.3, EC2.170): people suppress where they look.
 *
 * GetFindings takes at most 20 values per filter attribute
 * (AwsSecurityFindingFilters: "up to 20 filter values"), so resource ARNs go
 * 20 a call; asked only for resources about to be changed in enforce mode.
 */
import { GetFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { refKey, type ResourceRef } from '../model.js';
import type { PermissionStatement } from '../kinds/edge-types.js';
import { ARN, HERE } from '../kinds/permissions.js';
import { resourceArn } from './asff.js';

import type { SuppressedLookup } from '../engine/ports.js';
export const ARNS_PER_CALL = 20;

/** IAM of the look-up (infra/stack.ts grants it to the functions that remediate and publish). */
export const SUPPRESSED_PERMISSIONS: PermissionStatement = {
  sid: 'ReadSuppressedFindings',
  actions: ['securityhub:GetFindings'],
  resources: [`${ARN}:securityhub:${HERE}:hub/default`],
};

export function createSuppressedLookup(securityHub: Pick<SecurityHubClient, 'send'>): SuppressedLookup {
  return async (resources) => {
    const out = new Map<string, string>();
    const byArn = new Map<string, ResourceRef>();
    for (const { ref, subject } of resources) byArn.set(resourceArn(ref, subject), ref);
    const arns = [...byArn.keys()];
    for (let i = 0; i < arns.length; i += ARNS_PER_CALL) {
      const part = arns.slice(i, i + ARNS_PER_CALL);
      let nextToken: string | undefined;
      do {
        const page = await securityHub.send(
          new GetFindingsCommand({
            Filters: {
              ResourceId: part.map((Value) => ({ Value, Comparison: 'EQUALS' })),
              WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'EQUALS' }],
              RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
            },
            MaxResults: 100,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const finding of page.Findings ?? []) {
          for (const resource of finding.Resources ?? []) {
            const ref = resource.Id ? byArn.get(resource.Id) : undefined;
            if (!ref || out.has(refKey(ref))) continue;
            const control = finding.Compliance?.SecurityControlId ?? finding.GeneratorId ?? 'finding';
            out.set(refKey(ref), `its Security Hub finding ${control} (${finding.Title ?? finding.Id}) was set to SUPPRESSED`);
          }
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken);
    }
    return out;
  };
}
