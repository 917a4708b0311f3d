/**
 * The pipeline's safety step (shared/engine/safety.ts) on its own: which
 * resources the SUPPRESSED look-up and the wave group listing are asked about,
 * what a suppressed finding or a listed group member does to the plans, and
 * that a failed look-up holds exactly the plans it concerns.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import { applySafety, type SafetyDeps } from '../../shared/engine/safety.js';
import type { SuppressedLookup, WaveMembersSource } from '../../shared/engine/ports.js';
import type { WaveMember } from '../../shared/engine/waves.js';
import type { Subject } from '../../shared/kinds/subject.js';
import { refKey, type Tags } from '../../shared/model.js';
import { logger } from '../../shared/observability/log.js';
import { DEFAULT_POLICY, type Policy } from '../../shared/policy.js';
import type { Plan, Verdict } from '../../shared/verdict.js';
import { awsError, ec2Error } from '../support/aws-errors.js';
import { instance, launchTemplate } from '../support/subjects.js';

const NOW = new Date('2026-06-01T08:00:00.000Z');
const ASG = 'aws:autoscaling:groupName';
const enforce: Policy = { ...DEFAULT_POLICY, mode: 'enforce' };
const automatic = { humanRequest: false };

/** Instances allowing IMDSv1 (about to be switched) and one already on IMDSv2 (nothing to do). */
const open = (id: string, tags: Tags = {}) => instance(id, {}, { tags });
const done = (id: string, tags: Tags = {}) => instance(id, { httpTokens: 'required' }, { tags });
const web = (extra: Tags = {}): Tags => ({ [ASG]: 'web', ...extra });

const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0aaaaaaaaaaaaaaa2';
const C = 'i-0aaaaaaaaaaaaaaa3';
const D = 'i-0aaaaaaaaaaaaaaa4';
const LT = 'lt-0aaaaaaaaaaaaaaa1';

/** Judges the subjects as the pipeline does (no IMDSv1 calls seen), and records every decision made again. */
function judged(subjects: Subject[], policy: Policy = enforce) {
  const verdicts = subjects.map((s) => evaluate(s, policy, NOW));
  const decidedAgain: [string, string][] = [];
  const decideOne = (v: Verdict, suppressed?: string): Plan =>
    decide(v, policy, { now: NOW, usage: { noTokenCalls: 0, lookbackDays: 14 }, ...(suppressed !== undefined ? { suppressed } : {}) });
  const redecide = (v: Verdict, suppressed: string): Plan => {
    decidedAgain.push([v.ref.id, suppressed]);
    return decideOne(v, suppressed);
  };
  const plans = verdicts.map((v) => decideOne(v));
  return { verdicts, plans, redecide, decidedAgain };
}

function suppressedLookup(found: Record<string, string> = {}): SuppressedLookup & { asked: Parameters<SuppressedLookup>[0][] } {
  const asked: Parameters<SuppressedLookup>[0][] = [];
  return Object.assign(
    async (resources: Parameters<SuppressedLookup>[0]) => {
      asked.push([...resources]);
      return new Map(resources.filter((r) => found[r.ref.id] !== undefined).map((r) => [refKey(r.ref), found[r.ref.id]!]));
    },
    { asked },
  );
}

function groupListing(listed: Record<string, WaveMember[]> = {}): WaveMembersSource & { asked: Parameters<WaveMembersSource>[0][] } {
  const asked: Parameters<WaveMembersSource>[0][] = [];
  return Object.assign(
    async (groups: Parameters<WaveMembersSource>[0]) => {
      asked.push([...groups]);
      return new Map(Object.entries(listed));
    },
    { asked },
  );
}

const executing = (plans: readonly Plan[]) => plans.filter((p) => p.execute).map((p) => p.ref.id);
const byId = (plans: readonly Plan[], id: string) => plans.find((p) => p.ref.id === id)!;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('applySafety: the look-ups it asks', () => {
  it('asks neither look-up when no plan would change anything, and hands the plans back as decided', async () => {
    const { verdicts, plans, redecide } = judged([done(A, web()), done(B)]);
    const suppressed = suppressedLookup();
    const waveMembers = groupListing();
    const out = await applySafety(plans, verdicts, { policy: enforce, suppressed, waveMembers }, automatic, redecide);
    expect(out).toEqual(plans);
    expect(suppressed.asked).toHaveLength(0);
    expect(waveMembers.asked).toHaveLength(0);
  });

  it('sends only the resources about to be changed to the SUPPRESSED look-up, each with its description', async () => {
    const subjects = [open(A), done(B), launchTemplate(LT)];
    const { verdicts, plans, redecide } = judged(subjects);
    expect(executing(plans)).toEqual([A, LT]);
    const suppressed = suppressedLookup();
    await applySafety(plans, verdicts, { policy: enforce, suppressed }, automatic, redecide);
    expect(suppressed.asked).toEqual([
      [
        { ref: subjects[0]!.ref, subject: subjects[0] },
        { ref: subjects[2]!.ref, subject: subjects[2] },
      ],
    ]);
  });

  it("skips the SUPPRESSED look-up on a person's own request, and when IMDS_GUARD_RESPECT_SUPPRESSED is off", async () => {
    const { verdicts, plans, redecide } = judged([open(A)]);
    const suppressed = suppressedLookup({ [A]: 'Security Hub finding EC2.8 was set to SUPPRESSED' });
    const asked = await applySafety(plans, verdicts, { policy: enforce, suppressed }, { humanRequest: true }, redecide);
    expect(executing(asked)).toEqual([A]);
    const off = await applySafety(plans, verdicts, { policy: { ...enforce, respectSuppressed: false }, suppressed }, automatic, redecide);
    expect(executing(off)).toEqual([A]);
    expect(suppressed.asked).toHaveLength(0);
  });

  it('asks one group listing with one filter per wave group of the plans about to be changed', async () => {
    const policy: Policy = { ...enforce, waveTag: 'app' };
    const { verdicts, plans, redecide } = judged(
      [open(A, web()), open(B, web()), open(C, { [ASG]: 'api' }), open(D, web({ app: 'billing' })), done('i-0aaaaaaaaaaaaaaa5', { [ASG]: 'batch' }), open('i-0aaaaaaaaaaaaaaa6')],
      policy,
    );
    const waveMembers = groupListing();
    await applySafety(plans, verdicts, { policy, waveMembers }, automatic, redecide);
    expect(waveMembers.asked).toEqual([
      [
        { key: ASG, value: 'web' },
        { key: ASG, value: 'api' },
        { key: 'app', value: 'billing' },
      ],
    ]);
  });

  it('asks no group listing when no plan about to be changed is in a wave group', async () => {
    const { verdicts, plans, redecide } = judged([open(A), done(B, web()), launchTemplate(LT)]);
    const waveMembers = groupListing();
    const out = await applySafety(plans, verdicts, { policy: enforce, waveMembers }, automatic, redecide);
    expect(waveMembers.asked).toHaveLength(0);
    expect(executing(out)).toEqual([A, LT]);
  });

  it('asks no group listing with IMDS_GUARD_WAVE_SIZE=0 (no waves: every member is switched)', async () => {
    const policy: Policy = { ...enforce, waveSize: 0 };
    const { verdicts, plans, redecide } = judged([open(A, web()), open(B, web())], policy);
    const waveMembers = groupListing({ 'Auto Scaling group web': [{ instanceId: C, tags: web({ 'imds-guard:flipped-at': NOW.toISOString() }) }] });
    const out = await applySafety(plans, verdicts, { policy, waveMembers }, automatic, redecide);
    expect(waveMembers.asked).toHaveLength(0);
    expect(executing(out)).toEqual([A, B]);
  });

  it("without a group listing, waves go on this run's own instances alone", async () => {
    const { verdicts, plans, redecide } = judged([open(A, web()), open(B, web())]);
    const out = await applySafety(plans, verdicts, { policy: enforce }, automatic, redecide);
    expect(executing(out)).toEqual([A]);
    expect(byId(out, B).gates.at(-1)).toMatchObject({ gate: 'wave', passed: false });
    expect(byId(out, B).summary).toContain('held for the next wave: Auto Scaling group web');
  });
});

describe('applySafety: SUPPRESSED findings', () => {
  it('decides a plan again when a person suppressed its finding: held by not-suppressed, the others kept as decided', async () => {
    const why = 'Security Hub finding EC2.8 (arn:aws:securityhub:us-east-1:123456789012:finding/x) was set to SUPPRESSED';
    const { verdicts, plans, redecide, decidedAgain } = judged([open(A), open(B), done(C)]);
    const out = await applySafety(plans, verdicts, { policy: enforce, suppressed: suppressedLookup({ [A]: why }) }, automatic, redecide);
    expect(executing(out)).toEqual([B]);
    expect(byId(out, A).gates.find((g) => g.gate === 'not-suppressed')).toMatchObject({ passed: false, reason: expect.stringContaining(why) });
    expect(decidedAgain).toEqual([[A, why]]);
    expect(byId(out, B)).toEqual(byId(plans, B));
    expect(byId(out, C)).toEqual(byId(plans, C));
  });

  it('a failed SUPPRESSED look-up holds every plan about to be changed, says why, and logs an error', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { verdicts, plans, redecide, decidedAgain } = judged([open(A, web()), launchTemplate(LT), done(C)]);
    const denied = awsError('SecurityHub', 'AccessDeniedException', 'User is not authorized to perform: securityhub:GetFindings');
    const suppressed: SuppressedLookup = async () => {
      throw denied;
    };
    const waveMembers = groupListing();
    const out = await applySafety(plans, verdicts, { policy: enforce, suppressed, waveMembers }, automatic, redecide);

    expect(executing(out)).toEqual([]);
    for (const id of [A, LT]) {
      const before = byId(plans, id);
      const held = byId(out, id);
      expect(held.gates.slice(0, -1)).toEqual(before.gates);
      expect(held.gates.at(-1)).toEqual({
        gate: 'not-suppressed',
        passed: false,
        reason: 'whether a person suppressed its finding could not be read (User is not authorized to perform: securityhub:GetFindings)',
      });
      expect(held.summary).toBe('Not remediated: whether a person suppressed its finding could not be read (User is not authorized to perform: securityhub:GetFindings).');
      expect(held.target).toEqual(before.target);
    }
    expect(byId(out, C)).toEqual(byId(plans, C));
    expect(decidedAgain).toEqual([]);
    // Nothing is left to change, so no group is listed.
    expect(waveMembers.asked).toHaveLength(0);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0]![0]).toContain('SUPPRESSED look-up failed');
    expect(error.mock.calls[0]![0]).toContain('held');
  });
});

describe('applySafety: waves on the whole group', () => {
  const group = 'Auto Scaling group web';
  const inWindow = web({ 'imds-guard:flipped-at': NOW.toISOString() });
  const passed = web({ 'imds-guard:verified-at': NOW.toISOString() });

  it("counts this run's own instances of the group: one in its guard window holds the rest", async () => {
    const { verdicts, plans, redecide } = judged([done(A, inWindow), open(B, web()), open(C)]);
    const out = await applySafety(plans, verdicts, { policy: enforce }, automatic, redecide);
    expect(executing(out)).toEqual([C]);
    expect(byId(out, B).summary).toContain(`held for the next wave: ${group} has ${A} in its guard window`);
  });

  it('a member only the group listing finds holds the group when it is in its guard window', async () => {
    const { verdicts, plans, redecide } = judged([open(A, web()), open(B)]);
    const waveMembers = groupListing({ [group]: [{ instanceId: C, tags: inWindow }] });
    const out = await applySafety(plans, verdicts, { policy: enforce, waveMembers }, automatic, redecide);
    expect(executing(out)).toEqual([B]);
    expect(byId(out, A).summary).toContain(`held for the next wave: ${group} has ${C} in its guard window`);
  });

  it("this run's own description of an instance wins over the group listing's", async () => {
    // The listing still shows A in its guard window; this run described A after its clean pass.
    const { verdicts, plans, redecide } = judged([done(A, passed), open(B, web())]);
    const waveMembers = groupListing({ [group]: [{ instanceId: A, tags: inWindow }] });
    const out = await applySafety(plans, verdicts, { policy: enforce, waveMembers }, automatic, redecide);
    expect(executing(out)).toEqual([B]);
    expect(byId(out, B).gates.at(-1)).toEqual({ gate: 'wave', passed: true, reason: `${group}: ${A} passed its guard window cleanly, the rest follow` });
  });

  it('a listed instance of another wave group (its wave tag) does not hold the group it was found by', async () => {
    const policy: Policy = { ...enforce, waveTag: 'app' };
    const { verdicts, plans, redecide } = judged([open(A, web())], policy);
    // Listed by the Auto Scaling group's tag, but its wave tag puts it in app=billing, where no plan of this run is.
    const waveMembers = groupListing({ 'app=billing': [{ instanceId: C, tags: web({ app: 'billing', 'imds-guard:flipped-at': NOW.toISOString() }) }] });
    const out = await applySafety(plans, verdicts, { policy, waveMembers }, automatic, redecide);
    expect(waveMembers.asked).toEqual([[{ key: ASG, value: 'web' }]]);
    expect(executing(out)).toEqual([A]);
    expect(byId(out, A).gates.at(-1)).toMatchObject({ gate: 'wave', passed: true, reason: expect.stringContaining(`first wave of ${group}`) });
  });

  it('a failed group listing holds only the grouped plans about to be changed, with the wave gate, and logs an error', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { verdicts, plans, redecide } = judged([open(A, web()), open(B, web()), open(C), launchTemplate(LT), done(D, web())]);
    const waveMembers: WaveMembersSource = async () => {
      throw ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
    };
    const out = await applySafety(plans, verdicts, { policy: enforce, waveMembers }, automatic, redecide);

    const reason = 'the members of its group could not be listed (Request limit exceeded.)';
    for (const id of [A, B]) {
      const held = byId(out, id);
      expect(held.execute).toBe(false);
      expect(held.gates.slice(0, -1)).toEqual(byId(plans, id).gates);
      expect(held.gates.at(-1)).toEqual({ gate: 'wave', passed: false, reason });
      expect(held.summary).toBe(`Not remediated: ${reason}.`);
    }
    for (const id of [C, LT, D]) expect(byId(out, id)).toEqual(byId(plans, id));
    expect(executing(out)).toEqual([C, LT]);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0]![0]).toContain('wave group look-up failed');
    expect(error.mock.calls[0]![0]).toContain('held');
  });
});

describe('applySafety: a look-up rejected with something other than an Error', () => {
  it('still names what it was rejected with in the reason of the plans it holds', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { verdicts, plans, redecide } = judged([open(A, web())]);
    const suppressed: SuppressedLookup = () => Promise.reject('socket hang up');
    const heldBySuppressed = await applySafety(plans, verdicts, { policy: enforce, suppressed }, automatic, redecide);
    expect(heldBySuppressed[0]!.gates.at(-1)!.reason).toBe('whether a person suppressed its finding could not be read (socket hang up)');
    const waveMembers: WaveMembersSource = () => Promise.reject('socket hang up');
    const heldByWave = await applySafety(plans, verdicts, { policy: enforce, waveMembers }, automatic, redecide);
    expect(heldByWave[0]!.gates.at(-1)!.reason).toBe('the members of its group could not be listed (socket hang up)');
  });
});

describe('applySafety: both steps', () => {
  it('a plan held for its suppressed finding is not asked about in the group listing and takes no first-wave place', async () => {
    const why = 'Security Hub finding EC2.8 was set to SUPPRESSED';
    const { verdicts, plans, redecide } = judged([open(A, web()), open(B, web())]);
    const waveMembers = groupListing();
    const deps: SafetyDeps = { policy: enforce, suppressed: suppressedLookup({ [A]: why }), waveMembers };
    const out = await applySafety(plans, verdicts, deps, automatic, redecide);
    expect(waveMembers.asked).toEqual([[{ key: ASG, value: 'web' }]]);
    expect(executing(out)).toEqual([B]);
    expect(byId(out, B).gates.at(-1)).toMatchObject({ gate: 'wave', passed: true });
  });
});
