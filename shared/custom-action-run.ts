/**
 * Runs a custom action over the selected findings, wherever they are: per
 * account and region, the resources are described again and the same engine
 * runs with every gate (an explicit human request, as in the member stack).
 *
 * - Member stack (`IMDS_GUARD_ACTION_SCOPE=account`): only findings of its own
 *   account and region, with the function's own clients; imds-guard's findings
 *   are updated by the pipeline's Security Hub sink, as before. Others are
 *   logged and left alone (its role has no rights elsewhere).
 * - Hub stack (`organization`): every finding, its own account's too: the account
 *   must be in the organization (Organizations DescribeAccount, or the
 *   `IMDS_GUARD_MEMBER_ACCOUNTS` allow-list), then the member role
 *   `arn:<p>:iam::<account>:role/imds-guard/<IMDS_GUARD_MEMBER_ROLE>` is
 *   assumed once per account and clients are built per region. Nothing is
 *   imported into the member's Security Hub: its own pipeline sees the change
 *   (CloudTrail) and refreshes its findings.
 *
 * The outcome is written back on every selected finding (note + workflow,
 * BatchUpdateFindings from this account). A finding outside the organization,
 * or whose account has no member role, gets a note saying so and nothing
 * else changes.
 */
import { DescribeAccountCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import type { STSClient } from '@aws-sdk/client-sts';
import { errorCode } from './aws/batch.js';
import type { Clients } from './aws/clients.js';
import { assumeRole, memberRoleArn, type Credentials } from './aws/sts.js';
import { byPlace, refsOf, type ActionSettings, type SelectedFinding } from './custom-action.js';
import { truncate } from './findings/asff.js';
import type { Scope } from './lambda.js';
import { errorFields, logger } from './log.js';
import { refKey, type CheckId, type Outcome } from './model.js';
import { runPipeline, type PipelineResult } from './pipeline.js';
import type { Policy } from './policy.js';
import type { PublishResult } from './ports.js';
import { messageOf } from './sinks/retry.js';
import { annotationFor, NOTE_MAX } from './sinks/securityhub.js';
import { writeFindingNotes, type FindingNote } from './sinks/finding-notes.js';
import { pipelineDeps } from './wiring.js';

export interface ActionRunDeps {
  scope: Scope;
  policy: Policy;
  settings: ActionSettings;
  /** The function's own clients (its region); their Security Hub client writes the notes. */
  own: Clients;
  sts: Pick<STSClient, 'send'>;
  organizations: Pick<OrganizationsClient, 'send'>;
  /** Clients for a region with assumed credentials (shared/aws/clients.ts createClients). */
  clientsFor: (region: string, credentials: Credentials) => Clients;
  actor: string;
  now?: () => Date;
}

export interface PlaceResult {
  account: string;
  region: string;
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

type Membership = { member: true } | { member: false; reason: string };

const SESSION_NAME = 'imds-guard-custom-action';

/** Is the account in this organization? One Organizations call per account, or the allow-list. */
async function membership(deps: ActionRunDeps, account: string): Promise<Membership> {
  if (deps.settings.memberAccounts) {
    return deps.settings.memberAccounts.has(account)
      ? { member: true }
      : { member: false, reason: `account ${account} is not in IMDS_GUARD_MEMBER_ACCOUNTS` };
  }
  try {
    await deps.organizations.send(new DescribeAccountCommand({ AccountId: account }));
    return { member: true };
  } catch (error) {
    if (errorCode(error) === 'AccountNotFoundException') return { member: false, reason: `account ${account} is not in this organization` };
    // Not able to tell (no permission, Organizations not in use): refuse rather than guess.
    return { member: false, reason: `could not confirm that account ${account} is in this organization (${messageOf(error)})` };
  }
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
    const isLocal = deps.settings.scope === 'account' && account === deps.scope.account && region === deps.scope.region;
    if (isLocal) {
      const pipeline = pipelineDeps(deps.own, { ...deps.scope, policy: deps.policy, findings: true, remediation: true, actor: deps.actor });
      const result = await runPipeline(refs, pipeline, { humanRequest: true });
      local.push(result.findings, result.annotations);
      // The sink annotated imds-guard's findings; Security Hub's control findings get the note here.
      notes.push(...outcomeNotes(findings.filter((f) => f.source === 'security-hub'), result, now()));
      places.push({ account, region, status: 'done', result });
      continue;
    }

    if (deps.settings.scope === 'account') {
      // A member stack's function has no rights elsewhere: the hub's action handles other accounts.
      const reason = `resource in ${account}/${region}; this function acts in ${deps.scope.account}/${deps.scope.region} only (use the hub's custom action)`;
      logger.info('findings out of scope', { account, region, findings: findings.length, reason });
      places.push({ account, region, status: 'out-of-scope', reason });
      continue;
    }

    if (!members.has(account)) members.set(account, membership(deps, account));
    const member = await members.get(account)!;
    if (!member.member) {
      logger.warn('custom action refused: account outside the organization', { account, region, reason: member.reason });
      notes.push(...refusalNotes(findings, member.reason, now()));
      places.push({ account, region, status: 'outside-organization', reason: member.reason });
      continue;
    }

    const roleArn = memberRoleArn(account, deps.settings.memberRole, region);
    if (!credentials.has(account)) credentials.set(account, assumeRole(deps.sts, roleArn, SESSION_NAME));
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
      const clients = deps.clientsFor(region, creds);
      // No findings sink: imports must come from the member account itself, whose pipeline sees the change.
      const pipeline = pipelineDeps(clients, { account, region, policy: deps.policy, findings: false, remediation: true, actor: deps.actor });
      const result = await runPipeline(refs, pipeline, { humanRequest: true });
      notes.push(...outcomeNotes(findings, result, now()));
      places.push({ account, region, status: 'done', result });
    } catch (error) {
      const reason = `failed in ${account}/${region}: ${messageOf(error)}`;
      logger.error('custom action failed in a member account', { account, region, ...errorFields(error) });
      notes.push(...refusalNotes(findings, reason, now(), 'See the action function\'s log.'));
      places.push({ account, region, status: 'failed', reason });
    }
  }

  return { places, notes: await writeFindingNotes(deps.own.securityHub, notes), local };
}
