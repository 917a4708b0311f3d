/**
 * The seams between the pure core and the AWS edges. Entry points wire real
 * adapters (shared/aws, shared/sinks); tests wire mocked clients or fakes.
 */
import type { Outcome, Verdict } from '../verdict.js';
import type { ResourceKind, ResourceRef, UsageEvidence } from '../model.js';
import type { Subject, SubjectOf } from '../kinds/subject.js';

import type { Policy } from '../policy.js';
import type { WaveMember } from './waves.js';
/** Re-describes resources. Returns one subject per distinct ref (MissingSubject when gone). */
export interface Loader {
  load(refs: readonly ResourceRef[]): Promise<Subject[]>;
  /** Refs whose verdict depends on these described subjects (the groups that launch from a changed template); not among them. */
  related?(subjects: readonly Subject[]): Promise<ResourceRef[]>;
}

/** Lists everything in one account and region, kind by kind and page by page (never the whole estate at once). */
export interface Inventory {
  pages<K extends ResourceKind>(kind: K): AsyncIterable<SubjectOf<K>[]>;
}

/** Looks up IMDSv1 usage for instances, keyed by instance id. */
export interface UsageSource {
  usage(instanceIds: readonly string[], lookbackDays: number): Promise<Map<string, UsageEvidence>>;
  /** IMDSv1 use of every instance of the account-region at once (one CloudWatch SEARCH), for the migration stage. */
  accountUsage?(lookbackDays: number): Promise<AccountUsage>;
}

/** What one account-wide look-up of `MetadataNoToken` found. */
export interface AccountUsage {
  /** One per instance series found: its calls summed over the window. */
  series: { instanceId: string; calls: number; lastSeen?: Date }[];
  /** Set when a limit of the look-up may have left series out (why, in words): an absence of calls is then not proven. */
  incomplete?: string;
}

/** One verdict on its way to a sink, with what we know beside it. */
export interface Report {
  verdict: Verdict;
  usage?: UsageEvidence;
  outcome?: Outcome;
}

export interface PublishResult {
  published: number;
  /** Items that could not be published after retries, with the error; never dropped silently. */
  failed: { id: string; error: string }[];
  /**
   * Set when the sink cannot be used in this account at all (Security Hub not
   * enabled): the reason was logged once and every item is in `failed`, but
   * retrying the event cannot help, so entry points do not fail on it.
   */
  unavailable?: string;
}

/** Security Hub (or any findings store). */
export interface FindingsSink {
  publish(reports: readonly Report[]): Promise<PublishResult>;
  /** Archives the findings of resources that no longer exist. */
  archive(refs: readonly ResourceRef[]): Promise<PublishResult>;
  /**
   * Records what remediation did on the resource's findings: a note, and the
   * workflow status (RESOLVED only after a verified fix; a failure stays open
   * with the error). Security Hub only accepts these through BatchUpdateFindings.
   */
  annotate(outcomes: readonly Outcome[]): Promise<PublishResult>;
}

/** refKey → why it is suppressed ("Security Hub finding EC2.8 (…) was set to SUPPRESSED"). */
export type SuppressedLookup = (resources: readonly { ref: ResourceRef; subject?: Subject }[]) => Promise<Map<string, string>>;

export type WaveMembersSource = (groups: readonly { key: string; value: string }[], policy: Policy) => Promise<Map<string, WaveMember[]>>;

export const MAX_QUERIES_PER_CALL = 500;
