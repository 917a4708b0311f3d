/**
 * decide: what remediation would do for one verdict, and every gate it passed
 * or failed, each with a reason a person can read. PURE: no I/O, no clock
 * (the caller passes `now`), so every gate is tested without mocks.
 *
 * Gates, in the order they are listed in a plan:
 *
 * | gate               | fails when                                            | a human request overrides it |
 * |--------------------|-------------------------------------------------------|------------------------------|
 * | applicable         | the resource is gone or NOT_APPLICABLE                | no                           |
 * | non-compliant      | the resource is already compliant                     | no                           |
 * | exempt             | exempt now (shared/engine/exemption.ts: tag or setting)      | **never**                    |
 * | kind-enabled       | IMDS_GUARD_REMEDIATE leaves this kind out             | no                           |
 * | mode               | mode is `detect` or `dry-run`                         | yes                          |
 * | endpoint-enabled   | the metadata endpoint is disabled                     | no (we never enable it)      |
 * | imdsv1-unused      | instance made IMDSv1 calls in the look-back window    | **never**                    |
 * | usage-known        | no MetadataNoToken evidence to judge by (see below)   | yes                          |
 * | hop-limit-lowering | only the hop limit would change and lowering is off   | no (IMDS_GUARD_LOWER_HOP_LIMIT) |
 * | recreatable        | deleting a superseded resource the account may not be able to create again | no (IMDS_GUARD_DELETE_SUPERSEDED=even-if-unrecreatable) |
 * | enforcement-ready  | the plan would switch on AWS's enforcement (HttpTokensEnforced) where the account-region is not `ready`, is managed by a declarative policy, or was rolled back | **never** |
 * | not-our-own-change | the trigger was imds-guard's own write (loop guard)   | no                           |
 * | not-rolled-back    | imds-guard rolled the instance back (mark tag)        | **never** (remove the tag)   |
 * | not-suppressed     | a person set its Security Hub finding to SUPPRESSED   | **never**                    |
 * | wave               | held for a later wave of its group (shared/engine/waves.ts)  | no                           |
 *
 * Gates fit the change: `imdsv1-unused` and `usage-known` are
 * about IMDSv1, so they apply only when the plan changes HttpTokens. A
 * hop-limit-only change (HttpTokens already required, the hop limit above the
 * ceiling) is judged by `hop-limit-lowering` instead: lowering the hop limit
 * can break containers that reach IMDS through a bridge network, which
 * MetadataNoToken says nothing about, so it needs IMDS_GUARD_LOWER_HOP_LIMIT.
 *
 * A superseded resource (a launch configuration imds-guard migrated, which no
 * group uses any more) is finished business: no action, and the plan says
 * what replaced it. Only with IMDS_GUARD_DELETE_SUPERSEDED the plan deletes
 * it, through `exempt`, `kind-enabled`, `mode`, `recreatable` and
 * `not-our-own-change` (the metadata gates do not apply to a deletion).
 *
 * `enforcement-ready` guards the one change that can break launches across an
 * account-region at once: HttpTokensEnforced (EC2 then refuses every launch
 * that would accept IMDSv1). It passes only where the account-region's stage
 * (shared/engine/stage.ts) is `ready`. Where it is not, the rest of the change
 * (HttpTokens=required on the default) still goes ahead without enforcement,
 * since that is what makes the account-region ready; when enforcement was all
 * there was to change, the gate holds the plan, naming the blockers. Where a
 * declarative policy manages the default it holds the whole plan: imds-guard
 * never writes a managed default.
 *
 * When `applicable` or `non-compliant` fails the other gates are moot and are
 * not listed. Otherwise every gate is listed, including those that only
 * concern instances (they pass with "does not apply to …").
 *
 * Usage evidence (instances only), a deliberate choice:
 * - any IMDSv1 call in the window → skip, with the count (never overridden:
 *   flipping would break the caller; fix the software first);
 * - datapoints that sum to zero over a full window → unused, go ahead;
 * - "unknown" → follow `policy.usageUnknown` (default `skip`), unless a person
 *   asked for the fix. Unknown means any of:
 *     · no datapoints at all in the window (the metric is missing);
 *     · no evidence was looked up (no usage source wired);
 *     · the instance is younger than the window (its launch time is less than
 *       `usageLookbackDays` ago): even zero calls so far do not prove much,
 *       software often calls IMDS daily or weekly, not only at boot.
 * - Exception, "enforce at launch": an instance younger than the window whose
 *   AMI declares `ImdsSupport: v2.0` passes usage-known even without
 *   evidence. The AMI's owner declared its software IMDSv2-ready (such AMIs
 *   launch with HttpTokens=required unless someone asked for optional), so
 *   the young instance is fixed right away instead of waiting out the window.
 *   Recorded IMDSv1 calls still win: the AMI never overrides imdsv1-unused.
 *   Instances older than the window get no AMI shortcut: software may have
 *   been installed since launch, and the window can judge them.
 * - An instance without a launch time is judged as if older than the window.
 */
import { describeKind, isWatched, launchedFrom, watchedTags } from '../kinds/registry.js';
import type { KindRemediation, Superseded } from '../kinds/types.js';
import { stageSentence, type EnforcementState } from '../kinds/stage.js';
import type { LiveSubject, Subject } from '../kinds/subject.js';
import type { Gate, GateId, MetadataOptions, ResourceKind, UsageEvidence } from '../model.js';
import type { Plan, Verdict } from '../verdict.js';
import { type Policy, SETTINGS } from '../policy.js';
import { describeExemption, exemptionStatus } from './exemption.js';
import { decodeMark, describeMark, ROLLED_BACK_TAG } from '../watch/tags.js';

export interface DecideContext {
  /** IMDSv1 usage for an instance; `undefined` when not looked up. */
  usage?: UsageEvidence;
  /** The usage look-up failed: without evidence an instance is never changed, whatever the policy. */
  usageError?: string;
  now: Date;
  /** The triggering change was made by imds-guard itself. */
  ownChange?: boolean;
  /** A person asked for the fix (Security Hub custom action, CLI `fix`). */
  humanRequest?: boolean;
  /** What the instance's AMI declares. */
  ami?: { imdsSupport?: 'v2.0' };
  /** A person set a Security Hub finding of this resource to SUPPRESSED (shared/findings/suppressed.ts says which). */
  suppressed?: string;
}

const DAY_MS = 86_400_000;

/** "an instance", "a launch template". */
const withArticle = (words: string): string => `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words}`;

function gate(id: GateId, passed: boolean, reason: string): Gate {
  return { gate: id, passed, reason };
}

function remediationOf(subject: LiveSubject): KindRemediation<ResourceKind> {
  return describeKind(subject.kind).remediation;
}

/** The metadata options to set: HttpTokens=required, hop limit only when lowering is allowed. */
export function targetFor(current: MetadataOptions, policy: Policy): { target: MetadataOptions; hopNote: string } {
  const target: MetadataOptions = { httpTokens: 'required' };
  const hop = current.httpPutResponseHopLimit;
  if (hop === undefined) return { target, hopNote: 'hop limit left unset' };
  if (hop > policy.hopLimitCeiling) {
    if (policy.lowerHopLimit) {
      target.httpPutResponseHopLimit = policy.hopLimitCeiling;
      return { target, hopNote: `hop limit lowered from ${hop} to ${policy.hopLimitCeiling}` };
    }
    return { target, hopNote: `hop limit kept at ${hop} (above the ceiling ${policy.hopLimitCeiling}, lowering is off)` };
  }
  return { target, hopNote: `hop limit kept at ${hop}` };
}

/** Days since launch; without a launch time, older than any window (judged by its usage). */
function ageDays(subject: Subject, now: Date): number {
  const launchTime = launchedFrom(subject)?.launchTime;
  if (!launchTime) return Infinity;
  return (now.getTime() - launchTime.getTime()) / DAY_MS;
}

/** Launched less than the look-back window ago: too young to judge by usage (only then its AMI's ImdsSupport counts). */
export function tooYoungToJudge(subject: Subject, policy: Pick<Policy, 'usageLookbackDays'>, now: Date): boolean {
  return ageDays(subject, now) < policy.usageLookbackDays;
}

function formatAge(days: number): string {
  if (days < 1 / 24) return `${Math.max(0, Math.round(days * 1440))} min`;
  if (days < 2) return `${Math.round(days * 24)} h`;
  return `${Math.round(days)} days`;
}

function usageGates(subject: Subject, policy: Policy, ctx: DecideContext, tokensChange: boolean): Gate[] {
  const description = describeKind(subject.ref.kind);
  if (description.usageMeasured && !tokensChange) {
    const why = 'does not apply: HttpTokens is already required, so the change does not touch IMDSv1 (see hop-limit-lowering)';
    return [gate('imdsv1-unused', true, why), gate('usage-known', true, why)];
  }
  if (!description.usageMeasured) {
    const words = description.words.one;
    return [
      gate('imdsv1-unused', true, `does not apply to ${withArticle(words)} (usage is measured on instances)`),
      gate('usage-known', true, `does not apply to ${withArticle(words)}`),
    ];
  }
  if (ctx.usageError !== undefined) {
    const reason = `IMDSv1 usage (MetadataNoToken) could not be read: ${ctx.usageError}; not changed until it can be (not overridable)`;
    return [gate('imdsv1-unused', false, reason), gate('usage-known', false, 'see imdsv1-unused')];
  }
  const usage = ctx.usage;
  const window = policy.usageLookbackDays;
  if (usage !== undefined && (usage.noTokenCalls ?? 0) > 0) {
    const calls = usage.noTokenCalls;
    const seen = usage.lastSeen ? `, last at ${usage.lastSeen.toISOString()}` : '';
    const reason =
      `${calls} IMDSv1 call${calls === 1 ? '' : 's'} (MetadataNoToken) in the last ${usage.lookbackDays} days${seen}: ` +
      'requiring IMDSv2 would break that software; update it to IMDSv2 first (not overridable)';
    return [gate('imdsv1-unused', false, reason), gate('usage-known', true, 'usage is known (IMDSv1 in use)')];
  }
  // From here on no IMDSv1 call is on record: zero over the window, no datapoints, or not looked up.
  const unused =
    usage?.noTokenCalls === 0
      ? gate('imdsv1-unused', true, `no IMDSv1 calls (MetadataNoToken) in the last ${usage.lookbackDays} days`)
      : gate('imdsv1-unused', true, 'no IMDSv1 calls on record (see usage-known)');

  const young = tooYoungToJudge(subject, policy, ctx.now);
  let unknownWhy: string | undefined;
  if (young) {
    unknownWhy = `launched ${formatAge(ageDays(subject, ctx.now))} ago, less than the ${window}-day look-back window: too young to judge its IMDSv1 use`;
  } else if (usage === undefined) {
    unknownWhy = 'IMDSv1 usage was not looked up';
  } else if (usage.noTokenCalls === null) {
    unknownWhy = `no MetadataNoToken datapoints in the last ${usage.lookbackDays} days`;
  }

  let known: Gate;
  if (unknownWhy === undefined) {
    known = gate('usage-known', true, `usage known over the full ${window}-day window`);
  } else if (young && ctx.ami?.imdsSupport === 'v2.0') {
    known = gate('usage-known', true, `${unknownWhy}; its AMI declares ImdsSupport v2.0, so IMDSv2 is enforced at launch`);
  } else if (ctx.humanRequest) {
    known = gate('usage-known', true, `${unknownWhy}; overridden by an explicit request`);
  } else if (policy.usageUnknown === 'enforce') {
    known = gate('usage-known', true, `${unknownWhy}; IMDS_GUARD_USAGE_UNKNOWN=enforce`);
  } else {
    known = gate('usage-known', false, `${unknownWhy}; IMDS_GUARD_USAGE_UNKNOWN=skip`);
  }
  return [unused, known];
}

/**
 * hop-limit-lowering: a change that lowers the hop limit needs the lowering
 * setting; a change of HttpTokens that keeps a high hop limit passes (it does
 * not lower it), and the hop-limit-only change fails without the setting.
 */
function hopLimitGate(hop: number | undefined, tokensChange: boolean, policy: Policy): Gate {
  const ceiling = policy.hopLimitCeiling;
  if (hop === undefined || hop <= ceiling) {
    return gate('hop-limit-lowering', true, hop === undefined ? 'hop limit not set: not lowered' : `hop limit ${hop} is within the ceiling ${ceiling}: not lowered`);
  }
  if (policy.lowerHopLimit) return gate('hop-limit-lowering', true, `lowers the hop limit from ${hop} to ${ceiling} (IMDS_GUARD_LOWER_HOP_LIMIT=true)`);
  if (tokensChange) return gate('hop-limit-lowering', true, `hop limit kept at ${hop}, above the ceiling ${ceiling} (IMDS_GUARD_LOWER_HOP_LIMIT is off)`);
  return gate(
    'hop-limit-lowering',
    false,
    `only the hop limit would change (${hop} to the ceiling ${ceiling}; HttpTokens is already required): lowering it can break ` +
      'containers that reach IMDS through a bridge network, so it needs IMDS_GUARD_LOWER_HOP_LIMIT=true',
  );
}

function modeGate(policy: Policy, ctx: DecideContext): Gate {
  if (policy.mode === 'enforce') return gate('mode', true, 'enforce mode');
  const what = policy.mode === 'detect' ? 'detect mode (findings only)' : 'dry-run mode (plan only)';
  if (ctx.humanRequest) return gate('mode', true, `${what}, overridden by an explicit request`);
  return gate('mode', false, `${what}: no change is made to resources`);
}

function nothingToChange(subject: LiveSubject, current: MetadataOptions, target: MetadataOptions, policy: Policy): boolean {
  if (current.httpTokens !== 'required') return false;
  // A hop limit in the target is always a lowering (to the ceiling, from above it): a change.
  if (target.httpPutResponseHopLimit !== undefined) return false;
  if (remediationOf(subject).pending?.(subject, policy) === true) return false;
  return true;
}

/** Decides what remediation would do for one verdict. Pure. */
export function decide(verdict: Verdict, policy: Policy, context: DecideContext): Plan {
  const subject = verdict.subject;
  const ref = verdict.ref;
  const gates: Gate[] = [];

  if (subject.kind === 'missing' || verdict.compliance === 'NOT_APPLICABLE') {
    const why = subject.kind === 'missing' ? 'the resource no longer exists' : 'not applicable: ' + reasons(verdict);
    gates.push(gate('applicable', false, why));
    return { ref, action: 'none', gates, execute: false, summary: `Nothing to do: ${why}.` };
  }
  gates.push(gate('applicable', true, 'the resource exists and is in scope'));
  if (verdict.compliance !== 'NON_COMPLIANT') {
    gates.push(gate('non-compliant', false, 'already compliant'));
    return { ref, action: 'none', gates, execute: false, summary: 'Nothing to do: already compliant.' };
  }
  gates.push(gate('non-compliant', true, reasons(verdict)));

  const kind = subject.kind;
  const description = describeKind(kind);
  const remediation = remediationOf(subject);
  const superseded = remediation.superseded?.(subject);
  if (superseded !== undefined && policy.deleteSuperseded === 'false') {
    return {
      ref,
      action: 'none',
      gates,
      execute: false,
      superseded: superseded.note,
      summary: `Nothing to change: ${superseded.note} (IMDS_GUARD_DELETE_SUPERSEDED=true or fix --delete-superseded deletes it).`,
    };
  }
  const current: MetadataOptions = remediation.current(subject, policy);
  // A template that leaves the hop limit unset launches with the account default's: judge and fix that value (as evaluate does).
  const inheritedHop: number | undefined = remediation.inheritedOptions?.(subject)?.httpPutResponseHopLimit;
  const hop = current.httpPutResponseHopLimit ?? inheritedHop;
  const { target, hopNote } = targetFor({ ...current, httpPutResponseHopLimit: hop }, policy);
  // The change either requires IMDSv2 (HttpTokens), or, with HttpTokens already required, only lowers the hop limit.
  const tokensChange = current.httpTokens !== 'required';
  // A change the kind still has to make beyond the options (the account default's HttpTokensEnforced).
  const pendingChange = remediation.pending?.(subject, policy) === true;
  const hopOnly = !tokensChange && hop !== undefined && hop > policy.hopLimitCeiling && !pendingChange;
  if (hopOnly && target.httpPutResponseHopLimit === undefined) {
    // Lowering is off: plan the change anyway, so its own gate (hop-limit-lowering) is what holds it back, by name.
    // (No hop note of its own: that gate always fails then, so the summary names the gate, never the change.)
    target.httpPutResponseHopLimit = policy.hopLimitCeiling;
  }

  // exempt: evaluate already makes exempt resources NOT_APPLICABLE, so `applicable` stops them first;
  // checked again here so that no verdict handed in from elsewhere can get an exempt resource changed.
  const exemption = exemptionStatus(subject, policy, context.now);
  if (exemption.status === 'exempt') {
    gates.push(gate('exempt', false, `${describeExemption(exemption)}: exempt from remediation (not overridable)`));
  } else if (exemption.status !== 'none') {
    gates.push(gate('exempt', true, describeExemption(exemption)));
  } else if (description.tags !== undefined) {
    gates.push(gate('exempt', true, `no ${policy.exemptTagKey} tag`));
  } else {
    const by = description.exemptionSetting;
    gates.push(gate('exempt', true, `${description.words.many} have no tags${by ? `; not listed in ${SETTINGS[by.setting]}` : ''}`));
  }
  // A rollback mark and a SUPPRESSED finding are exemptions a person set (never overridden automatically).
  const mark = watchedTags(subject)?.[ROLLED_BACK_TAG];
  gates.push(
    mark !== undefined
      ? gate('not-rolled-back', false, `${describeMark(decodeMark(mark))} (${ROLLED_BACK_TAG}=${mark}); remove the tag to allow changes again (not overridable)`)
      : gate('not-rolled-back', true, 'never rolled back'),
  );
  gates.push(
    context.suppressed !== undefined
      ? gate('not-suppressed', false, `${context.suppressed}: a person suppressed it, so it is reported but not remediated`)
      : gate('not-suppressed', true, 'no suppressed finding'),
  );

  // kind-enabled
  gates.push(
    policy.remediate[kind]
      ? gate('kind-enabled', true, `remediation of ${description.words.many} is on`)
      : gate('kind-enabled', false, `remediation of ${description.words.many} is off (IMDS_GUARD_REMEDIATE)`),
  );

  // mode
  gates.push(modeGate(policy, context));

  if (superseded !== undefined) return deletionPlan(ref, gates, superseded, policy, context);

  // endpoint-enabled
  gates.push(
    current.httpEndpoint === 'disabled'
      ? gate('endpoint-enabled', false, 'the metadata endpoint is disabled: IMDS is off, and imds-guard never turns it on')
      : gate('endpoint-enabled', true, current.httpEndpoint === 'enabled' ? 'metadata endpoint enabled' : 'metadata endpoint not disabled'),
  );

  // imdsv1-unused, usage-known
  gates.push(...usageGates(subject, policy, context, tokensChange));

  // hop-limit-lowering
  // A hop limit kept above the ceiling never holds a change that is made for another reason.
  gates.push(hopLimitGate(hop, tokensChange || pendingChange, policy));

  const plan: Plan = { ref, action: remediation.action, target, gates, execute: false, summary: '', ...remediation.extras?.(subject, policy) };

  // enforcement-ready: may drop HttpTokensEnforced from the plan and go ahead with the rest
  const otherChange = tokensChange || (target.httpPutResponseHopLimit !== undefined && target.httpPutResponseHopLimit !== current.httpPutResponseHopLimit);
  const enforcement = enforcementGate(plan, remediation.enforcement?.(subject), policy, otherChange, description.words.one);
  gates.push(enforcement.gate);
  if (enforcement.drop) delete plan.httpTokensEnforced;

  // not-our-own-change
  gates.push(ownChangeGate(context));

  if (isWatched(kind)) plan.previous = { ...current }; // what a rollback restores

  if (nothingToChange(subject, current, target, policy)) {
    plan.action = 'none';
    delete plan.target;
    delete plan.httpTokensEnforced;
    delete plan.previous;
    plan.summary = nothingReason(subject, current, policy);
    return plan;
  }

  // Said before the change, wherever the plan is shown: what cannot be undone.
  const irreversible = tokensChange ? remediation.irreversible?.(subject) : undefined;
  if (irreversible !== undefined) plan.irreversible = irreversible;
  const change = remediation.describe(subject, hopNote, plan, policy);
  const said = irreversible !== undefined ? `${change}; this ${irreversible}` : change;
  return settle(plan, enforcement.drop ? `${said}; ${enforcement.left}` : said, 'Not remediated', policy);
}

/**
 * enforcement-ready: HttpTokensEnforced only where the account-region is
 * `ready` (see the table above). `drop`: the plan goes ahead without it,
 * `left` says why in the summary.
 */
function enforcementGate(
  plan: Plan,
  state: EnforcementState | undefined,
  policy: Policy,
  otherChange: boolean,
  words: string,
): { gate: Gate; drop: boolean; left?: string } {
  const setting = `${SETTINGS.enforceAccountDefault}=${policy.enforceAccountDefault}`;
  if (state === undefined) return { gate: gate('enforcement-ready', true, `does not apply to ${withArticle(words)}`), drop: false };
  if (plan.httpTokensEnforced !== true) {
    return { gate: gate('enforcement-ready', true, `does not apply: HttpTokensEnforced is not asked for (${setting})`), drop: false };
  }
  if (state.enforced) return { gate: gate('enforcement-ready', true, 'HttpTokensEnforced is already on'), drop: false };
  if (state.managedBy === 'declarative-policy') {
    const message = state.managedMessage ? ` (${state.managedMessage})` : '';
    return {
      gate: gate(
        'enforcement-ready',
        false,
        `the instance metadata defaults are managed by a declarative policy${message}: imds-guard never writes them; set http_tokens_enforced in the policy (not overridable)`,
      ),
      drop: false,
    };
  }
  let why: string | undefined;
  if (state.rolledBack !== undefined) {
    why = `enforcement was rolled back here (${state.rolledBack}); a person must clear the mark before it is switched on again`;
  } else if (state.stage === undefined) {
    why = 'the account-region\'s stage is not known in this run (the sweep, `imds-guard scan` and `imds-guard fix` compute it)';
  } else if (state.stage.stage !== 'ready') {
    why = `the account-region is not ready. ${stageSentence(state.stage)}`;
  }
  if (why === undefined) {
    return { gate: gate('enforcement-ready', true, `the account-region is ready: ${state.stage?.summary ?? ''}`), drop: false };
  }
  const asked = policy.enforceAccountDefault === 'true' ? `${setting} asks for HttpTokensEnforced, refused: ` : `${setting}: HttpTokensEnforced waits: `;
  if (otherChange) {
    return {
      gate: gate('enforcement-ready', true, `HttpTokensEnforced left out of this change: ${asked}${why}`),
      drop: true,
      left: `HttpTokensEnforced left off (${why})`,
    };
  }
  return { gate: gate('enforcement-ready', false, `${asked}${why} (not overridable)`), drop: false };
}

/** not-our-own-change: the loop guard, on every plan. */
function ownChangeGate(context: DecideContext): Gate {
  return context.ownChange
    ? gate('not-our-own-change', false, 'triggered by a change imds-guard made itself: not acting again (loop guard)')
    : gate('not-our-own-change', true, 'not triggered by imds-guard itself');
}

/** Executes the plan when every gate passed; otherwise says what a dry run would do, or which gates held it. */
function settle(plan: Plan, change: string, held: string, policy: Policy): Plan {
  const failed = plan.gates.filter((g) => !g.passed);
  if (failed.length === 0) {
    plan.execute = true;
    plan.summary = `Will ${change}.`;
  } else if (failed.length === 1 && failed[0]?.gate === 'mode' && policy.mode === 'dry-run') {
    plan.summary = `Dry run: would ${change}.`;
  } else {
    plan.summary = `${held}: ${failed.map((g) => g.reason).join('; ')}.`;
  }
  return plan;
}

/** The opt-in deletion of a superseded resource (IMDS_GUARD_DELETE_SUPERSEDED). */
function deletionPlan(ref: Plan['ref'], gates: Gate[], superseded: Superseded, policy: Policy, context: DecideContext): Plan {
  const { recreatable } = superseded.deletion;
  gates.push(
    recreatable !== undefined
      ? gate('recreatable', true, recreatable)
      : policy.deleteSuperseded === 'even-if-unrecreatable'
        ? gate('recreatable', true, 'IMDS_GUARD_DELETE_SUPERSEDED=even-if-unrecreatable: deleted even if the account cannot create one again')
        : gate(
            'recreatable',
            false,
            'imds-guard cannot tell whether this account can create launch configurations again (accounts created after 2024-10-01 cannot); ' +
              'IMDS_GUARD_DELETE_SUPERSEDED=even-if-unrecreatable (fix --even-if-unrecreatable) deletes it anyway',
          ),
  );
  gates.push(ownChangeGate(context));
  const plan: Plan = { ref, action: superseded.deletion.action, gates, execute: false, superseded: superseded.note, summary: '' };
  return settle(plan, superseded.deletion.describe, `Not deleted (${superseded.note})`, policy);
}

function nothingReason(subject: LiveSubject, _current: MetadataOptions, policy: Policy): string {
  // A hop limit above the ceiling is never "nothing": it is planned and held by hop-limit-lowering.
  return remediationOf(subject).nothingReason?.(subject, policy) ?? 'Nothing to change: the settings imds-guard manages already comply.';
}

function reasons(verdict: Verdict): string {
  const wanted = verdict.compliance;
  const list = verdict.checks.filter((c) => c.compliance === wanted).map((c) => c.reason);
  return list.length > 0 ? list.join('; ') : wanted.toLowerCase().replace('_', '-');
}
