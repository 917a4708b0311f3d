/**
 * Waves, PURE: at most `policy.waveSize` instances of one group are
 * switched to IMDSv2 at a time; the rest wait until a member's guard window
 * has passed cleanly; a rollback in the group stops the rest of it.
 *
 * A group is the instance's value of the wave tag (IMDS_GUARD_WAVE_TAG) when
 * set and present, else its Auto Scaling group. Instances in no group are not
 * held. The state of a group is read from its members' watch tags
 * (shared/watch/tags.ts), all members, not only those in this run:
 *
 * | members show                         | this run may switch             |
 * |--------------------------------------|---------------------------------|
 * | a rollback mark                      | none (the group is stopped)     |
 * | a watch in progress (flipped-at)     | none (wait for its window)      |
 * | a clean pass (verified-at)           | all the rest                    |
 * | nothing yet                          | the first `waveSize` (by id)    |
 *
 * Only plans that switch HttpTokens are held (a hop-limit-only change is not
 * watched). Held plans keep every gate and get a failed `wave` gate.
 */
import type { Gate, Tags } from '../model.js';
import type { Plan } from '../verdict.js';
import type { Policy } from '../policy.js';
import { watchRecordOf, type WatchRecord } from '../watch/tags.js';
import { ASG_NAME_TAG } from '../aws/translate.js';

export interface WaveMember {
  instanceId: string;
  tags: Tags;
}

/** The group an instance belongs to for waves, or undefined. */
export function waveGroupOf(tags: Tags, policy: Policy): string | undefined {
  if (policy.waveTag !== '' && tags[policy.waveTag] !== undefined) return `${policy.waveTag}=${tags[policy.waveTag]}`;
  const asg = tags[ASG_NAME_TAG];
  return asg !== undefined ? `Auto Scaling group ${asg}` : undefined;
}

/** The tag key and value that find a group's members with DescribeInstances. */
export function waveGroupFilter(tags: Tags, policy: Policy): { key: string; value: string } | undefined {
  if (policy.waveTag !== '' && tags[policy.waveTag] !== undefined) return { key: policy.waveTag, value: tags[policy.waveTag]! };
  const asg = tags[ASG_NAME_TAG];
  return asg !== undefined ? { key: ASG_NAME_TAG, value: asg } : undefined;
}

function isWatchedFlip(plan: Plan): boolean {
  return plan.execute && plan.action === 'modify-instance-metadata-options' && plan.previous !== undefined && plan.previous.httpTokens !== 'required';
}

type GroupState =
  | { state: 'stopped'; by: string }
  | { state: 'in-progress'; by: string; since: Date }
  | { state: 'clean'; by: string }
  | { state: 'fresh' };

function stateOf(members: readonly { instanceId: string; record: WatchRecord }[]): GroupState {
  const rolled = members.find((m) => m.record.rolledBack !== undefined);
  if (rolled) return { state: 'stopped', by: rolled.instanceId };
  const watching = members.find((m) => m.record.flippedAt !== undefined);
  if (watching) return { state: 'in-progress', by: watching.instanceId, since: watching.record.flippedAt! };
  const clean = members.find((m) => m.record.verifiedAt !== undefined);
  if (clean) return { state: 'clean', by: clean.instanceId };
  return { state: 'fresh' };
}

/**
 * Applies waves to plans. `tagsOf` gives the tags of the instance a plan is
 * for; `members` every known member of each group (keyed by waveGroupOf).
 */
export function applyWaves(
  plans: readonly Plan[],
  tagsOf: (plan: Plan) => Tags | undefined,
  members: ReadonlyMap<string, readonly WaveMember[]>,
  policy: Policy,
): Plan[] {
  if (policy.waveSize === 0) return [...plans];
  const byGroup = new Map<string, Plan[]>();
  for (const plan of plans) {
    if (!isWatchedFlip(plan)) continue;
    const tags = tagsOf(plan);
    const group = tags ? waveGroupOf(tags, policy) : undefined;
    if (group === undefined) continue;
    byGroup.set(group, [...(byGroup.get(group) ?? []), plan]);
  }
  const verdicts = new Map<Plan, Gate>();
  for (const [group, candidates] of byGroup) {
    const known = new Map<string, WaveMember>();
    for (const m of members.get(group) ?? []) known.set(m.instanceId, m);
    const state = stateOf([...known.values()].map((m) => ({ instanceId: m.instanceId, record: watchRecordOf(m.tags) })));
    const sorted = [...candidates].sort((a, b) => a.ref.id.localeCompare(b.ref.id));
    const total = new Set([...known.keys(), ...sorted.map((p) => p.ref.id)]).size;
    sorted.forEach((plan, i) => {
      let gate: Gate;
      switch (state.state) {
        case 'stopped':
          gate = { gate: 'wave', passed: false, reason: `held: ${group} is stopped because imds-guard found breakage on ${state.by} after switching it (rolled back, or its rollback failed: see its imds-guard:rolled-back tag, which a person clears)` };
          break;
        case 'in-progress':
          gate = { gate: 'wave', passed: false, reason: `held for the next wave: ${group} has ${state.by} in its guard window since ${state.since.toISOString()}` };
          break;
        case 'clean':
          gate = { gate: 'wave', passed: true, reason: `${group}: ${state.by} passed its guard window cleanly, the rest follow` };
          break;
        case 'fresh':
          gate =
            i < policy.waveSize
              ? { gate: 'wave', passed: true, reason: `first wave of ${group}: ${policy.waveSize} of ${total} instance(s) (IMDS_GUARD_WAVE_SIZE)` }
              : { gate: 'wave', passed: false, reason: `held for the next wave: ${group} switches ${policy.waveSize} instance(s) first and the rest after a clean guard window` };
          break;
      }
      verdicts.set(plan, gate);
    });
  }
  return plans.map((plan) => {
    const gate = verdicts.get(plan);
    if (!gate) return plan;
    if (gate.passed) return { ...plan, gates: [...plan.gates, gate] };
    return { ...plan, gates: [...plan.gates, gate], execute: false, summary: `Not remediated: ${gate.reason}.` };
  });
}
