/**
 * The vocabulary of imds-guard (see ARCHITECTURE.md): resource references,
 * subjects (freshly described state), verdicts and plans. Types only.
 */

export type ResourceKind = 'instance' | 'launch-template' | 'launch-configuration' | 'account-defaults' | 'auto-scaling-group';

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
}

export interface AccountDefaultsSubject {
  kind: 'account-defaults';
  ref: ResourceRef;
  metadata: MetadataOptions;
  /** Whether `HttpTokensEnforced` is on (launches with IMDSv1 are refused). */
  httpTokensEnforced?: boolean;
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
  | 'not-our-own-change';

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
  at: Date;
}
