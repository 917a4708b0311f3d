/**
 * decide's per-change gates, each by the reason an operator reads in a plan
 * or finding: the usage gates (imdsv1-unused, usage-known), hop-limit-lowering,
 * mode, the metadata target, and the plan that has nothing left to change.
 */
import { describe, expect, it } from 'vitest';
import { decide, targetFor, tooYoungToJudge } from '../../shared/engine/decide.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import type { GateId, MetadataOptions } from '../../shared/model.js';
import type { LaunchSource } from '../../shared/kinds/auto-scaling-group/subject.js';
import { autoScalingGroup } from '../support/subjects.js';
import type { Plan } from '../../shared/verdict.js';
import { NOW, instanceSubject, policy, templateSubject, verdict } from '../act/helpers.js';

const KNOWN_UNUSED = { noTokenCalls: 0, lookbackDays: 14 };
const NO_DATAPOINTS = { noTokenCalls: null, lookbackDays: 14 };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const gateOf = (plan: Plan, id: GateId) => plan.gates.find((g) => g.gate === id);
const failed = (plan: Plan) => plan.gates.filter((g) => !g.passed).map((g) => g.gate);
const launchedAgo = (ms: number) => instanceSubject({ launchTime: new Date(NOW.getTime() - ms) });

describe('targetFor', () => {
  it('requires IMDSv2 and leaves an unset hop limit unset, saying so', () => {
    expect(targetFor({ httpTokens: 'optional' }, policy())).toEqual({ target: { httpTokens: 'required' }, hopNote: 'hop limit left unset' });
  });

  it('an instance with no hop limit is planned without one and its hop-limit gate says it is not lowered', () => {
    const subject = instanceSubject({ metadata: { httpTokens: 'optional', httpEndpoint: 'enabled' } });
    const plan = decide(verdict(subject), policy({ lowerHopLimit: true }), { now: NOW, usage: KNOWN_UNUSED });
    expect(plan).toMatchObject({ execute: true, target: { httpTokens: 'required' } });
    expect(plan.target).not.toHaveProperty('httpPutResponseHopLimit');
    expect(gateOf(plan, 'hop-limit-lowering')).toMatchObject({ passed: true, reason: 'hop limit not set: not lowered' });
    expect(plan.summary).toContain('hop limit left unset');
  });

  it('a hop limit within the ceiling is named in its gate', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(gateOf(plan, 'hop-limit-lowering')).toMatchObject({ passed: true, reason: 'hop limit 2 is within the ceiling 2: not lowered' });
  });
});

describe('tooYoungToJudge', () => {
  const window = { usageLookbackDays: 14 };

  it('an instance launched less than the window ago is too young; at the window it is not', () => {
    expect(tooYoungToJudge(launchedAgo(14 * DAY_MS - 60_000), window, NOW)).toBe(true);
    expect(tooYoungToJudge(launchedAgo(14 * DAY_MS), window, NOW)).toBe(false);
  });

  it('a resource without a launch time is never too young (judged by its usage)', () => {
    expect(tooYoungToJudge(instanceSubject({ launchTime: undefined }), window, NOW)).toBe(false);
    expect(tooYoungToJudge(templateSubject(), window, NOW)).toBe(false);
  });
});

describe('decide: usage gates', () => {
  it('an instance launched exactly the window ago is judged by its usage, not held as too young', () => {
    const plan = decide(verdict(launchedAgo(14 * DAY_MS)), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(plan.execute).toBe(true);
    expect(gateOf(plan, 'usage-known')).toMatchObject({ passed: true, reason: 'usage known over the full 14-day window' });
  });

  it('an instance without a launch time is judged by its usage, as if older than the window', () => {
    const subject = instanceSubject({ launchTime: undefined });
    const known = decide(verdict(subject), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(known.execute).toBe(true);
    const unknown = decide(verdict(subject), policy(), { now: NOW, usage: NO_DATAPOINTS });
    expect(gateOf(unknown, 'usage-known')).toMatchObject({
      passed: false,
      reason: 'no MetadataNoToken datapoints in the last 14 days; IMDS_GUARD_USAGE_UNKNOWN=skip',
    });
  });

  it.each([
    ['20 minutes', 20 * 60_000, '20 min'],
    ['one hour', HOUR_MS, '1 h'],
    ['36 hours', 36 * HOUR_MS, '36 h'],
    ['two days', 2 * DAY_MS, '2 days'],
    ['five days', 5 * DAY_MS, '5 days'],
  ])('a young instance launched %s ago is held with its age in readable units', (_name, ms, age) => {
    const plan = decide(verdict(launchedAgo(ms)), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(plan.execute).toBe(false);
    expect(gateOf(plan, 'usage-known')).toMatchObject({
      passed: false,
      reason: `launched ${age} ago, less than the 14-day look-back window: too young to judge its IMDSv1 use; IMDS_GUARD_USAGE_UNKNOWN=skip`,
    });
  });

  it('recorded IMDSv1 calls: imdsv1-unused holds it with the count and window, usage-known says usage is known', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: { noTokenCalls: 3, lookbackDays: 14 } });
    expect(plan.execute).toBe(false);
    expect(failed(plan)).toEqual(['imdsv1-unused']);
    expect(gateOf(plan, 'imdsv1-unused')?.reason).toBe(
      '3 IMDSv1 calls (MetadataNoToken) in the last 14 days: requiring IMDSv2 would break that software; update it to IMDSv2 first (not overridable)',
    );
    expect(gateOf(plan, 'usage-known')).toMatchObject({ passed: true, reason: 'usage is known (IMDSv1 in use)' });
  });

  it('recorded IMDSv1 calls on a young instance: held for the calls, not for its age', () => {
    const plan = decide(verdict(launchedAgo(3 * HOUR_MS)), policy(), { now: NOW, usage: { noTokenCalls: 1, lookbackDays: 14 } });
    expect(failed(plan)).toEqual(['imdsv1-unused']);
    expect(gateOf(plan, 'usage-known')).toMatchObject({ passed: true, reason: 'usage is known (IMDSv1 in use)' });
    expect(plan.summary).not.toContain('too young');
    expect(plan.summary).toContain('1 IMDSv1 call (MetadataNoToken)');
  });

  it('zero calls over the window: both usage gates pass, naming the window', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(gateOf(plan, 'imdsv1-unused')).toMatchObject({ passed: true, reason: 'no IMDSv1 calls (MetadataNoToken) in the last 14 days' });
    expect(gateOf(plan, 'usage-known')).toMatchObject({ passed: true, reason: 'usage known over the full 14-day window' });
  });

  it('no datapoints or no look-up: imdsv1-unused passes without claiming a window, usage-known decides', () => {
    for (const usage of [NO_DATAPOINTS, undefined]) {
      const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage });
      expect(gateOf(plan, 'imdsv1-unused')).toMatchObject({ passed: true, reason: 'no IMDSv1 calls on record (see usage-known)' });
      expect(failed(plan)).toEqual(['usage-known']);
    }
  });

  it('unknown usage under IMDS_GUARD_USAGE_UNKNOWN=enforce passes usage-known and says by which setting', () => {
    const plan = decide(verdict(instanceSubject()), policy({ usageUnknown: 'enforce' }), { now: NOW, usage: NO_DATAPOINTS });
    expect(plan.execute).toBe(true);
    expect(gateOf(plan, 'usage-known')).toMatchObject({
      passed: true,
      reason: 'no MetadataNoToken datapoints in the last 14 days; IMDS_GUARD_USAGE_UNKNOWN=enforce',
    });
  });

  it('a failed usage read: usage-known points at imdsv1-unused, which carries the error', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usageError: 'throttled' });
    expect(failed(plan)).toEqual(['imdsv1-unused', 'usage-known']);
    expect(gateOf(plan, 'usage-known')?.reason).toBe('see imdsv1-unused');
  });

  it('a kind whose usage is not measured passes both usage gates, saying they do not apply to it', () => {
    const plan = decide(verdict(templateSubject()), policy(), { now: NOW });
    expect(gateOf(plan, 'imdsv1-unused')).toMatchObject({ passed: true, reason: 'does not apply to a launch template (usage is measured on instances)' });
    expect(gateOf(plan, 'usage-known')).toMatchObject({ passed: true, reason: 'does not apply to a launch template' });
  });
});

describe('decide: mode gate', () => {
  it.each([
    ['detect', 'detect mode (findings only)'],
    ['dry-run', 'dry-run mode (plan only)'],
  ] as const)('%s: held by the mode gate, which a person can override', (mode, what) => {
    const auto = decide(verdict(instanceSubject()), policy({ mode }), { now: NOW, usage: KNOWN_UNUSED });
    expect(gateOf(auto, 'mode')).toMatchObject({ passed: false, reason: `${what}: no change is made to resources` });
    const human = decide(verdict(instanceSubject()), policy({ mode }), { now: NOW, usage: KNOWN_UNUSED, humanRequest: true });
    expect(gateOf(human, 'mode')).toMatchObject({ passed: true, reason: `${what}, overridden by an explicit request` });
    expect(human.execute).toBe(true);
  });

  it('enforce mode passes the mode gate', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(gateOf(plan, 'mode')).toMatchObject({ passed: true, reason: 'enforce mode' });
  });
});

describe('decide: nothing to change', () => {
  const templateSource = (defaultMetadata: MetadataOptions): LaunchSource => ({
    type: 'launch-template',
    origin: 'group',
    templateId: 'lt-0aaaaaaaaaaaaaaa1',
    requestedVersion: '3',
    resolvedVersion: 3,
    defaultVersion: 4,
    metadata: { httpTokens: 'optional' },
    defaultMetadata,
  });

  it('a group whose only fix is elsewhere (its launch configuration) plans no action and says what to do instead', () => {
    const group = autoScalingGroup('old-asg', [{ type: 'launch-configuration', name: 'old-lc', found: true }]);
    const v = evaluate(group, policy());
    expect(v.compliance).toBe('NON_COMPLIANT');
    const plan = decide(v, policy(), { now: NOW });
    expect(plan).toMatchObject({ action: 'none', execute: false });
    expect(plan.target).toBeUndefined();
    expect(plan.summary).toMatch(/^Not remediated: .*migrate the launch configuration/);
  });

  it('a group pinned to an optional version whose default requires IMDSv2 is repointed', () => {
    const group = autoScalingGroup('web-asg', [templateSource({ httpTokens: 'required' })]);
    const plan = decide(evaluate(group, policy()), policy(), { now: NOW });
    expect(plan).toMatchObject({ action: 'repoint-auto-scaling-group', execute: true });
  });
});
