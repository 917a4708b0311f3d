/**
 * The member role: what the hub's custom action (and `imds-guard scan --org`,
 * `fix --org`, `doctor --org`) assumes in each member account. Its permissions
 * are the action function's own needs (infra/iam.ts `actionFunctionNeeds`),
 * minus what only makes sense in the function's account (logs, dead letters,
 * Security Hub: the hub writes its notes itself), plus the read-only calls of
 * `doctor` (shared/aws/preflight.ts `PREFLIGHT_PERMISSIONS`), valid in every
 * region because IAM is global and the role is created once per account.
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

/**
 * Statements with the same resources and condition as one, actions unique and
 * sorted: the member role is created by the StackSet template, which must
 * stay under the 51,200-byte TemplateBody limit.
 */
function merged(statements: readonly Statement[], sid: string): Statement[] {
  const groups = new Map<string, Statement>();
  for (const s of statements) {
    const key = JSON.stringify([s.resources, s.condition ?? null]);
    const seen = groups.get(key);
    const reason = [...new Set([seen?.reason, s.reason].filter((r): r is string => r !== undefined))].join('; ');
    const next = seen ? { ...seen, actions: [...new Set([...seen.actions, ...s.actions])].sort() } : { ...s, actions: [...new Set(s.actions)].sort() };
    groups.set(key, reason ? { ...next, reason } : next);
  }
  return [...groups.values()].map((s, i) => ({ ...s, sid: `${sid}${i + 1}` }));
}

/** The write statements without the actions a read statement with the same resources and condition already grants. */
function beyondReads(write: readonly Statement[], read: readonly Statement[]): Statement[] {
  const key = (s: Statement): string => JSON.stringify([s.resources, s.condition ?? null]);
  const granted = new Map<string, Set<string>>();
  for (const s of read) granted.set(key(s), new Set([...(granted.get(key(s)) ?? []), ...s.actions]));
  return write.map((s) => ({ ...s, actions: s.actions.filter((a) => !granted.get(key(s))?.has(a)) })).filter((s) => s.actions.length > 0);
}

/** Read always; writes only when the member stack allows remediation (never repeating what the reads grant). */
export function memberRoleStatements(needs: { read: readonly Statement[]; write: readonly Statement[] }): Statement[] {
  const read = merged(needs.read.map(anyRegion), 'MemberRead');
  return [...read, ...merged(beyondReads(needs.write.map(anyRegion), read), 'MemberWrite').map((s) => ({ ...s, when: 'RemediationAllowed' as const }))];
}
