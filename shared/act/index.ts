/**
 * The act step: executes the plans decide() cleared (`execute: true`) and
 * turns every plan into an Outcome. One resource's failure never stops the
 * others: an AWS error becomes a `failed` outcome carrying the error message.
 * Duplicate plans for one resource in a batch (EventBridge delivers at least
 * once, and several events can name the same resource) lead to one action.
 *
 * Statuses: `remediated` (changed; verifiedCompliance from describing the
 * resource again), `failed` (AWS error), `planned` (dry run: everything but
 * the mode allowed it), `skipped` (a gate failed, nothing to change, or the
 * action refused because going on would make things worse).
 */
import { refKey, type Compliance } from '../model.js';
import { type Outcome, type Plan, type Verdict } from '../verdict.js';
import type { Subject } from '../kinds/subject.js';
import type { Policy } from '../policy.js';
import type { Loader } from '../engine/ports.js';
import { mapLimit } from '../aws/batch.js';
import type { Remediator } from '../engine/pipeline.js';
import { REMEDIES } from '../kinds/remedies.js';
import { errorText } from '../errors.js';
import { createGroupFinder, type GroupFinder } from './groups.js';
import { ActionRefused, type ActClients, type ActionResult } from './types.js';
import type { EnforcementStore } from '../watch/account/record.js';

export { ActionRefused } from './types.js';
export type { ActClients, ActionResult } from './types.js';

export interface RemediateDeps {
  /** Clients of the one account and region this function acts in. */
  clients: ActClients;
  policy: Policy;
  /** The account the clients act in; plans for other accounts fail instead of touching the wrong one. */
  account?: string;
  /** With `evaluate`: re-describes changed resources to record compliance after the fix. */
  loader?: Loader;
  evaluate?: (subject: Subject, policy: Policy) => Verdict;
  /** Which Auto Scaling groups use a template or configuration (default: lists the region's groups once). */
  groups?: GroupFinder;
  /** Who acts, for outcome messages. */
  actor?: string;
  now?: () => Date;
  /** Actions in flight at once (default 4; the SDK retries throttling). */
  concurrency?: number;
  /** Where a graduation to HttpTokensEnforced is recorded (shared/watch/account). */
  enforcement?: EnforcementStore;
}


/** One plan per resource: the first that executes, else the first. */
export function dedupePlans(plans: readonly Plan[]): Plan[] {
  const byKey = new Map<string, Plan>();
  for (const plan of plans) {
    const k = refKey(plan.ref);
    const seen = byKey.get(k);
    if (!seen || (!seen.execute && plan.execute)) byKey.set(k, plan);
  }
  return [...byKey.values()];
}

function notExecuted(plan: Plan, policy: Policy): Pick<Outcome, 'status' | 'message'> {
  const failed = plan.gates.filter((g) => !g.passed);
  const dryRun = plan.action !== 'none' && failed.length === 1 && failed[0]?.gate === 'mode' && policy.mode === 'dry-run';
  return { status: dryRun ? 'planned' : 'skipped', message: plan.summary };
}

interface Executed {
  plan: Plan;
  status: Outcome['status'];
  message: string;
  verified?: Compliance;
  verifiedVerdict?: Verdict;
  superseded?: string;
}

export async function remediate(plans: readonly Plan[], deps: RemediateDeps): Promise<Outcome[]> {
  const now = deps.now ?? (() => new Date());
  const groups = deps.groups ?? createGroupFinder(deps.clients.autoScaling);
  const actor = deps.actor ?? `imds-guard (${deps.policy.mode} mode)`;
  const context = { clients: deps.clients, policy: deps.policy, groups, actor, now, ...(deps.enforcement ? { enforcement: deps.enforcement } : {}) };

  const executed = await mapLimit(dedupePlans(plans), deps.concurrency ?? 4, async (plan): Promise<Executed> => {
    if (!plan.execute || plan.action === 'none') return { plan, ...notExecuted(plan, deps.policy) };
    if (plan.ref.region !== deps.clients.region || (deps.account !== undefined && plan.ref.account !== deps.account)) {
      return {
        plan,
        status: 'failed',
        message: `not acted on: ${plan.ref.account}/${plan.ref.region} is outside this function's scope (${deps.account ?? '?'}/${deps.clients.region})`,
      };
    }
    const act = REMEDIES[plan.ref.kind]?.act;
    if (act === undefined) return { plan, status: 'skipped', message: `Not remediated: imds-guard has no remediation for a ${plan.ref.kind}.` };
    let result: ActionResult;
    try {
      result = await act(plan, context);
    } catch (error) {
      if (error instanceof ActionRefused) return { plan, status: 'skipped', message: `Not remediated: ${error.message}.` };
      return { plan, status: 'failed', message: `Remediation by ${actor} failed: ${errorText(error)}` };
    }
    return {
      plan,
      status: result.changed ? 'remediated' : 'skipped',
      message: result.changed ? `Remediated by ${actor}: ${result.message}.` : `Nothing changed: ${result.message}.`,
      ...(result.verified ? { verified: result.verified } : {}),
      ...(result.superseded ? { superseded: result.superseded } : {}),
    };
  });

  await reverify(executed, deps);
  const at = now();
  return executed.map((e) => ({
    plan: e.plan,
    status: e.status,
    message: e.message,
    ...(e.verified && (e.status === 'remediated' || e.status === 'skipped') && e.plan.execute ? { verifiedCompliance: e.verified } : {}),
    ...(e.verifiedVerdict ? { verifiedVerdict: e.verifiedVerdict } : {}),
    ...((e.superseded ?? e.plan.superseded) !== undefined ? { superseded: e.superseded ?? e.plan.superseded } : {}),
    at,
  }));
}

/**
 * Re-describes what was changed and evaluates it, so verifiedCompliance is the
 * same judgement the findings use. A fix that replaces the resource (a
 * migrated launch configuration: non-compliant by nature, but no group uses it
 * any more) keeps the action's own verification. When re-describing fails,
 * the action's check stands.
 */
async function reverify(executed: Executed[], deps: RemediateDeps): Promise<void> {
  if (!deps.loader || !deps.evaluate) return;
  const targets = executed.filter((e) => e.status === 'remediated' && !REMEDIES[e.plan.ref.kind]?.replaces);
  if (targets.length === 0) return;
  let subjects: Subject[];
  try {
    subjects = await deps.loader.load(targets.map((e) => e.plan.ref));
  } catch (error) {
    for (const e of targets) e.message += ` (re-describe failed: ${errorText(error)}; compliance as checked by the action)`;
    return;
  }
  const byKey = new Map(subjects.map((s) => [refKey(s.ref), s] as const));
  for (const e of targets) {
    const subject = byKey.get(refKey(e.plan.ref));
    if (!subject) continue;
    e.verifiedVerdict = deps.evaluate(subject, deps.policy);
    e.verified = e.verifiedVerdict.compliance;
  }
}

/** A remediator for shared/engine/pipeline.ts: the actor says whether a person asked. */
export function createRemediator(deps: RemediateDeps): Remediator {
  return (plans, { humanRequest }) =>
    remediate(plans, {
      ...deps,
      actor: deps.actor ?? (humanRequest ? 'an explicit request (Security Hub custom action)' : `imds-guard (${deps.policy.mode} mode)`),
    });
}
