/**
 * Runs a custom action over the selected findings, wherever they are: per
 * account and region, the resources are described again and the same engine
 * runs with every gate (an explicit human request, as in the member stack).
 *
 * - Member stack (functions/action.ts, `local`): only findings of its own
 *   account and region, with the function's own clients; imds-guard's findings
 *   are updated by the pipeline's Security Hub sink, as before. Others are
 *   logged and left alone (its role has no rights elsewhere).
 * - Hub stack (functions/hub-action.ts, `member`): every finding, its own
 *   account's too: the account must be in the organization (Organizations
 *   DescribeAccount, or the `IMDS_GUARD_MEMBER_ACCOUNTS` allow-list), then the
 *   member role `arn:<p>:iam::<account>:role/imds-guard/<IMDS_GUARD_MEMBER_ROLE>`
 *   is assumed once per account and clients are built per region
 *   (shared/custom-action/member.ts). Nothing is imported into the member's
 *   Security Hub: its own pipeline sees the change (CloudTrail) and refreshes
 *   its findings.
 * The two entry points are separate bundles, so each role is granted exactly
 * what its bundle sends (test/infra/permissions.test.ts).
 *
 * The outcome is written back on every selected finding (note + workflow,
 * BatchUpdateFindings from this account). A finding outside the organization,
 * or whose account has no member role, gets a note saying so and nothing
 * else changes.
 */
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Credentials } from '../aws/sts.js';
import { ACCEPTED_CONTROLS, byPlace, readCustomAction, refsOf, type SelectedFinding } from './parse.js';
import { truncate } from '../findings/asff.js';
import { type CheckId, refKey, type ResourceRef, type Scope } from '../model.js';
import { errorFields, logger } from '../observability/log.js';
import type { Outcome } from '../verdict.js';
import type { PipelineResult } from '../engine/pipeline.js';
import type { PublishResult } from '../engine/ports.js';
import { failIfUnpublished } from '../engine/unpublished.js';
import type { HandlerResult } from '../lambda/results.js';
import { messageOf } from '../sinks/retry.js';
import { annotationFor, NOTE_MAX } from '../sinks/securityhub.js';
import { type FindingNote, writeFindingNotes } from '../sinks/finding-notes.js';

/** The engine where the function's own role acts (member stack): the pipeline's own sink publishes imds-guard's findings. */
export type LocalRun = (refs: ResourceRef[]) => Promise<PipelineResult>;

export type Membership = { member: true } | { member: false; reason: string };

/** How the hub reaches a member account (shared/custom-action/member.ts). */
export interface MemberAccess {
  /** Is the account in the organization? */
  membership(account: string): Promise<Membership>;
  /** The member role's ARN in an account (for messages). */
  roleArn(account: string, region: string): string;
  /** The member role's credentials; throws the STS error. */
  assume(account: string, region: string): Promise<Credentials>;
  /** The engine in a member region with the member role's credentials; imports nothing. */
  run(account: string, region: string, credentials: Credentials, refs: ResourceRef[]): Promise<PipelineResult>;
}

export interface ActionRunDeps {
  scope: Scope;
  /** The function's own Security Hub client: it writes the notes. */
  securityHub: Pick<SecurityHubClient, 'send'>;
  /** Member stack: findings of the function's own account and region, with its own role. */
  local?: LocalRun;
  /** Hub stack: every finding, through the member role. */
  member?: MemberAccess;
  now?: () => Date;
}

export interface PlaceResult extends Scope {
  /** `done`, or why nothing was done there. */
  status: 'done' | 'out-of-scope' | 'outside-organization' | 'no-member-role' | 'failed';
  reason?: string;
  result?: PipelineResult;
}

export interface ActionRunResult {
  places: PlaceResult[];
  notes: PublishResult;
  /** What the pipeline's own Security Hub sink published (local runs). */
  local: (PublishResult | undefined)[];
}

/** A note for every selected finding of a place where nothing was done; workflow unchanged. */
function refusalNotes(findings: readonly SelectedFinding[], reason: string, at: Date, changed = 'Nothing was changed.'): FindingNote[] {
  const text = truncate(`imds-guard did not act (${at.toISOString()}): ${reason}. ${changed}`, NOTE_MAX);
  return findings.map((f) => ({ finding: f.identifier, text }));
}

/** The outcome of each selected finding's resource, judged by the finding's own check. */
function outcomeNotes(findings: readonly SelectedFinding[], result: PipelineResult, at: Date): FindingNote[] {
  const outcomes = new Map<string, Outcome>();
  const reasons = new Map<string, string>();
  for (const report of result.reports) {
    if (report.outcome) outcomes.set(refKey(report.outcome.plan.ref), report.outcome);
    reasons.set(refKey(report.verdict.ref), report.verdict.checks.map((c) => `${c.control}: ${c.reason}`).join(' '));
  }
  return findings.map((f) => {
    const outcome = outcomes.get(refKey(f.ref));
    if (!outcome) {
      const why = reasons.get(refKey(f.ref)) ?? 'the resource was not found';
      return { finding: f.identifier, text: truncate(`imds-guard found nothing to do (${at.toISOString()}): ${why}`, NOTE_MAX) };
    }
    const check = (f.check === 'hop-limit' ? 'hop-limit' : 'imdsv2') as CheckId;
    const { text, workflow } = annotationFor(outcome, check);
    return { finding: f.identifier, text, ...(workflow ? { workflow } : {}) };
  });
}

export async function runCustomAction(selected: readonly SelectedFinding[], deps: ActionRunDeps): Promise<ActionRunResult> {
  const now = deps.now ?? (() => new Date());
  const members = new Map<string, Promise<Membership>>();
  const credentials = new Map<string, Promise<Credentials>>();
  const places: PlaceResult[] = [];
  const notes: FindingNote[] = [];
  const local: (PublishResult | undefined)[] = [];

  for (const place of byPlace(selected).values()) {
    const { account, region, findings } = place;
    const refs = refsOf(findings);
    if (deps.local && account === deps.scope.account && region === deps.scope.region) {
      const result = await deps.local(refs);
      local.push(result.findings, result.annotations);
      // The sink annotated imds-guard's findings; Security Hub's control findings get the note here.
      notes.push(...outcomeNotes(findings.filter((f) => f.source === 'security-hub'), result, now()));
      places.push({ account, region, status: 'done', result });
      continue;
    }

    const member = deps.member;
    if (!member) {
      // A member stack's function has no rights elsewhere: the hub's action handles other accounts.
      const reason = `resource in ${account}/${region}; this function acts in ${deps.scope.account}/${deps.scope.region} only (use the hub's custom action)`;
      logger.info('findings out of scope', { account, region, findings: findings.length, reason });
      places.push({ account, region, status: 'out-of-scope', reason });
      continue;
    }

    if (!members.has(account)) members.set(account, member.membership(account));
    const membership = await members.get(account)!;
    if (!membership.member) {
      logger.warn('custom action refused: account outside the organization', { account, region, reason: membership.reason });
      notes.push(...refusalNotes(findings, membership.reason, now()));
      places.push({ account, region, status: 'outside-organization', reason: membership.reason });
      continue;
    }

    const roleArn = member.roleArn(account, region);
    if (!credentials.has(account)) credentials.set(account, member.assume(account, region));
    let creds: Credentials;
    try {
      creds = await credentials.get(account)!;
    } catch (error) {
      const reason = `cannot assume ${roleArn} (${messageOf(error)}); deploy the member stack there with HubAccountId=${deps.scope.account}`;
      logger.warn('custom action refused: member role not assumable', { account, region, ...errorFields(error) });
      notes.push(...refusalNotes(findings, reason, now()));
      places.push({ account, region, status: 'no-member-role', reason });
      continue;
    }

    try {
      const result = await member.run(account, region, creds, refs);
      notes.push(...outcomeNotes(findings, result, now()));
      places.push({ account, region, status: 'done', result });
    } catch (error) {
      const reason = `failed in ${account}/${region}: ${messageOf(error)}`;
      logger.error('custom action failed in a member account', { account, region, ...errorFields(error) });
      notes.push(...refusalNotes(findings, reason, now(), 'See the action function\'s log.'));
      places.push({ account, region, status: 'failed', reason });
    }
  }

  return { places, notes: await writeFindingNotes(deps.securityHub, notes), local };
}

/**
 * The handler body of both custom-action functions (member and hub): read the
 * event, run with the deps built for the action's actor, summarise. A note or
 * an own finding that could not be written fails the invocation.
 */
export async function handleCustomAction(event: unknown, depsFor: (actor: string) => ActionRunDeps): Promise<HandlerResult> {
  const request = readCustomAction(event);
  if ('error' in request) {
    logger.error('custom action rejected', { reason: request.error });
    return { status: 'rejected', reason: request.error };
  }
  for (const skipped of request.ignored) logger.info('finding ignored', { ...skipped, action: request.actionName });
  if (request.selected.length === 0) {
    return { status: 'ignored', reason: `no imds-guard or Security Hub ${Object.keys(ACCEPTED_CONTROLS).join('/')} finding among the ${request.ignored.length} selected` };
  }

  try {
    const run = await runCustomAction(request.selected, depsFor(`Security Hub custom action "${request.actionName}"`));
    failIfUnpublished(run.notes, ...run.local);
    if (run.places.every((p) => p.status === 'out-of-scope')) {
      return { status: 'ignored', reason: run.places.map((p) => p.reason).join('; ') };
    }
    const reports = run.places.flatMap((p) => p.result?.reports ?? []);
    const refused = run.places.filter((p) => p.status !== 'done');
    return {
      status: 'done',
      evaluated: reports.length,
      nonCompliant: reports.filter((r) => r.verdict.compliance === 'NON_COMPLIANT').length,
      remediated: reports.filter((r) => r.outcome?.status === 'remediated').length,
      findingsPublished: run.local.reduce((n, r) => n + (r?.published ?? 0), 0),
      ...(refused.length ? { reason: refused.map((p) => `${p.account}/${p.region}: ${p.reason}`).join('; ') } : {}),
    };
  } catch (error) {
    logger.error('custom action failed', { ...errorFields(error), selected: request.selected.map((s) => s.ref), action: request.actionArn });
    throw error;
  }
}
