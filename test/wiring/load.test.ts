import { type AutoScalingGroup, DescribeAutoScalingGroupsCommand, DescribeLaunchConfigurationsCommand, type DescribeLaunchConfigurationsCommandInput } from '@aws-sdk/client-auto-scaling';
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  GetInstanceMetadataDefaultsCommand,
} from '@aws-sdk/client-ec2';
import type { DescribeInstancesCommandInput, DescribeInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { createLoader } from '../../shared/wiring/load.js';
import type { LaunchTemplateSubject } from '../../shared/kinds/launch-template/subject.js';
import type { ResourceKind, ResourceRef } from '../../shared/model.js';
import { apiFixture, instance, instanceIds, mockedClients, SCOPE } from '../aws/helpers.js';
import { instance as instanceSubject, launchConfiguration, launchTemplate } from '../support/subjects.js';
import { ec2Error } from '../support/aws-errors.js';

const { clients, ec2, autoScaling } = mockedClients();

const ref = (kind: ResourceKind, id: string): ResourceRef => ({ kind, id, ...SCOPE });

/** A loader whose waits are recorded instead of slept. */
function loader(options: Parameters<typeof createLoader>[1] = {}) {
  const slept: number[] = [];
  const l = createLoader(clients, { sleep: async (ms) => void slept.push(ms), ...options });
  return { load: l.load, slept };
}

/** DescribeInstances for known ids; unknown ones fail the call like EC2 does. */
function knownInstances(known: ReadonlySet<string>) {
  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    const ids = input.InstanceIds ?? [];
    const bad = ids.filter((id) => !known.has(id));
    if (bad.length) throw ec2Error('InvalidInstanceID.NotFound', `The instance IDs '${bad.join(', ')}' do not exist`);
    return { Reservations: [{ Instances: ids.map((id) => instance(id)) }] };
  });
}

describe('instances', () => {
  it('loads one subject per distinct ref, in order, with the refs as given', async () => {
    const ids = instanceIds(3);
    knownInstances(new Set(ids));
    const { load } = loader();
    const subjects = await load([ref('instance', ids[2]!), ref('instance', ids[0]!), ref('instance', ids[2]!), ref('instance', ids[1]!)]);
    expect(subjects.map((s) => [s.kind, s.ref.id])).toEqual([
      ['instance', ids[2]],
      ['instance', ids[0]],
      ['instance', ids[1]],
    ]);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: [ids[2], ids[0], ids[1]] });
  });

  it('an unknown id among 10: the other 9 load, the unknown one is missing after the retries', async () => {
    const ids = instanceIds(10);
    const unknown = ids[3]!;
    knownInstances(new Set(ids.filter((id) => id !== unknown)));
    const { load, slept } = loader();
    const subjects = await load(ids.map((id) => ref('instance', id)));
    expect(subjects).toHaveLength(10);
    expect(subjects.filter((s) => s.kind === 'instance')).toHaveLength(9);
    expect(subjects[3]).toEqual({ kind: 'missing', ref: ref('instance', unknown) });
    expect(slept).toEqual([1000, 2000]);
    // 1st attempt: 10 ids fail + 9 ok; 2nd and 3rd attempts: only the unknown id.
    const calls = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.InstanceIds);
    expect(calls).toEqual([ids, ids.filter((id) => id !== unknown), [unknown], [unknown]]);
  });

  it('finds an instance that is not visible yet on the 2nd attempt', async () => {
    const [fresh] = instanceIds(1);
    ec2
      .on(DescribeInstancesCommand)
      .rejectsOnce(ec2Error('InvalidInstanceID.NotFound', `The instance ID '${fresh}' does not exist`))
      .resolves({ Reservations: [{ Instances: [instance(fresh!, { State: { Code: 0, Name: 'pending' } })] }] });
    const { load, slept } = loader();
    const [subject] = await load([ref('instance', fresh!)]);
    expect(subject).toMatchObject({ kind: 'instance', state: 'pending', ref: ref('instance', fresh!) });
    expect(slept).toEqual([1000]);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
  });

  it('does not retry a malformed id', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.Malformed', 'Invalid id: "web-1"'));
    const { load, slept } = loader();
    expect(await load([ref('instance', 'web-1')])).toEqual([{ kind: 'missing', ref: ref('instance', 'web-1') }]);
    expect(slept).toEqual([]);
  });

  it('returns terminated instances as subjects', async () => {
    ec2.on(DescribeInstancesCommand).resolves(apiFixture<DescribeInstancesCommandOutput>('ec2/describe-instances.json'));
    const { load } = loader();
    const [subject] = await load([ref('instance', 'i-0aaaabbbbccccdddd')]);
    expect(subject).toMatchObject({ kind: 'instance', state: 'terminated' });
  });

  it('propagates errors that are not "not found"', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const { load } = loader();
    await expect(load([ref('instance', instanceIds(1)[0]!)])).rejects.toThrow(/DescribeInstances .* UnauthorizedOperation/);
  });

  it('refuses refs of another region', async () => {
    const { load } = loader();
    await expect(load([{ kind: 'instance', id: 'i-0123456789abcdef0', account: SCOPE.account, region: 'eu-west-1' }])).rejects.toThrow(
      /region us-east-1 .* eu-west-1/,
    );
  });
});

describe('launch templates', () => {
  const template = apiFixture<{ LaunchTemplates: object[] }>('ec2/describe-launch-templates.json');
  const versions = apiFixture<object>('ec2/describe-launch-template-versions.json');
  const defaults = apiFixture<object>('ec2/get-instance-metadata-defaults.json');

  function templateApi() {
    ec2.on(DescribeLaunchTemplatesCommand).resolves(template);
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(versions);
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(defaults);
  }

  it('resolves a template given by name to its lt- id, with default and differing $Latest, and account defaults', async () => {
    templateApi();
    const { load } = loader();
    const [subject] = (await load([ref('launch-template', 'web-template')])) as LaunchTemplateSubject[];
    expect(subject!.ref).toEqual(ref('launch-template', 'lt-0a1b2c3d4e5f60718'));
    expect(subject!.name).toBe('web-template');
    expect(subject!.defaultVersion).toEqual({ versionNumber: 2, metadata: { httpTokens: 'required', httpPutResponseHopLimit: 2 } });
    expect(subject!.latestVersion).toEqual({ versionNumber: 3, metadata: { httpTokens: 'optional', httpEndpoint: 'enabled' } });
    expect(subject!.accountDefaults).toEqual({
      httpTokens: 'required',
      httpPutResponseHopLimit: 2,
      httpEndpoint: 'enabled',
      instanceMetadataTags: 'disabled',
    });
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand)[0]!.args[0].input).toEqual({ LaunchTemplateNames: ['web-template'] });
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]!.args[0].input).toEqual({
      LaunchTemplateId: 'lt-0a1b2c3d4e5f60718',
      Versions: ['$Default', '$Latest'],
    });
  });

  it('collapses a name ref and an id ref of the same template, and calls GetInstanceMetadataDefaults once', async () => {
    templateApi();
    const { load } = loader();
    const subjects = await load([
      ref('launch-template', 'lt-0a1b2c3d4e5f60718'),
      ref('launch-template', 'web-template'),
      ref('account-defaults', SCOPE.account),
    ]);
    expect(subjects.map((s) => [s.kind, s.ref.id])).toEqual([
      ['launch-template', 'lt-0a1b2c3d4e5f60718'],
      ['account-defaults', SCOPE.account],
    ]);
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(1);
    expect(subjects[1]).toMatchObject({ kind: 'account-defaults', httpTokensEnforced: true });
  });

  it('leaves unset metadata fields undefined', async () => {
    ec2.on(DescribeLaunchTemplatesCommand).resolves({
      LaunchTemplates: [{ LaunchTemplateId: 'lt-0c3d4e5f607182930', LaunchTemplateName: 'batch-template', DefaultVersionNumber: 1, LatestVersionNumber: 1 }],
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(apiFixture('ec2/describe-launch-template-versions-unset.json'));
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(apiFixture('ec2/get-instance-metadata-defaults-none.json'));
    const { load } = loader();
    const [subject] = (await load([ref('launch-template', 'lt-0c3d4e5f607182930')])) as LaunchTemplateSubject[];
    expect(subject!.defaultVersion.metadata.httpTokens).toBeUndefined();
    expect(subject!.defaultVersion.metadata.httpPutResponseHopLimit).toBeUndefined();
    expect(subject!.latestVersion).toBeUndefined();
    expect(subject!.accountDefaults).toEqual({});
  });

  it('a deleted template is missing (after the retries), and no defaults are fetched for it', async () => {
    ec2
      .on(DescribeLaunchTemplatesCommand)
      .rejects(ec2Error('InvalidLaunchTemplateId.NotFound', 'The specified launch template, with template ID lt-0deadbeef0000000, does not exist.'));
    const { load, slept } = loader();
    expect(await load([ref('launch-template', 'lt-0deadbeef0000000')])).toEqual([
      { kind: 'missing', ref: ref('launch-template', 'lt-0deadbeef0000000') },
    ]);
    expect(slept).toEqual([1000, 2000]);
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(0);
  });
});

describe('launch configurations and account defaults', () => {
  it('loads launch configurations by name and marks unknown names missing without retrying', async () => {
    autoScaling.on(DescribeLaunchConfigurationsCommand).callsFake((input: DescribeLaunchConfigurationsCommandInput) => ({
      LaunchConfigurations: apiFixture<{ LaunchConfigurations: { LaunchConfigurationName: string }[] }>(
        'autoscaling/describe-launch-configurations.json',
      ).LaunchConfigurations.filter((lc) => input.LaunchConfigurationNames?.includes(lc.LaunchConfigurationName)),
    }));
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
    const { load, slept } = loader();
    const subjects = await load([ref('launch-configuration', 'legacy-web-lc'), ref('launch-configuration', 'gone-lc')]);
    expect(subjects[0]).toMatchObject({ kind: 'launch-configuration', name: 'legacy-web-lc', metadata: undefined });
    expect(subjects[1]).toEqual({ kind: 'missing', ref: ref('launch-configuration', 'gone-lc') });
    expect(slept).toEqual([]);
    expect(autoScaling.commandCalls(DescribeLaunchConfigurationsCommand)[0]!.args[0].input).toEqual({
      LaunchConfigurationNames: ['legacy-web-lc', 'gone-lc'],
    });
    // Whether imds-guard migrated it: one tag-filtered call for the configurations found.
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand).map((c) => c.args[0].input.Filters)).toEqual([
      [{ Name: 'tag:imds-guard:source-launch-configuration', Values: ['legacy-web-lc'] }],
    ]);
  });

  it('describes account defaults once per load', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(apiFixture('ec2/get-instance-metadata-defaults.json'));
    const { load } = loader();
    const subjects = await load([ref('account-defaults', SCOPE.account), ref('account-defaults', SCOPE.account)]);
    expect(subjects).toHaveLength(1);
    expect(subjects[0]).toMatchObject({ kind: 'account-defaults', metadata: { httpTokens: 'required' }, httpTokensEnforced: true });
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(1);
  });

  it('makes no calls for no refs', async () => {
    const { load } = loader();
    expect(await load([])).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
    expect(autoScaling.calls()).toHaveLength(0);
  });
});

describe('related: the groups that launch from a changed template or configuration', () => {
  it('finds them by template id, by the name a group names it with, and by configuration, in one listing', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        { AutoScalingGroupName: 'by-id', LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '1' } } as AutoScalingGroup,
        { AutoScalingGroupName: 'by-name', LaunchTemplate: { LaunchTemplateName: 'web-template', Version: '$Latest' } } as AutoScalingGroup,
        {
          AutoScalingGroupName: 'mixed',
          MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: 'lt-0123456789abcdef0' } } },
        } as AutoScalingGroup,
        { AutoScalingGroupName: 'legacy', LaunchConfigurationName: 'old-lc' } as AutoScalingGroup,
        { AutoScalingGroupName: 'unrelated', LaunchTemplate: { LaunchTemplateId: 'lt-0fedcba9876543210' } } as AutoScalingGroup,
      ],
    });
    const template = { ...launchTemplate('lt-0123456789abcdef0'), name: 'web-template' };
    const found = await createLoader(clients, { account: SCOPE.account }).related!([template, launchConfiguration('old-lc'), instanceSubject('i-0aaaaaaaaaaaaaaa1')]);
    expect(found.map((r) => r.id).sort()).toEqual(['by-id', 'by-name', 'legacy', 'mixed']);
    for (const r of found) expect(r).toMatchObject({ kind: 'auto-scaling-group', account: template.ref.account, region: template.ref.region });
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
  });

  it('lists nothing when no template or configuration changed', async () => {
    expect(await createLoader(clients).related!([instanceSubject('i-0aaaaaaaaaaaaaaa1')])).toEqual([]);
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(0);
  });
});
