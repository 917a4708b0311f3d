/**
 * The AWS half of a kind (see shared/kinds/types.ts): how refs are described,
 * how a Region is listed, how a plan is carried out, and the IAM actions
 * those calls need. `permissions` must name exactly the commands the edge
 * sends; test/infra/permissions.test.ts checks that against the bundles.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client, InstanceMetadataDefaultsResponse } from '@aws-sdk/client-ec2';
import type { Action } from '../act/types.js';
import type { ResourceKind, ResourceRef, Scope } from '../model.js';
import type { Subject, SubjectOf } from './subject.js';
import type { EnforcementState } from '../watch/account/record.js';

export interface EdgeClients {
  region: string;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

export interface DescribeResult<T> {
  found: T[];
  missing: string[];
}

export interface EdgeContext {
  clients: EdgeClients;
  scope: Scope;
  /** GetInstanceMetadataDefaults, called at most once per load or inventory. */
  accountLevel(): Promise<InstanceMetadataDefaultsResponse | undefined>;
  /**
   * Describes ids, and describes again after short delays those not found yet
   * (eventual consistency right after a create), for kinds the loader retries.
   */
  retryNotFound<T>(
    ids: readonly string[],
    describe: (ids: string[]) => Promise<DescribeResult<T>>,
    retryable?: (id: string) => boolean,
  ): Promise<DescribeResult<T>>;
  /** Describe calls in flight at once. */
  concurrency?: number;
  /**
   * The account-region's enforcement record (shared/watch/account), read at
   * most once per load or inventory; absent where no store is wired.
   */
  enforcement?(): Promise<EnforcementState>;
}

/** An IAM statement an edge needs, in `Fn::Sub` syntax (`${AWS::Region}`…) where it names resources. */
export interface PermissionStatement {
  sid: string;
  actions: readonly string[];
  /** `*` only where the actions have no resource-level permissions. */
  resources: readonly string[];
  condition?: Record<string, Record<string, string | readonly string[]>>;
  /**
   * Why a resource is a wildcard (`*`, or an ARN ending in `/*`): rendered
   * beside the statement as the acknowledgement reviewers and cdk-nag read
   * (infra/nag.ts); the build refuses a wildcard without one.
   */
  reason?: string;
}

export interface KindEdge<K extends ResourceKind = ResourceKind> {
  /** Describes refs of this kind; keyed by the requested ref's refKey; a ref left out is missing. */
  load(refs: readonly ResourceRef[], ctx: EdgeContext): Promise<Map<string, SubjectOf<K>>>;
  /**
   * Resources of this kind whose verdict depends on `changed` resources of
   * other kinds (a group launching from a template that just changed), so an
   * event about those re-judges these too. Given described subjects, so a
   * template named in the event by its name is matched by id and name.
   */
  related?(changed: readonly Subject[], ctx: EdgeContext): Promise<ResourceRef[]>;
  /** Every resource of this kind in the Region, one API page at a time. */
  list(ctx: EdgeContext): AsyncIterable<SubjectOf<K>[]>;
  permissions: {
    /** What `load` calls (read-only; no resource-level permissions). */
    describe: readonly string[];
    /** What `list` calls. */
    list: readonly string[];
  };
}

/**
 * How a kind is remediated: the action and the IAM statements it needs. Kept
 * apart from the read-only edge (shared/kinds/remedies.ts) so that only the
 * functions that remediate bundle, and are granted, the write calls.
 */
export interface KindRemedy {
  act: Action;
  permissions: readonly PermissionStatement[];
  /**
   * The fix replaces the resource instead of changing it (a launch
   * configuration is migrated to a template): described again it would still
   * judge as before, so the action's own check is the verification.
   */
  replaces?: true;
}

/** The batch options of shared/aws/ describe helpers, from the context. */
export function batchOf(ctx: EdgeContext): { concurrency?: number } {
  return ctx.concurrency === undefined ? {} : { concurrency: ctx.concurrency };
}
