/**
 * `--org`: the organization walker behind `scan --org`, `fix --org` and
 * `doctor --org`.
 *
 * 1. Lists the ACTIVE accounts (Organizations ListAccounts, or
 *    ListAccountsForParent under the given OUs, all levels down), keeps the
 *    ones asked for with --accounts.
 * 2. Assumes the member role `arn:aws:iam::<account>:role/imds-guard/<name>`
 *    ONCE per account (the credentials serve every region); the account the
 *    CLI runs in keeps its own credentials. An account whose role cannot be
 *    assumed is recorded with the reason and the others go on.
 * 3. Runs the per-region work (the same scanRegion / planRegion / doctor
 *    probes as one account) for every account × region, at most
 *    `--concurrency` (default 8) account-regions at once.
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { mapLimit } from '../../shared/aws/batch.js';
import { createClient, createClients, type Clients } from '../../shared/aws/clients.js';
import { listActiveAccounts, listActiveAccountsUnder, type OrgAccount } from '../../shared/aws/organizations.js';
import { assumeRole, memberRoleArn, type Credentials } from '../../shared/aws/sts.js';
import type { OrgOptions } from '../args/options.js';
import type { CliDeps, Identity, RegionError, RegionStatus } from '../engine.js';
import { CredentialsError, describeError, isCredentialsError, type ErrorInfo } from '../errors.js';
import type { Progress } from '../progress.js';
import type { AccountStatus } from './report.js';

export interface OrgDeps {
  organizationsFor(region: string): Pick<OrganizationsClient, 'send'>;
  /** Clients for a region with the given credentials (none: the caller's own chain). */
  clientsWith(region: string, credentials?: Credentials): Clients;
}

export function defaultOrgDeps(): OrgDeps {
  return {
    organizationsFor: (region) => createClient(OrganizationsClient, region),
    clientsWith: createClients,
  };
}

export interface AccountTarget {
  account: string;
  name?: string;
  /** `caller`: the CLI's own credentials; `role`: the assumed member role. */
  via: 'caller' | 'role';
  roleArn?: string;
  credentials?: Credentials;
  /** Why nothing of this account can be read. */
  error?: ErrorInfo;
}

const ROLE_HINT = 'the member role is missing in this account, or does not trust the account the CLI runs in (deploy the member stack with HubAccountId set to it)';

/** Step 1 and 2: the accounts and their credentials. */
export async function resolveTargets(
  org: OrgOptions,
  caller: Identity,
  home: string,
  deps: CliDeps & OrgDeps,
  progress: Progress,
  sessionName: string,
): Promise<{ targets: AccountTarget[]; assumeRoleCalls: number }> {
  let listed: OrgAccount[];
  try {
    const client = deps.organizationsFor(home);
    listed = org.ous.length > 0 ? await listActiveAccountsUnder(client, org.ous) : await listActiveAccounts(client);
  } catch (error) {
    if (isCredentialsError(error)) throw error;
    const { code, message } = describeError(error);
    const operation = org.ous.length > 0 ? 'ListAccountsForParent / ListOrganizationalUnitsForParent' : 'ListAccounts';
    throw new CredentialsError(
      `cannot list the organization's accounts (Organizations ${operation}): ${code ? `${code}: ` : ''}${message} (run --org from the management account or a delegated administrator for AWS Organizations)`,
    );
  }
  const byId = new Map(listed.map((a) => [a.id, a]));
  const chosen: AccountTarget[] = [];
  const wanted = org.accounts.length > 0 ? org.accounts : [...byId.keys()].sort();
  for (const id of wanted) {
    const found = byId.get(id);
    const base: AccountTarget = { account: id, via: id === caller.account ? 'caller' : 'role' };
    if (found?.name) base.name = found.name;
    if (!found) {
      base.error = { message: `not an ACTIVE account of the organization${org.ous.length > 0 ? ' under the given OUs' : ''}` };
    } else if (base.via === 'role') {
      base.roleArn = memberRoleArn(id, org.roleName, home);
    }
    chosen.push(base);
  }
  // The caller's own account first: it needs no role and is the one people know.
  chosen.sort((a, b) => (a.via === 'caller' ? -1 : b.via === 'caller' ? 1 : 0));

  const toAssume = chosen.filter((t) => t.via === 'role' && !t.error);
  let calls = 0;
  await mapLimit(toAssume, org.concurrency, async (target) => {
    progress.update(target.account, `assuming ${target.roleArn}`);
    calls += 1;
    try {
      // One hour covers a long organization scan; the role's own maximum session duration still applies.
      target.credentials = await assumeRole(deps.stsFor(home), target.roleArn as string, sessionName, 3600);
    } catch (error) {
      if (isCredentialsError(error)) throw error;
      const info = describeError(error);
      target.error = { ...info, operation: 'AssumeRole', hint: ROLE_HINT };
      progress.note(`${target.account}: cannot assume ${target.roleArn}: ${info.code ? `${info.code}: ` : ''}${info.message}`);
    }
  });
  const failed = chosen.filter((t) => t.error).length;
  progress.note(
    `Organization: ${chosen.length} account${chosen.length === 1 ? '' : 's'}` +
      (toAssume.length > 0 ? `, role ${org.roleName} assumed in ${toAssume.length - toAssume.filter((t) => t.error).length} of ${toAssume.length}` : '') +
      (failed > 0 ? `, ${failed} cannot be read` : ''),
  );
  return { targets: chosen, assumeRoleCalls: calls };
}

/** The engine's dependencies for one account: its clients carry the account's credentials. */
export function depsFor(target: AccountTarget, deps: CliDeps & OrgDeps): CliDeps {
  return { ...deps, clientsFor: (region) => deps.clientsWith(region, target.credentials) };
}

export function remember(list: Clients[], clients: Clients): Clients {
  list.push(clients);
  return clients;
}

/** Frees the sockets of an account-region's clients once it is done (hundreds of account-regions in one run). */
export function destroyAll(list: readonly Clients[]): void {
  for (const clients of list) for (const c of Object.values(clients)) if (typeof c === 'object' && c !== null && 'destroy' in c) (c as { destroy(): void }).destroy();
}

/** Progress lines say which account a region belongs to. */
export function accountProgress(progress: Progress, account: string): Progress {
  return { update: (region, text) => progress.update(`${account} ${region}`, text), note: (text) => progress.note(text), done: () => undefined };
}

/** Step 3: `fn` for every readable account × region, at most `concurrency` at once, in account-major order. */
export async function forEachAccountRegion<R>(
  targets: readonly AccountTarget[],
  regions: readonly string[],
  concurrency: number,
  fn: (target: AccountTarget, region: string) => Promise<R>,
): Promise<{ target: AccountTarget; region: string; result: R }[]> {
  const work = targets.filter((t) => !t.error).flatMap((target) => regions.map((region) => ({ target, region })));
  return mapLimit(work, concurrency, async ({ target, region }) => ({ target, region, result: await fn(target, region) }));
}

/**
 * A member account's credentials refused mid-run (session expired or revoked:
 * a credential error, which for the caller's own credentials stops the run)
 * fail that account-region only; `undefined` for any other error.
 */
export function roleSessionError(target: AccountTarget, error: unknown): RegionError | undefined {
  if (target.via !== 'role' || !isCredentialsError(error)) return undefined;
  return { scope: 'region', ...describeError(error), hint: `the ${target.roleArn ?? 'member role'} session was refused (expired or revoked); run again` };
}

/** An account's status from its targets and its regions. */
export function accountStatuses(targets: readonly AccountTarget[], regions: readonly RegionStatus[]): AccountStatus[] {
  return targets.map((t) => {
    const mine = regions.filter((r) => r.account === t.account);
    const status: AccountStatus['status'] = t.error
      ? 'failed'
      : mine.length > 0 && mine.every((r) => r.status === 'failed')
        ? 'failed'
        : mine.some((r) => r.status !== 'ok')
          ? 'partial'
          : 'ok';
    const out: AccountStatus = { account: t.account, via: t.via, status };
    if (t.name) out.name = t.name;
    if (t.roleArn) out.roleArn = t.roleArn;
    if (t.error) out.error = t.error;
    return out;
  });
}

