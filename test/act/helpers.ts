/** Builders for remediation tests: subjects, verdicts and policies by hand (no evaluate needed). */
import type { AccountDefaultsSubject } from '../../shared/kinds/account-defaults/subject.js';
import type { Compliance, ResourceRef } from '../../shared/model.js';
import type { InstanceSubject } from '../../shared/kinds/instance/subject.js';
import type { LaunchConfigurationSubject } from '../../shared/kinds/launch-configuration/subject.js';
import type { LaunchTemplateSubject } from '../../shared/kinds/launch-template/subject.js';
import type { Subject } from '../../shared/kinds/subject.js';
import type { Verdict } from '../../shared/verdict.js';
import { DEFAULT_POLICY, type Policy } from '../../shared/policy.js';
import type { LiveSubject } from '../../shared/kinds/subject.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const NOW = new Date('2025-03-20T12:00:00Z');
export const OLD = new Date('2024-01-01T00:00:00Z');

export function policy(overrides: Partial<Policy> = {}): Policy {
  return { ...DEFAULT_POLICY, mode: 'enforce', ...overrides, remediate: { ...DEFAULT_POLICY.remediate, ...overrides.remediate } };
}

export function ref(kind: ResourceRef['kind'], id: string): ResourceRef {
  return { kind, id, account: ACCOUNT, region: REGION };
}

/** A builder of one kind of subject: its kind and ref, its defaults, and the given fields over them. */
function builder<S extends LiveSubject>(kind: S['kind'], id: string, defaults: () => Omit<S, 'kind' | 'ref'>) {
  return (overrides: Partial<S> = {}): S => ({ kind, ref: ref(kind, id), ...defaults(), ...overrides }) as S;
}

export const instanceSubject = builder<InstanceSubject>('instance', 'i-0abc1234def567890', () => ({
  state: 'running',
  metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
  tags: {},
  launchTime: OLD,
  imageId: 'ami-0123456789abcdef0',
}));

export const templateSubject = builder<LaunchTemplateSubject>('launch-template', 'lt-0123456789abcdef0', () => ({
  name: 'web',
  tags: {},
  defaultVersion: { versionNumber: 3, metadata: { httpTokens: 'optional' } },
}));

export const configurationSubject = builder<LaunchConfigurationSubject>('launch-configuration', 'web-lc', () => ({
  name: 'web-lc',
  metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' },
  raw: {},
}));

export const accountSubject = builder<AccountDefaultsSubject>('account-defaults', ACCOUNT, () => ({ metadata: {} }));

/** A verdict as evaluate would give it; compliance defaults to NON_COMPLIANT. */
export function verdict(subject: Subject, compliance: Compliance = 'NON_COMPLIANT'): Verdict {
  return {
    ref: subject.ref,
    compliance,
    subject,
    checks: [{ check: 'imdsv2', control: 'EC2.8', compliance, reason: compliance === 'NON_COMPLIANT' ? 'HttpTokens is optional' : 'ok' }],
  };
}
