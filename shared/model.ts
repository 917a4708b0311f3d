/**
 * The vocabulary of imds-guard (see docs/architecture.md): resource kinds,
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
  | 'enforcement-ready'
  | 'not-our-own-change'
  // safety
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

export type OutcomeStatus = 'skipped' | 'planned' | 'remediated' | 'failed';
/** Where something lives or acts: one account in one Region. The one name for that pair. */
export interface Scope {
  account: string;
  region: string;
}
