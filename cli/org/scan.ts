/** `scan --org`: every readable account × region through scanRegion, one report for the organization. */
import type { Clients } from '../../shared/aws/clients.js';
import type { CliDeps, Identity } from '../engine.js';
import type { OrgOptions } from '../args/options.js';
import type { Progress } from '../progress.js';
import { reportHeader, rowOrder, scanRegion, summarize, type Row, type ScanInput, type ScanReport } from '../scan.js';
import { accountProgress, accountStatuses, destroyAll, forEachAccountRegion, remember, resolveTargets, roleSessionError, type OrgDeps } from './walk.js';

/** A scan's input for every account: the caller's identity and home region instead of one account. */
export interface OrgScanInput extends Omit<ScanInput, 'account'> {
  caller: Identity;
  home: string;
  org: OrgOptions;
}

/** `scan --org`: one report for the organization. */
export async function scanOrg(input: OrgScanInput, deps: CliDeps & OrgDeps, progress: Progress): Promise<ScanReport> {
  const { targets, assumeRoleCalls } = await resolveTargets(input.org, input.caller, input.home, deps, progress, 'imds-guard-scan');
  const results = await forEachAccountRegion(targets, input.regions, input.org.concurrency, async (target, region) => {
    const created: Clients[] = [];
    const accountDeps: CliDeps = { ...deps, clientsFor: (r) => remember(created, deps.clientsWith(r, target.credentials)) };
    try {
      const out = await scanRegion(
        region,
        { account: target.account, regions: input.regions, skippedRegions: [], kinds: input.kinds, policy: input.policy, version: input.version },
        accountDeps,
        accountProgress(progress, target.account),
      );
      return { rows: out.rows, status: { ...out.status, account: target.account } };
    } catch (error) {
      const refused = roleSessionError(target, error);
      if (!refused) throw error;
      return { rows: [] as Row[], status: { account: target.account, region, status: 'failed' as const, errors: [refused] } };
    } finally {
      destroyAll(created);
    }
  });
  progress.done();
  const accountOrder = new Map(targets.map((t, i) => [t.account, i]));
  const inAccount = rowOrder(input.regions);
  const rows: Row[] = results
    .flatMap((r) => r.result.rows)
    .sort((a, b) => (accountOrder.get(a.account) ?? 0) - (accountOrder.get(b.account) ?? 0) || inAccount(a, b));
  const regions = results.map((r) => r.result.status);
  return {
    ...reportHeader(input, input.caller.account, deps.now()),
    regions,
    rows,
    summary: targets.filter((t) => !t.error).flatMap((t) => summarize(rows, input.regions, input.kinds, t.account)),
    organization: { roleName: input.org.roleName, concurrency: input.org.concurrency, accounts: accountStatuses(targets, regions), assumeRoleCalls },
  };
}

