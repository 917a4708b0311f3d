/**
 * evaluate: judge one subject against the policy. PURE: no I/O; the caller
 * passes `now` (a dated exemption ends on its day).
 *
 * Every kind judges every check of shared/kinds/checks.ts (one finding each);
 * the kind's description says how (shared/kinds/<kind>/description.ts) and
 * which control each check maps to.
 *
 * Order of judgement: gone → exempt (shared/engine/exemption.ts; a dated one until
 * its day) → the kind's
 * own judge. The verdict is the worst check: NON_COMPLIANT > COMPLIANT >
 * NOT_APPLICABLE.
 *
 * Values left unset (launch templates, launch configurations) are resolved the
 * way EC2 resolves them at launch: the resource's value, else the Region's
 * account default, else EC2's own default (shared/kinds/judging.ts). Each
 * reason names the source that decided.
 */
import { describeExemption, exemptionStatus } from './exemption.js';
import { CHECK_IDS } from '../kinds/checks.js';
import { describeKind, watchedTags } from '../kinds/registry.js';
import type { Judgement, KindDescription } from '../kinds/types.js';
import type { CheckResult, Compliance } from '../model.js';
import type { Subject } from '../kinds/subject.js';
import type { Verdict } from '../verdict.js';
import type { Policy } from '../policy.js';
import { watchNote } from '../watch/tags.js';

const RANK: Record<Compliance, number> = { NOT_APPLICABLE: 0, COMPLIANT: 1, NON_COMPLIANT: 2 };

/** Worst of the checks: NON_COMPLIANT > COMPLIANT > NOT_APPLICABLE (NOT_APPLICABLE when there are none). */
export function worstOf(values: readonly Compliance[]): Compliance {
  let worst: Compliance = 'NOT_APPLICABLE';
  for (const v of values) if (RANK[v] > RANK[worst]) worst = v;
  return worst;
}

/** `now` decides whether a dated exemption still holds (the only use of time here). */
export function evaluate(subject: Subject, policy: Policy, now: Date = new Date()): Verdict {
  const kind = subject.ref.kind;
  const controls = describeKind(kind).controls;
  const checks: CheckResult[] = judge(subject, policy, now).map((j) => ({ ...j, control: controls[j.check].id }));
  // An expired or malformed exemption, and a rollback by imds-guard, are said on every finding of the resource.
  const exemption = exemptionStatus(subject, policy, now);
  const notes = [
    exemption.status === 'expired' || exemption.status === 'malformed' ? `${describeExemption(exemption)}.` : undefined,
    watchNote(watchedTags(subject) ?? {}),
    kindNote(subject, now),
  ].filter((n): n is string => n !== undefined);
  if (notes.length > 0) for (const c of checks) c.reason = `${c.reason} ${notes.join(' ')}`;
  return { ref: subject.ref, compliance: worstOf(checks.map((c) => c.compliance)), checks, subject };
}

/** The kind's own note on every finding of the resource (the watch after graduation on the account default). */
function kindNote(subject: Subject, now: Date): string | undefined {
  if (subject.kind === 'missing') return undefined;
  return (describeKind(subject.kind) as KindDescription).note?.(subject as never, now);
}

/** Every check with the same outcome and reason (gone, exempt). */
function all(compliance: Compliance, reason: string): Judgement[] {
  return CHECK_IDS.map((check) => ({ check, compliance, reason }));
}

function judge(subject: Subject, policy: Policy, now: Date): Judgement[] {
  const description = describeKind(subject.ref.kind);
  if (subject.kind === 'missing') {
    return all('NOT_APPLICABLE', `The ${description.words.one} ${subject.ref.id} no longer exists.`);
  }
  const exemption = exemptionStatus(subject, policy, now);
  if (exemption.status === 'exempt') return all('NOT_APPLICABLE', `${describeExemption(exemption)}; not judged.`);
  return description.judge(subject, policy);
}
