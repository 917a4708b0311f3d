import {
  DeleteLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2ServiceException,
  GetInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyLaunchTemplateCommand,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRemediator, remediate, type RemediateDeps } from '../../shared/act/index.js';
import { templateClientToken } from '../../shared/kinds/launch-configuration/remedy.js';
import { annotationFor } from '../../shared/sinks/securityhub.js';
import { versionClientToken } from '../../shared/kinds/launch-template/remedy.js';
import { decide, type DecideContext } from '../../shared/decide.js';
import { evaluate } from '../../shared/evaluate.js';
import { createLoader } from '../../shared/load.js';
import type { Plan, ResourceRef, Subject } from '../../shared/model.js';
import type { Policy } from '../../shared/policy.js';
import {
  ACCOUNT,
  NOW,
  accountSubject,
  configurationSubject,
  instanceSubject,
  policy,
  templateSubject,
  verdict,
} from './helpers.js';
import { mockedAws } from '../support/mocked-aws.js';

const { clients, ec2, autoScaling, writes } = mockedAws();
const UNUSED: DecideContext = { now: NOW, usage: { noTokenCalls: 0, lookbackDays: 14 } };

function planFor(subject: Subject, p: Policy, ctx: Partial<DecideContext> = {}): Plan {
  return decide(verdict(subject), p, { ...UNUSED, ...ctx });
}

function deps(p: Policy, extra: Partial<RemediateDeps> = {}): RemediateDeps {
  return { clients, policy: p, account: ACCOUNT, now: () => NOW, ...extra };
}

function ec2Error(code: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 403 }, message });
}

function describedInstance(id: string, tokens: 'optional' | 'required', hop = 2) {
  return {
    Reservations: [
      { Instances: [{ InstanceId: id, MetadataOptions: { State: 'pending' as const, HttpTokens: tokens, HttpPutResponseHopLimit: hop, HttpEndpoint: 'enabled' as const } }] },
    ],
  };
}

beforeEach(() => {
  ec2.reset();
  autoScaling.reset();
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
});

describe('instance', () => {
  it('sets HttpTokens=required only (hop limit 2 kept, endpoint never sent), checked by the API answer', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({
      InstanceId: 'i-0abc1234def567890',
      InstanceMetadataOptions: { State: 'pending', HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
    });
    const [outcome] = await remediate([planFor(instanceSubject(), policy())], deps(policy()));
    const calls = ec2.commandCalls(ModifyInstanceMetadataOptionsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ InstanceId: 'i-0abc1234def567890', HttpTokens: 'required' });
    // without a loader wired, the API answer is the only check: no second describe from the action
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'COMPLIANT', at: NOW });
    expect(outcome!.message).toContain('hop limit kept at 2');
    expect(outcome!.message).toContain('EC2 answered HttpTokens=required (pending)');
  });

  it('with a loader wired, describes the instance once more and records the verdict on it', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({
      InstanceId: 'i-0abc1234def567890',
      InstanceMetadataOptions: { State: 'pending', HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
    });
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'optional'));
    const loader = createLoader(clients, { account: ACCOUNT, notFoundRetryDelaysMs: [] });
    const [outcome] = await remediate([planFor(instanceSubject(), policy())], deps(policy(), { loader, evaluate }));
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    // the re-described state wins over the API answer
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'NON_COMPLIANT' });
    expect(outcome!.verifiedVerdict?.compliance).toBe('NON_COMPLIANT');
  });

  it('lowers hop limit 5 to the ceiling when the policy says', async () => {
    const p = policy({ lowerHopLimit: true });
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'required', 2));
    const subject = instanceSubject({ metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 5, httpEndpoint: 'enabled' } });
    await remediate([planFor(subject, p)], deps(p));
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)[0]!.args[0].input).toEqual({
      InstanceId: 'i-0abc1234def567890',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
    });
  });

  it('an instance still using IMDSv1 is skipped with the count and nothing is written', async () => {
    const plan = planFor(instanceSubject(), policy(), { usage: { noTokenCalls: 12, lookbackDays: 14 } });
    const [outcome] = await remediate([plan], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome!.message).toContain('12 IMDSv1 calls');
    expect(writes()).toEqual([]);
  });

  it('records verification as seen by describing again when it did not stick', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'optional'));
    const [outcome] = await remediate([planFor(instanceSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'NON_COMPLIANT' });
  });
});

describe('batch behaviour', () => {
  it('duplicate plans for one resource → one action, one outcome', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'required'));
    const plan = planFor(instanceSubject(), policy());
    const outcomes = await remediate([plan, { ...plan }, plan], deps(policy()));
    expect(outcomes).toHaveLength(1);
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(1);
  });

  it('own change → no action (loop guard)', async () => {
    const outcomes = await remediate([planFor(instanceSubject(), policy(), { ownChange: true })], deps(policy()));
    expect(outcomes[0]).toMatchObject({ status: 'skipped' });
    expect(outcomes[0]!.message).toContain('loop guard');
    expect(writes()).toEqual([]);
  });

  it('API failure → failed with the AWS error; the other resources still proceed', async () => {
    const other = instanceSubject({ ref: { ...instanceSubject().ref, id: 'i-0fff000011112222a' } });
    ec2.on(ModifyInstanceMetadataOptionsCommand, { InstanceId: 'i-0abc1234def567890' })
      .rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    ec2.on(ModifyInstanceMetadataOptionsCommand, { InstanceId: 'i-0fff000011112222a' }).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0fff000011112222a', 'required'));
    const outcomes = await remediate([planFor(instanceSubject(), policy()), planFor(other, policy())], deps(policy()));
    expect(outcomes[0]).toMatchObject({ status: 'failed' });
    expect(outcomes[0]!.message).toContain('UnauthorizedOperation: You are not authorized to perform this operation.');
    expect(outcomes[0]!.verifiedCompliance).toBeUndefined();
    expect(outcomes[1]).toMatchObject({ status: 'remediated' });
  });

  it('refuses refs outside its account or region', async () => {
    const plan = planFor(instanceSubject({ ref: { ...instanceSubject().ref, region: 'eu-west-1' } }), policy());
    const [outcome] = await remediate([plan], deps(policy()));
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(writes()).toEqual([]);
  });

  it.each(['detect', 'dry-run'] as const)('%s mode writes nothing, for every kind', async (mode) => {
    const p = policy({ mode });
    const plans = [instanceSubject(), templateSubject(), configurationSubject(), accountSubject()].map((s) => planFor(s, p));
    const outcomes = await remediate(plans, deps(p));
    expect(outcomes.map((o) => o.status)).toEqual(Array(4).fill(mode === 'dry-run' ? 'planned' : 'skipped'));
    expect(writes()).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
    expect(autoScaling.calls()).toHaveLength(0);
  });

  it('verified compliance comes from re-describe + evaluate when wired', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'required'));
    const loaded: string[] = [];
    const [outcome] = await remediate(
      [planFor(instanceSubject(), policy())],
      deps(policy(), {
        loader: { load: async (refs) => (loaded.push(...refs.map((r) => r.id)), refs.map(() => instanceSubject({ metadata: { httpTokens: 'required' } }))) },
        evaluate: (subject) => verdict(subject, 'COMPLIANT'),
      }),
    );
    expect(loaded).toEqual(['i-0abc1234def567890']);
    expect(outcome!.verifiedCompliance).toBe('COMPLIANT');
  });

  it('createRemediator names a human request in the message', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'required'));
    const p = policy({ mode: 'detect' });
    const remediator = createRemediator(deps(p));
    const [outcome] = await remediator([planFor(instanceSubject(), p, { humanRequest: true })], { humanRequest: true });
    expect(outcome!.message).toMatch(/^Remediated by an explicit request/);
  });
});

describe('launch template', () => {
  const TEMPLATE = 'lt-0123456789abcdef0';
  const defaultVersion: LaunchTemplateVersion = {
    LaunchTemplateId: TEMPLATE,
    LaunchTemplateName: 'web',
    VersionNumber: 3,
    DefaultVersion: true,
    LaunchTemplateData: {
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.micro',
      UserData: 'ZWNobyBoaQ==',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', VolumeSize: 30, VolumeType: 'gp3', Encrypted: true } }],
      MetadataOptions: {
        State: 'applied',
        HttpTokens: 'optional',
        HttpPutResponseHopLimit: 2,
        HttpEndpoint: 'enabled',
        HttpProtocolIpv6: 'disabled',
        InstanceMetadataTags: 'enabled',
      },
    },
  };
  const groups = [
    { AutoScalingGroupName: 'web-asg', LaunchTemplate: { LaunchTemplateId: TEMPLATE, LaunchTemplateName: 'web', Version: '$Default' } },
    { AutoScalingGroupName: 'batch-asg', LaunchTemplate: { LaunchTemplateId: TEMPLATE, LaunchTemplateName: 'web', Version: '2' } },
    {
      AutoScalingGroupName: 'mixed-asg',
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: TEMPLATE, Version: '$Latest' } } },
    },
    { AutoScalingGroupName: 'other-asg', LaunchTemplate: { LaunchTemplateId: 'lt-0999', Version: '$Default' } },
  ];

  function templateMocks(versions: LaunchTemplateVersion[] = [defaultVersion]) {
    let created = false;
    ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input) => {
      if (input.Versions?.length === 1 && created) {
        return { LaunchTemplateVersions: [{ ...defaultVersion, VersionNumber: 4, LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } }] };
      }
      return { LaunchTemplateVersions: versions };
    });
    ec2.on(CreateLaunchTemplateVersionCommand).callsFake(() => {
      created = true;
      return { LaunchTemplateVersion: { LaunchTemplateId: TEMPLATE, VersionNumber: 4 } };
    });
    ec2.on(ModifyLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: TEMPLATE, DefaultVersionNumber: 4 } });
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: groups as never });
  }

  it('new version from the default keeps all other data, complete MetadataOptions, becomes default; pinned groups reported', async () => {
    templateMocks();
    const [outcome] = await remediate([planFor(templateSubject(), policy())], deps(policy()));
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]!.args[0].input).toEqual({
      LaunchTemplateId: TEMPLATE,
      Versions: ['$Default', '$Latest'],
    });
    const create = ec2.commandCalls(CreateLaunchTemplateVersionCommand);
    expect(create).toHaveLength(1);
    expect(create[0]!.args[0].input).toEqual({
      LaunchTemplateId: TEMPLATE,
      SourceVersion: '3',
      VersionDescription: expect.stringContaining('imds-guard'),
      ClientToken: versionClientToken(TEMPLATE, 3),
      LaunchTemplateData: {
        // everything else is inherited from SourceVersion; only these are given, complete
        MetadataOptions: {
          HttpTokens: 'required',
          HttpPutResponseHopLimit: 2,
          HttpEndpoint: 'enabled',
          HttpProtocolIpv6: 'disabled',
          InstanceMetadataTags: 'enabled',
        },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', VolumeSize: 30, VolumeType: 'gp3', Encrypted: true } }],
      },
    });
    expect(ec2.commandCalls(ModifyLaunchTemplateCommand)[0]!.args[0].input).toEqual({ LaunchTemplateId: TEMPLATE, DefaultVersion: '4' });
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'COMPLIANT' });
    expect(outcome!.message).toContain('created version 4 of web from version 3');
    expect(outcome!.message).toContain('web-asg ($Default)');
    expect(outcome!.message).toContain('mixed-asg ($Latest)');
    expect(outcome!.message).toMatch(/NOT picking up the fix.*batch-asg \(version 2\)/);
    expect(outcome!.message).not.toContain('other-asg');
    expect(autoScaling.commandCalls(StartInstanceRefreshCommand)).toHaveLength(0);
  });

  it('client token is stable per template and source version (≤128 chars)', () => {
    expect(versionClientToken(TEMPLATE, 3)).toBe(versionClientToken(TEMPLATE, 3));
    expect(versionClientToken(TEMPLATE, 3)).not.toBe(versionClientToken(TEMPLATE, 4));
    expect(versionClientToken(TEMPLATE, 3).length).toBeLessThanOrEqual(128);
  });

  it('instance refresh (when enabled) only on groups following $Default/$Latest', async () => {
    templateMocks();
    autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
    const p = policy({ instanceRefresh: true });
    await remediate([planFor(templateSubject(), p)], deps(p));
    const refreshed = autoScaling.commandCalls(StartInstanceRefreshCommand).map((c) => c.args[0].input.AutoScalingGroupName);
    expect(refreshed).toEqual(['web-asg', 'mixed-asg']);
  });

  it('refuses when $Latest differs from the default and a group follows $Latest', async () => {
    templateMocks([defaultVersion, { ...defaultVersion, VersionNumber: 5, DefaultVersion: false }]);
    const [outcome] = await remediate([planFor(templateSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome!.message).toContain('mixed-asg');
    expect(writes()).toEqual([]);
  });

  it('a default that already requires IMDSv2 (duplicate event) creates nothing', async () => {
    const fixed = { ...defaultVersion, LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' as const } } };
    templateMocks([fixed]);
    const [outcome] = await remediate([planFor(templateSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped', verifiedCompliance: 'COMPLIANT' });
    expect(writes()).toEqual([]);
  });
});

describe('launch configuration', () => {
  const lc = {
    LaunchConfigurationName: 'web-lc',
    ImageId: 'ami-0123456789abcdef0',
    InstanceType: 't3.micro',
    KeyName: '',
    KernelId: '',
    RamdiskId: '',
    UserData: '',
    SecurityGroups: ['sg-0aaa'],
    CreatedTime: new Date('2020-01-01T00:00:00Z'),
    MetadataOptions: { HttpTokens: 'optional' as const, HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' as const },
  };
  const groups = [
    { AutoScalingGroupName: 'web-asg', LaunchConfigurationName: 'web-lc' },
    { AutoScalingGroupName: 'api-asg', LaunchConfigurationName: 'web-lc' },
    { AutoScalingGroupName: 'other-asg', LaunchConfigurationName: 'other-lc' },
  ];

  beforeEach(() => {
    autoScaling.on(DescribeLaunchConfigurationsCommand).resolves({ LaunchConfigurations: [lc] });
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: groups as never });
    autoScaling.on(UpdateAutoScalingGroupCommand).resolves({});
  });

  it('creates an equivalent template, repoints every group, never deletes the configuration', async () => {
    ec2.on(CreateLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: 'lt-0new', LaunchTemplateName: 'imds-guard-web-lc' } });
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    const create = ec2.commandCalls(CreateLaunchTemplateCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      LaunchTemplateName: 'imds-guard-web-lc',
      ClientToken: templateClientToken('web-lc'),
      LaunchTemplateData: {
        ImageId: 'ami-0123456789abcdef0',
        InstanceType: 't3.micro',
        SecurityGroupIds: ['sg-0aaa'],
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
      },
      TagSpecifications: [
        { ResourceType: 'launch-template', Tags: expect.arrayContaining([{ Key: 'imds-guard:source-launch-configuration', Value: 'web-lc' }]) },
      ],
    });
    expect(create.LaunchTemplateData).not.toHaveProperty('KeyName');
    const updates = autoScaling.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input);
    expect(updates).toEqual([
      { AutoScalingGroupName: 'web-asg', LaunchTemplate: { LaunchTemplateId: 'lt-0new', Version: '$Default' } },
      { AutoScalingGroupName: 'api-asg', LaunchTemplate: { LaunchTemplateId: 'lt-0new', Version: '$Default' } },
    ]);
    expect(autoScaling.commandCalls(DeleteLaunchConfigurationCommand)).toHaveLength(0);
    // Issue 12: the configuration itself still allows IMDSv1, so no "verified compliant"; the outcome says it is superseded.
    expect(outcome).toMatchObject({ status: 'remediated', superseded: 'superseded by launch template imds-guard-web-lc (lt-0new); delete the configuration to clear AutoScaling.3' });
    expect(outcome!.verifiedCompliance).toBeUndefined();
    expect(outcome!.message).toContain('moved web-asg, api-asg');
    expect(outcome!.message).toContain('launch configuration web-lc is kept: superseded by launch template imds-guard-web-lc');
    const note = annotationFor(outcome!);
    expect(note.workflow).toBe('NOTIFIED');
    expect(note.text).toContain('delete the configuration to clear AutoScaling.3');
    expect(note.text).not.toContain('verified compliant');
  });

  it('is not described again with a loader wired: the fix replaces the configuration, which still judges as before', async () => {
    ec2.on(CreateLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: 'lt-0new', LaunchTemplateName: 'imds-guard-web-lc' } });
    const loaded: string[] = [];
    const loader = { load: async (refs: readonly ResourceRef[]) => (loaded.push(...refs.map((r) => r.id)), []) };
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy(), { loader, evaluate }));
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(loaded).toEqual([]);
    expect(outcome!.verifiedCompliance).toBeUndefined();
  });

  it('reuses the template imds-guard made earlier (duplicate event)', async () => {
    ec2.on(CreateLaunchTemplateCommand).rejects(
      ec2Error('InvalidLaunchTemplateName.AlreadyExistsException', 'Launch template name already in use.'),
    );
    ec2.on(DescribeLaunchTemplatesCommand).resolves({
      LaunchTemplates: [{ LaunchTemplateId: 'lt-0old', LaunchTemplateName: 'imds-guard-web-lc', Tags: [{ Key: 'imds-guard:source-launch-configuration', Value: 'web-lc' }] }],
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [{ VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } }],
    });
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(outcome!.message).toContain('reused launch template imds-guard-web-lc (lt-0old)');
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)[0]!.args[0].input.LaunchTemplate).toEqual({ LaunchTemplateId: 'lt-0old', Version: '$Default' });
  });

  it('refuses a same-named template that is not ours', async () => {
    ec2.on(CreateLaunchTemplateCommand).rejects(ec2Error('InvalidLaunchTemplateName.AlreadyExistsException', 'in use'));
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-0theirs', Tags: [] }] });
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('a group that cannot be moved fails the outcome with the error', async () => {
    ec2.on(CreateLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: 'lt-0new' } });
    autoScaling.on(UpdateAutoScalingGroupCommand, { AutoScalingGroupName: 'api-asg' }).rejects(new Error('ScalingActivityInProgress'));
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome!.message).toContain('could not move: api-asg');
    expect(outcome!.message).toContain('moved web-asg');
  });

  it('deletes a superseded configuration only on request, and never one a group uses again (issue 12)', async () => {
    autoScaling.on(DeleteLaunchConfigurationCommand).resolves({});
    const superseded = configurationSubject({ name: 'idle-lc', ref: { ...configurationSubject().ref, id: 'idle-lc' }, supersededBy: { id: 'lt-0new', name: 'imds-guard-idle-lc' }, usedBy: [] });
    const off = planFor(superseded, policy());
    expect(off).toMatchObject({ action: 'none', execute: false });
    expect(off.summary).toContain('superseded by launch template imds-guard-idle-lc (lt-0new); delete the configuration to clear AutoScaling.3');
    // Created before the cut-off: imds-guard cannot tell whether the account can create one again.
    const unsure = planFor(superseded, policy({ deleteSuperseded: 'true' }));
    expect(unsure).toMatchObject({ action: 'delete-launch-configuration', execute: false });
    expect(unsure.gates.filter((g) => !g.passed).map((g) => g.gate)).toEqual(['recreatable']);
    const confirmed = planFor(superseded, policy({ deleteSuperseded: 'even-if-unrecreatable' }));
    expect(confirmed.execute).toBe(true);
    const [outcome] = await remediate([confirmed], deps(policy()));
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(autoScaling.commandCalls(DeleteLaunchConfigurationCommand).map((c) => c.args[0].input)).toEqual([{ LaunchConfigurationName: 'idle-lc' }]);
    // Made after 2024-10-01: the account can still create launch configurations, so `true` is enough.
    expect(planFor({ ...superseded, createdTime: new Date('2025-02-01T00:00:00Z') }, policy({ deleteSuperseded: 'true' })).execute).toBe(true);
    // A group launches from it again by the time of the call: refused, nothing deleted.
    const used = { ...confirmed, ref: { ...confirmed.ref, id: 'web-lc' } };
    const [refused] = await remediate([used], deps(policy()));
    expect(refused).toMatchObject({ status: 'skipped' });
    expect(refused!.message).toContain('used again by web-asg, api-asg');
    expect(autoScaling.commandCalls(DeleteLaunchConfigurationCommand)).toHaveLength(1);
  });
});

describe('account defaults', () => {
  it('HttpTokens=required, other fields kept, no HttpTokensEnforced by default', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand)
      .resolvesOnce({ AccountLevel: { HttpPutResponseHopLimit: 2, InstanceMetadataTags: 'enabled' } })
      .resolves({ AccountLevel: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const [outcome] = await remediate([planFor(accountSubject(), policy())], deps(policy()));
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]!.args[0].input).toEqual({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
      InstanceMetadataTags: 'enabled',
    });
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'COMPLIANT' });
  });

  it('HttpTokensEnforced=enabled only when the policy enables it', async () => {
    const p = policy({ enforceAccountDefault: true });
    ec2.on(GetInstanceMetadataDefaultsCommand)
      .resolvesOnce({ AccountLevel: {} })
      .resolves({ AccountLevel: { HttpTokens: 'required', HttpTokensEnforced: 'enabled' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    await remediate([planFor(accountSubject(), p)], deps(p));
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]!.args[0].input).toEqual({
      HttpTokens: 'required',
      HttpTokensEnforced: 'enabled',
    });
  });

  it('defaults managed by a declarative policy are left alone', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { ManagedBy: 'declarative-policy' } });
    const [outcome] = await remediate([planFor(accountSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(writes()).toEqual([]);
  });
});
