/**
 * What a resource kind is, in two halves (docs/architecture.md, "A kind is the
 * unit of extension"):
 * - a `KindDescription`: pure data and pure functions (names, ASFF and Config
 *   types, the control each check maps to, id rules, ARN, judge, planned
 *   change, finding details, the CloudTrail calls that change it);
 * - a `KindEdge`: the AWS calls (describe by id, list page by page, act) and
 *   the IAM actions those calls need, declared next to them the way Cloud
 *   Custodian actions declare their `permissions`.
 * One `Kind` row per kind in shared/kinds/registry.ts; every stage loops over
 * that table instead of switching on kinds.
 */
import type { Resource } from '@aws-sdk/client-securityhub';
import type { AsffResourceType, Control } from './controls.js';
import type { CheckId, Compliance, MetadataOptions, ResourceKind, ResourceRef, Scope, Tags } from '../model.js';
import type { Plan } from '../verdict.js';
import type { Policy } from '../policy.js';
import type { Validation } from '../validate.js';
import type { AutoScalingUsage } from '../aws/autoscaling.js';
import type { EnforcementState, StageFact, StageReport } from './stage.js';

import type { SubjectOf } from './subject.js';
/** One check's result as a kind judges it; evaluate adds the control from the description. */
export interface Judgement {
  check: CheckId;
  compliance: Compliance;
  reason: string;
}

/** Where a CloudTrail call names resources of this kind (shared/refs/catalog.ts assembles the catalog). */
export interface Trigger {
  eventName: string;
  eventSource: 'ec2.amazonaws.com' | 'autoscaling.amazonaws.com';
  /** Dotted paths, `[]` walks arrays; ids under every path are collected. */
  paths: readonly string[];
  /** Read only when `paths` found nothing (names the loader resolves). */
  fallbackPaths?: readonly string[];
  /** Read only when the record has a value at one of these paths (the call changed what the kind judges). */
  onlyWith?: readonly string[];
}

export interface KindDescription<K extends ResourceKind = ResourceKind> {
  kind: K;
  /**
   * How people read the kind: `one` in sentences, `many` for lists, `title`
   * to start a finding title, `column` in narrow table columns.
   */
  words: { one: string; many: string; title: string; column: string };
  asffType: AsffResourceType;
  /**
   * AWS Config's view of the kind: the resource type of its evaluations, and
   * whether Config records that type (then the custom rule is scoped to it and
   * change-triggered; otherwise only the periodic run judges it).
   */
  config: { type: string; recorded: boolean };
  /** The control each check maps to: one finding per entry. */
  controls: Readonly<Record<CheckId, Control>>;
  /** Validates an id taken from an event or a Config item. */
  validateId(value: unknown): Validation;
  /** Our ref id for a Config configuration item (`undefined`: not usable). */
  configRefId?(item: { resourceId?: string; resourceName?: string; arn?: string }): string | undefined;
  /** The CloudTrail calls that create or change a resource of this kind. */
  triggers: readonly Trigger[];
  /** The ARN Security Hub shows (or its id for an account). */
  arn(ref: ResourceRef, subject?: SubjectOf<K>): string;
  /**
   * The resource id in an ARN of this kind, the inverse of `arn` (Security
   * Hub's control findings name resources by ARN); absent for kinds that have
   * no ARN.
   */
  idFromArn?(arn: string): string | undefined;
  /** The resource's tags; absent for kinds that carry none (exempted by `exemptionSetting`). */
  tags?(subject: SubjectOf<K>): Tags;
  /** For a kind without tags: the setting that exempts a resource by listing it. */
  exemptionSetting?: ExemptionSetting<K>;
  /** How the resource is named in a finding title (default: its id). */
  label?(subject: SubjectOf<K>): string;
  /** When the resource came to be, for a stable finding CreatedAt. */
  createdAt?(subject: SubjectOf<K>): Date | undefined;
  /** What a report row shows beside the verdict: a name, a state, the metadata options in force, the resource's own Auto Scaling group. */
  row(subject: SubjectOf<K>): { name?: string; state?: string; metadata?: MetadataOptions; instanceProfile?: string; group?: string };
  /**
   * The Auto Scaling groups that launch from the resource, as a report shows
   * them, read from the Region's group listing (one per Region, shared by
   * every kind); absent for kinds no group launches from.
   */
  usedBy?(subject: SubjectOf<K>, groups: AutoScalingUsage): string[];
  /** The kind's own judgement: one result per check in `controls`. Pure. */
  judge(subject: SubjectOf<K>, policy: Policy): Judgement[];
  /** Extra `imds-guard/…` ProductFields of the kind's findings. */
  productFields?(subject: SubjectOf<K>): Record<string, string | undefined>;
  /** ASFF `Resources[].Details` for the finding. */
  details(subject: SubjectOf<K>): Resource['Details'];
  /** Whether IMDSv1 use is measured on this kind (CloudWatch MetadataNoToken): the usage gates apply. */
  usageMeasured?: boolean;
  /**
   * A flip of this kind is watched and can be rolled back: the watch record,
   * the rollback mark and the wave group live in the resource's tags
   * (shared/watch/tags.ts). Only kinds with their own IMDSv1 signal.
   */
  watched?: boolean;
  /** The image a resource launched from and when: the AMI's `ImdsSupport: v2.0` lets a resource too young to judge by usage be fixed. */
  launchedFrom?(subject: SubjectOf<K>): { imageId?: string; launchTime?: Date };
  /** The resource id AWS Config evaluates it under (default: the ref id). */
  configResourceId?(ref: ResourceRef): string;
  /** EC2 may not return a new resource of this kind right after the call that made it (eventual consistency): the event loader retries a miss. */
  describedLate?: boolean;
  /** A sentence every finding of the resource carries beside its checks (evaluate appends it), e.g. the watch after graduation. */
  note?(subject: SubjectOf<K>, now: Date): string | undefined;
  /**
   * The kind holds the account-region's IMDSv2 enforcement
   * (HttpTokensEnforced): the ref of its one resource in a scope, whose
   * finding the watch after graduation refreshes (shared/watch/account).
   */
  enforcementRef?(scope: Scope): ResourceRef;
  /**
   * What the resource means for AWS's own IMDSv2 enforcement in its
   * account-region (shared/kinds/stage.ts): a launch path that would be
   * refused, a workload that allows IMDSv1, or the enforcement itself. Pure.
   * Kinds without it do not count towards the stage.
   */
  stageFacts?(subject: SubjectOf<K>): StageFact[];
  /**
   * Set on the kind that carries its account-region's stage (the account
   * default): judged after every other kind, with the stage attached, so its
   * finding and its plan can say it.
   */
  stageCarrier?: {
    attach(subject: SubjectOf<K>, stage: StageReport): SubjectOf<K>;
    stage(subject: SubjectOf<K>): StageReport | undefined;
  };
  remediation: KindRemediation<K>;
}

/** A setting that exempts resources of a kind without tags by listing them. */
export interface ExemptionSetting<K extends ResourceKind> {
  /** The policy list (its environment variable is SETTINGS[setting], shared/policy.ts). */
  setting: 'exemptLaunchConfigurations' | 'exemptAccountDefaultRegions';
  /** What the setting lists the resource by (a name, a Region). */
  value(subject: SubjectOf<K>): string;
}

/** What remediating a resource of this kind means. Pure. */
export interface KindRemediation<K extends ResourceKind> {
  /** The action's name, shown in plans (`modify-instance-metadata-options`, …). */
  action: string;
  /** The metadata options a change starts from: what the resource launches with now. */
  current(subject: SubjectOf<K>, policy: Policy): MetadataOptions;
  /** The options instances inherit (the account default) for fields the resource leaves unset (judged and fixed as evaluate sees them). */
  inheritedOptions?(subject: SubjectOf<K>): MetadataOptions | undefined;
  /** One phrase for the plan summary: what the change does. */
  describe(subject: SubjectOf<K>, hopNote: string, plan: Plan, policy: Policy): string;
  /** Kind-specific fields of the plan (e.g. HttpTokensEnforced for the account default). */
  extras?(subject: SubjectOf<K>, policy: Policy): Partial<Plan>;
  /** True when something beyond HttpTokens and the hop limit is still to change. */
  pending?(subject: SubjectOf<K>, policy: Policy): boolean;
  /**
   * When a change of HttpTokens to required cannot be undone, why (said in
   * the plan, the dry-run note and `fix` before the change): "cannot be
   * rolled back while …". Absent: a rollback is possible.
   */
  irreversible?(subject: SubjectOf<K>): string | undefined;
  /** Why nothing changes although the resource is non-compliant, when the kind knows better. */
  nothingReason?(subject: SubjectOf<K>, policy: Policy): string | undefined;
  /** Imds-guard's own fix replaced the resource (a migrated launch configuration): finished business. */
  superseded?(subject: SubjectOf<K>): Superseded | undefined;
  /** For the kind whose plan can switch on AWS's enforcement (HttpTokensEnforced): what the `enforcement-ready` gate judges by. */
  enforcement?(subject: SubjectOf<K>): EnforcementState;
}

/** A resource imds-guard's fix replaced: not changed again, and deleted only on request (IMDS_GUARD_DELETE_SUPERSEDED). */
export interface Superseded {
  /** What replaced it and how to clear its finding, for the finding note and the CLI. */
  note: string;
  /** The opt-in clean-up. */
  deletion: {
    action: string;
    describe: string;
    /** Why the account could create the resource again, when imds-guard can tell; otherwise deleting needs a confirmation. */
    recreatable?: string;
  };
}

