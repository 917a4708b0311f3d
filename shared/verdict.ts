/**
 * What the engine produces: a verdict on a subject, the plan decided from it, and the outcome of carrying it out. Pure data.
 */
import type { Subject } from './kinds/subject.js';
import type { ActionKind, CheckResult, Compliance, Gate, MetadataOptions, OutcomeStatus, ResourceRef } from './model.js';

export interface Verdict {
  ref: ResourceRef;
  /** Worst of the checks: NON_COMPLIANT > COMPLIANT > NOT_APPLICABLE. */
  compliance: Compliance;
  checks: CheckResult[];
  /** The subject judged, for sinks that report state (finding details). */
  subject: Subject;
}

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
  /** Watched kinds only: the options in force when decided, recorded on the resource before a flip so a rollback restores exactly these. */
  previous?: MetadataOptions;
  /** The resource is superseded (a migrated launch configuration): what replaced it and how to clear its finding. */
  superseded?: string;
  /** The change cannot be rolled back, and why ("cannot be rolled back while the account enforces IMDSv2 …"). */
  irreversible?: string;
  gates: Gate[];
  /** True when all gates passed and the mode allows writes. */
  execute: boolean;
  /** One sentence for people: what will happen, or why nothing will. */
  summary: string;
}

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
  /** The change left the resource superseded (a migrated launch configuration): the note its finding carries. */
  superseded?: string;
  at: Date;
}
