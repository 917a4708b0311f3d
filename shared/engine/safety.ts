/**
 * The pipeline's safety step, between decide and act, for
 * automatic enforce runs:
 * 1. SUPPRESSED: resources about to be changed whose Security Hub finding a
 *    person suppressed are decided again with that fact (gate not-suppressed);
 * 2. waves (shared/engine/waves.ts) over the plans left, with the whole groups'
 *    members read from EC2.
 * Both look-ups are asked only when some plan would execute. A failed look-up
 * holds the plans it concerns: not knowing is never a reason to change more.
 */
import type { SuppressedLookup, WaveMembersSource } from './ports.js';
import { errorFields, logger } from '../observability/log.js';
import { type Gate, refKey, type Tags } from '../model.js';
import type { Plan, Verdict } from '../verdict.js';
import type { Policy } from '../policy.js';
import { applyWaves, waveGroupFilter, waveGroupOf, type WaveMember } from './waves.js';
import { watchedTags } from '../kinds/registry.js';

export interface SafetyDeps {
  policy: Policy;
  suppressed?: SuppressedLookup;
  waveMembers?: WaveMembersSource;
}

function hold(plan: Plan, gate: Gate): Plan {
  return { ...plan, gates: [...plan.gates, gate], execute: false, summary: `Not remediated: ${gate.reason}.` };
}

export async function applySafety(
  plans: readonly Plan[],
  verdicts: readonly Verdict[],
  deps: SafetyDeps,
  context: { humanRequest: boolean },
  redecide: (verdict: Verdict, suppressed: string) => Plan,
): Promise<Plan[]> {
  let out = [...plans];
  if (!out.some((p) => p.execute)) return out;
  const verdictOf = new Map(verdicts.map((v) => [refKey(v.ref), v] as const));

  // 1. SUPPRESSED (automatic runs only: a person's explicit request is its own decision).
  if (deps.suppressed && deps.policy.respectSuppressed && !context.humanRequest) {
    const acting = out.filter((p) => p.execute).map((p) => ({ ref: p.ref, subject: verdictOf.get(refKey(p.ref))?.subject }));
    try {
      const found = await deps.suppressed(acting);
      out = out.map((p) => {
        const why = found.get(refKey(p.ref));
        const v = verdictOf.get(refKey(p.ref));
        return why !== undefined && v ? redecide(v, why) : p;
      });
    } catch (error) {
      logger.error('SUPPRESSED look-up failed; resources about to be changed are held', errorFields(error));
      const why = `whether a person suppressed its finding could not be read (${error instanceof Error ? error.message : String(error)})`;
      out = out.map((p) => (p.execute ? hold(p, { gate: 'not-suppressed', passed: false, reason: why }) : p));
    }
  }

  // 2. Waves, judged on the whole group.
  const tagsByKey = new Map(verdicts.map((v) => [refKey(v.ref), watchedTags(v.subject)] as const));
  const tagsOf = (p: Plan): Tags | undefined => tagsByKey.get(refKey(p.ref));
  const members = new Map<string, WaveMember[]>();
  for (const v of verdicts) {
    const tags = watchedTags(v.subject);
    if (tags === undefined) continue;
    const g = waveGroupOf(tags, deps.policy);
    if (g !== undefined) members.set(g, [...(members.get(g) ?? []), { instanceId: v.ref.id, tags }]);
  }
  if (deps.waveMembers && deps.policy.waveSize > 0) {
    const filters = new Map<string, { key: string; value: string }>();
    for (const p of out) {
      const tags = p.execute ? tagsOf(p) : undefined;
      const f = tags ? waveGroupFilter(tags, deps.policy) : undefined;
      if (f) filters.set(`${f.key}\u0000${f.value}`, f);
    }
    if (filters.size > 0) {
      try {
        for (const [group, list] of await deps.waveMembers([...filters.values()], deps.policy)) {
          // A listed instance may belong to a group no plan of this run is in (its wave tag): it holds nothing here.
          const own = members.get(group);
          if (own === undefined) continue;
          // This run's own description of an instance is fresher than the group listing.
          const known = new Set(own.map((m) => m.instanceId));
          own.push(...list.filter((m) => !known.has(m.instanceId)));
        }
      } catch (error) {
        logger.error('wave group look-up failed; grouped instances are held', errorFields(error));
        const why = `the members of its group could not be listed (${error instanceof Error ? error.message : String(error)})`;
        return out.map((p) => {
          const tags = tagsOf(p);
          return p.execute && tags && waveGroupOf(tags, deps.policy) !== undefined ? hold(p, { gate: 'wave', passed: false, reason: why }) : p;
        });
      }
    }
  }
  return applyWaves(out, tagsOf, members, deps.policy);
}
