/** Migrating a launch configuration (shared/kinds/launch-configuration/remedy.ts), through the remediator. */
import {
  DeleteLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import { evaluate } from '../../../shared/engine/evaluate.js';
import { templateClientToken } from '../../../shared/kinds/launch-configuration/remedy.js';
import type { ResourceRef } from '../../../shared/model.js';
import { annotationFor } from '../../../shared/sinks/securityhub.js';
import { planFor, remediationHarness } from '../../act/harness.js';
import { awsError, ec2Error } from '../../support/aws-errors.js';
import { configurationSubject, policy } from '../../act/helpers.js';

const { ec2, autoScaling, deps } = remediationHarness();

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
    // The configuration itself still allows IMDSv1, so no "verified compliant"; the outcome says it is superseded.
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
    autoScaling.on(UpdateAutoScalingGroupCommand, { AutoScalingGroupName: 'api-asg' }).rejects(
      awsError('AutoScaling', 'ScalingActivityInProgress', 'Scaling activity 8f2c4e1a-7b3d-4c59-9e0a-1d2b3c4d5e6f is in progress and blocks this action.'),
    );
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome!.message).toContain('could not move: api-asg');
    expect(outcome!.message).toContain('moved web-asg');
  });

  it('deletes a superseded configuration only on request, and never one a group uses again', async () => {
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
