import { describe, expect, it } from 'vitest';
import { evaluate, worstOf } from '../../shared/engine/evaluate.js';
import type { AccountDefaultsSubject } from '../../shared/kinds/account-defaults/subject.js';
import type { CheckResult, ResourceRef } from '../../shared/model.js';
import type { InstanceSubject } from '../../shared/kinds/instance/subject.js';
import type { LaunchConfigurationSubject } from '../../shared/kinds/launch-configuration/subject.js';
import type { LaunchTemplateSubject } from '../../shared/kinds/launch-template/subject.js';
import type { Verdict } from '../../shared/verdict.js';
import { DEFAULT_POLICY, type Policy } from '../../shared/policy.js';

const policy: Policy = { ...DEFAULT_POLICY };
const ref = (kind: ResourceRef['kind'], id: string): ResourceRef => ({ kind, id, account: '111122223333', region: 'eu-west-1' });

function instance(over: Partial<InstanceSubject> = {}): InstanceSubject {
  return {
    kind: 'instance',
    ref: ref('instance', 'i-0abc'),
    state: 'running',
    metadata: { httpTokens: 'optional', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
    tags: {},
    ...over,
  };
}

function template(over: Partial<LaunchTemplateSubject> = {}): LaunchTemplateSubject {
  return {
    kind: 'launch-template',
    ref: ref('launch-template', 'lt-0123'),
    name: 'web',
    tags: {},
    defaultVersion: { versionNumber: 3, metadata: {} },
    ...over,
  };
}

function launchConfig(over: Partial<LaunchConfigurationSubject> = {}): LaunchConfigurationSubject {
  return { kind: 'launch-configuration', ref: ref('launch-configuration', 'web-lc'), name: 'web-lc', raw: {}, ...over };
}

function account(over: Partial<AccountDefaultsSubject> = {}): AccountDefaultsSubject {
  return { kind: 'account-defaults', ref: ref('account-defaults', '111122223333'), metadata: {}, ...over };
}

const get = (v: Verdict, check: CheckResult['check']): CheckResult => {
  const c = v.checks.find((x) => x.check === check);
  if (!c) throw new Error(`no ${check} check`);
  return c;
};

describe('worstOf', () => {
  it('orders NON_COMPLIANT > COMPLIANT > NOT_APPLICABLE', () => {
    expect(worstOf(['NOT_APPLICABLE', 'COMPLIANT'])).toBe('COMPLIANT');
    expect(worstOf(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'])).toBe('NON_COMPLIANT');
    expect(worstOf(['NOT_APPLICABLE'])).toBe('NOT_APPLICABLE');
    expect(worstOf([])).toBe('NOT_APPLICABLE');
  });
});

describe('evaluate: every subject gets both checks', () => {
  it('returns the subject and ref, and imdsv2 + hop-limit checks', () => {
    const s = instance();
    const v = evaluate(s, policy);
    expect(v.subject).toBe(s);
    expect(v.ref).toEqual(s.ref);
    expect(v.checks.map((c) => c.check)).toEqual(['imdsv2', 'hop-limit']);
  });
});

describe('evaluate: every kind as built, IMDSv1 allowed', () => {
  // Each row: the imdsv2 check's control and what its reason names, then what the hop-limit check holds.
  it.each([
    ['instance, optional with the endpoint enabled', instance(), { control: 'EC2.8', says: ['HttpTokens=optional'], hop: { control: 'instance-hop-limit', compliance: 'COMPLIANT' } }],
    [
      "launch template left unset with no account default (EC2's default, optional)",
      template(),
      { control: 'EC2.170', says: ["EC2's default"], hop: { control: 'launch-template-hop-limit', reason: expect.stringContaining('Hop limit 1') } },
    ],
    [
      'launch configuration without MetadataOptions',
      launchConfig(),
      { control: 'AutoScaling.3', says: ['No MetadataOptions'], hop: { control: 'launch-configuration-hop-limit', compliance: 'COMPLIANT' } },
    ],
    [
      'account defaults with no preference (HttpTokensEnforced off)',
      account(),
      { control: 'account-default', says: ['no-preference', 'HttpTokensEnforced is off', 'eu-west-1'], hop: { control: 'account-default', compliance: 'COMPLIANT' } },
    ],
  ])('%s is NON_COMPLIANT', (_name, subject, { control, says, hop }) => {
    const v = evaluate(subject, policy);
    expect(v.compliance).toBe('NON_COMPLIANT');
    expect(get(v, 'imdsv2')).toMatchObject({ control, compliance: 'NON_COMPLIANT' });
    for (const text of says) expect(get(v, 'imdsv2').reason).toContain(text);
    expect(get(v, 'hop-limit')).toMatchObject(hop);
  });
});

describe('evaluate: missing', () => {
  it('is NOT_APPLICABLE, "no longer exists"', () => {
    const v = evaluate({ kind: 'missing', ref: ref('instance', 'i-gone') }, policy);
    expect(v.compliance).toBe('NOT_APPLICABLE');
    expect(v.checks).toHaveLength(2);
    for (const c of v.checks) expect(c.reason).toContain('no longer exists');
    expect(get(v, 'imdsv2').control).toBe('EC2.8');
  });
});

describe('evaluate: exemption', () => {
  it('exempts an instance tagged with any value but false, naming the tag', () => {
    const v = evaluate(instance({ tags: { 'imds-guard:exempt': 'legacy app' } }), policy);
    expect(v.compliance).toBe('NOT_APPLICABLE');
    expect(get(v, 'imdsv2').reason).toContain('imds-guard:exempt');
    expect(get(v, 'imdsv2').reason).toContain('legacy app');
  });

  it('exempts with an empty value', () => {
    expect(evaluate(instance({ tags: { 'imds-guard:exempt': '' } }), policy).compliance).toBe('NOT_APPLICABLE');
  });

  it.each(['false', 'FALSE', ' False '])('does not exempt with %j', (value) => {
    expect(evaluate(instance({ tags: { 'imds-guard:exempt': value } }), policy).compliance).toBe('NON_COMPLIANT');
  });

  it('uses the policy tag key', () => {
    const p = { ...policy, exemptTagKey: 'sec:skip' };
    expect(evaluate(instance({ tags: { 'imds-guard:exempt': 'yes' } }), p).compliance).toBe('NON_COMPLIANT');
    expect(evaluate(instance({ tags: { 'sec:skip': 'yes' } }), p).compliance).toBe('NOT_APPLICABLE');
  });

  it('exempts a launch template', () => {
    const v = evaluate(template({ tags: { 'imds-guard:exempt': 'true' } }), policy);
    expect(v.compliance).toBe('NOT_APPLICABLE');
    expect(get(v, 'imdsv2').control).toBe('EC2.170');
  });
});

describe('evaluate: instance (EC2.8)', () => {
  it('required is COMPLIANT', () => {
    const v = evaluate(instance({ metadata: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 2 } }), policy);
    expect(v.compliance).toBe('COMPLIANT');
    expect(get(v, 'imdsv2').reason).toContain('HttpTokens=required');
    expect(get(v, 'hop-limit').reason).toContain('Hop limit 2');
  });

  it('endpoint disabled is COMPLIANT with that reason', () => {
    const v = evaluate(instance({ metadata: { httpTokens: 'optional', httpEndpoint: 'disabled', httpPutResponseHopLimit: 5 } }), policy);
    expect(v.compliance).toBe('COMPLIANT');
    expect(get(v, 'imdsv2').reason).toMatch(/endpoint disabled/i);
  });

  it.each(['terminated', 'shutting-down'])('%s is NOT_APPLICABLE', (state) => {
    const v = evaluate(instance({ state }), policy);
    expect(v.compliance).toBe('NOT_APPLICABLE');
    expect(get(v, 'imdsv2').reason).toContain(state);
  });

  it('stopped instances are still judged', () => {
    expect(evaluate(instance({ state: 'stopped' }), policy).compliance).toBe('NON_COMPLIANT');
  });

  it('pending metadata: judges the requested values and says so', () => {
    const v = evaluate(instance({ metadataState: 'pending', metadata: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 } }), policy);
    expect(v.compliance).toBe('COMPLIANT');
    expect(get(v, 'imdsv2').reason).toContain('still being applied');
    const w = evaluate(instance({ metadataState: 'pending' }), policy);
    expect(w.compliance).toBe('NON_COMPLIANT');
    expect(get(w, 'imdsv2').reason).toContain('requested values');
  });

  it('no HttpTokens reported is judged as optional', () => {
    const v = evaluate(instance({ metadata: { httpEndpoint: 'enabled' } }), policy);
    expect(get(v, 'imdsv2').compliance).toBe('NON_COMPLIANT');
    expect(get(v, 'hop-limit').compliance).toBe('COMPLIANT');
  });

  it('hop limit above the ceiling is its own failed check', () => {
    const v = evaluate(instance({ metadata: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 3 } }), policy);
    expect(v.compliance).toBe('NON_COMPLIANT');
    expect(get(v, 'imdsv2').compliance).toBe('COMPLIANT');
    expect(get(v, 'hop-limit')).toMatchObject({ control: 'instance-hop-limit', compliance: 'NON_COMPLIANT' });
    expect(get(v, 'hop-limit').reason).toContain('above the ceiling 2');
  });

  it('the ceiling comes from the policy', () => {
    const v = evaluate(instance({ metadata: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 3 } }), { ...policy, hopLimitCeiling: 3 });
    expect(v.compliance).toBe('COMPLIANT');
  });
});

describe('evaluate: launch template (EC2.170)', () => {
  it('explicit required in the default version is COMPLIANT', () => {
    const v = evaluate(template({ defaultVersion: { versionNumber: 3, metadata: { httpTokens: 'required' } } }), policy);
    expect(v.compliance).toBe('COMPLIANT');
    expect(get(v, 'imdsv2').reason).toContain('set in version 3');
  });

  it('unset falls back to the account default, and says so', () => {
    const v = evaluate(template({ accountDefaults: { httpTokens: 'required', httpPutResponseHopLimit: 2 } }), policy);
    expect(v.compliance).toBe('COMPLIANT');
    expect(get(v, 'imdsv2').reason).toContain("account default");
    expect(get(v, 'hop-limit').reason).toContain("account default");
  });

  it('an explicit optional beats a required account default', () => {
    const v = evaluate(
      template({ defaultVersion: { versionNumber: 1, metadata: { httpTokens: 'optional' } }, accountDefaults: { httpTokens: 'required' } }),
      policy,
    );
    expect(v.compliance).toBe('NON_COMPLIANT');
    expect(get(v, 'imdsv2').reason).toContain('set in version 1');
  });

  it('account default hop limit above the ceiling fails the hop check', () => {
    const v = evaluate(template({ defaultVersion: { versionNumber: 2, metadata: { httpTokens: 'required' } }, accountDefaults: { httpPutResponseHopLimit: 4 } }), policy);
    expect(get(v, 'hop-limit').compliance).toBe('NON_COMPLIANT');
    expect(get(v, 'hop-limit').reason).toContain('Hop limit 4');
  });

  it('endpoint disabled in the template is COMPLIANT', () => {
    const v = evaluate(template({ defaultVersion: { versionNumber: 2, metadata: { httpEndpoint: 'disabled' } } }), policy);
    expect(v.compliance).toBe('COMPLIANT');
    expect(get(v, 'imdsv2').reason).toMatch(/endpoint disabled/i);
  });

  it.each([
    ['judges the default version and reports a different $Latest', { tokens: 'required', latest: 5, latestTokens: 'optional', compliance: 'COMPLIANT', says: ['Default version 3', '$Latest is version 5', 'not compliant'] }],
    ['reports a compliant $Latest as compliant while the default fails', { tokens: 'optional', latest: 4, latestTokens: 'required', compliance: 'NON_COMPLIANT', says: [/\$Latest is version 4 .*: compliant\./] }],
  ] as const)('%s', (_name, { tokens, latest, latestTokens, compliance, says }) => {
    const v = evaluate(
      template({ defaultVersion: { versionNumber: 3, metadata: { httpTokens: tokens } }, latestVersion: { versionNumber: latest, metadata: { httpTokens: latestTokens } } }),
      policy,
    );
    expect(v.compliance).toBe(compliance);
    for (const text of says) expect(get(v, 'imdsv2').reason).toMatch(text);
  });
});

describe('evaluate: launch configuration (AutoScaling.3 / .4)', () => {
  it('optional is NON_COMPLIANT, required COMPLIANT', () => {
    expect(evaluate(launchConfig({ metadata: { httpTokens: 'optional' } }), policy).compliance).toBe('NON_COMPLIANT');
    expect(evaluate(launchConfig({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 1 } }), policy).compliance).toBe('COMPLIANT');
  });

  it('MetadataOptions without HttpTokens is NON_COMPLIANT', () => {
    const v = evaluate(launchConfig({ metadata: { httpPutResponseHopLimit: 1 } }), policy);
    expect(get(v, 'imdsv2').compliance).toBe('NON_COMPLIANT');
    expect(get(v, 'imdsv2').reason).toContain('not set');
  });

  it('hop limit above the ceiling fails launch-configuration-hop-limit', () => {
    const v = evaluate(launchConfig({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 8 } }), policy);
    expect(get(v, 'hop-limit')).toMatchObject({ control: 'launch-configuration-hop-limit', compliance: 'NON_COMPLIANT' });
    expect(v.compliance).toBe('NON_COMPLIANT');
  });

  it('endpoint disabled is COMPLIANT', () => {
    expect(evaluate(launchConfig({ metadata: { httpEndpoint: 'disabled', httpTokens: 'optional' } }), policy).compliance).toBe('COMPLIANT');
  });

  it('has no tags, so it is never exempt', () => {
    // A launch configuration subject has no tags field at all.
    expect(evaluate(launchConfig(), { ...policy, exemptTagKey: 'Name' }).compliance).toBe('NON_COMPLIANT');
  });
});

describe('evaluate: account defaults', () => {
  it('optional is NON_COMPLIANT', () => {
    expect(evaluate(account({ metadata: { httpTokens: 'optional' } }), policy).compliance).toBe('NON_COMPLIANT');
  });

  it('required is COMPLIANT and says whether enforcement is on', () => {
    const off = evaluate(account({ metadata: { httpTokens: 'required' } }), policy);
    expect(off.compliance).toBe('COMPLIANT');
    expect(get(off, 'imdsv2').reason).toContain('HttpTokensEnforced is off');
    const on = evaluate(account({ metadata: { httpTokens: 'required' }, httpTokensEnforced: true }), policy);
    expect(get(on, 'imdsv2').reason).toContain('HttpTokensEnforced is on');
  });

  it('required without HttpTokensEnforced fails when IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT asks for enforcement', () => {
    const strict = { ...policy, enforceAccountDefault: 'true' as const };
    const v = evaluate(account({ metadata: { httpTokens: 'required' } }), strict);
    expect(get(v, 'imdsv2')).toMatchObject({ compliance: 'NON_COMPLIANT' });
    expect(get(v, 'imdsv2').reason).toContain('IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=true');
    expect(evaluate(account({ metadata: { httpTokens: 'required' }, httpTokensEnforced: true }), strict).compliance).toBe('COMPLIANT');
  });

  it('a default hop limit above the ceiling fails', () => {
    const v = evaluate(account({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 3 } }), policy);
    expect(get(v, 'hop-limit')).toMatchObject({ control: 'account-default', compliance: 'NON_COMPLIANT' });
  });
});

describe('evaluate: reasons', () => {
  it('every check of every branch has a non-empty reason', () => {
    const subjects = [
      instance(),
      instance({ state: 'terminated' }),
      instance({ tags: { 'imds-guard:exempt': 'x' } }),
      template(),
      template({ latestVersion: { versionNumber: 9, metadata: {} } }),
      launchConfig(),
      account(),
      { kind: 'missing' as const, ref: ref('launch-configuration', 'old') },
    ];
    for (const s of subjects) for (const c of evaluate(s, policy).checks) expect(c.reason.length).toBeGreaterThan(10);
  });
});
