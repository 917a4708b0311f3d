/**
 * The migration stage of one account-region: how far it is from AWS's own
 * IMDSv2 enforcement (`HttpTokensEnforced=enabled` on the instance metadata
 * defaults). Types, and the words for them. Pure.
 *
 * Each kind says what its resources mean for enforcement (`stageFacts` on its
 * description); shared/engine/stage.ts combines the facts of a whole
 * account-region with its IMDSv1 use into a `StageReport`; the kind that
 * carries the stage (the account default) is judged with it attached.
 *
 * What enforcement does, as AWS documents it:
 * - EC2 API reference, InstanceMetadataDefaultsResponse / ModifyInstanceMetadataDefaults,
 *   `HttpTokensEnforced`: "When enforcement is enabled, the instance can't
 *   launch unless IMDSv2 (HttpTokens) is set to required."
 * - EC2 User Guide, "Modify instance metadata options for existing instances":
 *   with enforcement on, setting `HttpTokens` to `optional` on an existing
 *   instance fails with `UnsupportedOperation`.
 * - AWS API changes, EC2 2026-02-24: enforcement prevents "IMDSv1-enabled
 *   instance launch" and blocks "attempts to enable IMDSv1 on existing
 *   IMDSv2-only instances"; it is set per account and Region or by a
 *   declarative policy (`ManagedBy=declarative-policy`).
 * So a launch path that resolves to `HttpTokens=optional` starts failing the
 * moment enforcement is on, while an instance already running with `optional`
 * keeps running: instances are not blockers by themselves.
 *
 * Not confirmed by the documentation we could read, and treated the safe way:
 * - whether a launch whose metadata endpoint is disabled but whose HttpTokens
 *   resolves to `optional` is refused (counted as a blocker);
 * - whether starting a stopped instance that has `optional` counts as a
 *   launch (not counted: AWS speaks of launches, and of changes to running
 *   instances);
 * - who launches from a template's `$Latest` outside Auto Scaling (fleets,
 *   scripts): imds-guard cannot see it, so `$Latest` blocks only through the
 *   groups that ask for it; a template's default version always blocks, since
 *   a launch that names the template without a version gets it.
 */
import type { ResourceKind, ResourceRef } from '../model.js';

/** The five stages, from furthest to done (plus `unknown` when the account-region was not read whole). */
export const STAGES = ['exposed', 'migrating', 'ready', 'enforced', 'managed'] as const;
export type Stage = (typeof STAGES)[number];
export type StageName = Stage | 'unknown';

/** One line per stage for help texts, legends and docs. */
export const STAGE_MEANING: Record<StageName, string> = {
  exposed: 'something allows IMDSv1 and IMDSv1 calls were seen in the look-back window',
  migrating: 'something still allows IMDSv1 (or IMDSv1 calls were seen, or their count is unknown), but nothing is both',
  ready: 'every launch path requires IMDSv2 and no IMDSv1 call was seen: AWS enforcement can be switched on safely',
  enforced: 'HttpTokensEnforced is on: EC2 refuses launches that would accept IMDSv1',
  managed: 'a declarative policy manages the instance metadata defaults: imds-guard reports and never writes them',
  unknown: 'not every kind of the account-region was read, so the stage cannot be told',
};

/**
 * What one resource means for switching enforcement on in its account-region,
 * as its kind judges it (pure, from the described subject):
 * - `launch-path`: something instances launch from; one that resolves to
 *   `optional` would be refused once enforcement is on (a blocker);
 * - `workload`: a running instance; allowing IMDSv1 makes the account-region
 *   `exposed` when calls are seen, never a blocker by itself;
 * - `enforcement`: the account default's own state.
 */
export type StageFact =
  | { type: 'launch-path'; ref: ResourceRef; allowsImdsv1: boolean; why: string }
  | { type: 'workload'; ref: ResourceRef; allowsImdsv1: boolean }
  | {
      type: 'enforcement';
      ref: ResourceRef;
      enforced?: boolean;
      managedBy?: 'account' | 'declarative-policy';
      managedMessage?: string;
    };

/** One thing that keeps an account-region from `ready`, with the resource it is about. */
export interface Blocker {
  /** `launch-path`: a launch from it would be refused; `imdsv1-calls`: an instance made IMDSv1 calls in the window; `usage-unknown`: IMDSv1 use could not be read. */
  type: 'launch-path' | 'imdsv1-calls' | 'usage-unknown';
  kind: ResourceKind;
  id: string;
  why: string;
  /** For `imdsv1-calls`: how many in the window (kept out of `why`, which a finding carries). */
  calls?: number;
}

/** An instance that made IMDSv1 calls in the look-back window. */
export interface Imdsv1Caller {
  instanceId: string;
  calls: number;
  lastSeen?: Date;
}

/** IMDSv1 use in an account-region over the look-back window. */
export interface Imdsv1Use {
  lookbackDays: number;
  /** Instances with MetadataNoToken > 0, most calls first. */
  callers: Imdsv1Caller[];
  /** How it was read: one account-wide SEARCH, or per instance where the SEARCH could not tell. */
  source: 'search' | 'per-instance' | 'none';
  /** Set when an absence of calls cannot be proven (why, in words). */
  unknown?: string;
}

export interface StageReport {
  stage: StageName;
  /** Why this stage, one sentence, with the numbers (the CLI shows it). */
  reason: string;
  /** The same without what moves from sweep to sweep (how many calls, how many instances): what findings and plans say. */
  summary: string;
  /** Everything that keeps the account-region from `ready`, in a stable order (launch paths, then calls, then unknowns). */
  blockers: Blocker[];
  /** Instances that allow IMDSv1 (not blockers by themselves). */
  instancesAllowingImdsv1: number;
  imdsv1: Imdsv1Use;
}

/** How many blockers a finding or a plan names one by one (the rest are counted). */
export const BLOCKERS_NAMED = 5;

/** `lt-0abc: default version 3 … optional; web-asg: …; and 4 more`. */
export function blockerWords(blockers: readonly Blocker[], named = BLOCKERS_NAMED): string {
  if (blockers.length === 0) return 'none';
  const shown = blockers.slice(0, named).map((b) => `${b.id}: ${b.why}`);
  const rest = blockers.length - shown.length;
  return rest > 0 ? `${shown.join('; ')}; and ${rest} more` : shown.join('; ');
}

/** `stage migrating, 3 blockers: …` — the sentence findings and plans carry. */
export function stageSentence(report: StageReport): string {
  const n = report.blockers.length;
  const count = `${n} blocker${n === 1 ? '' : 's'}`;
  if (n === 0) return `Stage ${report.stage}: ${report.summary}`;
  return `Stage ${report.stage}: ${report.summary}; ${count}: ${blockerWords(report.blockers)}`;
}

/** What the engine's `enforcement-ready` gate (shared/engine/decide.ts) reads from the kind that switches enforcement. */
export interface EnforcementState {
  /** HttpTokensEnforced is on already. */
  enforced: boolean;
  managedBy?: 'account' | 'declarative-policy';
  managedMessage?: string;
  /** The account-region's stage, when the caller computed it (sweep, scan, fix); absent elsewhere (events, custom actions). */
  stage?: StageReport;
  /** Why a graduation is held back: the watch's "enforcement rolled back" mark (shared/watch/account/record.ts), when set. */
  rolledBack?: string;
}
