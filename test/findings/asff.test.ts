import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allKinds } from '../../shared/kinds/registry.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import {
  archivedFindings,
  findingId,
  findingsFromReport,
  parseFindingRef,
  partitionOf,
  productArnFor,
  truncate,
  type AsffContext,
} from '../../shared/findings/asff.js';
import type { InstanceSubject } from '../../shared/kinds/instance/subject.js';
import type { LaunchConfigurationSubject } from '../../shared/kinds/launch-configuration/subject.js';
import type { LaunchTemplateSubject } from '../../shared/kinds/launch-template/subject.js';
import type { Outcome } from '../../shared/verdict.js';
import type { ResourceRef } from '../../shared/model.js';
import type { Subject } from '../../shared/kinds/subject.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import type { Report } from '../../shared/engine/ports.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const ctx = (now = '2024-06-02T12:00:00.000Z'): AsffContext => ({ account: ACCOUNT, region: REGION, now: new Date(now) });
const ref = (kind: ResourceRef['kind'], id: string, region = REGION): ResourceRef => ({ kind, id, account: ACCOUNT, region });

function instance(over: Partial<InstanceSubject> = {}): InstanceSubject {
  return {
    kind: 'instance',
    ref: ref('instance', 'i-0123456789abcdef0'),
    state: 'running',
    metadata: { httpTokens: 'optional', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1, httpProtocolIpv6: 'disabled', instanceMetadataTags: 'disabled' },
    tags: { Name: 'web-1', 'aws:autoscaling:groupName': 'web', Empty: '' },
    launchTime: new Date('2024-03-01T10:00:00.000Z'),
    imageId: 'ami-0abc',
    instanceType: 't3.micro',
    ...over,
  };
}

const report = (subject: Subject, extra: Partial<Report> = {}): Report => ({ verdict: evaluate(subject, DEFAULT_POLICY), ...extra });

describe('ids and ARNs', () => {
  it('finding ids are stable and per check', () => {
    const r = ref('instance', 'i-1');
    expect(findingId(r, 'imdsv2')).toBe('imds-guard/eu-west-1/111122223333/instance/i-1/imdsv2');
    expect(findingId(r, 'hop-limit')).toBe('imds-guard/eu-west-1/111122223333/instance/i-1/hop-limit');
  });

  it('parseFindingRef recovers the ref, even when the id contains slashes', () => {
    const r = ref('launch-configuration', 'team/app/lc-v2');
    expect(parseFindingRef({ Id: findingId(r, 'hop-limit') })).toEqual({ ...r, check: 'hop-limit' });
  });

  it('parseFindingRef falls back to ProductFields and rejects foreign findings', () => {
    const [f] = findingsFromReport(report(instance()), ctx());
    expect(parseFindingRef({ Id: 'other', ProductFields: f?.ProductFields })).toEqual({ ...instance().ref, check: 'imdsv2' });
    expect(parseFindingRef({ Id: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty/x' })).toBeUndefined();
    expect(parseFindingRef({ Id: 'imds-guard/eu-west-1/111122223333/bucket/x/imdsv2' })).toBeUndefined();
  });

  it('partition and product ARN follow the region', () => {
    expect(partitionOf('us-east-1')).toBe('aws');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(productArnFor(ACCOUNT, 'cn-north-1')).toBe(`arn:aws-cn:securityhub:cn-north-1:${ACCOUNT}:product/${ACCOUNT}/default`);
  });
});

describe('findingsFromReport', () => {
  it('matches the fixture for a non-compliant instance with usage evidence', () => {
    const expected = JSON.parse(readFileSync(new URL('../fixtures/asff/instance-noncompliant.json', import.meta.url), 'utf8'));
    const actual = findingsFromReport(
      report(instance(), { usage: { noTokenCalls: 42, lookbackDays: 14, lastSeen: new Date('2024-06-01T08:00:00.000Z') } }),
      ctx(),
    );
    expect(JSON.parse(JSON.stringify(actual))).toEqual(expected);
  });

  it('has every required ASFF field with the right types', () => {
    for (const f of findingsFromReport(report(instance()), ctx())) {
      expect(f.SchemaVersion).toBe('2018-10-08');
      for (const key of ['Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'CreatedAt', 'UpdatedAt', 'Title', 'Description'] as const) {
        expect(typeof f[key]).toBe('string');
        expect((f[key] as string).length).toBeGreaterThan(0);
      }
      expect(f.AwsAccountId).toMatch(/^\d{12}$/);
      expect(f.ProductArn).toBe(`arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`);
      expect(Number.isNaN(Date.parse(f.CreatedAt as string))).toBe(false);
      expect(f.Types).toEqual(['Software and Configuration Checks/AWS Security Best Practices']);
      expect(f.FindingProviderFields?.Severity?.Label).toBe(f.Severity?.Label);
      expect(f.Resources).toHaveLength(1);
      expect(f.Resources?.[0]).toMatchObject({ Type: 'AwsEc2Instance', Partition: 'aws', Region: REGION });
      for (const v of Object.values(f.ProductFields ?? {})) expect(typeof v).toBe('string');
      expect(f.RecordState).toBe('ACTIVE');
      expect(f.GeneratorId?.startsWith('imds-guard/')).toBe(true);
    }
  });

  it('drops empty tag values (ASFF rejects them) and keeps the rest', () => {
    const [f] = findingsFromReport(report(instance()), ctx());
    expect(f?.Resources?.[0]?.Tags).toEqual({ Name: 'web-1', 'aws:autoscaling:groupName': 'web' });
  });

  it('failed → control severity and FAILED; passed → INFORMATIONAL and PASSED', () => {
    const [bad] = findingsFromReport(report(instance()), ctx());
    expect(bad?.Severity?.Label).toBe('HIGH');
    expect(bad?.Compliance?.Status).toBe('FAILED');
    const good = findingsFromReport(report(instance({ metadata: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 } })), ctx());
    for (const f of good) {
      expect(f.Compliance?.Status).toBe('PASSED');
      expect(f.Severity?.Label).toBe('INFORMATIONAL');
    }
  });

  it('not applicable → NOT_AVAILABLE, INFORMATIONAL', () => {
    const fs = findingsFromReport(report(instance({ tags: { 'imds-guard:exempt': 'yes' } })), ctx());
    for (const f of fs) {
      expect(f.Compliance?.Status).toBe('NOT_AVAILABLE');
      expect(f.Severity?.Label).toBe('INFORMATIONAL');
      expect(f.Description).toContain('imds-guard:exempt');
    }
  });

  it('names the Security Hub control it corresponds to, and a generator per control; no standards of Security Hub\'s own', () => {
    const [imdsv2, hop] = findingsFromReport(report(instance()), ctx());
    expect(imdsv2?.Compliance?.SecurityControlId).toBe('EC2.8');
    expect(imdsv2?.GeneratorId).toBe('imds-guard/EC2.8');
    // imds-guard's own control: no Security Hub control id to claim.
    expect(hop?.Compliance).not.toHaveProperty('SecurityControlId');
    expect(hop?.GeneratorId).toBe('imds-guard/instance-hop-limit');
    for (const f of [imdsv2, hop]) {
      expect(f?.Compliance).not.toHaveProperty('AssociatedStandards');
      expect(f?.Compliance).not.toHaveProperty('StatusReasons');
    }
  });

  it('Id and CreatedAt are stable across re-evaluation; UpdatedAt moves', () => {
    const a = findingsFromReport(report(instance()), ctx('2024-06-02T12:00:00.000Z'));
    const b = findingsFromReport(report(instance({ metadata: { httpTokens: 'required', httpEndpoint: 'enabled' } })), ctx('2024-06-03T12:00:00.000Z'));
    expect(b.map((f) => f.Id)).toEqual(a.map((f) => f.Id));
    expect(b.map((f) => f.CreatedAt)).toEqual(a.map((f) => f.CreatedAt));
    expect(b[0]?.UpdatedAt).toBe('2024-06-03T12:00:00.000Z');
    expect(Date.parse(b[0]?.UpdatedAt as string)).toBeGreaterThan(Date.parse(a[0]?.UpdatedAt as string));
  });

  it('CreatedAt is when the resource came to be: instance launch, template creation', () => {
    const [i] = findingsFromReport(report(instance({ launchTime: new Date('2023-01-01T00:00:00.000Z') })), ctx());
    expect(i?.CreatedAt).toBe('2023-01-01T00:00:00.000Z');
    const template: LaunchTemplateSubject = {
      kind: 'launch-template',
      ref: { kind: 'launch-template', id: 'lt-0123456789abcdef0', account: instance().ref.account, region: instance().ref.region },
      name: 'web',
      tags: {},
      createdTime: new Date('2022-05-05T05:05:05.000Z'),
      defaultVersion: { versionNumber: 1, metadata: { httpTokens: 'required' } },
    };
    const [t] = findingsFromReport(report(template), ctx());
    expect(t?.CreatedAt).toBe('2022-05-05T05:05:05.000Z');
  });

  it('Description stays within 1024 characters and keeps the evidence', () => {
    const long = 'x'.repeat(3000);
    const outcome: Outcome = {
      plan: { ref: instance().ref, action: 'modify-instance-metadata-options', gates: [], execute: false, summary: 's' },
      status: 'failed',
      message: 'UnauthorizedOperation: not allowed',
      at: new Date('2024-06-02T12:00:00.000Z'),
    };
    const r = report(instance(), { outcome, usage: { noTokenCalls: null, lookbackDays: 14 } });
    const first = r.verdict.checks[0];
    if (first) first.reason = long;
    const [f] = findingsFromReport(r, ctx());
    expect(f?.Description?.length).toBeLessThanOrEqual(1024);
    expect(f?.Description).toContain('IMDSv1 usage: unknown (no MetadataNoToken datapoints in the last 14 days)');
    expect(f?.Description).toContain('Remediation (failed');
    expect(f?.ProductFields?.['imds-guard/outcome']).toBe('failed');
    expect(f?.ProductFields?.['imds-guard/usage']).toBe('unknown');
  });

  it('usage not looked up says so', () => {
    const [f] = findingsFromReport(report(instance()), ctx());
    expect(f?.Description).toContain('IMDSv1 usage: unknown (not looked up)');
  });

  it('Remediation text ≤ 512 with a URL, from the controls table', () => {
    for (const control of allKinds().flatMap((k) => Object.values(k.description.controls))) {
      expect(control.remediation.length).toBeLessThanOrEqual(512);
      expect(control.remediationUrl).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
  });

  it('launch template details carry the default version metadata', () => {
    const lt: LaunchTemplateSubject = {
      kind: 'launch-template',
      ref: ref('launch-template', 'lt-0123'),
      name: 'web',
      tags: {},
      defaultVersion: { versionNumber: 3, metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 2 } },
      latestVersion: { versionNumber: 5, metadata: { httpTokens: 'required' } },
    };
    const [f] = findingsFromReport(report(lt), ctx());
    expect(f?.Severity?.Label).toBe('LOW');
    expect(f?.Resources?.[0]).toMatchObject({
      Type: 'AwsEc2LaunchTemplate',
      Id: `arn:aws:ec2:${REGION}:${ACCOUNT}:launch-template/lt-0123`,
      Details: {
        AwsEc2LaunchTemplate: {
          Id: 'lt-0123',
          LaunchTemplateName: 'web',
          DefaultVersionNumber: 3,
          LatestVersionNumber: 5,
          LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 2 } },
        },
      },
    });
    expect(f?.Title).toContain('web (lt-0123)');
  });

  it('launch configuration details and ARN', () => {
    const lc: LaunchConfigurationSubject = {
      kind: 'launch-configuration',
      ref: ref('launch-configuration', 'web-lc'),
      name: 'web-lc',
      arn: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:launchConfiguration:0000-1111:launchConfigurationName/web-lc`,
      metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 3 },
      raw: { ImageId: 'ami-1', InstanceType: 'm5.large' },
    };
    const [tokens, hop] = findingsFromReport(report(lc), ctx());
    expect(tokens?.Resources?.[0]?.Id).toBe(lc.arn);
    expect(tokens?.Resources?.[0]?.Details?.AwsAutoScalingLaunchConfiguration).toMatchObject({
      LaunchConfigurationName: 'web-lc',
      ImageId: 'ami-1',
      MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 3 },
    });
    expect(hop?.ProductFields?.['imds-guard/control']).toBe('launch-configuration-hop-limit');
    // Security Hub retired AutoScaling.4: imds-guard's own control, Medium like its other hop-limit controls.
    expect(hop?.Compliance).not.toHaveProperty('SecurityControlId');
    expect(hop?.GeneratorId).toBe('imds-guard/launch-configuration-hop-limit');
    expect(hop?.Severity?.Label).toBe('MEDIUM');
  });

  it('account defaults: AwsAccount resource, details in Other as strings', () => {
    const [f] = findingsFromReport(
      report({ kind: 'account-defaults', ref: ref('account-defaults', ACCOUNT), metadata: { httpPutResponseHopLimit: 2 }, httpTokensEnforced: false }),
      ctx(),
    );
    expect(f?.Resources?.[0]).toMatchObject({
      Type: 'AwsAccount',
      Id: `AWS::::Account:${ACCOUNT}`,
      Details: { Other: { HttpTokens: 'no-preference', HttpPutResponseHopLimit: '2', HttpTokensEnforced: 'disabled' } },
    });
    expect(f?.Severity?.Label).toBe('MEDIUM');
  });

  it('a missing subject is archived', () => {
    const fs = findingsFromReport(report({ kind: 'missing', ref: ref('instance', 'i-gone') }), ctx());
    expect(fs).toHaveLength(2);
    for (const f of fs) {
      expect(f.RecordState).toBe('ARCHIVED');
      expect(f.Compliance?.Status).toBe('NOT_AVAILABLE');
    }
  });
});

describe('archivedFindings', () => {
  it('builds one ARCHIVED finding per check from a ref alone, with the same ids', () => {
    const r = ref('launch-template', 'lt-9');
    const fs = archivedFindings(r, ctx());
    expect(fs.map((f) => f.Id)).toEqual([findingId(r, 'imdsv2'), findingId(r, 'hop-limit')]);
    expect(fs.every((f) => f.RecordState === 'ARCHIVED')).toBe(true);
    expect(fs[0]?.Resources?.[0]?.Type).toBe('AwsEc2LaunchTemplate');
    expect(fs[0]?.Title).toContain('no longer exists');
  });
});

describe('truncate', () => {
  it('never splits a surrogate pair', () => {
    const s = 'a'.repeat(9) + '😀' + 'b';
    const t = truncate(s, 11);
    expect(t.length).toBeLessThanOrEqual(11);
    expect(t).toBe('a'.repeat(9) + '…');
    expect(truncate('short', 10)).toBe('short');
  });
});
