/** Builders for remediation tests: subjects, verdicts and policies by hand (no evaluate needed). */
import type {
  AccountDefaultsSubject,
  Compliance,
  InstanceSubject,
  LaunchConfigurationSubject,
  LaunchTemplateSubject,
  ResourceRef,
  Subject,
  Verdict,
} from '../../shared/model.js';
import { DEFAULT_POLICY, type Policy } from '../../shared/policy.js';

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

export function instanceSubject(overrides: Partial<InstanceSubject> = {}): InstanceSubject {
  return {
    kind: 'instance',
    ref: ref('instance', 'i-0abc1234def567890'),
    state: 'running',
    metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
    tags: {},
    launchTime: OLD,
    imageId: 'ami-0123456789abcdef0',
    ...overrides,
  };
}

export function templateSubject(overrides: Partial<LaunchTemplateSubject> = {}): LaunchTemplateSubject {
  return {
    kind: 'launch-template',
    ref: ref('launch-template', 'lt-0123456789abcdef0'),
    name: 'web',
    tags: {},
    defaultVersion: { versionNumber: 3, metadata: { httpTokens: 'optional' } },
    ...overrides,
  };
}

export function configurationSubject(overrides: Partial<LaunchConfigurationSubject> = {}): LaunchConfigurationSubject {
  return {
    kind: 'launch-configuration',
    ref: ref('launch-configuration', 'web-lc'),
    name: 'web-lc',
    metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' },
    raw: {},
    ...overrides,
  };
}

export function accountSubject(overrides: Partial<AccountDefaultsSubject> = {}): AccountDefaultsSubject {
  return { kind: 'account-defaults', ref: ref('account-defaults', ACCOUNT), metadata: {}, ...overrides };
}

/** A verdict as evaluate would give it; compliance defaults to NON_COMPLIANT. */
export function verdict(subject: Subject, compliance: Compliance = 'NON_COMPLIANT'): Verdict {
  return {
    ref: subject.ref,
    compliance,
    subject,
    checks: [{ check: 'imdsv2', control: 'EC2.8', compliance, reason: compliance === 'NON_COMPLIANT' ? 'HttpTokens is optional' : 'ok' }],
  };
}
