/**
 * `scan --org`: every readable account × region through scanRegion, at most
 * `--concurrency` at once. Each account-region's rows go to the writer as
 * soon as it finishes, in the order account-regions finish (rows in report
 * order within one), and are released; only the counters of ScanTally stay.
 * An account-region that takes long holds back nobody else's rows.
 */
import type { Clients } from '../../shared/aws/clients.js';
import type { OrgOptions } from '../args/options.js';
import type { CliDeps, Identity, RegionStatus } from '../engine.js';
import type { Progress } from '../progress.js';
import { reportHeader, rowOrder, scanRegion, type Row, type ScanInput, type ScanReport } from '../scan.js';
import type { OrgReportInfo } from './report.js';
import { ScanTally } from './tally.js';
import { accountProgress, accountStatuses, destroyAll, forEachAccountRegion, remember, resolveTargets, roleSessionError, type AccountTarget, type OrgDeps } from './walk.js';
import type { OrgRunResult } from '../outcome.js';

/** A scan's input for every account: the caller's identity and home region instead of one account. */
export interface OrgScanInput extends Omit<ScanInput, 'account'> {
  caller: Identity;
  home: string;
  org: OrgOptions;
}

/** What is known before the first account-region: the report's header and the accounts chosen. */
export interface OrgScanHead {
  header: ReturnType<typeof reportHeader>;
  /** In report order; those with `error` cannot be read. */
  targets: readonly AccountTarget[];
  regions: readonly string[];
  roleName: string;
}

/** The report without its rows: what is known once every account-region is done. */
export type OrgScanSummary = Omit<ScanReport, 'rows' | 'organization'> & { organization: OrgReportInfo };

/** Where the report goes, piece by piece (cli/org/scan-writers.ts, one per format). */
export interface OrgScanWriter {
  begin(head: OrgScanHead): Promise<void>;
  /** One account-region's rows, in report order; not kept after the call. */
  region(target: AccountTarget, status: RegionStatus, rows: readonly Row[]): Promise<void>;
  end(summary: OrgScanSummary, tally: ScanTally): Promise<void>;
}

async function scanAccountRegion(input: OrgScanInput, target: AccountTarget, region: string, deps: CliDeps & OrgDeps, progress: Progress): Promise<{ rows: Row[]; status: RegionStatus }> {
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
    return { rows: [], status: { account: target.account, region, status: 'failed', errors: [refused] } };
  } finally {
    destroyAll(created);
  }
}

export async function scanOrg(input: OrgScanInput, deps: CliDeps & OrgDeps, progress: Progress, writer: OrgScanWriter): Promise<OrgRunResult> {
  const { targets, assumeRoleCalls } = await resolveTargets(input.org, input.caller, input.home, deps, progress, 'imds-guard-scan');
  const header = reportHeader(input, input.caller.account, deps.now());
  await writer.begin({ header, targets, regions: input.regions, roleName: input.org.roleName });
  const tally = new ScanTally(
    targets.filter((t) => !t.error).map((t) => t.account),
    input.regions,
    input.kinds,
  );
  const inAccount = rowOrder(input.regions);
  await forEachAccountRegion(targets, input.regions, input.org.concurrency, async (target, region) => {
    const { rows, status } = await scanAccountRegion(input, target, region, deps, progress);
    rows.sort(inAccount);
    tally.add(target.account, region, rows, status);
    await writer.region(target, status, rows);
  });
  progress.done();
  const regions = tally.regionStatuses();
  const organization: OrgReportInfo = { roleName: input.org.roleName, concurrency: input.org.concurrency, accounts: accountStatuses(targets, regions), assumeRoleCalls };
  await writer.end({ ...header, regions, summary: tally.summary(), organization }, tally);
  return { accounts: organization.accounts, regions, open: tally.open };
}
