import { describe, expect, it } from 'vitest';
import { computeStage, factsOf, imdsv1Use, restage, StageTally, stageKinds } from '../../shared/engine/stage.js';
import type { AccountUsage, Report, UsageSource } from '../../shared/engine/ports.js';
import type { Subject } from '../../shared/kinds/subject.js';
import type { LaunchSource } from '../../shared/kinds/auto-scaling-group/subject.js';
import type { UsageEvidence } from '../../shared/model.js';
import { stageSentence } from '../../shared/kinds/stage.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import { accountDefaults, autoScalingGroup, instance, launchTemplate, ACCOUNT } from '../support/subjects.js';

const REQUIRED = { httpTokens: 'required' as const };
const DEFAULTS_REQUIRED = { httpTokens: 'required' as const, httpPutResponseHopLimit: 2 };

/** An account-wide SEARCH answer: one series per instance, `calls` summed over the window. */
function search(series: Record<string, number>, incomplete?: string): AccountUsage {
  return { series: Object.entries(series).map(([instanceId, calls]) => ({ instanceId, calls })), ...(incomplete ? { incomplete } : {}) };
}

/** The stage of an estate: its subjects' facts, the SEARCH answer and the per-instance evidence. */
function stageOf(
  subjects: readonly Subject[],
  answer: AccountUsage | { error: string } | undefined,
  perInstance: ReadonlyMap<string, UsageEvidence> = new Map(),
  missing: string[] = [],
) {
  const facts = subjects.flatMap(factsOf);
  const allowing = facts.filter((f) => f.type === 'workload' && f.allowsImdsv1).map((f) => f.ref.id);
  return computeStage(facts, imdsv1Use(answer, perInstance, allowing, 14), missing);
}

/** A group asking for a template version, resolved to `metadata`. */
function templateSource(templateId: string, requestedVersion: string, resolvedVersion: number, metadata: LaunchSource['metadata']): LaunchSource {
  return { type: 'launch-template', origin: 'group', templateId, templateName: 'web', requestedVersion, resolvedVersion, metadata, defaultVersion: 4, defaultMetadata: REQUIRED };
}

describe('the stage of an account-region', () => {
  it("migrating: a launch template's $Latest asks for optional and a group launches from $Latest", () => {
    const template = launchTemplate('lt-0aaaaaaaaaaaaaaa1', REQUIRED, {
      defaultVersion: { versionNumber: 4, metadata: REQUIRED },
      latestVersion: { versionNumber: 5, metadata: { httpTokens: 'optional' } },
      accountDefaults: DEFAULTS_REQUIRED,
    });
    const group = autoScalingGroup('web-asg', [templateSource('lt-0aaaaaaaaaaaaaaa1', '$Latest', 5, { httpTokens: 'optional' })], {
      accountDefaults: DEFAULTS_REQUIRED,
    });
    const report = stageOf([accountDefaults(DEFAULTS_REQUIRED), template, group, instance('i-0aaaaaaaaaaaaaaa1', REQUIRED)], search({ 'i-0aaaaaaaaaaaaaaa1': 0 }));
    expect(report.stage).toBe('migrating');
    // The template's default version is fine; the group's $Latest is what would be refused.
    expect(report.blockers).toEqual([
      {
        type: 'launch-path',
        kind: 'auto-scaling-group',
        id: 'web-asg',
        why: expect.stringMatching(/launch template web \(lt-0aaaaaaaaaaaaaaa1\) \$Latest \(version 5\).*HttpTokens=optional/),
      },
    ]);
  });

  it('ready: only old instances still allow IMDSv1, nothing launches with optional, no IMDSv1 call', () => {
    const subjects = [
      accountDefaults(DEFAULTS_REQUIRED),
      launchTemplate('lt-0aaaaaaaaaaaaaaa1', {}, { accountDefaults: DEFAULTS_REQUIRED }), // unset: the account default's required
      autoScalingGroup('web-asg', [templateSource('lt-0aaaaaaaaaaaaaaa1', '$Default', 1, {})], { accountDefaults: DEFAULTS_REQUIRED }),
      instance('i-0aaaaaaaaaaaaaaa1'),
      instance('i-0aaaaaaaaaaaaaaa2'),
    ];
    const report = stageOf(subjects, search({ 'i-0aaaaaaaaaaaaaaa1': 0, 'i-0aaaaaaaaaaaaaaa2': 0 }));
    expect(report).toMatchObject({ stage: 'ready', blockers: [], instancesAllowingImdsv1: 2 });
    expect(report.reason).toContain('2 running instances still allow IMDSv1');
  });

  it('exposed: an instance allows IMDSv1 and made IMDSv1 calls', () => {
    const report = stageOf(
      [accountDefaults(DEFAULTS_REQUIRED), instance('i-0aaaaaaaaaaaaaaa1'), instance('i-0aaaaaaaaaaaaaaa2')],
      search({ 'i-0aaaaaaaaaaaaaaa1': 0, 'i-0aaaaaaaaaaaaaaa2': 12 }),
    );
    expect(report.stage).toBe('exposed');
    expect(report.blockers).toEqual([{ type: 'imdsv1-calls', kind: 'instance', id: 'i-0aaaaaaaaaaaaaaa2', why: 'IMDSv1 calls in the last 14 days', calls: 12 }]);
    expect(report.reason).toContain('12 IMDSv1 calls by 1 instance');
  });

  it("the finding's words leave out what moves from sweep to sweep: more calls, another instance allowing IMDSv1", () => {
    const before = stageOf([accountDefaults(DEFAULTS_REQUIRED), instance('i-0aaaaaaaaaaaaaaa1'), instance('i-0aaaaaaaaaaaaaaa2')], search({ 'i-0aaaaaaaaaaaaaaa2': 12 }));
    const after = stageOf(
      [accountDefaults(DEFAULTS_REQUIRED), instance('i-0aaaaaaaaaaaaaaa1'), instance('i-0aaaaaaaaaaaaaaa2'), instance('i-0aaaaaaaaaaaaaaa3')],
      search({ 'i-0aaaaaaaaaaaaaaa2': 40 }),
    );
    expect(after.reason).not.toBe(before.reason);
    expect(stageSentence(after)).toBe(stageSentence(before));
  });

  it('migrating, not exposed: IMDSv1 calls were seen but nothing allows IMDSv1 any more', () => {
    const report = stageOf([accountDefaults(DEFAULTS_REQUIRED), instance('i-0aaaaaaaaaaaaaaa1', REQUIRED)], search({ 'i-0aaaaaaaaaaaaaaa1': 3 }));
    expect(report.stage).toBe('migrating');
    expect(report.blockers.map((b) => b.type)).toEqual(['imdsv1-calls']);
  });

  it('the account default without HttpTokens=required is a launch path that blocks', () => {
    const report = stageOf([accountDefaults({}), instance('i-0aaaaaaaaaaaaaaa1', REQUIRED)], search({}));
    expect(report.stage).toBe('migrating');
    expect(report.blockers).toEqual([
      { type: 'launch-path', kind: 'account-defaults', id: ACCOUNT, why: expect.stringContaining('account default HttpTokens=no-preference') },
    ]);
  });

  it("a template whose default version leaves HttpTokens unset blocks while the account default does not require IMDSv2", () => {
    const report = stageOf([accountDefaults({ httpTokens: 'optional' }), launchTemplate('lt-0aaaaaaaaaaaaaaa1', {}, { accountDefaults: { httpTokens: 'optional' } })], search({}));
    expect(report.blockers.map((b) => b.id)).toEqual([ACCOUNT, 'lt-0aaaaaaaaaaaaaaa1']);
  });

  it('a launch configuration in use without MetadataOptions blocks through its group; a source that is gone does not', () => {
    const group = autoScalingGroup('old-asg', [
      { type: 'launch-configuration', name: 'old-lc', found: true },
      { type: 'launch-configuration', name: 'gone-lc', found: false, error: 'not found' },
    ]);
    const report = stageOf([accountDefaults(DEFAULTS_REQUIRED), group], search({}));
    expect(report.blockers).toHaveLength(1);
    expect(report.blockers[0]!.why).toContain('launch configuration old-lc');
    expect(report.blockers[0]!.why).not.toContain('gone-lc');
  });

  it('a template source with the metadata endpoint disabled but HttpTokens optional still blocks (enforcement speaks of HttpTokens)', () => {
    const group = autoScalingGroup('quiet-asg', [templateSource('lt-0aaaaaaaaaaaaaaa1', '3', 3, { httpTokens: 'optional', httpEndpoint: 'disabled' })]);
    expect(stageOf([accountDefaults(DEFAULTS_REQUIRED), group], search({})).stage).toBe('migrating');
  });

  it('enforced: HttpTokensEnforced is on, and launch paths still asking for IMDSv1 are said', () => {
    const enforced = { ...accountDefaults(DEFAULTS_REQUIRED), httpTokensEnforced: true };
    const report = stageOf([enforced, launchTemplate('lt-0aaaaaaaaaaaaaaa1', { httpTokens: 'optional' })], search({}));
    expect(report.stage).toBe('enforced');
    expect(report.reason).toContain('1 launch path still ask for IMDSv1 and would be refused');
  });

  it('managed: a declarative policy manages the default (not enforced); enforced by it counts as enforced', () => {
    const managed = { ...accountDefaults(DEFAULTS_REQUIRED), managedBy: 'declarative-policy' as const, managedExceptionMessage: 'ask the platform team' };
    const report = stageOf([managed, instance('i-0aaaaaaaaaaaaaaa1', REQUIRED)], search({}));
    expect(report.stage).toBe('managed');
    expect(report.reason).toContain('ask the platform team');
    expect(stageOf([{ ...managed, httpTokensEnforced: true }], search({})).stage).toBe('enforced');
  });

  it('unknown: a kind that gives facts was not read', () => {
    expect(stageOf([accountDefaults(DEFAULTS_REQUIRED)], search({}), new Map(), ['launch templates']).stage).toBe('unknown');
    expect(stageOf([instance('i-0aaaaaaaaaaaaaaa1', REQUIRED)], search({})).stage).toBe('unknown'); // no account default
  });
});

describe('restage: the stage after the account default itself changed in this run', () => {
  it('HttpTokens=required on the default removes its own blocker; enforcement makes it enforced; the rest stays as read', () => {
    const before = stageOf([accountDefaults({}), instance('i-0aaaaaaaaaaaaaaa1', REQUIRED)], search({}));
    expect(before.stage).toBe('migrating');
    expect(restage(before, accountDefaults(DEFAULTS_REQUIRED)).stage).toBe('ready');
    expect(restage(before, { ...accountDefaults(DEFAULTS_REQUIRED), httpTokensEnforced: true }).stage).toBe('enforced');
    const withTemplate = stageOf([accountDefaults({}), launchTemplate('lt-0aaaaaaaaaaaaaaa1', { httpTokens: 'optional' })], search({}));
    const after = restage(withTemplate, accountDefaults(DEFAULTS_REQUIRED));
    expect(after).toMatchObject({ stage: 'migrating' });
    expect(after.blockers.map((b) => b.id)).toEqual(['lt-0aaaaaaaaaaaaaaa1']);
  });
});

describe('IMDSv1 use: the SEARCH and the fallback', () => {
  const allowing = instance('i-0aaaaaaaaaaaaaaa1');
  const estate = [accountDefaults(DEFAULTS_REQUIRED), allowing];

  it('a cut SEARCH without per-instance evidence leaves the use unknown: not ready', () => {
    const report = stageOf(estate, search({}, 'the SEARCH returned 500 series, its limit'));
    expect(report.stage).toBe('migrating');
    expect(report.blockers).toEqual([
      { type: 'usage-unknown', kind: 'account-defaults', id: ACCOUNT, why: expect.stringContaining('500 series') },
    ]);
    expect(report.imdsv1.unknown).toContain('i-0aaaaaaaaaaaaaaa1');
  });

  it('a cut SEARCH is completed by the evidence the pipeline looked up for every instance that allows IMDSv1', () => {
    const evidence = new Map([['i-0aaaaaaaaaaaaaaa1', { noTokenCalls: 0, lookbackDays: 14 }]]);
    const report = stageOf(estate, search({}, 'the SEARCH returned 500 series, its limit'), evidence);
    expect(report).toMatchObject({ stage: 'ready', imdsv1: { source: 'per-instance' } });
  });

  it('a failed SEARCH with per-instance calls: those calls count', () => {
    const evidence = new Map([['i-0aaaaaaaaaaaaaaa1', { noTokenCalls: 4, lookbackDays: 14 }]]);
    const report = stageOf(estate, { error: 'AccessDenied' }, evidence);
    expect(report.stage).toBe('exposed');
    expect(report.imdsv1.callers).toEqual([{ instanceId: 'i-0aaaaaaaaaaaaaaa1', calls: 4 }]);
  });

  it('calls found by a cut SEARCH are real: exposed even though an absence could not be proven', () => {
    const report = stageOf(estate, search({ 'i-0aaaaaaaaaaaaaaa9': 2 }, 'cut'));
    expect(report.stage).toBe('exposed');
  });
});

describe('StageTally', () => {
  function usageSource(answer: AccountUsage): UsageSource & { accountCalls: number } {
    const source = {
      accountCalls: 0,
      async usage() {
        return new Map();
      },
      async accountUsage(days: number) {
        expect(days).toBe(14);
        source.accountCalls++;
        return answer;
      },
    };
    return source;
  }

  it('holds back the account default, makes one account-wide look-up and attaches the stage', async () => {
    const source = usageSource(search({ 'i-0aaaaaaaaaaaaaaa1': 0 }));
    const tally = new StageTally(14);
    tally.start(source);
    const page = [instance('i-0aaaaaaaaaaaaaaa1'), accountDefaults(DEFAULTS_REQUIRED)];
    const now = tally.observe(page);
    expect(now.map((s) => s.kind)).toEqual(['instance']);
    for (const kind of stageKinds()) tally.kindRead(kind);
    const { stage, held } = await tally.finish();
    expect(source.accountCalls).toBe(1);
    expect(stage.stage).toBe('ready');
    expect(held).toHaveLength(1);
    // The finding of the account default carries the stage.
    const verdict = evaluate(held[0]!, DEFAULT_POLICY);
    expect(verdict.checks.find((c) => c.check === 'imdsv2')?.reason).toContain('Stage ready');
  });

  it('takes the per-instance evidence from the reports and leaves the stage unknown when a kind was not read', async () => {
    const tally = new StageTally(14);
    tally.start(usageSource(search({}, 'cut')));
    const subjects = tally.observe([instance('i-0aaaaaaaaaaaaaaa1'), accountDefaults(DEFAULTS_REQUIRED)]);
    const reports: Report[] = subjects.map((s) => ({ verdict: evaluate(s, DEFAULT_POLICY), usage: { noTokenCalls: 0, lookbackDays: 14 } }));
    tally.observeReports(reports);
    tally.kindRead('instance');
    tally.kindRead('account-defaults');
    const { stage } = await tally.finish();
    expect(stage.stage).toBe('unknown');
    expect(stage.reason).toContain('launch templates');
  });
});
