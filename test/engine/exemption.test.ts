import { describe, expect, it } from 'vitest';
import { evaluate } from '../../shared/engine/evaluate.js';
import { describeExemption, exemptionStatus, parseDay, parseExemption } from '../../shared/engine/exemption.js';
import type { AutoScalingGroupSubject } from '../../shared/kinds/auto-scaling-group/subject.js';
import { readFileSync } from 'node:fs';
import { decide } from '../../shared/engine/decide.js';
import { describeKind, KIND_NAMES } from '../../shared/kinds/registry.js';
import { DEFAULT_POLICY, SETTINGS } from '../../shared/policy.js';
import { accountDefaults, instance, launchConfiguration, ref } from '../support/subjects.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const SRC = 'tagged imds-guard:exempt';

describe('parseExemption', () => {
  it.each([
    ['true', {}],
    ['TRUE', {}],
    ['', {}],
    ['legacy agent', { reason: 'legacy agent' }],
    ['reason=vendor agent needs IMDSv1;owner=team-x;until=2027-03-31', { reason: 'vendor agent needs IMDSv1', owner: 'team-x', until: '2027-03-31' }],
    [' owner = team-y ; ', { owner: 'team-y' }],
    ['reason=vendor agent; ;  ;owner=team-x', { reason: 'vendor agent', owner: 'team-x' }],
    ['until=2026-06-15', { until: '2026-06-15' }],
  ])('%j exempts', (value, fields) => {
    expect(parseExemption(value, SRC, NOW)).toEqual({ status: 'exempt', source: SRC, value, ...fields });
  });

  it.each(['false', 'False', ' FALSE '])('%j is no exemption', (value) => {
    expect(parseExemption(value, SRC, NOW)).toEqual({ status: 'none' });
  });

  it('expires after the until day (UTC), keeping who owned it', () => {
    expect(parseExemption('owner=team-x;until=2026-06-14', SRC, NOW)).toEqual({
      status: 'expired',
      source: SRC,
      value: 'owner=team-x;until=2026-06-14',
      until: '2026-06-14',
      owner: 'team-x',
    });
    expect(parseExemption('until=2026-06-15', SRC, new Date('2026-06-16T00:00:00Z')).status).toBe('expired');
  });

  it.each([
    ['reason=x;team=y', 'unknown key "team"'],
    ['until=2026-02-30', 'is not a date'],
    ['until=31/03/2027', 'is not a date'],
    ['until=tomorrow', 'is not a date'],
    ['reason=a;reason=b', 'reason is given twice'],
    ['reason=', 'reason has no value'],
    ['reason=x;bare', 'unknown key "bare"'],
    ['=team-x', 'unknown key "" (use reason, owner, until)'],
    ['owner=team-x;reason', 'reason has no value'],
    ['until=2026-06-15T23:59:59Z', 'until="2026-06-15T23:59:59Z" is not a date'],
    ['until=12026-06-15', 'until="12026-06-15" is not a date'],
    ['until=0027-03-31', 'until="0027-03-31" is not a date'],
  ])('%j is malformed (%s) and does not exempt', (value, problem) => {
    const e = parseExemption(value, SRC, NOW);
    expect(e.status).toBe('malformed');
    expect(e.status === 'malformed' && e.problem).toContain(problem);
  });

  it('reads only real calendar days', () => {
    expect(parseDay('2028-02-29')?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(parseDay('2027-02-29')).toBeUndefined();
    expect(parseDay('2027-13-01')).toBeUndefined();
    expect(parseDay('2027-04-31')).toBeUndefined();
    expect(parseDay('2027-04-00')).toBeUndefined();
    expect(parseDay('2027-00-10')).toBeUndefined();
    // Date.UTC reads a year below 100 as 19xx: that is not the day written.
    expect(parseDay('0027-03-31')).toBeUndefined();
  });
});

describe('describeExemption: the sentence on the finding and the exempt gate', () => {
  const listed = { ...DEFAULT_POLICY, exemptLaunchConfigurations: ['legacy-lc'] };
  it.each([
    ['reason=vendor agent;owner=team-x;until=2027-03-31', 'Exempt: tagged imds-guard:exempt=reason=vendor agent;owner=team-x;until=2027-03-31 (reason: vendor agent; owner: team-x; until 2027-03-31)'],
    ['until=2027-03-31', 'Exempt: tagged imds-guard:exempt=until=2027-03-31 (until 2027-03-31)'],
    ['owner=team-x', 'Exempt: tagged imds-guard:exempt=owner=team-x (owner: team-x; no end date)'],
    ['legacy agent', 'Exempt: tagged imds-guard:exempt=legacy agent (reason: legacy agent; no end date)'],
    ['true', 'Exempt: tagged imds-guard:exempt=true (no end date)'],
    ['owner=team-x;until=2026-06-14', 'Exemption expired on 2026-06-14 (tagged imds-guard:exempt, owner: team-x): no longer exempt'],
    ['reason=migrated;until=2026-06-14', 'Exemption expired on 2026-06-14 (tagged imds-guard:exempt): no longer exempt'],
    ['team=x', 'Exemption value "team=x" (tagged imds-guard:exempt) is malformed: unknown key "team" (use reason, owner, until); not exempt'],
  ])('tag %j: %s', (value, sentence) => {
    const e = exemptionStatus(instance('i-0aaaaaaaaaaaaaaa1', {}, { tags: { 'imds-guard:exempt': value } }), DEFAULT_POLICY, NOW);
    expect(e.status).not.toBe('none');
    expect(e.status !== 'none' && describeExemption(e)).toBe(sentence);
  });

  it('a listed resource names the setting, without a tag value', () => {
    const e = exemptionStatus(launchConfiguration('legacy-lc', {}), listed, NOW);
    expect(e.status === 'exempt' && describeExemption(e)).toBe('Exempt: listed in IMDS_GUARD_EXEMPT_LAUNCH_CONFIGURATIONS (no end date)');
  });
});

describe('exemptionStatus per kind', () => {
  it('launch configurations and account defaults are exempted by settings (they have no tags)', () => {
    const policy = { ...DEFAULT_POLICY, exemptLaunchConfigurations: ['legacy-lc'], exemptAccountDefaultRegions: ['us-east-1'] };
    expect(exemptionStatus(launchConfiguration('legacy-lc', {}), policy, NOW).status).toBe('exempt');
    expect(exemptionStatus(launchConfiguration('other-lc', {}), policy, NOW).status).toBe('none');
    expect(exemptionStatus(accountDefaults(), policy, NOW).status).toBe('exempt');
    expect(exemptionStatus(accountDefaults(), DEFAULT_POLICY, NOW).status).toBe('none');
  });

  it('a resource that is gone has no exemption', () => {
    expect(exemptionStatus({ kind: 'missing', ref: ref('instance', 'i-0aaaaaaaaaaaaaaa1') }, DEFAULT_POLICY, NOW)).toEqual({ status: 'none' });
  });

  it('names the setting that listed it, and the exempt gate names the setting that did not', () => {
    const policy = { ...DEFAULT_POLICY, exemptLaunchConfigurations: ['legacy-lc'] };
    expect(exemptionStatus(launchConfiguration('legacy-lc', {}), policy, NOW)).toEqual({
      status: 'exempt',
      source: 'listed in IMDS_GUARD_EXEMPT_LAUNCH_CONFIGURATIONS',
      value: 'legacy-lc',
    });
    const plan = decide(evaluate(accountDefaults(), DEFAULT_POLICY), { ...DEFAULT_POLICY, mode: 'enforce' }, { now: NOW });
    expect(plan.gates.find((g) => g.gate === 'exempt')).toEqual({
      gate: 'exempt',
      passed: true,
      reason: 'account defaults have no tags; not listed in IMDS_GUARD_EXEMPT_ACCOUNT_DEFAULT_REGIONS',
    });
  });

  it('every kind without tags names a documented exemption setting', () => {
    const settings = readFileSync(new URL('../../docs/settings.md', import.meta.url), 'utf8');
    for (const kind of KIND_NAMES) {
      const d = describeKind(kind);
      if (d.tags !== undefined) continue;
      expect(d.exemptionSetting, kind).toBeDefined();
      expect(settings).toContain(SETTINGS[d.exemptionSetting!.setting]);
    }
  });
});

describe('exemptionStatus: every kind with tags, also Auto Scaling groups', () => {
  const group = (tags: Record<string, string>): AutoScalingGroupSubject => ({
    kind: 'auto-scaling-group',
    ref: { kind: 'auto-scaling-group', id: 'web-asg', account: '111122223333', region: 'us-east-1' },
    name: 'web-asg',
    tags,
    sources: [{ type: 'launch-configuration', name: 'legacy-lc', found: true }],
  });

  it('reads the grammar from the group tag, and evaluate makes an exempt group NOT_APPLICABLE', () => {
    const tagged = group({ 'imds-guard:exempt': 'reason=batch vendor;owner=team-b;until=2027-01-31' });
    expect(exemptionStatus(tagged, DEFAULT_POLICY, NOW)).toMatchObject({ status: 'exempt', reason: 'batch vendor', owner: 'team-b', until: '2027-01-31' });
    const v = evaluate(tagged, DEFAULT_POLICY, NOW);
    expect(v.compliance).toBe('NOT_APPLICABLE');
    expect(v.checks[0]?.reason).toContain('owner: team-b');
  });

  it('an expired or malformed group tag does not exempt', () => {
    expect(exemptionStatus(group({ 'imds-guard:exempt': 'until=2026-01-01' }), DEFAULT_POLICY, NOW).status).toBe('expired');
    expect(exemptionStatus(group({ 'imds-guard:exempt': 'team=x' }), DEFAULT_POLICY, NOW).status).toBe('malformed');
    expect(exemptionStatus(group({}), DEFAULT_POLICY, NOW).status).toBe('none');
    expect(evaluate(group({ 'imds-guard:exempt': 'until=2026-01-01' }), DEFAULT_POLICY, NOW).compliance).toBe('NON_COMPLIANT');
  });
});

describe('evaluate: exemption grammar on the finding', () => {
  it('a valid exemption is NOT_APPLICABLE with reason, owner and end', () => {
    const v = evaluate(instance('i-0aaaaaaaaaaaaaaa1', {}, { tags: { 'imds-guard:exempt': 'reason=vendor agent;owner=team-x;until=2027-03-31' } }), DEFAULT_POLICY, NOW);
    expect(v.compliance).toBe('NOT_APPLICABLE');
    expect(v.checks[0]?.reason).toContain('reason: vendor agent; owner: team-x; until 2027-03-31');
  });

  it('an expired exemption is judged, and the finding says it expired', () => {
    const v = evaluate(instance('i-0aaaaaaaaaaaaaaa1', {}, { tags: { 'imds-guard:exempt': 'owner=team-x;until=2026-01-31' } }), DEFAULT_POLICY, NOW);
    expect(v.compliance).toBe('NON_COMPLIANT');
    for (const c of v.checks) expect(c.reason).toContain('Exemption expired on 2026-01-31');
  });

  it('a malformed exemption is judged, and the finding says why it does not exempt', () => {
    const v = evaluate(instance('i-0aaaaaaaaaaaaaaa1', {}, { tags: { 'imds-guard:exempt': 'until=2026-02-30' } }), DEFAULT_POLICY, NOW);
    expect(v.compliance).toBe('NON_COMPLIANT');
    expect(v.checks[0]?.reason).toMatch(/malformed: until="2026-02-30" is not a date .*; not exempt/);
  });
});
