/**
 * The member role: what the hub's custom action (and `imds-guard scan --org`)
 * assumes in each member account. Its permissions are the action function's
 * own needs (infra/stack.ts `actionFunctionNeeds`), minus what only makes
 * sense in the function's account (logs, dead letters, Security Hub: the hub
 * writes its notes itself), valid in every region because IAM is global and
 * the role is created once per account.
 */
import type { Statement } from './model.js';

/** Trusted by the hub account only, and only by principals of the organization. */
export function memberTrustPolicy<T>(hubAccountRoot: T, organizationId: T) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'HubAccountOfTheOrganization',
        Effect: 'Allow',
        Principal: { AWS: hubAccountRoot },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
      },
    ],
  };
}

/** `${AWS::Region}` → `*`: the one role serves every region of the account. */
function anyRegion<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('${AWS::Region}', '*') as T;
  if (Array.isArray(value)) return value.map(anyRegion) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, anyRegion(v)])) as T;
  return value;
}

/** Read always; writes only when the member stack allows remediation. */
export function memberRoleStatements(needs: { read: readonly Statement[]; write: readonly Statement[] }): Statement[] {
  return [
    ...needs.read.map((s) => anyRegion({ ...s, sid: `Member${s.sid}` })),
    ...needs.write.map((s) => anyRegion({ ...s, sid: `Member${s.sid}`, when: 'RemediationAllowed' as const })),
  ];
}
