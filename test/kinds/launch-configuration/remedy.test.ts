/** Migrating a launch configuration (shared/kinds/launch-configuration/remedy.ts), through the remediator. */
import {
  DeleteLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import { evaluate } from '../../../shared/engine/evaluate.js';
import { launchConfigurationRemedy, templateClientToken } from '../../../shared/kinds/launch-configuration/remedy.js';
import type { ResourceRef } from '../../../shared/model.js';
import { annotationFor } from '../../../shared/sinks/securityhub.js';
import { planFor, remediationHarness } from '../../act/harness.js';
import { awsError, ec2Error, timeoutError } from '../../support/aws-errors.js';
import { configurationSubject, policy } from '../../act/helpers.js';

const { ec2, autoScaling, deps } = remediationHarness();


/** The message of a migration of web-lc (default policy) that failed, asserting that it failed. */
async function failedMigrationMessage(): Promise<string> {
  const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
  expect(outcome).toMatchObject({ status: 'failed' });
  return outcome!.message;
}
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
    const message = await failedMigrationMessage();
    expect(message).toContain('with HttpTokens=required; moved web-asg to it ($Default); could not move: api-asg (');
    expect(message).toContain('; launch configuration web-lc is still in use');
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

describe('launch configuration: what is written to AWS and what the outcome says', () => {
  const lc = {
    LaunchConfigurationName: 'web-lc',
    ImageId: 'ami-0123456789abcdef0',
    InstanceType: 't3.micro',
    SecurityGroups: ['sg-0aaa'],
    CreatedTime: new Date('2020-01-01T00:00:00Z'),
    MetadataOptions: { HttpTokens: 'optional' as const, HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' as const },
  };
  const usedBy = (...names: string[]) => names.map((n) => ({ AutoScalingGroupName: n, LaunchConfigurationName: 'web-lc' }));
  const alreadyExists = () => ec2Error('InvalidLaunchTemplateName.AlreadyExistsException', 'Launch template name already in use.');
  const ours = { LaunchTemplateId: 'lt-0old', LaunchTemplateName: 'imds-guard-web-lc', Tags: [{ Key: 'imds-guard:source-launch-configuration', Value: 'web-lc' }] };
  const requiredDefault = { LaunchTemplateVersions: [{ VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' as const } } }] };

  beforeEach(() => {
    autoScaling.on(DescribeLaunchConfigurationsCommand).resolves({ LaunchConfigurations: [lc] });
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: usedBy('web-asg', 'api-asg') as never });
    autoScaling.on(UpdateAutoScalingGroupCommand).resolves({});
    ec2.on(CreateLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: 'lt-0new', LaunchTemplateName: 'imds-guard-web-lc' } });
  });

  it('the client token is the same for the same configuration, differs between configurations, and fits AWS (ASCII, at most 64 characters)', () => {
    const token = templateClientToken('web-lc');
    expect(token).toBe(templateClientToken('web-lc'));
    expect(token).not.toBe(templateClientToken('api-lc'));
    expect(token).toMatch(/^imds-guard-lc-[0-9a-f]{48}$/);
    expect(templateClientToken('x'.repeat(255)).length).toBeLessThanOrEqual(64);
  });

  it('reads the named configuration, then creates the template tagged with its source and as managed, then moves the groups', async () => {
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(autoScaling.commandCalls(DescribeLaunchConfigurationsCommand)[0]!.args[0].input).toEqual({ LaunchConfigurationNames: ['web-lc'] });
    const create = ec2.commandCalls(CreateLaunchTemplateCommand)[0]!.args[0].input;
    expect(create.VersionDescription).toBe('imds-guard: from launch configuration web-lc, IMDSv2 required');
    expect(create.ClientToken).toMatch(/^imds-guard-lc-[0-9a-f]{48}$/);
    expect(create.TagSpecifications).toEqual([
      {
        ResourceType: 'launch-template',
        Tags: [
          { Key: 'imds-guard:source-launch-configuration', Value: 'web-lc' },
          { Key: 'imds-guard:managed', Value: 'true' },
        ],
      },
    ]);
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand)).toHaveLength(0);
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(outcome!.message).toContain(
      'created launch template imds-guard-web-lc (lt-0new) equivalent to launch configuration web-lc with HttpTokens=required; moved web-asg, api-asg to it ($Default); launch configuration web-lc is kept',
    );
  });

  it('keeps the version description within the 255 characters AWS accepts for a configuration with a long name', async () => {
    const name = `lc-${'x'.repeat(250)}`;
    autoScaling.on(DescribeLaunchConfigurationsCommand).resolves({ LaunchConfigurations: [{ ...lc, LaunchConfigurationName: name }] });
    await remediate([planFor(configurationSubject({ name, ref: { ...configurationSubject().ref, id: name } }), policy())], deps(policy()));
    const description = ec2.commandCalls(CreateLaunchTemplateCommand)[0]!.args[0].input.VersionDescription!;
    expect(description.length).toBe(255);
    expect(description).toMatch(/^imds-guard: from launch configuration lc-x+$/);
  });

  it('lowers the hop limit in the new template when the plan lowers it', async () => {
    autoScaling.on(DescribeLaunchConfigurationsCommand).resolves({ LaunchConfigurations: [{ ...lc, MetadataOptions: { ...lc.MetadataOptions, HttpPutResponseHopLimit: 3 } }] });
    const subject = configurationSubject({ metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 3, httpEndpoint: 'enabled' } });
    const plan = planFor(subject, policy({ lowerHopLimit: true }));
    expect(plan.target?.httpPutResponseHopLimit).toBe(2);
    await remediate([plan], deps(policy({ lowerHopLimit: true })));
    expect(ec2.commandCalls(CreateLaunchTemplateCommand)[0]!.args[0].input.LaunchTemplateData!.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' });
  });

  it('keeps a hop limit above the ceiling when lowering is off', async () => {
    autoScaling.on(DescribeLaunchConfigurationsCommand).resolves({ LaunchConfigurations: [{ ...lc, MetadataOptions: { ...lc.MetadataOptions, HttpPutResponseHopLimit: 3 } }] });
    const subject = configurationSubject({ metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 3, httpEndpoint: 'enabled' } });
    await remediate([planFor(subject, policy())], deps(policy()));
    expect(ec2.commandCalls(CreateLaunchTemplateCommand)[0]!.args[0].input.LaunchTemplateData!.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled' });
  });

  it.each([
    ['an empty list', { LaunchConfigurations: [] }],
    ['no list', {}],
  ])('fails, creating nothing, when the configuration is gone (%s)', async (_, answer) => {
    autoScaling.on(DescribeLaunchConfigurationsCommand).resolves(answer);
    expect(await failedMigrationMessage()).toContain('launch configuration web-lc no longer exists');
    expect(ec2.commandCalls(CreateLaunchTemplateCommand)).toHaveLength(0);
  });

  it.each([
    ['no launch template', {}],
    ['a launch template without an id', { LaunchTemplate: { LaunchTemplateName: 'imds-guard-web-lc' } }],
  ])('fails, moving no group, when CreateLaunchTemplate answers %s', async (_, answer) => {
    ec2.on(CreateLaunchTemplateCommand).resolves(answer);
    expect(await failedMigrationMessage()).toContain('CreateLaunchTemplate returned no launch template id');
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('fails with the error, looking for no existing template, when CreateLaunchTemplate fails otherwise', async () => {
    ec2.on(CreateLaunchTemplateCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    expect(await failedMigrationMessage()).toContain('UnauthorizedOperation');
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand)).toHaveLength(0);
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('a CreateLaunchTemplate that timed out is a failure, not a template that already exists', async () => {
    ec2.on(CreateLaunchTemplateCommand).rejects(timeoutError('request', 30000, 3));
    expect(await failedMigrationMessage()).toContain('TimeoutError: no answer within the request timeout');
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand)).toHaveLength(0);
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('looks the existing template up by name and checks its default version, among other tags', async () => {
    ec2.on(CreateLaunchTemplateCommand).rejects(alreadyExists());
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ ...ours, Tags: [{ Key: 'imds-guard:managed', Value: 'true' }, ...ours.Tags] }] });
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(requiredDefault);
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand).map((c) => c.args[0].input)).toEqual([{ LaunchTemplateNames: ['imds-guard-web-lc'] }]);
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand).map((c) => c.args[0].input)).toEqual([{ LaunchTemplateId: 'lt-0old', Versions: ['$Default'] }]);
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(outcome!.message).toContain('reused launch template imds-guard-web-lc (lt-0old)');
    expect(outcome!.message).not.toContain('created');
  });

  it('reusing the template with no group to move changes nothing and says so', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    ec2.on(CreateLaunchTemplateCommand).rejects(alreadyExists());
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [ours] });
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(requiredDefault);
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome!.message).toMatch(/^Nothing changed: reused launch template imds-guard-web-lc \(lt-0old\).*; no Auto Scaling group used the configuration; launch configuration web-lc is kept/);
  });

  it('a template created with no group to move is a change, and the outcome says no group used the configuration', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(outcome!.message).toContain('created launch template imds-guard-web-lc (lt-0new)');
    expect(outcome!.message).toContain('no Auto Scaling group used the configuration');
    expect(outcome!.message).not.toContain('moved');
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it.each([
    ['no LaunchTemplates list', {}],
    ['an empty list', { LaunchTemplates: [] }],
    ['a template without an id', { LaunchTemplates: [{ LaunchTemplateName: 'imds-guard-web-lc' }] }],
  ])('fails when the existing template cannot be described (%s)', async (_, answer) => {
    ec2.on(CreateLaunchTemplateCommand).rejects(alreadyExists());
    ec2.on(DescribeLaunchTemplatesCommand).resolves(answer);
    expect(await failedMigrationMessage()).toContain('launch template imds-guard-web-lc exists but could not be described');
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it.each([
    ['no tags', { LaunchTemplateId: 'lt-0theirs' }],
    ['another source', { LaunchTemplateId: 'lt-0theirs', Tags: [{ Key: 'imds-guard:source-launch-configuration', Value: 'api-lc' }] }],
    ['the name as another tag', { LaunchTemplateId: 'lt-0theirs', Tags: [{ Key: 'Name', Value: 'web-lc' }] }],
  ])('refuses a same-named template that imds-guard did not make from this configuration (%s)', async (_, template) => {
    ec2.on(CreateLaunchTemplateCommand).rejects(alreadyExists());
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [template] });
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome!.message).toContain('a launch template named imds-guard-web-lc already exists and was not made by imds-guard from web-lc');
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)).toHaveLength(0);
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it.each([
    ['no versions list', {}],
    ['no version', { LaunchTemplateVersions: [] }],
    ['a version without data', { LaunchTemplateVersions: [{ VersionNumber: 2 }] }],
    ['no metadata options', { LaunchTemplateVersions: [{ VersionNumber: 2, LaunchTemplateData: {} }] }],
    ['HttpTokens optional', { LaunchTemplateVersions: [{ VersionNumber: 2, LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional' as const } } }] }],
  ])('refuses to reuse its own template whose default version no longer requires IMDSv2 (%s)', async (_, versions) => {
    ec2.on(CreateLaunchTemplateCommand).rejects(alreadyExists());
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [ours] });
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(versions);
    const [outcome] = await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome!.message).toContain('launch template imds-guard-web-lc, made earlier by imds-guard, no longer requires IMDSv2 by default; not reusing it');
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('when no group can be moved, the failure names each and claims no move', async () => {
    autoScaling.on(UpdateAutoScalingGroupCommand).rejects(
      awsError('AutoScaling', 'ScalingActivityInProgress', 'Scaling activity 8f2c4e1a-7b3d-4c59-9e0a-1d2b3c4d5e6f is in progress and blocks this action.'),
    );
    const [outcome] = await remediate([planFor(configurationSubject(), policy({ instanceRefresh: true }))], deps(policy({ instanceRefresh: true })));
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome!.message).toMatch(
      /created launch template imds-guard-web-lc \(lt-0new\) equivalent to launch configuration web-lc with HttpTokens=required; could not move: web-asg \(.*ScalingActivityInProgress.*\), api-asg \(.*\); launch configuration web-lc is still in use$/,
    );
    expect(outcome!.message).not.toContain('moved');
    expect(autoScaling.commandCalls(StartInstanceRefreshCommand)).toHaveLength(0);
  });

  it('starts an instance refresh on the moved groups only when the policy asks for it', async () => {
    autoScaling.on(UpdateAutoScalingGroupCommand, { AutoScalingGroupName: 'api-asg' }).rejects(
      awsError('AutoScaling', 'ScalingActivityInProgress', 'Scaling activity 8f2c4e1a-7b3d-4c59-9e0a-1d2b3c4d5e6f is in progress and blocks this action.'),
    );
    autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'ir-0001' });
    await remediate([planFor(configurationSubject(), policy())], deps(policy()));
    expect(autoScaling.commandCalls(StartInstanceRefreshCommand)).toHaveLength(0);

    autoScaling.on(UpdateAutoScalingGroupCommand).resolves({});
    const [outcome] = await remediate([planFor(configurationSubject(), policy({ instanceRefresh: true }))], deps(policy({ instanceRefresh: true })));
    expect(autoScaling.commandCalls(StartInstanceRefreshCommand).map((c) => c.args[0].input.AutoScalingGroupName)).toEqual(['web-asg', 'api-asg']);
    expect(outcome!.message).toContain('moved web-asg, api-asg to it ($Default); instance refresh ir-0001 started on web-asg; instance refresh ir-0001 started on api-asg');
  });

  it('deleting a superseded configuration reports it compliant and says which template superseded it', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    autoScaling.on(DeleteLaunchConfigurationCommand).resolves({});
    const superseded = configurationSubject({ supersededBy: { id: 'lt-0new', name: 'imds-guard-web-lc' }, usedBy: [] });
    const plan = planFor(superseded, policy({ deleteSuperseded: 'even-if-unrecreatable' }));
    const [outcome] = await remediate([plan], deps(policy()));
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'COMPLIANT' });
    expect(outcome!.message).toContain(
      'deleted launch configuration web-lc (superseded by launch template imds-guard-web-lc (lt-0new); delete the configuration to clear AutoScaling.3); AutoScaling.3 clears as its finding is archived',
    );
    expect(ec2.commandCalls(CreateLaunchTemplateCommand)).toHaveLength(0);
  });
});

describe('launch configuration: the IAM statements of its remedy', () => {
  const statements = launchConfigurationRemedy.permissions;
  const granting = (action: string) => statements.filter((s) => s.actions.includes(action));
  const actionOf = (service: string, command: { constructor: { name: string } }) => `${service}:${command.constructor.name.replace(/Command$/, '')}`;

  it('grant every call a migration, a reuse and a deletion make', async () => {
    const lc = { LaunchConfigurationName: 'web-lc', ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro', CreatedTime: new Date('2020-01-01T00:00:00Z') };
    autoScaling.on(DescribeLaunchConfigurationsCommand).resolves({ LaunchConfigurations: [lc] });
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'web-asg', LaunchConfigurationName: 'web-lc' }] as never });
    autoScaling.on(UpdateAutoScalingGroupCommand).resolves({});
    autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'ir-0001' });
    autoScaling.on(DeleteLaunchConfigurationCommand).resolves({});
    ec2.on(CreateLaunchTemplateCommand).rejects(ec2Error('InvalidLaunchTemplateName.AlreadyExistsException', 'Launch template name already in use.'));
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-0old', Tags: [{ Key: 'imds-guard:source-launch-configuration', Value: 'web-lc' }] }] });
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [{ LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } }] });
    const refresh = policy({ instanceRefresh: true });
    const [migrated] = await remediate([planFor(configurationSubject(), refresh)], deps(refresh));
    expect(migrated).toMatchObject({ status: 'remediated' });
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    const deletion = planFor(configurationSubject({ supersededBy: { id: 'lt-0old', name: 'imds-guard-web-lc' }, usedBy: [] }), policy({ deleteSuperseded: 'even-if-unrecreatable' }));
    const [deleted] = await remediate([deletion], deps(policy()));
    expect(deleted).toMatchObject({ status: 'remediated' });

    const called = new Set([
      ...ec2.calls().map((c) => actionOf('ec2', c.args[0] as never)),
      ...autoScaling.calls().map((c) => actionOf('autoscaling', c.args[0] as never)),
    ]);
    expect([...called].sort()).toEqual([
      'autoscaling:DeleteLaunchConfiguration',
      'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:DescribeLaunchConfigurations',
      'autoscaling:StartInstanceRefresh',
      'autoscaling:UpdateAutoScalingGroup',
      'ec2:CreateLaunchTemplate',
      'ec2:DescribeLaunchTemplateVersions',
      'ec2:DescribeLaunchTemplates',
    ]);
    // Tags on the new template are authorised as ec2:CreateTags; moving a group, as launching from the template.
    for (const action of [...called, 'ec2:CreateTags', 'ec2:RunInstances', 'iam:PassRole']) expect(granting(action), action).not.toHaveLength(0);
  });

  it('scope each write to its resource type, and a Describe call to `*` only', () => {
    for (const action of ['autoscaling:DescribeLaunchConfigurations', 'ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions']) {
      expect(granting(action).flatMap((s) => s.resources), action).toEqual(['*']);
    }
    expect(granting('ec2:CreateLaunchTemplate').flatMap((s) => s.resources)).toEqual(['arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:launch-template/*']);
    expect(granting('ec2:CreateTags')).toEqual([
      expect.objectContaining({
        resources: ['arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:launch-template/*'],
        condition: { StringEquals: { 'ec2:CreateAction': ['CreateLaunchTemplate'] } },
      }),
    ]);
    expect(granting('autoscaling:DeleteLaunchConfiguration').flatMap((s) => s.resources)).toEqual([
      'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:launchConfiguration:*:launchConfigurationName/*',
    ]);
  });

  it('give every statement its own Sid and every wildcard a reason', () => {
    const sids = statements.map((s) => s.sid);
    expect(sids.every((sid) => /^[A-Za-z0-9]+$/.test(sid))).toBe(true);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of statements.filter((st) => st.resources.some((r) => r.endsWith('*')))) expect(s.reason?.trim(), s.sid).toBeTruthy();
  });
});
