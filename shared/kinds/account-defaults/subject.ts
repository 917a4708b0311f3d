/**
 * The account-defaults kind: the region's instance metadata defaults (GetInstanceMetadataDefaults), as described now. Types only.
 */
import type { MetadataOptions, ResourceRef } from '../../model.js';

export interface AccountDefaultsSubject {
  kind: 'account-defaults';
  ref: ResourceRef;
  metadata: MetadataOptions;
  /** Whether `HttpTokensEnforced` is on (launches with IMDSv1 are refused). */
  httpTokensEnforced?: boolean;
  /** GetInstanceMetadataDefaults `ManagedBy`: `declarative-policy` when an Organizations declarative policy sets the default. */
  managedBy?: 'account' | 'declarative-policy';
}
