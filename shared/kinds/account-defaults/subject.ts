/**
 * The account-defaults kind: the region's instance metadata defaults (GetInstanceMetadataDefaults), as described now. Types only.
 */
import type { MetadataOptions, ResourceRef } from '../../model.js';
import type { EnforcementState } from '../../watch/account/record.js';
import type { StageReport } from '../stage.js';

export interface AccountDefaultsSubject {
  kind: 'account-defaults';
  ref: ResourceRef;
  metadata: MetadataOptions;
  /** Whether `HttpTokensEnforced` is on (launches with IMDSv1 are refused). */
  httpTokensEnforced?: boolean;
  /** GetInstanceMetadataDefaults `ManagedBy`: `declarative-policy` when an Organizations declarative policy sets the default. */
  managedBy?: 'account' | 'declarative-policy';
  /**
   * The record of imds-guard's graduation here and of the watch after it
   * (shared/watch/account/record.ts): who switched enforcement on and when,
   * refused launches, the "enforcement rolled back" mark. Absent when no
   * store is wired (then nothing is recorded here).
   */
  enforcement?: EnforcementState;
  /** GetInstanceMetadataDefaults `ManagedExceptionMessage`: the policy owner's message, when a declarative policy manages the default. */
  managedExceptionMessage?: string;
  /** The account-region's migration stage, attached by whoever read the whole account-region (sweep, scan, fix); absent otherwise. */
  stage?: StageReport;
}
