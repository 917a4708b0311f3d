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

describe('decide: what the plan says', () => {
  it('says why nothing is done for a gone, not-applicable or compliant resource', () => {
    const gone = decide(verdict({ kind: 'missing' as const, ref: instanceSubject().ref }, 'NOT_APPLICABLE'), policy(), { now: NOW });
    expect(gone.summary).toBe('Nothing to do: the resource no longer exists.');
    const terminated = instanceSubject({ state: 'terminated' });
    const notApplicable = decide(
      {
        ...verdict(terminated, 'NOT_APPLICABLE'),
        checks: [
          { check: 'imdsv2', control: 'EC2.8', compliance: 'NOT_APPLICABLE', reason: 'the instance is terminated' },
          { check: 'hop-limit', control: 'EC2.8', compliance: 'COMPLIANT', reason: 'hop limit 2' },
          { check: 'imdsv2', control: 'EC2.8', compliance: 'NOT_APPLICABLE', reason: 'nothing to judge' },
        ],
      } as never,
      policy(),
      { now: NOW },
    );
    expect(gateOf(notApplicable, 'applicable')?.reason).toBe('not applicable: the instance is terminated; nothing to judge');
    expect(notApplicable.summary).toBe('Nothing to do: not applicable: the instance is terminated; nothing to judge.');
    const noReason = decide({ ...verdict(terminated, 'NOT_APPLICABLE'), checks: [] }, policy(), { now: NOW });
    expect(noReason.summary).toBe('Nothing to do: not applicable: not-applicable.');
    const compliant = decide(verdict(instanceSubject(), 'COMPLIANT'), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(compliant.summary).toBe('Nothing to do: already compliant.');
  });

  it('never plans a change for a resource that no longer exists, whatever the verdict says', () => {
    const plan = decide(verdict({ kind: 'missing' as const, ref: instanceSubject().ref }), policy(), { now: NOW, humanRequest: true });
    expect(plan).toMatchObject({ action: 'none', execute: false, summary: 'Nothing to do: the resource no longer exists.' });
  });

  it('names the reasons of a non-compliant verdict', () => {
    const v = verdict(instanceSubject());
    const plan = decide({ ...v, checks: [...v.checks, { check: 'hop-limit', control: 'EC2.8', compliance: 'NON_COMPLIANT', reason: 'hop limit 5 above 2' }] }, policy(), {
      now: NOW,
      usage: KNOWN_UNUSED,
    });
    expect(gateOf(plan, 'non-compliant')?.reason).toBe('HttpTokens is optional; hop limit 5 above 2');
  });

  it('says the exemption looked for, and why a kind is not remediated', () => {
    const plan = decide(verdict(instanceSubject()), policy({ remediate: { instance: false } as never }), { now: NOW, usage: KNOWN_UNUSED });
    expect(gateOf(plan, 'exempt')?.reason).toBe('no imds-guard:exempt tag');
    expect(gateOf(plan, 'kind-enabled')?.reason).toBe('remediation of instances is off (IMDS_GUARD_REMEDIATE)');
    expect(plan.summary).toContain('remediation of instances is off (IMDS_GUARD_REMEDIATE)');
    const lc = decide(verdict(configurationSubject()), policy(), { now: NOW });
    expect(gateOf(lc, 'exempt')?.reason).toBe('launch configurations have no tags; not listed in IMDS_GUARD_EXEMPT_LAUNCH_CONFIGURATIONS');
  });

  it('says whether the metadata endpoint is on', () => {
    const disabled = instanceSubject({ metadata: { httpTokens: 'optional', httpEndpoint: 'disabled', httpPutResponseHopLimit: 1 } });
    expect(gateOf(decide(verdict(disabled), policy(), { now: NOW, usage: KNOWN_UNUSED }), 'endpoint-enabled')?.reason).toContain('imds-guard never turns it on');
    expect(gateOf(decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED }), 'endpoint-enabled')).toMatchObject({
      passed: true,
      reason: 'metadata endpoint enabled',
    });
    // A template that leaves the endpoint unset launches with it on.
    expect(gateOf(decide(verdict(templateSubject()), policy(), { now: NOW }), 'endpoint-enabled')).toMatchObject({
      passed: true,
      reason: 'metadata endpoint not disabled',
    });
  });

  it('keeps what a rollback restores only for kinds the watch follows', () => {
    const instance = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(instance.previous).toEqual({ httpTokens: 'optional', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' });
    const template = decide(verdict(templateSubject()), policy(), { now: NOW });
    expect(template).not.toHaveProperty('previous');
  });

  it('says before the change what cannot be undone, and only then', () => {
    const plain = decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(plain).not.toHaveProperty('irreversible');
    expect(plain.summary).toBe('Will set HttpTokens=required on instance i-0abc1234def567890 (hop limit kept at 2).');
    const enforced = decide(verdict(instanceSubject({ accountEnforced: true })), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(enforced.irreversible).toContain('cannot be rolled back while the account enforces IMDSv2');
    expect(enforced.summary).toMatch(/^Will set HttpTokens=required on instance i-0abc1234def567890 \(hop limit kept at 2\); this cannot be rolled back/);
  });

  it('dry-run says what it would do only when the mode alone holds the plan', () => {
    const dry = policy({ mode: 'dry-run' });
    expect(decide(verdict(instanceSubject()), dry, { now: NOW, usage: KNOWN_UNUSED }).summary).toMatch(/^Dry run: would set HttpTokens=required/);
    // Another gate after mode holds it too: that is what the summary names.
    const unknown = decide(verdict(instanceSubject()), dry, { now: NOW });
    expect(unknown.gates.filter((g) => !g.passed).map((g) => g.gate)).toEqual(['mode', 'usage-known']);
    expect(unknown.summary).toMatch(/^Not remediated: dry-run mode \(plan only\): no change is made to resources; IMDSv1 usage was not looked up/);
    // Detect mode alone is no dry run.
    const detect = decide(verdict(instanceSubject()), policy({ mode: 'detect' }), { now: NOW, usage: KNOWN_UNUSED });
    expect(detect.summary).toMatch(/^Not remediated: detect mode/);
    // A person's request passes the mode gate; what holds the plan then is no dry run either.
    const exempt = instanceSubject({ tags: { 'imds-guard:exempt': 'legacy agent' } });
    const asked = decide(verdict(exempt), dry, { now: NOW, usage: KNOWN_UNUSED, humanRequest: true });
    expect(asked.gates.filter((g) => !g.passed).map((g) => g.gate)).toEqual(['exempt']);
    expect(asked.summary).toMatch(/^Not remediated: .*imds-guard:exempt=legacy agent/);
  });

  it('a verdict the resource no longer matches plans nothing, and says so', () => {
    const fixed = instanceSubject({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' } });
    const plan = decide(verdict(fixed), policy(), { now: NOW, usage: KNOWN_UNUSED });
    expect(plan).toMatchObject({ action: 'none', execute: false, summary: 'Nothing to change: the settings imds-guard manages already comply.' });
    expect(plan).not.toHaveProperty('target');
    expect(plan).not.toHaveProperty('previous');
  });

  it('never raises a hop limit: a template inheriting the ceiling is left alone, with the reason its kind gives', () => {
    // The verdict handed in predates the fix of the default version (evaluate now calls it compliant).
    const subject = templateSubject({
      defaultVersion: { versionNumber: 3, metadata: { httpTokens: 'required' } },
      latestVersion: { versionNumber: 4, metadata: { httpTokens: 'optional' } },
      accountDefaults: { httpPutResponseHopLimit: 2 },
    } as never);
    const plan = decide(verdict(subject), policy(), { now: NOW });
    expect(plan).toMatchObject({ action: 'none', execute: false });
    expect(plan).not.toHaveProperty('target');
    expect(plan.summary).toBe('Not remediated: the default version already requires IMDSv2; version 4 ($Latest) does not and is left to its owner.');
  });
});

describe('decide: enforcement-ready, said in the plan', () => {
  const REQUIRED = { httpTokens: 'required' as const };

  it('does not apply to an instance, nor where the policy does not ask for it', () => {
    expect(gateOf(decide(verdict(instanceSubject()), policy(), { now: NOW, usage: KNOWN_UNUSED }), 'enforcement-ready')?.reason).toBe('does not apply to an instance');
    const off = decide(verdict(accountSubject({ stage: stageReport('ready') })), policy(), { now: NOW });
    expect(gateOf(off, 'enforcement-ready')?.reason).toBe('does not apply: HttpTokensEnforced is not asked for (IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=false)');
    expect(off.summary).toBe('Will set the us-east-1 account default to HttpTokens=required (hop limit left unset).');
  });

  it('names the stage it found ready', () => {
    const strict = policy({ enforceAccountDefault: 'true' });
    const plan = decide(evaluate(accountSubject({ metadata: REQUIRED, stage: stageReport('ready') }), strict), strict, { now: NOW });
    expect(gateOf(plan, 'enforcement-ready')?.reason).toBe('the account-region is ready: a ready account-region');
  });

  it('when-ready waits (it does not refuse), while the rest of the change goes ahead', () => {
    const p = policy({ enforceAccountDefault: 'when-ready' });
    const plan = decide(verdict(accountSubject({ stage: stageReport('migrating') })), p, { now: NOW });
    expect(plan).toMatchObject({ execute: true });
    expect(gateOf(plan, 'enforcement-ready')?.reason).toContain('IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=when-ready: HttpTokensEnforced waits: the account-region is not ready');
  });

  it('a hop limit lowered on a required default goes ahead without enforcement where not ready', () => {
    const p = policy({ enforceAccountDefault: 'true', lowerHopLimit: true });
    const plan = decide(verdict(accountSubject({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 5 }, stage: stageReport('migrating') })), p, { now: NOW });
    expect(plan).toMatchObject({ execute: true, target: { httpTokens: 'required', httpPutResponseHopLimit: 2 } });
    expect(plan.httpTokensEnforced).toBeUndefined();
    expect(plan.summary).toContain('HttpTokensEnforced left off');
  });

  it('a required default whose hop limit stays is held where not ready: enforcement was all there was to change', () => {
    const p = policy({ enforceAccountDefault: 'true' });
    const plan = decide(verdict(accountSubject({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 1 }, stage: stageReport('migrating') })), p, { now: NOW });
    expect(plan.execute).toBe(false);
    expect(plan.target).toEqual({ httpTokens: 'required' });
    expect(plan.gates.filter((g) => !g.passed).map((g) => g.gate)).toEqual(['enforcement-ready']);
    // The held plan still shows what was asked.
    expect(plan.httpTokensEnforced).toBe(true);
    // A hop limit above the ceiling is not lowered without the setting: enforcement is what the plan asks for.
    const high = decide(verdict(accountSubject({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 5 }, stage: stageReport('ready') })), p, { now: NOW });
    expect(high.target).toEqual({ httpTokens: 'required' });
    expect(high.httpTokensEnforced).toBe(true);
    // ...and the high hop limit does not hold the enforcement back (the account-region is ready).
    expect(high.execute).toBe(true);
    expect(gateOf(high, 'hop-limit-lowering')).toMatchObject({ passed: true, reason: expect.stringContaining('hop limit kept at 5, above the ceiling 2') });
  });

  it('a default managed by a declarative policy: held whole, and says so without a message too', () => {
    const p = policy({ enforceAccountDefault: 'true' });
    const plan = decide(verdict(accountSubject({ managedBy: 'declarative-policy', stage: stageReport('managed') })), p, { now: NOW });
    expect(plan.execute).toBe(false);
    expect(plan.httpTokensEnforced).toBe(true);
    expect(gateOf(plan, 'enforcement-ready')?.reason).toMatch(/^the instance metadata defaults are managed by a declarative policy: imds-guard never writes them/);
  });
});

describe('decide: deleting a superseded launch configuration', () => {
  const superseded = (createdTime?: Date) =>
    configurationSubject({ supersededBy: { id: 'lt-0fff', name: 'imds-guard-web-lc' }, usedBy: [], ...(createdTime ? { createdTime } : {}) });
  const NOTE = 'superseded by launch template imds-guard-web-lc (lt-0fff); delete the configuration to clear AutoScaling.3';

  it('deletes one the account can create again', () => {
    const plan = decide(verdict(superseded(new Date('2024-11-05T00:00:00Z'))), policy({ deleteSuperseded: 'true' }), { now: NOW });
    expect(plan).toMatchObject({ action: 'delete-launch-configuration', execute: true, superseded: NOTE });
    expect(gateOf(plan, 'recreatable')).toMatchObject({ passed: true, reason: expect.stringContaining('the account created it on 2024-11-05') });
  });

  it('holds one the account may not be able to create again, and says how to delete it anyway', () => {
    const plan = decide(verdict(superseded()), policy({ deleteSuperseded: 'true' }), { now: NOW });
    expect(plan.execute).toBe(false);
    const reason = gateOf(plan, 'recreatable')?.reason;
    expect(reason).toContain('cannot tell whether this account can create launch configurations again');
    expect(reason).toContain('IMDS_GUARD_DELETE_SUPERSEDED=even-if-unrecreatable (fix --even-if-unrecreatable) deletes it anyway');
    expect(plan.summary).toMatch(new RegExp(`^Not deleted \\(${NOTE.replace(/[()]/g, '\\$&')}\\): imds-guard cannot tell`));
  });

  it('deletes it anyway with even-if-unrecreatable', () => {
    const plan = decide(verdict(superseded()), policy({ deleteSuperseded: 'even-if-unrecreatable' }), { now: NOW });
    expect(plan).toMatchObject({ action: 'delete-launch-configuration', execute: true });
    expect(gateOf(plan, 'recreatable')).toMatchObject({ passed: true, reason: expect.stringContaining('even-if-unrecreatable: deleted even if the account cannot create one again') });
  });
});
