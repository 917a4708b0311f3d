/**
 * `imds-guard doctor`: per account and region, what the deployment needs and
 * whether it is there, each with its fix (./checks.ts, judged by ./judge.ts).
 * One account: its regions, 4 at once. With --org: every readable account ×
 * region through the organization walker, one AssumeRole per member account.
 */
import { mapLimit } from '../../shared/aws/batch.js';
import { createPreflightClients, type PreflightClients } from '../../shared/aws/preflight.js';
import type { Credentials } from '../../shared/aws/sts.js';
import type { CliDeps } from '../engine.js';
import { accountProgress, accountStatuses, forEachAccountRegion, resolveTargets, roleSessionError, type AccountTarget, type OrgDeps } from '../org/walk.js';
import type { Progress } from '../progress.js';
import { checkRegion } from './checks.js';
import { CHECKS, type Check, type DoctorInput, type DoctorReport } from './report.js';

export interface DoctorDeps extends CliDeps, OrgDeps {
  /** CloudTrail, Lambda, CloudFormation clients (shared/aws/preflight.ts). */
  preflightWith?(region: string, credentials?: Credentials): PreflightClients;
}

export async function doctor(input: DoctorInput, deps: DoctorDeps, progress: Progress): Promise<DoctorReport> {
  const now = deps.now();
  const preflightWith = deps.preflightWith ?? createPreflightClients;
  const report: DoctorReport = {
    tool: 'imds-guard',
    version: input.version,
    command: 'doctor',
    account: input.caller.account,
    generatedAt: now.toISOString(),
    regions: input.regions,
    checks: [],
  };
  if (!input.org) {
    const results = await mapLimit(input.regions, 4, (region) =>
      checkRegion(input.caller.account, region, input, deps.clientsFor, (r) => preflightWith(r), now, progress),
    );
    progress.done();
    report.checks = results.flat();
    return report;
  }
  const { targets, assumeRoleCalls } = await resolveTargets(input.org, input.caller, input.home, deps, progress, 'imds-guard-doctor');
  const results = await forEachAccountRegion(targets, input.regions, input.org.concurrency, async (target: AccountTarget, region): Promise<Check[]> => {
    try {
      return await checkRegion(
        target.account,
        region,
        input,
        (r) => deps.clientsWith(r, target.credentials),
        (r) => preflightWith(r, target.credentials),
        now,
        accountProgress(progress, target.account),
        target.via === 'role' ? input.org?.roleName : undefined,
      );
    } catch (error) {
      const refused = roleSessionError(target, error);
      if (!refused) throw error;
      return CHECKS.map((check) => ({ account: target.account, region, check, status: 'error' as const, detail: `could not be read: ${refused.code ?? ''} ${refused.message}`.trim(), fix: refused.hint ?? '' }));
    }
  });
  progress.done();
  report.checks = results.flatMap((r) => r.result);
  const regionStatuses = results.map((r) => ({
    account: r.target.account,
    region: r.region,
    status: r.result.every((c) => c.status === 'error') ? ('failed' as const) : r.result.some((c) => c.status === 'error') ? ('partial' as const) : ('ok' as const),
    errors: [],
  }));
  report.organization = { roleName: input.org.roleName, accounts: accountStatuses(targets, regionStatuses), assumeRoleCalls };
  return report;
}

