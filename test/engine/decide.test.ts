import { evaluate } from '../../shared/engine/evaluate.js';
import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import { launchTemplateNameFor } from '../../shared/kinds/launch-configuration/description.js';
import type { GateId } from '../../shared/model.js';
import type { Plan } from '../../shared/verdict.js';
import type { Subject } from '../../shared/kinds/subject.js';
import { stageReport } from '../support/subjects.js';
import {
  NOW,
  accountSubject,
  configurationSubject,
  instanceSubject,
  policy,
  templateSubject,
  verdict,
} from '../act/helpers.js';

const KNOWN_UNUSED = { noTokenCalls: 0, lookbackDays: 14 };
const gateOf = (plan: Plan, id: GateId) => plan.gates.find((g) => g.gate === id);

/** The plans for `subject` from the sweep and from a person's request, each checked stopped by `gate`; returned for the rest. */
function heldBothWays(subject: Subject, gate: GateId): Plan[] {
  return [false, true].map((humanRequest) => {
    const plan = decide(verdict(subject), policy(), { now: NOW, usage: KNOWN_UNUSED, humanRequest });
    expect(plan.execute).toBe(false);
    expect(gateOf(plan, gate)).toMatchObject({ passed: false });
    return plan;
  });
}

describe('decide: applicability', () => {
  it('does nothing for a missing resource', () => {
    const subject = { kind: 'missing' as const, ref: instanceSubject().ref };
    const plan = decide(verdict(subject, 'NOT_APPLICABLE'), policy(), { now: NOW });
    expect(plan).toMatchObject({ action: 'none', execute: false });
    expect(gateOf(plan, 'applicable')).toMatchObject({ passed: false, reason: 'the resource no longer exists' });
  });

  it('does nothing for a NOT_APPLICABLE verdict, with its reason', () => {
    const plan = decide(verdict(instanceSubject({ state: 'terminated' }), 'NOT_APPLICABLE'), policy(), { now: NOW });
    expect(plan.action).toBe('none');
    expect(gateOf(plan, 'applicable')?.passed).toBe(false);
  });

  it('does nothing for a compliant resource', () => {
    const plan = decide(verdict(instanceSubject(), 'COMPLIANT'), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(plan).toMatchObject({ action: 'none', execute: false });
    expect(gateOf(plan, 'non-compliant')).toMatchObject({ passed: false, reason: 'already compliant' });
  });
});

describe('decide: instance', () => {
  it('executes when every gate passes, and lists all gates with reasons', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(plan).toMatchObject({ action: 'modify-instance-metadata-options', execute: true, target: { httpTokens: 'required' } });
    expect(plan.gates.map((g) => g.gate)).toEqual([
      'applicable',
      'non-compliant',
      'exempt',
      'not-rolled-back',
      'not-suppressed',
      'kind-enabled',
      'mode',
      'endpoint-enabled',
      'imdsv1-unused',
      'usage-known',
      'hop-limit-lowering',
      'enforcement-ready',
      'not-our-own-change',
    ]);
    expect(plan.gates.every((g) => g.passed && g.reason.length > 0)).toBe(true);
    expect(plan.summary).toMatch(/^Will set HttpTokens=required on instance i-0abc1234def567890 \(hop limit kept at 2\)/);
  });

  it('skips an instance with recent IMDSv1 calls, with the count', () => {
    const lastSeen = new Date('2025-03-19T08:00:00Z');
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: { noTokenCalls: 37, lookbackDays: 14, lastSeen } });
    expect(plan.execute).toBe(false);
    const gate = gateOf(plan, 'imdsv1-unused');
    expect(gate?.passed).toBe(false);
    expect(gate?.reason).toContain('37 IMDSv1 calls');
    expect(gate?.reason).toContain('2025-03-19T08:00:00.000Z');
    expect(plan.summary).toContain('37 IMDSv1 calls');
  });

  it('never lets a human request override recorded IMDSv1 use', () => {
    const plan = decide(verdict(instanceSubject()), policy({ mode: 'detect' }), {
      now: NOW,
      usage: { noTokenCalls: 1, lookbackDays: 14 },
      humanRequest: true,
    });
    expect(plan.execute).toBe(false);
    expect(gateOf(plan, 'imdsv1-unused')?.reason).toContain('1 IMDSv1 call ');
  });

  it('skips an exempt instance, also on a human request', () => {
    const subject = instanceSubject({ tags: { 'imds-guard:exempt': 'legacy agent' } });
    for (const plan of heldBothWays(subject, 'exempt')) expect(gateOf(plan, 'exempt')?.reason).toContain('imds-guard:exempt=legacy agent');
  });

  it('does not treat exempt=false as an exemption', () => {
    const plan = decide(verdict(instanceSubject({ tags: { 'imds-guard:exempt': 'False' } })), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(gateOf(plan, 'exempt')?.passed).toBe(true);
    expect(plan.execute).toBe(true);
  });

  it('leaves a disabled endpoint untouched', () => {
    const subject = instanceSubject({ metadata: { httpTokens: 'optional', httpEndpoint: 'disabled', httpPutResponseHopLimit: 1 } });
    const plan = decide(verdict(subject), policy(), { now: NOW, usage: KNOWN_UNUSED, humanRequest: true });
    expect(plan.execute).toBe(false);
    expect(gateOf(plan, 'endpoint-enabled')?.passed).toBe(false);
    expect(plan.target?.httpEndpoint).toBeUndefined();
  });

  it('keeps hop limit 2 (never sends it)', () => {
    const plan = decide(verdict(instanceSubject()), policy({ lowerHopLimit: true }), { now: NOW, usage: KNOWN_UNUSED });
    expect(plan.target).toEqual({ httpTokens: 'required' });
  });

  it('keeps hop limit 5 unless the policy says to lower it', () => {
    const subject = instanceSubject({ metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 5, httpEndpoint: 'enabled' } });
    const kept = decide(verdict(subject), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(kept.target).toEqual({ httpTokens: 'required' });
    expect(kept.summary).toContain('hop limit kept at 5');
    const lowered = decide(verdict(subject), policy({ lowerHopLimit: true }), { now: NOW, usage: KNOWN_UNUSED });
    expect(lowered.target).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 2 });
    expect(lowered.summary).toContain('hop limit lowered from 5 to 2');
  });

  it('holds a hop-limit-only change by its own gate when lowering is off, also for a person', () => {
    const subject = instanceSubject({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 5, httpEndpoint: 'enabled' } });
    for (const plan of heldBothWays(subject, 'hop-limit-lowering')) {
      expect(plan).toMatchObject({ action: 'modify-instance-metadata-options', execute: false, target: { httpTokens: 'required', httpPutResponseHopLimit: 2 } });
      expect(plan.gates.filter((g) => !g.passed).map((g) => g.gate)).toEqual(['hop-limit-lowering']);
      expect(gateOf(plan, 'hop-limit-lowering')?.reason).toContain('IMDS_GUARD_LOWER_HOP_LIMIT=true');
      expect(plan.summary).toMatch(/^Not remediated: only the hop limit would change \(5 to the ceiling 2/);
    }
  });

  it('lets a hop-limit-only change proceed under the lowering setting although usage is unknown', () => {
    const subject = instanceSubject({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 3, httpEndpoint: 'enabled' } });
    for (const context of [{ now: NOW }, { now: NOW, usage: { noTokenCalls: null, lookbackDays: 14 } }, { now: NOW, usageError: 'throttled' }]) {
      const plan = decide(verdict(subject), policy({ lowerHopLimit: true, mode: 'enforce' }), context);
      expect(plan).toMatchObject({ execute: true, target: { httpTokens: 'required', httpPutResponseHopLimit: 2 } });
      expect(gateOf(plan, 'usage-known')).toMatchObject({ passed: true, reason: expect.stringContaining('does not apply: HttpTokens is already required') });
      expect(gateOf(plan, 'imdsv1-unused')?.passed).toBe(true);
      expect(gateOf(plan, 'hop-limit-lowering')).toMatchObject({ passed: true, reason: 'lowers the hop limit from 3 to 2 (IMDS_GUARD_LOWER_HOP_LIMIT=true)' });
      expect(plan.summary).toBe('Will lower the hop limit on instance i-0abc1234def567890 (hop limit lowered from 3 to 2; HttpTokens is already required).');
    }
  });

  it('still applies the usage gates when HttpTokens changes together with the hop limit', () => {
    const subject = instanceSubject({ metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 3, httpEndpoint: 'enabled' } });
    const plan = decide(verdict(subject), policy({ lowerHopLimit: true, mode: 'enforce' }), { now: NOW });
    expect(plan.execute).toBe(false);
    expect(plan.gates.filter((g) => !g.passed).map((g) => g.gate)).toEqual(['usage-known']);
    const kept = decide(verdict(subject), policy({ mode: 'enforce' }), { now: NOW, usage: KNOWN_UNUSED });
    expect(gateOf(kept, 'hop-limit-lowering')).toMatchObject({ passed: true, reason: expect.stringContaining('hop limit kept at 3') });
    expect(kept).toMatchObject({ execute: true, target: { httpTokens: 'required' } });
  });

  it('does not act on its own change (loop guard), even for a human', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED, ownChange: true, humanRequest: true });
    expect(plan.execute).toBe(false);
    expect(gateOf(plan, 'not-our-own-change')?.passed).toBe(false);
  });

  it('respects a kind switched off', () => {
    const plan = decide(verdict(instanceSubject()), policy({ remediate: { instance: false } as never }), { now: NOW, usage: KNOWN_UNUSED });
    expect(gateOf(plan, 'kind-enabled')).toMatchObject({ passed: false });
    expect(plan.execute).toBe(false);
  });
});

describe('decide: mode', () => {
  it('detect: no execute, but a human request overrides', () => {
    const p = policy({ mode: 'detect' });
    const auto = decide(verdict(instanceSubject()), p, { now: NOW, usage: KNOWN_UNUSED });
    expect(auto.execute).toBe(false);
    expect(gateOf(auto, 'mode')?.reason).toContain('detect mode');
    const human = decide(verdict(instanceSubject()), p, { now: NOW, usage: KNOWN_UNUSED, humanRequest: true });
    expect(human.execute).toBe(true);
    expect(gateOf(human, 'mode')?.reason).toContain('overridden by an explicit request');
  });

  it('dry-run: the exact plan, not executed', () => {
    const plan = decide(verdict(instanceSubject()), policy({ mode: 'dry-run' }), { now: NOW, usage: KNOWN_UNUSED });
    expect(plan).toMatchObject({ execute: false, action: 'modify-instance-metadata-options', target: { httpTokens: 'required' } });
    expect(plan.summary).toMatch(/^Dry run: would set HttpTokens=required/);
  });
});

describe('decide: usage unknown and new instances', () => {
  const young = new Date(NOW.getTime() - 3 * 3600_000);

  it('no datapoints on an old instance: skip by default', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: { noTokenCalls: null, lookbackDays: 14 } });
    expect(plan.execute).toBe(false);
    expect(gateOf(plan, 'usage-known')).toMatchObject({ passed: false });
    expect(gateOf(plan, 'usage-known')?.reason).toContain('no MetadataNoToken datapoints in the last 14 days');
  });

  it('no datapoints: enforce when IMDS_GUARD_USAGE_UNKNOWN=enforce', () => {
    const plan = decide(verdict(instanceSubject()), policy({ usageUnknown: 'enforce' }), { now: NOW, usage: { noTokenCalls: null, lookbackDays: 14 } });
    expect(plan.execute).toBe(true);
  });

  it('usage not looked up counts as unknown', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW });
    expect(gateOf(plan, 'usage-known')).toMatchObject({ passed: false });
    expect(gateOf(plan, 'usage-known')?.reason).toContain('not looked up');
  });

  it('a human request overrides usage-unknown', () => {
    const plan = decide(verdict(instanceSubject()), policy({ mode: 'detect' }), {
      now: NOW,
      usage: { noTokenCalls: null, lookbackDays: 14 },
      humanRequest: true,
    });
    expect(plan.execute).toBe(true);
    expect(gateOf(plan, 'usage-known')?.reason).toContain('overridden by an explicit request');
  });

  it('a failed usage read holds the change for everyone: no request, setting or AMI overrides it', () => {
    const failedRead = { now: NOW, usageError: 'CloudWatch GetMetricData: ThrottlingException: Rate exceeded' };
    const cases = [
      { who: 'the sweep, usage-unknown enforce', p: policy({ mode: 'enforce', usageUnknown: 'enforce' }), ctx: failedRead },
      { who: 'a person', p: policy({ mode: 'enforce' }), ctx: { ...failedRead, humanRequest: true } },
      { who: 'a person, detect mode', p: policy({ mode: 'detect' }), ctx: { ...failedRead, humanRequest: true } },
      { who: 'a person, young instance with a v2.0 AMI', p: policy({ mode: 'enforce' }), ctx: { ...failedRead, humanRequest: true, ami: { imdsSupport: 'v2.0' as const } }, launchTime: young },
    ];
    for (const { who, p, ctx, launchTime } of cases) {
      const plan = decide(verdict(instanceSubject(launchTime ? { launchTime } : {})), p, ctx);
      expect(plan.execute, who).toBe(false);
      expect(gateOf(plan, 'imdsv1-unused'), who).toMatchObject({ passed: false, reason: expect.stringContaining('could not be read: CloudWatch GetMetricData: ThrottlingException') });
      expect(gateOf(plan, 'imdsv1-unused')?.reason, who).toContain('(not overridable)');
      expect(gateOf(plan, 'usage-known'), who).toMatchObject({ passed: false });
    }
  });

  it('an instance younger than the window is too young to judge, even with zero calls', () => {
    const plan = decide(verdict(instanceSubject({ launchTime: young })), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(plan.execute).toBe(false);
    expect(gateOf(plan, 'usage-known')?.reason).toContain('launched 3 h ago');
  });

  it('a new instance whose AMI declares ImdsSupport v2.0 is enforced at launch', () => {
    const plan = decide(verdict(instanceSubject({ launchTime: young })), policy(), {
      now: NOW,
      usage: { noTokenCalls: null, lookbackDays: 14 },
      ami: { imdsSupport: 'v2.0' },
    });
    expect(plan.execute).toBe(true);
    expect(gateOf(plan, 'usage-known')?.reason).toContain('ImdsSupport v2.0');
  });

  it('the AMI never overrides recorded IMDSv1 calls', () => {
    const plan = decide(verdict(instanceSubject({ launchTime: young })), policy(), {
      now: NOW,
      usage: { noTokenCalls: 4, lookbackDays: 14 },
      ami: { imdsSupport: 'v2.0' },
    });
    expect(plan.execute).toBe(false);
  });

  it('the AMI shortcut is for new instances only', () => {
    const plan = decide(verdict(instanceSubject()), policy(), {
      now: NOW,
      usage: { noTokenCalls: null, lookbackDays: 14 },
      ami: { imdsSupport: 'v2.0' },
    });
    expect(plan.execute).toBe(false);
  });
});

describe('decide: other kinds', () => {
  it('launch template: new version from the default, usage gates do not apply', () => {
    const plan = decide(verdict(templateSubject()), policy(), { now: NOW });
    expect(plan).toMatchObject({ action: 'new-launch-template-version', execute: true, target: { httpTokens: 'required' } });
    expect(gateOf(plan, 'usage-known')?.reason).toContain('does not apply');
    expect(plan.summary).toContain('from default version 3');
  });

  it('launch template: a hop limit inherited from the account default is lowered like its own would be', () => {
    const lower = policy({ lowerHopLimit: true });
    const subject = templateSubject({
      defaultVersion: { versionNumber: 3, metadata: { httpTokens: 'required' } },
      accountDefaults: { httpPutResponseHopLimit: 5 },
    });
    const v = evaluate(subject, lower);
    expect(v.compliance).toBe('NON_COMPLIANT');
    const plan = decide(v, lower, { now: NOW });
    expect(plan).toMatchObject({ action: 'new-launch-template-version', execute: true });
    expect(plan.target).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 2 });
  });

  it('launch template: exempt tag respected', () => {
    const plan = decide(verdict(templateSubject({ tags: { 'imds-guard:exempt': 'true' } })), policy(), { now: NOW, humanRequest: true });
    expect(plan.execute).toBe(false);
  });

  it('launch configuration: migration planned, configuration kept', () => {
    const plan = decide(verdict(configurationSubject()), policy(), { now: NOW });
    expect(plan).toMatchObject({ action: 'migrate-launch-configuration', execute: true });
    expect(plan.summary).toContain('imds-guard-web-lc');
    expect(plan.summary).toContain('the configuration is kept');
  });

  it('account default: HttpTokensEnforced only when the policy says, and only where the account-region is ready', () => {
    const off = decide(verdict(accountSubject()), policy(), { now: NOW });
    expect(off).toMatchObject({ action: 'modify-instance-metadata-defaults', execute: true });
    expect(off.httpTokensEnforced).toBeUndefined();
    const on = decide(verdict(accountSubject({ stage: stageReport('ready') })), policy({ enforceAccountDefault: 'true' }), { now: NOW });
    expect(on.httpTokensEnforced).toBe(true);
    expect(on.summary).toContain('HttpTokensEnforced');
  });

  it('account default already required: HttpTokensEnforced from the policy is still planned where ready', () => {
    const strict = policy({ enforceAccountDefault: 'true' });
    const subject = accountSubject({ metadata: { httpTokens: 'required' }, stage: stageReport('ready') });
    const plan = decide(evaluate(subject, strict), strict, { now: NOW });
    expect(plan).toMatchObject({ action: 'modify-instance-metadata-defaults', execute: true, httpTokensEnforced: true });
  });
});

describe('launchTemplateNameFor', () => {
  it.each([
    ['web-lc', 'imds-guard-web-lc'],
    ['my lc:v1', /^imds-guard-my-lc-v1-[0-9a-f]{8}$/],
    ['x'.repeat(255), /^imds-guard-x+-[0-9a-f]{8}$/],
  ])('%s', (input, expected) => {
    const name = launchTemplateNameFor(input);
    expect(name.length).toBeLessThanOrEqual(128);
    expect(name).toMatch(/^[a-zA-Z0-9().\-/_]+$/);
    if (typeof expected === 'string') expect(name).toBe(expected);
    else expect(name).toMatch(expected);
  });
});

describe('decide: safety gates', () => {
  it('refuses an instance imds-guard rolled back, also on a human request, until the mark is removed', () => {
    const marked = instanceSubject({ tags: { 'imds-guard:rolled-back': 'at=2025-03-19T10:00:00.000Z;action=restored;rejected=4' } });
    for (const plan of heldBothWays(marked, 'not-rolled-back')) expect(plan.summary).toContain('remove the tag');
    const cleared = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(cleared.execute).toBe(true);
  });

  it('respects a SUPPRESSED finding as an exemption from remediation', () => {
    const plan = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED, suppressed: 'Security Hub finding EC2.8 is SUPPRESSED' });
    expect(plan.execute).toBe(false);
    expect(gateOf(plan, 'not-suppressed')?.reason).toContain('SUPPRESSED');
  });

  it('a dated exemption exempts until its day ends, then no longer', () => {
    const tagged = instanceSubject({ tags: { 'imds-guard:exempt': 'reason=vendor agent;owner=team-x;until=2025-03-20' } });
    const before = decide(verdict(tagged), policy(), { now: new Date('2025-03-20T23:59:00Z'), usage: KNOWN_UNUSED });
    expect(gateOf(before, 'exempt')).toMatchObject({ passed: false });
    expect(gateOf(before, 'exempt')?.reason).toContain('owner: team-x');
    const after = decide(verdict(tagged), policy(), { now: new Date('2025-03-21T00:00:00Z'), usage: KNOWN_UNUSED });
    expect(gateOf(after, 'exempt')).toMatchObject({ passed: true });
    expect(gateOf(after, 'exempt')?.reason).toContain('expired on 2025-03-20');
    expect(after.execute).toBe(true);
  });

  it('a malformed exemption does not exempt and says why', () => {
    const plan = decide(verdict(instanceSubject({ tags: { 'imds-guard:exempt': 'reason=x;untill=2027-01-01' } })), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(gateOf(plan, 'exempt')).toMatchObject({ passed: true });
    expect(gateOf(plan, 'exempt')?.reason).toContain('unknown key "untill"');
    expect(plan.execute).toBe(true);
  });

  it('exempts a launch configuration and an account default listed in the settings', () => {
    const p = policy({ exemptLaunchConfigurations: ['web-lc'], exemptAccountDefaultRegions: ['us-east-1'] });
    const lc = decide(verdict(configurationSubject()), p, { now: NOW });
    expect(gateOf(lc, 'exempt')?.reason).toContain('IMDS_GUARD_EXEMPT_LAUNCH_CONFIGURATIONS');
    expect(lc.execute).toBe(false);
    const account = decide(verdict(accountSubject({ metadata: { httpTokens: 'optional' } })), p, { now: NOW });
    expect(gateOf(account, 'exempt')).toMatchObject({ passed: false });
    expect(decide(verdict(configurationSubject()), policy(), { now: NOW }).execute).toBe(true);
  });
});
