/**
 * The Inventory: lists everything of one kind in one account and region as
 * subjects, one API page at a time (each kind's edge says how, in
 * shared/kinds/<kind>/edge.ts), so a sweep over 50,000 instances never holds
 * more than a page in memory here. One GetInstanceMetadataDefaults per
 * inventory (an inventory is one run's view): every kind that needs the
 * account default shares it.
 */
import type { InstanceMetadataDefaultsResponse } from '@aws-sdk/client-ec2';
import { DEFAULT_CONCURRENCY, getInstanceMetadataDefaults } from '../aws/ec2.js';
import type { EdgeClients, EdgeContext } from '../kinds/edge-types.js';
import { edgeOf } from '../kinds/registry.js';
import type { SubjectOf } from '../kinds/subject.js';
import type { ResourceKind, Scope } from '../model.js';
import type { Inventory } from '../engine/ports.js';
import type { EnforcementState, EnforcementStore } from '../watch/account/record.js';

export interface InventoryOptions extends Scope {
  /** Calls in flight at once for per-template look-ups. Default 4. */
  concurrency?: number;
  /** Where the account-region's enforcement record lives (read once per inventory). */
  enforcement?: EnforcementStore;
}

export function createInventory(clients: Omit<EdgeClients, 'region'> & { region?: string }, options: InventoryOptions): Inventory {
  let level: Promise<InstanceMetadataDefaultsResponse | undefined> | undefined;
  let record: Promise<EnforcementState> | undefined;
  const store = options.enforcement;
  const ctx: EdgeContext = {
    ...(store ? { enforcement: () => (record ??= store.read()) } : {}),
    clients: { ...clients, region: options.region },
    scope: { account: options.account, region: options.region },
    accountLevel: () => (level ??= getInstanceMetadataDefaults(clients.ec2)),
    // Listing finds what exists: nothing to describe again.
    retryNotFound: async (ids, describe) => describe([...ids]),
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
  };
  return {
    pages: <K extends ResourceKind>(kind: K): AsyncIterable<SubjectOf<K>[]> => edgeOf(kind).list(ctx),
  };
}
