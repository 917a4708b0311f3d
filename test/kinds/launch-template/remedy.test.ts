/** Fixing a launch template (shared/kinds/launch-template/remedy.ts), through the remediator. */
import { DescribeAutoScalingGroupsCommand, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import type { TemplateUse } from '../../../shared/act/groups.js';
import { ActionRefused, type ActContext } from '../../../shared/act/types.js';
import { GROUP_ACT_PERMISSIONS } from '../../../shared/act/groups-iam.js';
import { fixedMetadataOptions, fixLaunchTemplate, launchTemplateRemedy, versionClientToken } from '../../../shared/kinds/launch-template/remedy.js';
import type { Plan } from '../../../shared/verdict.js';
import { clearedPlan } from '../../support/subjects.js';
import { planFor, remediationHarness } from '../../act/harness.js';
import { policy, ref, templateSubject } from '../../act/helpers.js';

const { clients, ec2, autoScaling, writes, deps } = remediationHarness();

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
    expect(versionClientToken(`lt-${'0'.repeat(200)}`, 3)).toHaveLength(128);
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

  it('finds a group that names the template only (no id) and reports it', async () => {
    templateMocks();
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [{ AutoScalingGroupName: 'named-asg', LaunchTemplate: { LaunchTemplateName: 'web', Version: '$Default' } }] as never,
    });
    const [outcome] = await remediate([planFor(templateSubject(), policy())], deps(policy()));
    expect(outcome!.message).toContain('groups picking up the fix: named-asg ($Default)');
  });

  /** fixLaunchTemplate itself, with the groups using the template given. */
  describe('fixLaunchTemplate', () => {
    const context = (uses: TemplateUse[] = [], extra: Partial<ActContext> = {}): ActContext => ({
      clients,
      policy: policy(),
      groups: { usingLaunchTemplate: async () => uses, usingLaunchConfiguration: async () => [] },
      actor: 'imds-guard (enforce mode)',
      ...extra,
    });
    const planOf = (extra: Partial<Plan> = {}): Plan => clearedPlan(ref('launch-template', TEMPLATE), 'new-launch-template-version', extra);
    const created = () => ec2.commandCalls(CreateLaunchTemplateVersionCommand).map((c) => c.args[0].input);
    const CREATED = 'created version 4 of web from version 3 with HttpTokens=required and made it the default';

    it('no group: the message says so, and nothing else', async () => {
      templateMocks();
      const result = await fixLaunchTemplate(planOf(), context());
      expect(result).toEqual({ changed: true, verified: 'COMPLIANT', message: `${CREATED}; no Auto Scaling group uses it` });
    });

    it('names every following and every pinned group, each list once', async () => {
      templateMocks();
      const uses: TemplateUse[] = [
        { group: 'a-asg', version: '$Default', mixed: false },
        { group: 'b-asg', version: '$Latest', mixed: false },
        { group: 'c-asg', version: '2', mixed: false },
        { group: 'd-asg', version: '1', mixed: false },
      ];
      const result = await fixLaunchTemplate(planOf(), context(uses));
      expect(result.message).toBe(
        `${CREATED}; groups picking up the fix: a-asg ($Default), b-asg ($Latest); ` +
          'groups pinned to a version, NOT picking up the fix until set to $Default: c-asg (version 2), d-asg (version 1)',
      );
    });

    it('only pinned groups: nothing claims a group picks the fix up, and no refresh is started', async () => {
      templateMocks();
      const result = await fixLaunchTemplate(planOf(), context([{ group: 'c-asg', version: '2', mixed: false }], { policy: policy({ instanceRefresh: true }) }));
      expect(result.message).toBe(`${CREATED}; groups pinned to a version, NOT picking up the fix until set to $Default: c-asg (version 2)`);
      expect(autoScaling.commandCalls(StartInstanceRefreshCommand)).toHaveLength(0);
    });

    it('only following groups: none is called pinned', async () => {
      templateMocks();
      const result = await fixLaunchTemplate(planOf(), context([{ group: 'a-asg', version: '$Default', mixed: false }]));
      expect(result.message).toBe(`${CREATED}; groups picking up the fix: a-asg ($Default)`);
    });

    it('copies the version marked default wherever it is in the answer, and refuses when $Latest is ahead and followed', async () => {
      const latest = { ...defaultVersion, VersionNumber: 5, DefaultVersion: false };
      templateMocks([latest, defaultVersion]);
      const refusal = fixLaunchTemplate(planOf(), context([{ group: 'b-asg', version: '$Latest', mixed: false }, { group: 'e-asg', version: '$Latest', mixed: false }]));
      await expect(refusal).rejects.toBeInstanceOf(ActionRefused);
      await expect(refusal).rejects.toThrow(
        new ActionRefused(
          'groups b-asg, e-asg follow $Latest (version 5), which differs from the default (version 3); a fixed copy of the default ' +
            'would change what they launch. Fix version 5 or make it the default first',
        ),
      );
      expect(writes()).toEqual([]);

      ec2.resetHistory();
      await fixLaunchTemplate(planOf(), context([{ group: 'a-asg', version: '$Default', mixed: false }, { group: 'c-asg', version: '2', mixed: false }]));
      expect(created()).toMatchObject([{ SourceVersion: '3' }]);
    });

    it('a template without a default version, or one without a number, fails before anything is written', async () => {
      templateMocks([]);
      await expect(fixLaunchTemplate(planOf(), context())).rejects.toThrow(`launch template ${TEMPLATE} has no default version`);
      templateMocks([{ ...defaultVersion, VersionNumber: undefined }]);
      await expect(fixLaunchTemplate(planOf(), context())).rejects.toThrow('has no default version');
      ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({});
      await expect(fixLaunchTemplate(planOf(), context())).rejects.toThrow('has no default version');
      expect(writes()).toEqual([]);
    });

    it('a default already requiring IMDSv2 with the hop limit it has is left alone; a hop limit to lower is not', async () => {
      const required = (hop: number) => ({
        ...defaultVersion,
        LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' as const, HttpPutResponseHopLimit: hop } },
      });
      templateMocks([required(2)]);
      const kept = await fixLaunchTemplate(planOf(), context([{ group: 'a-asg', version: '$Default', mixed: false }]));
      expect(kept).toEqual({
        changed: false,
        verified: 'COMPLIANT',
        message: 'default version 3 of web already requires IMDSv2 (nothing created); groups picking up the fix: a-asg ($Default)',
      });
      const lowered = planOf({ target: { httpPutResponseHopLimit: 2 } });
      expect(await fixLaunchTemplate(lowered, context())).toMatchObject({ changed: false });
      expect(writes()).toEqual([]);

      templateMocks([required(5)]);
      expect(await fixLaunchTemplate(lowered, context())).toMatchObject({ changed: true, verified: 'COMPLIANT' });
      expect(created()).toMatchObject([{ LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } } }]);
    });

    it('a default without a name is named by its id', async () => {
      templateMocks([{ ...defaultVersion, LaunchTemplateName: undefined, LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } }]);
      expect((await fixLaunchTemplate(planOf(), context())).message).toContain(`default version 3 of ${TEMPLATE} already requires IMDSv2`);
    });

    it('a plan without a target and a source without block devices or options: HttpTokens=required only', async () => {
      templateMocks([{ ...defaultVersion, LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0' } }]);
      await fixLaunchTemplate(planOf({ target: undefined }), context());
      expect(created()[0]!.LaunchTemplateData).toEqual({ MetadataOptions: { HttpTokens: 'required' } });
    });

    it('sends instance-store and suppressed mappings back as they are', async () => {
      const mappings = [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', VolumeSize: 30 } },
        { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
        { DeviceName: '/dev/sdc', NoDevice: '' },
      ];
      templateMocks([{ ...defaultVersion, LaunchTemplateData: { ...defaultVersion.LaunchTemplateData, BlockDeviceMappings: mappings } }]);
      await fixLaunchTemplate(planOf(), context());
      expect(created()[0]!.LaunchTemplateData!.BlockDeviceMappings).toEqual(mappings);
    });

    it('a created version without a number fails before anything is made the default', async () => {
      templateMocks();
      ec2.on(CreateLaunchTemplateVersionCommand).resolves({});
      await expect(fixLaunchTemplate(planOf(), context())).rejects.toThrow('CreateLaunchTemplateVersion returned no version number');
      expect(writes()).toEqual(['CreateLaunchTemplateVersion']);
    });

    it('checks the default afterwards: only the new version requiring IMDSv2 counts as compliant', async () => {
      const check = (versions: LaunchTemplateVersion[]) => {
        templateMocks();
        ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: TEMPLATE, Versions: ['$Default'] }).resolves({ LaunchTemplateVersions: versions });
        return fixLaunchTemplate(planOf(), context());
      };
      const required = { MetadataOptions: { HttpTokens: 'required' as const } };
      expect(await check([{ VersionNumber: 4, LaunchTemplateData: required }])).toMatchObject({ verified: 'COMPLIANT' });
      expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand).at(-1)!.args[0].input).toEqual({ LaunchTemplateId: TEMPLATE, Versions: ['$Default'] });
      expect(await check([])).toMatchObject({ changed: true, verified: 'NON_COMPLIANT' });
      expect(await check([{ VersionNumber: 3, LaunchTemplateData: required }])).toMatchObject({ verified: 'NON_COMPLIANT' });
      expect(await check([{ VersionNumber: 4, LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional' } } }])).toMatchObject({ verified: 'NON_COMPLIANT' });
      expect(await check([{ VersionNumber: 4, LaunchTemplateData: {} }])).toMatchObject({ verified: 'NON_COMPLIANT' });
      expect(await check([{ VersionNumber: 4 }])).toMatchObject({ verified: 'NON_COMPLIANT' });
      templateMocks();
      ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: TEMPLATE, Versions: ['$Default'] }).resolves({});
      expect(await fixLaunchTemplate(planOf(), context())).toMatchObject({ changed: true, verified: 'NON_COMPLIANT' });
    });

    it('reports each group refresh after the change', async () => {
      templateMocks();
      autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
      const result = await fixLaunchTemplate(planOf(), context([{ group: 'a-asg', version: '$Default', mixed: false }], { policy: policy({ instanceRefresh: true }) }));
      expect(result.message).toBe(`${CREATED}; groups picking up the fix: a-asg ($Default); instance refresh r-1 started on a-asg`);
    });
  });

  it('fixedMetadataOptions of no source options: HttpTokens=required, nothing else', () => {
    expect(fixedMetadataOptions(undefined)).toEqual({ HttpTokens: 'required' });
    expect(fixedMetadataOptions(undefined, 1)).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
  });

  it('its IAM grant reads any template version, and creates and sets default versions on templates of this account and Region', () => {
    expect(launchTemplateRemedy.permissions).toEqual([
      { sid: 'ReadTemplateVersions', actions: ['ec2:DescribeLaunchTemplateVersions'], resources: ['*'], reason: expect.stringContaining('no resource') },
      {
        sid: 'FixLaunchTemplates',
        actions: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
        resources: ['arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:launch-template/*'],
        reason: expect.stringContaining('known only at run time'),
      },
      ...GROUP_ACT_PERMISSIONS.refresh,
    ]);
  });
});
