/** `fix --org`: plans for every readable account × region through planRegion, applied after one confirmation. */
import { mapLimit } from '../../shared/aws/batch.js';
import type { OrgOptions } from '../args/options.js';
import { RegionLog, type CliDeps, type Identity, type RegionStatus } from '../engine.js';
import { applyRegion, fixReport, planRegion, realRemediator, type FixInput, type FixReport, type FixRun, type RegionPlan, type RemediatorFactory } from '../fix.js';
import type { Progress } from '../progress.js';
import { accountProgress, accountStatuses, depsFor, forEachAccountRegion, resolveTargets, roleSessionError, type OrgDeps } from './walk.js';

/** `fix --org`: phase 1 (plans) for every account-region; `apply()` is phase 2, after confirmation. */
export async function planFixOrg(
  input: FixInput & { caller: Identity; home: string; org: OrgOptions },
  deps: CliDeps & OrgDeps,
  progress: Progress,
  remediatorFor: RemediatorFactory = realRemediator,
  dryRun = false,
): Promise<FixRun & { accounts: number }> {
  const { targets, assumeRoleCalls } = await resolveTargets(input.org, input.caller, input.home, deps, progress, 'imds-guard-fix');
  const depsByAccount = new Map(targets.map((t) => [t.account, depsFor(t, deps)]));
  const planned = await forEachAccountRegion(targets, input.regions, input.org.concurrency, async (target, region): Promise<RegionPlan> => {
    const accountDeps = depsByAccount.get(target.account) as CliDeps;
    try {
      return await planRegion(region, { ...input, account: target.account }, accountDeps, accountProgress(progress, target.account));
    } catch (error) {
      const refused = roleSessionError(target, error);
      if (!refused) throw error;
      const log = new RegionLog(region);
      log.errors.push(refused);
      return { account: target.account, region, clients: accountDeps.clientsFor(region), log, rows: [], compliant: 0, toFix: [] };
    }
  });
  progress.done();
  const plans: RegionPlan[] = planned.map((p) => p.result);
  const statuses = (): RegionStatus[] => plans.map((p) => ({ ...p.log.status(), account: p.account }));
  return {
    plans,
    accounts: new Set(plans.filter((p) => p.toFix.length > 0).map((p) => p.account)).size,
    pending: plans.reduce((n, p) => n + p.toFix.length, 0),
    async apply() {
      await mapLimit(plans, input.org.concurrency, (plan) =>
        applyRegion(plan, { ...input, account: plan.account }, depsByAccount.get(plan.account) as CliDeps, remediatorFor, accountProgress(progress, plan.account)),
      );
      progress.done();
    },
    report(applied): FixReport {
      const regions = statuses();
      return {
        ...fixReport(input, input.caller.account, deps.now(), { dryRun, applied, plans, regions }),
        organization: { roleName: input.org.roleName, concurrency: input.org.concurrency, accounts: accountStatuses(targets, regions), assumeRoleCalls },
      };
    },
  };
}
