import type { DescribeLaunchConfigurationsCommandOutput } from '@aws-sdk/client-auto-scaling';
import type {
  DescribeInstancesCommandOutput,
  DescribeLaunchTemplatesCommandOutput,
  DescribeLaunchTemplateVersionsCommandOutput,
  GetInstanceMetadataDefaultsCommandOutput,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { idsNamedIn } from '../../shared/aws/batch.js';
import { accountDefaultsSubject } from '../../shared/kinds/account-defaults/translate.js';
import { instanceSubject } from '../../shared/kinds/instance/translate.js';
import { launchConfigurationSubject } from '../../shared/kinds/launch-configuration/translate.js';
import { launchTemplateSubject } from '../../shared/kinds/launch-template/translate.js';
import { metadataOptions, tagsToRecord, toNumber } from '../../shared/aws/translate.js';
import { apiFixture, SCOPE } from './helpers.js';

const instances = apiFixture<DescribeInstancesCommandOutput>('ec2/describe-instances.json').Reservations!.flatMap(
  (r) => r.Instances!,
);
const [template] = apiFixture<DescribeLaunchTemplatesCommandOutput>('ec2/describe-launch-templates.json').LaunchTemplates!;
const [v2, v3] = apiFixture<DescribeLaunchTemplateVersionsCommandOutput>('ec2/describe-launch-template-versions.json')
  .LaunchTemplateVersions!;
const [unsetVersion] = apiFixture<DescribeLaunchTemplateVersionsCommandOutput>('ec2/describe-launch-template-versions-unset.json')
  .LaunchTemplateVersions!;
const [lcWithout, lcWith] = apiFixture<DescribeLaunchConfigurationsCommandOutput>('autoscaling/describe-launch-configurations.json')
  .LaunchConfigurations!;

describe('instanceSubject', () => {
  it('takes state, metadata options, tags, group, profile, image and launch time', () => {
    const s = instanceSubject(instances[0]!, SCOPE);
    expect(s).toEqual({
      kind: 'instance',
      ref: { kind: 'instance', id: 'i-0123456789abcdef0', account: '111122223333', region: 'us-east-1' },
      state: 'running',
      metadata: {
        httpTokens: 'optional',
        httpPutResponseHopLimit: 1,
        httpEndpoint: 'enabled',
        httpProtocolIpv6: 'disabled',
        instanceMetadataTags: 'disabled',
      },
      metadataState: 'applied',
      tags: { Name: 'web-1', 'aws:autoscaling:groupName': 'web-asg', 'imds-guard:exempt': '' },
      launchTime: new Date('2025-05-02T09:14:27.000Z'),
      imageId: 'ami-0abcdef1234567890',
      instanceType: 'm6i.large',
      instanceProfileArn: 'arn:aws:iam::111122223333:instance-profile/web-node',
      autoScalingGroup: 'web-asg',
    });
  });

  it('reads a hop limit sent as a string, and the pending state of a metadata change', () => {
    const s = instanceSubject(instances[1]!, SCOPE);
    expect(s.metadata.httpPutResponseHopLimit).toBe(2);
    expect(s.metadataState).toBe('pending');
    expect(s.tags).toEqual({});
    expect(s.autoScalingGroup).toBeUndefined();
    expect(s.instanceProfileArn).toBeUndefined();
  });

  it('keeps terminated instances (the evaluator decides they do not apply)', () => {
    expect(instanceSubject(instances[2]!, SCOPE).state).toBe('terminated');
  });

  it('accepts a Date launch time as the SDK returns it', () => {
    const at = new Date('2025-01-01T00:00:00Z');
    expect(instanceSubject({ ...instances[0]!, LaunchTime: at }, SCOPE).launchTime).toEqual(at);
  });
});

describe('launchTemplateSubject', () => {
  it('keeps the default version and $Latest when it differs', () => {
    const s = launchTemplateSubject(template!, v2!, v3!, SCOPE);
    expect(s.ref).toEqual({ kind: 'launch-template', id: 'lt-0a1b2c3d4e5f60718', ...SCOPE });
    expect(s.name).toBe('web-template');
    expect(s.tags).toEqual({ team: 'web' });
    expect(s.defaultVersion).toEqual({ versionNumber: 2, metadata: { httpTokens: 'required', httpPutResponseHopLimit: 2 } });
    expect(s.latestVersion).toEqual({ versionNumber: 3, metadata: { httpTokens: 'optional', httpEndpoint: 'enabled' } });
    expect(s.latestVersion!.metadata.httpPutResponseHopLimit).toBeUndefined();
  });

  it('drops $Latest when it is the default version', () => {
    expect(launchTemplateSubject(template!, v2!, v2!, SCOPE).latestVersion).toBeUndefined();
  });

  it('leaves every metadata field undefined when the template sets none', () => {
    const s = launchTemplateSubject(
      { LaunchTemplateId: 'lt-0c3d4e5f607182930', LaunchTemplateName: 'batch-template', DefaultVersionNumber: 1, LatestVersionNumber: 1 },
      unsetVersion!,
      undefined,
      SCOPE,
      { httpTokens: 'required' },
    );
    expect(s.defaultVersion.metadata).toEqual({});
    expect(s.defaultVersion.metadata.httpTokens).toBeUndefined();
    expect(s.defaultVersion.metadata.httpEndpoint).toBeUndefined();
    expect(s.accountDefaults).toEqual({ httpTokens: 'required' });
  });

  it('reads version numbers sent as strings', () => {
    const s = launchTemplateSubject(template!, { ...v2!, VersionNumber: '2' as unknown as number }, { ...v3!, VersionNumber: '3' as unknown as number }, SCOPE);
    expect(s.defaultVersion.versionNumber).toBe(2);
    expect(s.latestVersion!.versionNumber).toBe(3);
  });
});

describe('launchConfigurationSubject', () => {
  it('has metadata undefined when the launch configuration has no MetadataOptions, and keeps the raw record', () => {
    const s = launchConfigurationSubject(lcWithout!, SCOPE);
    expect(s.metadata).toBeUndefined();
    expect(s.name).toBe('legacy-web-lc');
    expect(s.ref).toEqual({ kind: 'launch-configuration', id: 'legacy-web-lc', ...SCOPE });
    expect(s.arn).toMatch(/launchConfigurationName\/legacy-web-lc$/);
    expect(s.createdTime).toEqual(new Date('2021-06-01T12:00:00.000Z'));
    expect(s.raw).toEqual(lcWithout);
    expect(s.raw).not.toBe(lcWithout);
  });

  it('translates MetadataOptions when present', () => {
    expect(launchConfigurationSubject(lcWith!, SCOPE).metadata).toEqual({
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
      httpEndpoint: 'enabled',
    });
  });
});

describe('accountDefaultsSubject', () => {
  it('takes the account level settings and HttpTokensEnforced', () => {
    const out = apiFixture<GetInstanceMetadataDefaultsCommandOutput>('ec2/get-instance-metadata-defaults.json');
    expect(accountDefaultsSubject(out.AccountLevel, SCOPE)).toEqual({
      kind: 'account-defaults',
      ref: { kind: 'account-defaults', id: '111122223333', ...SCOPE },
      metadata: { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled', instanceMetadataTags: 'disabled' },
      httpTokensEnforced: true,
      managedBy: 'account',
    });
  });

  it('reports a default managed by a declarative policy (ManagedBy), and the finding says where to change it', async () => {
    const { evaluate } = await import('../../shared/engine/evaluate.js');
    const { DEFAULT_POLICY } = await import('../../shared/policy.js');
    const out = apiFixture<GetInstanceMetadataDefaultsCommandOutput>('ec2/get-instance-metadata-defaults-declarative-policy.json');
    const subject = accountDefaultsSubject(out.AccountLevel, SCOPE);
    expect(subject.managedBy).toBe('declarative-policy');
    const reason = evaluate(subject, DEFAULT_POLICY).checks.find((c) => c.check === 'imdsv2')!.reason;
    expect(reason).toContain('Managed by an AWS Organizations declarative policy (ManagedBy=declarative-policy)');
    expect(evaluate(accountDefaultsSubject(apiFixture<GetInstanceMetadataDefaultsCommandOutput>('ec2/get-instance-metadata-defaults.json').AccountLevel, SCOPE), DEFAULT_POLICY).checks[0]!.reason).not.toContain('declarative');
  });

  it('leaves everything undefined when no default is set', () => {
    const out = apiFixture<GetInstanceMetadataDefaultsCommandOutput>('ec2/get-instance-metadata-defaults-none.json');
    const s = accountDefaultsSubject(out.AccountLevel, SCOPE);
    expect(s.metadata).toEqual({});
    expect(s.httpTokensEnforced).toBeUndefined();
    expect(accountDefaultsSubject(undefined, SCOPE).metadata).toEqual({});
  });

  it('reports enforcement off as false', () => {
    expect(accountDefaultsSubject({ HttpTokensEnforced: 'disabled' }, SCOPE).httpTokensEnforced).toBe(false);
  });
});

describe('small translations', () => {
  it('toNumber takes numbers and numeric strings only', () => {
    expect(toNumber(3)).toBe(3);
    expect(toNumber(' 2 ')).toBe(2);
    expect(toNumber('')).toBeUndefined();
    expect(toNumber('two')).toBeUndefined();
    expect(toNumber(null)).toBeUndefined();
    expect(toNumber(Number.NaN)).toBeUndefined();
  });

  it('metadataOptions ignores values it does not know', () => {
    expect(metadataOptions({ HttpTokens: 'no-preference', HttpEndpoint: 'on', HttpPutResponseHopLimit: 'x' })).toEqual({});
    expect(metadataOptions(undefined)).toEqual({});
  });

  it('tagsToRecord maps a tag without value to an empty string', () => {
    expect(tagsToRecord([{ Key: 'a', Value: '1' }, { Key: 'b' }, { Value: 'orphan' }])).toEqual({ a: '1', b: '' });
  });

  it('idsNamedIn finds the ids EC2 names in its errors, whole tokens only', () => {
    const ids = ['i-0aaa', 'i-0aaa1', 'i-0bbb', 'i-0ccc'];
    expect(idsNamedIn("The instance IDs 'i-0aaa1, i-0ccc' do not exist", ids)).toEqual(['i-0aaa1', 'i-0ccc']);
    expect(idsNamedIn("The instance ID 'i-0bbb' does not exist", ids)).toEqual(['i-0bbb']);
    expect(idsNamedIn('Invalid id: "web-1"', ['web-1', 'i-0aaa'])).toEqual(['web-1']);
    expect(
      idsNamedIn('The specified launch template, with template ID lt-0123456789abcdef0, does not exist.', ['lt-0123456789abcdef0']),
    ).toEqual(['lt-0123456789abcdef0']);
    expect(idsNamedIn('The specified launch template, with template name web.v2, does not exist.', ['web', 'web.v2'])).toEqual([
      'web.v2',
    ]);
    expect(idsNamedIn('At least one of the launch templates specified in the request does not exist.', ['web'])).toEqual([]);
  });
});
