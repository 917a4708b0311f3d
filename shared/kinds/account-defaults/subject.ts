/**
 * The account-defaults kind: the region's instance metadata defaults (GetInstanceMetadataDefaults), as described now. Types only.
 */
import type { MetadataOptions, ResourceRef } from '../../model.js';
import type { StageReport } from '../stage.js';

export interface AccountDefaultsSubject {
  kind: 'account-defaults';
  ref: ResourceRef;
  metadata: MetadataOptions;
  /** Whether `HttpTokensEnforced` is on (launches with IMDSv1 are refused). */
  httpTokensEnforced?: boolean;
  /** GetInstanceMetadataDefaults `ManagedBy`: `declarative-policy` when an Organizations declarative policy sets the default. */
  managedBy?: 'account' | 'declarative-policy';
  /** GetInstanceMetadataDefaults `ManagedExceptionMessage`: the policy owner's message, when a declarative policy manages the default. */
  managedExceptionMessage?: string;
  /** The account-region's migration stage, attached by whoever read the whole account-region (sweep, scan, fix); absent otherwise. */
  stage?: StageReport;
  /**
   * The "enforcement rolled back" mark (ENFORCEMENT_ROLLED_BACK_MARK,
   * shared/kinds/stage.ts), when the watch after graduation set it: no new
   * graduation until a person clears it.
   */
  enforcementRolledBack?: string;
}
