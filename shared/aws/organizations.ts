/**
 * The organization's accounts: Organizations listings (SDK paginators). The
 * member role's ARN and AssumeRole are shared/aws/sts.ts (the custom action's too).
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

export interface OrgAccount {
  id: string;
  name?: string;
}

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
