/**
 * What an organization report says about the walk (every account chosen, how
 * it was read, the AssumeRole calls made). Its own module below scan, fix and
 * doctor, which all carry it, and below the walker (./walk.ts) that fills it.
 */
import type { ErrorInfo } from '../errors.js';

export interface AccountStatus {
  account: string;
  name?: string;
  via: 'caller' | 'role';
  roleArn?: string;
  /** `failed`: the role could not be assumed, or every region failed. */
  status: 'ok' | 'partial' | 'failed';
  error?: ErrorInfo;
}

/** What an organization report says about the walk itself. */
export interface OrgReportInfo {
  roleName: string;
  concurrency: number;
  /** Every account chosen, in report order. */
  accounts: AccountStatus[];
  /** STS AssumeRole calls made: at most one per account. */
  assumeRoleCalls: number;
}
