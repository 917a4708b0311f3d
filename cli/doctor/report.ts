/**
 * What `imds-guard doctor` reports: one check per account, region and
 * concern, each `ok`, `warn`, `fail`, `error` (could not be read) or `skip`,
 * with what was found and the fix; and the exit code it gives.
 */
import type { OrgOptions } from '../args/options.js';
import type { Identity } from '../engine.js';
import type { AccountStatus } from '../org/report.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'error' | 'skip';

export type CheckName = 'cloudtrail' | 'config' | 'security-hub' | 'controls' | 'lambda-concurrency' | 'account-default' | 'stage' | 'stack' | 'sweep';

export const CHECKS: readonly CheckName[] = ['cloudtrail', 'config', 'security-hub', 'controls', 'lambda-concurrency', 'account-default', 'stage', 'stack', 'sweep'];

export interface Check {
  account: string;
  region: string;
  check: CheckName;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it (absent when ok). */
  fix?: string;
}

export interface DoctorReport {
  tool: 'imds-guard';
  version: string;
  command: 'doctor';
  account: string;
  generatedAt: string;
  regions: string[];
  checks: Check[];
  organization?: { roleName: string; accounts: AccountStatus[]; assumeRoleCalls: number };
}

export interface DoctorInput {
  caller: Identity;
  home: string;
  regions: string[];
  version: string;
  env: Record<string, string | undefined>;
  stackName?: string;
  org?: OrgOptions;
}

/** A judgement: what a check found and what to do about it. */
export type Verdict = Pick<Check, 'status' | 'detail' | 'fix'>;

/** 0 only when every check is `ok` (or `warn`/`skip`); 1 when something needed is missing (`fail`) or could not be read (`error`); 2 when no account could be read. */
export function doctorExitCode(report: DoctorReport): number {
  const accounts = report.organization?.accounts ?? [];
  if (accounts.length > 0 && accounts.every((a) => a.status === 'failed')) return 2;
  if (accounts.some((a) => a.status === 'failed')) return 1;
  return report.checks.some((c) => c.status === 'fail' || c.status === 'error') ? 1 : 0;
}
