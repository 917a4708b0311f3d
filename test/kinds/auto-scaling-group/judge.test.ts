import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../shared/policy.js';
import type { Policy } from '../../../shared/policy.js';
import type { MetadataOptions } from '../../../shared/model.js';
import { describeRepoint, judgeAutoScalingGroup, planRepoint } from '../../../shared/kinds/auto-scaling-group/judge.js';
import type {
  AutoScalingGroupSubject,
  LaunchSource,
  LaunchTemplateSource,
} from '../../../shared/kinds/auto-scaling-group/subject.js';

const policy: Policy = { ...DEFAULT_POLICY, hopLimitCeiling: 2 };
const V2: MetadataOptions = { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' };
const V1: MetadataOptions = { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' };

function group(sources: LaunchSource[], extra: Partial<AutoScalingGroupSubject> = {}): AutoScalingGroupSubject {
  return {
    kind: 'auto-scaling-group',
    ref: { kind: 'auto-scaling-group', id: 'web-asg', account: '111122223333', region: 'us-east-1' },
    name: 'web-asg',
    tags: {},
    sources,
    ...extra,
  };
}

function lt(extra: Partial<LaunchTemplateSource> = {}): LaunchTemplateSource {
  return {
    type: 'launch-template',
    origin: 'group',
    templateId: 'lt-0a1b2c3d4e5f60718',
    templateName: 'web-lt',
    requestedVersion: '1',
    resolvedVersion: 1,
    defaultVersion: 2,
    metadata: V1,
    defaultMetadata: V2,
    ...extra,
  };
}

const byCheck = (results: ReturnType<typeof judgeAutoScalingGroup>) => Object.fromEntries(results.map((r) => [r.check, r]));

describe('judgeAutoScalingGroup', () => {
  it('returns exactly the two checks, imdsv2 then hop-limit', () => {
    expect(judgeAutoScalingGroup(group([lt()]), policy).map((r) => r.check)).toEqual(['imdsv2', 'hop-limit']);
  });

  it('a group pinned to version 1 that allows IMDSv1 is NON_COMPLIANT, naming template, version, origin and why', () => {
    const { imdsv2, 'hop-limit': hop } = byCheck(judgeAutoScalingGroup(group([lt()]), policy));
    expect(imdsv2!.compliance).toBe('NON_COMPLIANT');
    expect(imdsv2!.reason).toBe(
      'Launch template web-lt (lt-0a1b2c3d4e5f60718) version 1, named by the group: HttpTokens=optional (set in version 1): instances launch accepting IMDSv1.',
    );
    expect(hop!.compliance).toBe('COMPLIANT');
  });

  it('a group pinned to a compliant version 1 is COMPLIANT', () => {
    const { imdsv2 } = byCheck(judgeAutoScalingGroup(group([lt({ metadata: V2 })]), policy));
    expect(imdsv2!.compliance).toBe('COMPLIANT');
    expect(imdsv2!.reason).toContain('version 1, named by the group: HttpTokens=required (set in version 1).');
  });

  it('$Latest newer and non-compliant while the default is compliant: NON_COMPLIANT, says $Latest (version 3)', () => {
    const subject = group([lt({ requestedVersion: '$Latest', resolvedVersion: 3, metadata: V1, defaultVersion: 2, defaultMetadata: V2 })]);
    const { imdsv2 } = byCheck(judgeAutoScalingGroup(subject, policy));
    expect(imdsv2!.compliance).toBe('NON_COMPLIANT');
    expect(imdsv2!.reason).toContain('web-lt (lt-0a1b2c3d4e5f60718) $Latest (version 3), named by the group: HttpTokens=optional (set in version 3)');
  });

  it('$Default resolving to a compliant version 2 is COMPLIANT and says $Default (version 2)', () => {
    const subject = group([lt({ requestedVersion: '$Default', resolvedVersion: 2, metadata: V2 })]);
    const { imdsv2 } = byCheck(judgeAutoScalingGroup(subject, policy));
    expect(imdsv2!.compliance).toBe('COMPLIANT');
    expect(imdsv2!.reason).toContain('$Default (version 2)');
  });

  it('a mixed instances policy naming another, non-compliant template is NON_COMPLIANT and names it', () => {
    const subject = group([
      lt({ origin: 'mixed-instances-policy', templateId: 'lt-0c3d4e5f607182930', templateName: 'batch-lt', requestedVersion: '$Default', resolvedVersion: 4, metadata: V1 }),
    ]);
    const { imdsv2 } = byCheck(judgeAutoScalingGroup(subject, policy));
    expect(imdsv2!.compliance).toBe('NON_COMPLIANT');
    expect(imdsv2!.reason).toContain('Launch template batch-lt (lt-0c3d4e5f607182930) $Default (version 4), named by the mixed instances policy');
  });

  it('an override naming another template/version makes the group NON_COMPLIANT although the main template is fine', () => {
    const subject = group([
      lt({ origin: 'mixed-instances-policy', requestedVersion: '$Default', resolvedVersion: 2, metadata: V2 }),
      lt({ origin: 'override m5.large', templateId: 'lt-0f00000000000000a', templateName: 'arm-lt', requestedVersion: '3', resolvedVersion: 3, metadata: V1 }),
    ]);
    const { imdsv2 } = byCheck(judgeAutoScalingGroup(subject, policy));
    expect(imdsv2!.compliance).toBe('NON_COMPLIANT');
    expect(imdsv2!.reason).toContain('Launch template arm-lt (lt-0f00000000000000a) version 3, named by the override for m5.large: HttpTokens=optional');
    expect(imdsv2!.reason).toContain('Compliant: launch template web-lt (lt-0a1b2c3d4e5f60718) $Default (version 2).');
  });

  it('names every origin once when several name the same template and version', () => {
    const subject = group([
      lt({ origin: 'mixed-instances-policy' }),
      lt({ origin: 'override c6i.large' }),
    ]);
    const { imdsv2 } = byCheck(judgeAutoScalingGroup(subject, policy));
    expect(imdsv2!.reason).toContain('version 1, named by the mixed instances policy and the override for c6i.large:');
    expect(imdsv2!.reason.match(/HttpTokens=optional/g)).toHaveLength(1);
  });

  it('a launch configuration source is judged like judgeLaunchConfiguration and named', () => {
    const none = byCheck(judgeAutoScalingGroup(group([{ type: 'launch-configuration', name: 'legacy-lc', found: true }]), policy));
    expect(none.imdsv2!.compliance).toBe('NON_COMPLIANT');
    expect(none.imdsv2!.reason).toContain('Launch configuration legacy-lc, named by the group: no MetadataOptions');
    expect(none['hop-limit']!.compliance).toBe('COMPLIANT');
    const required = byCheck(
      judgeAutoScalingGroup(group([{ type: 'launch-configuration', name: 'legacy-lc', found: true, metadata: { httpTokens: 'required', httpPutResponseHopLimit: 3 } }]), policy),
    );
    expect(required.imdsv2!.compliance).toBe('COMPLIANT');
    expect(required['hop-limit']!.compliance).toBe('NON_COMPLIANT');
    expect(required['hop-limit']!.reason).toContain('hop limit 3 (launch configuration) is above the ceiling 2');
  });

  it('options unset in the version fall back to the account default, then to EC2 default', () => {
    const unset = lt({ metadata: {} });
    const withDefault = byCheck(
      judgeAutoScalingGroup(group([unset], { accountDefaults: { httpTokens: 'required', httpPutResponseHopLimit: 2 } }), policy),
    );
    expect(withDefault.imdsv2!.compliance).toBe('COMPLIANT');
    expect(withDefault.imdsv2!.reason).toContain("HttpTokens=required (unset in version 1, from the Region's account default).");
    const noDefault = byCheck(judgeAutoScalingGroup(group([unset], { accountDefaults: {} }), policy));
    expect(noDefault.imdsv2!.compliance).toBe('NON_COMPLIANT');
    expect(noDefault.imdsv2!.reason).toContain(
      "HttpTokens=optional (unset in version 1 and in the account default, EC2's default) unless the AMI declares ImdsSupport v2.0",
    );
  });

  it('a source with the metadata endpoint disabled is compliant for both checks', () => {
    const results = byCheck(judgeAutoScalingGroup(group([lt({ metadata: { httpEndpoint: 'disabled', httpTokens: 'optional', httpPutResponseHopLimit: 5 } })]), policy));
    expect(results.imdsv2!.compliance).toBe('COMPLIANT');
    expect(results['hop-limit']!.compliance).toBe('COMPLIANT');
    expect(results.imdsv2!.reason).toContain('metadata endpoint disabled (set in version 1)');
  });

  it('no launch source at all: NOT_APPLICABLE for both checks, with the reason', () => {
    const results = judgeAutoScalingGroup(group([]), policy);
    expect(results.map((r) => r.compliance)).toEqual(['NOT_APPLICABLE', 'NOT_APPLICABLE']);
    expect(results[0]!.reason).toMatch(/^No launch template or configuration that imds-guard can read/);
  });

  it('every source unreadable: NOT_APPLICABLE naming each and why', () => {
    const results = judgeAutoScalingGroup(
      group([
        lt({ resolvedVersion: undefined, metadata: undefined, defaultVersion: undefined, defaultMetadata: undefined, error: 'InvalidLaunchTemplateId.NotFound' }),
        { type: 'launch-configuration', name: 'gone-lc', found: false },
      ]),
      policy,
    );
    expect(results.map((r) => r.compliance)).toEqual(['NOT_APPLICABLE', 'NOT_APPLICABLE']);
    expect(results[0]!.reason).toContain('launch template web-lt (lt-0a1b2c3d4e5f60718) version 1, named by the group (InvalidLaunchTemplateId.NotFound)');
    expect(results[0]!.reason).toContain('launch configuration gone-lc, named by the group (not found)');
  });

  it('an unreadable source with a non-compliant readable one: NON_COMPLIANT, and the reason says what could not be read', () => {
    const results = byCheck(
      judgeAutoScalingGroup(
        group([
          lt({ origin: 'mixed-instances-policy' }),
          lt({ origin: 'override m5.large', templateId: 'lt-0dead', templateName: 'old', requestedVersion: '7', resolvedVersion: undefined, metadata: undefined, error: 'InvalidLaunchTemplateId.VersionNotFound' }),
        ]),
        policy,
      ),
    );
    expect(results.imdsv2!.compliance).toBe('NON_COMPLIANT');
    expect(results.imdsv2!.reason).toContain('Could not be read: launch template old (lt-0dead) version 7, named by the override for m5.large (InvalidLaunchTemplateId.VersionNotFound).');
  });

  it('an unreadable source with the rest compliant: COMPLIANT, saying a source could not be read', () => {
    const results = byCheck(
      judgeAutoScalingGroup(
        group([lt({ metadata: V2 }), lt({ origin: 'override m5.large', templateId: 'lt-0dead', templateName: 'old', error: 'InvalidLaunchTemplateId.NotFound', metadata: undefined, resolvedVersion: undefined })]),
        policy,
      ),
    );
    expect(results.imdsv2!.compliance).toBe('COMPLIANT');
    expect(results.imdsv2!.reason).toContain('Could not be read: launch template old (lt-0dead) version 1');
  });

  it('hop limit above the ceiling on any source: NON_COMPLIANT hop-limit check', () => {
    const results = byCheck(
      judgeAutoScalingGroup(group([lt({ metadata: V2 }), lt({ origin: 'override m5.large', templateId: 'lt-0b', templateName: 'b', metadata: { ...V2, httpPutResponseHopLimit: 3 } })]), policy),
    );
    expect(results.imdsv2!.compliance).toBe('COMPLIANT');
    expect(results['hop-limit']!.compliance).toBe('NON_COMPLIANT');
    expect(results['hop-limit']!.reason).toContain('Launch template b (lt-0b) version 1, named by the override for m5.large: hop limit 3 (set in version 1) is above the ceiling 2.');
    expect(byCheck(judgeAutoScalingGroup(group([lt({ metadata: { ...V2, httpPutResponseHopLimit: 3 } })]), { ...policy, hopLimitCeiling: 3 }))['hop-limit']!.compliance).toBe(
      'COMPLIANT',
    );
  });
});

describe('planRepoint', () => {
  it('plans pointing a pinned group at $Default when the default version is compliant', () => {
    const subject = group([lt()]);
    const plan = planRepoint(subject, policy);
    expect(plan).toEqual({ changes: [{ origin: 'group', templateId: 'lt-0a1b2c3d4e5f60718', from: '1', to: '$Default' }], refusals: [] });
    expect(describeRepoint(subject, plan)).toBe(
      'point group web-asg at $Default (version 2) of launch template web-lt (lt-0a1b2c3d4e5f60718) instead of version 1',
    );
  });

  it('plans $Latest → $Default and names where in the mixed instances policy', () => {
    const subject = group([lt({ origin: 'override m5.large', requestedVersion: '$Latest', resolvedVersion: 3 })]);
    const plan = planRepoint(subject, policy);
    expect(plan.changes).toEqual([{ origin: 'override m5.large', templateId: 'lt-0a1b2c3d4e5f60718', from: '$Latest', to: '$Default' }]);
    expect(describeRepoint(subject, plan)).toBe(
      'point group web-asg at $Default (version 2) of launch template web-lt (lt-0a1b2c3d4e5f60718) instead of $Latest (version 3) in the override for m5.large',
    );
  });

  it('refuses when the default version allows IMDSv1 too', () => {
    const subject = group([lt({ defaultMetadata: V1 })]);
    const plan = planRepoint(subject, policy);
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toEqual([
      'Launch template web-lt (lt-0a1b2c3d4e5f60718) version 1 in the group: the default version 2 of launch template web-lt (lt-0a1b2c3d4e5f60718) allows IMDSv1 too: fix the template first (EC2.170).',
    ]);
    expect(describeRepoint(subject, plan)).toMatch(/^leave group web-asg as it is: .*fix the template first/);
  });

  it('resolves the default version with the account default when it leaves HttpTokens unset', () => {
    const subject = group([lt({ defaultMetadata: {} })], { accountDefaults: { httpTokens: 'required' } });
    expect(planRepoint(subject, policy).changes).toHaveLength(1);
    expect(planRepoint({ ...subject, accountDefaults: {} }, policy).changes).toHaveLength(0);
  });

  it('refuses launch configuration sources: migration is their remediation', () => {
    const plan = planRepoint(group([{ type: 'launch-configuration', name: 'legacy-lc', found: true }]), policy);
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toEqual([
      "launch configuration legacy-lc: migrate the launch configuration (AutoScaling.3) — imds-guard's launch-configuration remediation does that.",
    ]);
  });

  it('plans nothing for compliant or unreadable sources', () => {
    expect(planRepoint(group([lt({ metadata: V2 })]), policy)).toEqual({ changes: [], refusals: [] });
    expect(planRepoint(group([lt({ metadata: undefined, resolvedVersion: undefined, error: 'InvalidLaunchTemplateId.NotFound' })]), policy)).toEqual({
      changes: [],
      refusals: [],
    });
  });

  it('plans a hop-limit fix the same way, and refuses when the default exceeds the ceiling', () => {
    const high = { ...V2, httpPutResponseHopLimit: 4 };
    expect(planRepoint(group([lt({ metadata: high })]), policy).changes).toHaveLength(1);
    const refused = planRepoint(group([lt({ metadata: high, defaultMetadata: high })]), policy);
    expect(refused.refusals[0]).toContain('the default version 2 of launch template web-lt (lt-0a1b2c3d4e5f60718) has hop limit 4, above the ceiling 2 too');
  });
});
