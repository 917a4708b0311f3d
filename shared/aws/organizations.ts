/**
 * The organization's accounts and the member role: Organizations listings
 * (SDK paginators) and one STS AssumeRole per account.
 *
 * Account state: `State` (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, …) is
 * read first; `Status` is the older field AWS retires on 2026-09-09
 * (Organizations API reference, Account), kept as a fallback for emulators
 * and older endpoints.
 */
import {
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  type Account,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from './clients.js';

export interface OrgAccount {
  id: string;
  name?: string;
}

/** The member role's IAM path, created by the member template (issue 10, "Member access role"). */
export const MEMBER_ROLE_PATH = '/imds-guard/';
export const DEFAULT_MEMBER_ROLE = 'imds-guard-member';

function isActive(account: Account): boolean {
  return (account.State ?? account.Status) === 'ACTIVE';
}

function toOrgAccount(account: Account): OrgAccount | undefined {
  if (!account.Id || !isActive(account)) return undefined;
  return account.Name ? { id: account.Id, name: account.Name } : { id: account.Id };
}

/** Every ACTIVE account of the organization (ListAccounts; management or delegated administrator account). */
export async function listActiveAccounts(org: Pick<OrganizationsClient, 'send'>): Promise<OrgAccount[]> {
  const out: OrgAccount[] = [];
  for await (const page of paginateListAccounts({ client: org as OrganizationsClient }, {})) {
    for (const a of page.Accounts ?? []) {
      const account = toOrgAccount(a);
      if (account) out.push(account);
    }
  }
  return out;
}

/**
 * ACTIVE accounts under the given roots / OUs, all levels down
 * (ListAccountsForParent + ListOrganizationalUnitsForParent, breadth first).
 * An account is listed once even when parents overlap.
 */
export async function listActiveAccountsUnder(org: Pick<OrganizationsClient, 'send'>, parentIds: readonly string[]): Promise<OrgAccount[]> {
  const client = { client: org as OrganizationsClient };
  const seenParents = new Set<string>();
  const byId = new Map<string, OrgAccount>();
  const queue = [...parentIds];
  while (queue.length > 0) {
    const parent = queue.shift() as string;
    if (seenParents.has(parent)) continue;
    seenParents.add(parent);
    for await (const page of paginateListAccountsForParent(client, { ParentId: parent })) {
      for (const a of page.Accounts ?? []) {
        const account = toOrgAccount(a);
        if (account && !byId.has(account.id)) byId.set(account.id, account);
      }
    }
    for await (const page of paginateListOrganizationalUnitsForParent(client, { ParentId: parent })) {
      for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) queue.push(ou.Id);
    }
  }
  return [...byId.values()];
}

/** `arn:<partition>:iam::<account>:role/imds-guard/<name>`. */
export function memberRoleArn(account: string, roleName: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:role${MEMBER_ROLE_PATH}${roleName}`;
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` when unknown. */
export function partitionOf(arn: string | undefined): string {
  return arn?.split(':')[1] || 'aws';
}

/**
 * Assumes the member role once; the credentials then serve every region of
 * the account (IAM and STS credentials are global). One hour covers a long
 * organization scan; the role's own maximum session duration still applies.
 */
export async function assumeMemberRole(
  sts: Pick<STSClient, 'send'>,
  roleArn: string,
  sessionName: string,
  durationSeconds = 3600,
): Promise<AwsCredentialIdentity> {
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: durationSeconds }));
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    ...(c.Expiration ? { expiration: c.Expiration } : {}),
  };
}
