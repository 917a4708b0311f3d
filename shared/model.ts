/**
 * The vocabulary of imds-guard (see ARCHITECTURE.md): resource kinds,
 * references, subjects (freshly described state), verdicts and plans. Types,
 * and the few pure helpers that go with them.
 */

/**
 * Every resource kind, in sweep and report order. A kind is named here and
 * described in its folder, shared/kinds/<kind>/ (shared/kinds/registry.ts
 * fails to compile when a name has no row). The names live here rather than
 * in the registry so that modules
 * every function bundles (shared/policy.ts) read them without bundling every
 * kind's AWS calls (and being granted them: test/infra/permissions.test.ts).
 */
export const KIND_NAMES = ['instance', 'launch-template', 'launch-configuration', 'account-defaults', 'auto-scaling-group'] as const;
export type ResourceKind = (typeof KIND_NAMES)[number];

export function isKind(value: unknown): value is ResourceKind {
  return typeof value === 'string' && (KIND_NAMES as readonly string[]).includes(value);
}

/**
 * What an entry point knows about a resource: identifiers only, never state.
 * `id` is the instance id (`i-…`), launch template id (`lt-…`), launch
 * configuration name, or, for `account-defaults`, the account id itself.
 */
export interface ResourceRef {
  kind: ResourceKind;
  id: string;
  account: string;
  region: string;
}

/** One string per resource, for maps and de-duplication. */
export function refKey(ref: ResourceRef): string {
  return `${ref.account}/${ref.region}/${ref.kind}/${ref.id}`;
}

import type { AutoScalingGroupSubject } from './kinds/auto-scaling-group/subject.js';

export type HttpTokens = 'optional' | 'required';
export type HttpEndpoint = 'enabled' | 'disabled';

/**
 * Instance metadata options as set on a resource. A field is `undefined`
 * when the resource leaves it unset (launch templates, account defaults),
 * which is different from an explicit value.
 */
export interface MetadataOptions {
  httpTokens?: HttpTokens;
  httpPutResponseHopLimit?: number;
  httpEndpoint?: HttpEndpoint;
  httpProtocolIpv6?: 'enabled' | 'disabled';
  instanceMetadataTags?: 'enabled' | 'disabled';
}

export type Tags = Record<string, string>;

export interface InstanceSubject {
  kind: 'instance';
  ref: ResourceRef;
  /** EC2 instance state name: pending, running, stopping, stopped, shutting-down, terminated. */
  state: string;
  metadata: MetadataOptions;
  /** `pending` while a ModifyInstanceMetadataOptions change is being applied. */
  metadataState?: 'pending' | 'applied';
  tags: Tags;
  launchTime?: Date;
  imageId?: string;
  instanceType?: string;
  instanceProfileArn?: string;
  /** From the `aws:autoscaling:groupName` tag, when the instance belongs to a group. */
  autoScalingGroup?: string;
}

export interface LaunchTemplateVersionSummary {
  versionNumber: number;
  metadata: MetadataOptions;
}

export interface LaunchTemplateSubject {
  kind: 'launch-template';
  ref: ResourceRef;
  name: string;
  tags: Tags;
  createdTime?: Date;
  defaultVersion: LaunchTemplateVersionSummary;
  /** Present when `$Latest` differs from the default version. */
  latestVersion?: LaunchTemplateVersionSummary;
  /** The region's account default, used for options the template leaves unset. */
  accountDefaults?: MetadataOptions;
}

export interface LaunchConfigurationSubject {
  kind: 'launch-configuration';
  ref: ResourceRef;
  name: string;
  arn?: string;
  /** `undefined` when the launch configuration has no MetadataOptions at all. */
  metadata?: MetadataOptions;
  createdTime?: Date;
  /** The full DescribeLaunchConfigurations record, kept for migration to a launch template. */
  raw: Record<string, unknown>;
  /**
   * The launch template imds-guard made from this configuration (tagged
   * `imds-guard:source-launch-configuration=<name>`), when there is one
   * (issue 12: a migrated configuration is superseded).
   */
  supersededBy?: { id: string; name: string };
  /** Auto Scaling groups that still launch from it; looked up only when `supersededBy` is set. */
  usedBy?: string[];
}

export interface AccountDefaultsSubject {
  kind: 'account-defaults';
  ref: ResourceRef;
  metadata: MetadataOptions;
  /** Whether `HttpTokensEnforced` is on (launches with IMDSv1 are refused). */
  httpTokensEnforced?: boolean;
  /** GetInstanceMetadataDefaults `ManagedBy`: `declarative-policy` when an Organizations declarative policy sets the default. */
  managedBy?: 'account' | 'declarative-policy';
}

/** A reference whose resource no longer exists (deleted, terminated and gone). */
export interface MissingSubject {
  kind: 'missing';
  ref: ResourceRef;
}

export type Subject =
  | InstanceSubject
  | LaunchTemplateSubject
  | LaunchConfigurationSubject
  | AccountDefaultsSubject
  | AutoScalingGroupSubject
  | MissingSubject;

export type Compliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

/**
 * The control a check corresponds to: Security Hub's own (`EC2.8`, with a
 * dot) or imds-guard's (`instance-hop-limit`, lower case). Each kind lists
 * its controls in its description (shared/kinds/<kind>/description.ts).
 */
export type ControlId = string;

/** One thing checked on a resource; each check has its own finding. */
export type CheckId = 'imdsv2' | 'hop-limit';

export interface CheckResult {
  check: CheckId;
  control: ControlId;
  compliance: Compliance;
  /** Human-readable, shown in the Security Hub console and the CLI. */
  reason: string;
}

export interface Verdict {
  ref: ResourceRef;
  /** Worst of the checks: NON_COMPLIANT > COMPLIANT > NOT_APPLICABLE. */
  compliance: Compliance;
  checks: CheckResult[];
  /** The subject judged, for sinks that report state (finding details). */
  subject: Subject;
}

/** IMDSv1 usage evidence for an instance, from CloudWatch `AWS/EC2` `MetadataNoToken`. */
export interface UsageEvidence {
  /** Sum of IMDSv1 calls in the look-back window; `null` when there are no datapoints at all. */
  noTokenCalls: number | null;
  lookbackDays: number;
  /** Time of the last non-zero datapoint, when there is one. */
  lastSeen?: Date;
}

/** A condition remediation must pass; every gate says why it passed or not. */
export type GateId =
  | 'applicable'
  | 'non-compliant'
  | 'exempt'
  | 'kind-enabled'
  | 'mode'
  | 'endpoint-enabled'
  | 'imdsv1-unused'
  | 'usage-known'
  | 'hop-limit-lowering'
  | 'recreatable'
  | 'not-our-own-change'
  // issue 12 (safety)
  | 'not-rolled-back'
  | 'not-suppressed'
  | 'wave';

export interface Gate {
  gate: GateId;
  passed: boolean;
  reason: string;
}

/** The remediation a plan carries out: `none`, or a kind's action name (`modify-instance-metadata-options`, …). */
export type ActionKind = string;

/** What remediation would do, and every gate it passed or failed. Pure data. */
export interface Plan {
  ref: ResourceRef;
  action: ActionKind;
  /** Target metadata options for the change (only the fields being set). */
  target?: MetadataOptions;
  /**
   * `account-defaults` only: also turn on `HttpTokensEnforced` (launches that
   * ask for IMDSv1 are refused). Set by decide when policy.enforceAccountDefault.
   */
  httpTokensEnforced?: boolean;
  /** `instance` only: the options in force when decided, recorded on the instance before a flip so a rollback restores exactly these (issue 12). */
  previous?: MetadataOptions;
  /** The resource is superseded (a migrated launch configuration): what replaced it and how to clear its finding (issue 12). */
  superseded?: string;
  gates: Gate[];
  /** True when all gates passed and the mode allows writes. */
  execute: boolean;
  /** One sentence for people: what will happen, or why nothing will. */
  summary: string;
}

export type OutcomeStatus = 'skipped' | 'planned' | 'remediated' | 'failed';

/** What came of a plan after the act step. */
export interface Outcome {
  plan: Plan;
  status: OutcomeStatus;
  /** What was done (or why not), with the error when it failed. */
  message: string;
  /** Compliance after re-describing the resource, for `remediated`. */
  verifiedCompliance?: Compliance;
  /** The verdict on the re-described resource, so its finding shows the state after the fix. */
  verifiedVerdict?: Verdict;
  /** The change left the resource superseded (a migrated launch configuration): the note its finding carries (issue 12). */
  superseded?: string;
  at: Date;
}
