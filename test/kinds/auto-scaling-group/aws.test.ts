import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import type {
  AutoScalingGroup,
  DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingGroupsCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { DescribeLaunchTemplateVersionsCommandInput, LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AUTO_SCALING_GROUP_PERMISSIONS,
  loadAutoScalingGroups,
  pageAutoScalingGroupSubjects,
  repointAutoScalingGroup,
  repointInput,
} from '../../../shared/kinds/auto-scaling-group/aws.js';
import { judgeAutoScalingGroup, planRepoint } from '../../../shared/kinds/auto-scaling-group/judge.js';
import type { AutoScalingGroupSubject, LaunchTemplateSource } from '../../../shared/kinds/auto-scaling-group/subject.js';
import { DEFAULT_POLICY } from '../../../shared/policy.js';
import { apiFixture, SCOPE } from '../../aws/helpers.js';
import { ec2Error } from '../../support/aws-errors.js';
import { autoScalingGroupRemedy } from '../../../shared/kinds/auto-scaling-group/remedy.js';

const ec2 = new EC2Client({ region: SCOPE.region });
const autoScaling = new AutoScalingClient({ region: SCOPE.region });
const ec2Mock = mockClient(ec2);
const asMock = mockClient(autoScaling);
const clients = { ec2, autoScaling };

const groups = apiFixture<DescribeAutoScalingGroupsCommandOutput>('autoscaling/describe-auto-scaling-groups-launch-sources.json').AutoScalingGroups!;

type Meta = { HttpTokens?: 'optional' | 'required'; HttpPutResponseHopLimit?: number; HttpEndpoint?: 'enabled' | 'disabled' };
/** The templates the groups name: version number → MetadataOptions, and which is the default. */
const TEMPLATES: Record<string, { name: string; default: number; versions: Record<number, Meta> }> = {
  'lt-1234567890abcde12': {
    name: 'my-launch-template',
    default: 2,
    versions: { 1: { HttpTokens: 'optional', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' }, 2: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' } },
  },
  'lt-0877401c93c294001': { name: 'test', default: 4, versions: { 4: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' } } },
  'lt-09d958b8fb2ba5bcc': {
    name: 'my-launch-template-for-arm',
    default: 5,
    versions: { 5: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' }, 6: { HttpTokens: 'optional', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 } },
  },
};

/** DescribeLaunchTemplateVersions as EC2 answers it: one template, a mix of numbers, $Latest and $Default. */
function describeVersions(input: DescribeLaunchTemplateVersionsCommandInput) {
  const id = input.LaunchTemplateId!;
  const t = TEMPLATES[id];
  if (t === undefined) throw ec2Error('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
  const numbers = Object.keys(t.versions).map(Number);
  const chosen = new Set<number>();
  for (const v of input.Versions ?? []) {
    const n = v === '$Default' ? t.default : v === '$Latest' ? Math.max(...numbers) : Number(v);
    if (t.versions[n] === undefined) throw ec2Error('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${v}.`);
    chosen.add(n);
  }
  const LaunchTemplateVersions: LaunchTemplateVersion[] = [...chosen].map((n) => ({
    LaunchTemplateId: id,
    LaunchTemplateName: t.name,
    VersionNumber: n,
    DefaultVersion: n === t.default,
    LaunchTemplateData: { ImageId: 'ami-0abcdef1234567890', MetadataOptions: t.versions[n] },
  }));
  return { LaunchTemplateVersions };
}

function describeGroups(input: DescribeAutoScalingGroupsCommandInput) {
  const names = input.AutoScalingGroupNames;
  return { AutoScalingGroups: names === undefined ? groups : groups.filter((g) => names.includes(g.AutoScalingGroupName!)) };
}

beforeEach(() => {
  ec2Mock.on(DescribeLaunchTemplateVersionsCommand).callsFake(describeVersions);
  asMock.on(DescribeAutoScalingGroupsCommand).callsFake(describeGroups);
  // The one configuration the fixture groups name, without MetadataOptions.
  asMock.on(DescribeLaunchConfigurationsCommand, { LaunchConfigurationNames: ['my-launch-config'] }).resolves({
    LaunchConfigurations: [{ LaunchConfigurationName: 'my-launch-config', ImageId: 'ami-0abcdef1234567890', InstanceType: 't1.micro', CreatedTime: new Date('2013-08-19T20:53:25.584Z') }],
  });
  asMock.on(UpdateAutoScalingGroupCommand).resolves({});
});
afterEach(() => {
  ec2Mock.reset();
  asMock.reset();
});

const noDefaults = vi.fn(async () => undefined);
beforeEach(() => noDefaults.mockClear());

const templateSource = (subject: AutoScalingGroupSubject, origin: string) =>
  subject.sources.find((s): s is LaunchTemplateSource => s.type === 'launch-template' && s.origin === origin)!;

describe('loadAutoScalingGroups', () => {
  it('describes the groups in one call, one DescribeLaunchTemplateVersions per distinct template, one DescribeLaunchConfigurations', async () => {
    const names = ['my-asg', 'devx', 'my-auto-scaling-group', 'gone-asg'];
    const { subjects, missing } = await loadAutoScalingGroups(clients, SCOPE, names, noDefaults);

    const groupCalls = asMock.commandCalls(DescribeAutoScalingGroupsCommand);
    expect(groupCalls).toHaveLength(1);
    expect(groupCalls[0]!.args[0].input).toEqual({ AutoScalingGroupNames: names, MaxRecords: 100, IncludeInstances: false });
    const versionCalls = ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand).map((c) => c.args[0].input);
    expect(versionCalls).toHaveLength(3);
    expect(versionCalls).toEqual(
      expect.arrayContaining([
        { LaunchTemplateId: 'lt-1234567890abcde12', Versions: ['1', '$Default'] },
        { LaunchTemplateId: 'lt-0877401c93c294001', Versions: ['4', '$Default'] },
        { LaunchTemplateId: 'lt-09d958b8fb2ba5bcc', Versions: ['$Latest', '$Default'] },
      ]),
    );
    expect(asMock.commandCalls(DescribeLaunchConfigurationsCommand)).toHaveLength(1);
    // Every template version sets all three options: the account default is not read.
    expect(noDefaults).not.toHaveBeenCalled();

    expect(missing).toEqual(['gone-asg']);
    expect(subjects.map((s) => s.name)).toEqual(['my-asg', 'devx', 'my-auto-scaling-group']);
    const [mine, devx, legacy] = subjects as [AutoScalingGroupSubject, AutoScalingGroupSubject, AutoScalingGroupSubject];
    expect(templateSource(mine, 'group')).toMatchObject({ requestedVersion: '1', resolvedVersion: 1, defaultVersion: 2 });
    expect(templateSource(devx, 'override c6g.large')).toMatchObject({
      templateName: 'my-launch-template-for-arm',
      requestedVersion: '$Latest',
      resolvedVersion: 6,
      defaultVersion: 5,
      metadata: { httpTokens: 'optional' },
    });
    expect(legacy.sources).toEqual([{ type: 'launch-configuration', name: 'my-launch-config', found: true }]);

    // And the verdicts that follow: pinned to v1 and $Latest v6 are not compliant, the LC has no MetadataOptions.
    expect(subjects.map((s) => judgeAutoScalingGroup(s, DEFAULT_POLICY)[0]!.compliance)).toEqual(['NON_COMPLIANT', 'NON_COMPLIANT', 'NON_COMPLIANT']);
  });

  it('asks ≤ 100 names a call', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `asg-${i}`);
    const { missing } = await loadAutoScalingGroups(clients, SCOPE, names, noDefaults);
    const calls = asMock.commandCalls(DescribeAutoScalingGroupsCommand).map((c) => c.args[0].input.AutoScalingGroupNames!.length);
    expect(calls.sort((a, b) => b - a)).toEqual([100, 50]);
    expect(missing).toHaveLength(150);
    expect(ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand)).toHaveLength(0);
  });

  it('makes no call for no names', async () => {
    expect(await loadAutoScalingGroups(clients, SCOPE, [], noDefaults)).toEqual({ subjects: [], missing: [] });
    expect(asMock.calls()).toHaveLength(0);
  });

  it('a template that is gone makes that source unreadable with the AWS error code; the rest is judged', async () => {
    const only = (name: string) => groups.filter((g) => g.AutoScalingGroupName === name);
    const devx = only('devx')[0]!;
    const renamed: AutoScalingGroup = JSON.parse(JSON.stringify(devx));
    renamed.MixedInstancesPolicy!.LaunchTemplate!.Overrides![2]!.LaunchTemplateSpecification!.LaunchTemplateId = 'lt-0deleted00000000';
    asMock.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [renamed] });
    const { subjects } = await loadAutoScalingGroups(clients, SCOPE, ['devx'], noDefaults);
    const source = templateSource(subjects[0]!, 'override c6g.large');
    expect(source.error).toBe('InvalidLaunchTemplateId.NotFound');
    expect(source.metadata).toBeUndefined();
    const [imdsv2] = judgeAutoScalingGroup(subjects[0]!, DEFAULT_POLICY);
    expect(imdsv2!.compliance).toBe('COMPLIANT');
    expect(imdsv2!.reason).toContain('Could not be read: launch template my-launch-template-for-arm (lt-0deleted00000000) $Latest, named by the override for c6g.large (InvalidLaunchTemplateId.NotFound).');
  });

  it('a version number that is gone costs a few calls and spoils only that source', async () => {
    const pinned: AutoScalingGroup = { ...groups[0]!, LaunchTemplate: { LaunchTemplateId: 'lt-1234567890abcde12', Version: '9' } };
    asMock.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [pinned] });
    const { subjects } = await loadAutoScalingGroups(clients, SCOPE, ['my-asg'], noDefaults);
    const calls = ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand).map((c) => c.args[0].input.Versions);
    expect(calls).toEqual([['9', '$Default'], ['$Default'], ['9']]);
    const source = templateSource(subjects[0]!, 'group');
    expect(source).toMatchObject({ requestedVersion: '9', defaultVersion: 2, error: 'InvalidLaunchTemplateId.VersionNotFound' });
    expect(judgeAutoScalingGroup(subjects[0]!, DEFAULT_POLICY)[0]!.compliance).toBe('NOT_APPLICABLE');
  });

  it('reads the account default once, only when a template version leaves an option unset', async () => {
    TEMPLATES['lt-1234567890abcde12']!.versions[1] = {};
    try {
      const defaults = vi.fn(async () => ({ httpTokens: 'required' as const }));
      const { subjects } = await loadAutoScalingGroups(clients, SCOPE, ['my-asg', 'devx'], defaults);
      expect(defaults).toHaveBeenCalledTimes(1);
      expect(subjects[0]!.accountDefaults).toEqual({ httpTokens: 'required' });
      const [imdsv2] = judgeAutoScalingGroup(subjects[0]!, DEFAULT_POLICY);
      expect(imdsv2!.compliance).toBe('COMPLIANT');
      expect(imdsv2!.reason).toContain("from the Region's account default");
    } finally {
      TEMPLATES['lt-1234567890abcde12']!.versions[1] = { HttpTokens: 'optional', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' };
    }
  });

  it('other failures stop the load with the call named', async () => {
    ec2Mock.on(DescribeLaunchTemplateVersionsCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    await expect(loadAutoScalingGroups(clients, SCOPE, ['my-asg'], noDefaults)).rejects.toThrow(
      /DescribeLaunchTemplateVersions \(lt-1234567890abcde12 1,\$Default\) failed: UnauthorizedOperation/,
    );
  });
});

describe('pageAutoScalingGroupSubjects', () => {
  it('pages every group, resolving each page in batch, reading the account default at most once', async () => {
    TEMPLATES['lt-0877401c93c294001']!.versions[4] = { HttpTokens: 'required' };
    try {
      asMock
        .on(DescribeAutoScalingGroupsCommand)
        .resolvesOnce({ AutoScalingGroups: [groups[0]!, groups[1]!], NextToken: 'page-2' })
        .resolvesOnce({ AutoScalingGroups: [groups[1]!, groups[2]!] });
      const defaults = vi.fn(async () => ({ httpPutResponseHopLimit: 2 }));
      const pages: string[][] = [];
      for await (const page of pageAutoScalingGroupSubjects(clients, SCOPE, defaults)) pages.push(page.map((s) => s.name));
      expect(pages).toEqual([
        ['my-asg', 'devx'],
        ['devx', 'my-auto-scaling-group'],
      ]);
      const listing = asMock.commandCalls(DescribeAutoScalingGroupsCommand).map((c) => c.args[0].input);
      expect(listing).toEqual([
        { MaxRecords: 100, IncludeInstances: false },
        { MaxRecords: 100, IncludeInstances: false, NextToken: 'page-2' },
      ]);
      // Page 1: 3 templates; page 2: 2 templates (devx's) — one call per template per page.
      expect(ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand)).toHaveLength(5);
      expect(defaults).toHaveBeenCalledTimes(1);
    } finally {
      TEMPLATES['lt-0877401c93c294001']!.versions[4] = { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' };
    }
  });
});

describe('repointAutoScalingGroup', () => {
  it('points a group pinned to version 1 at $Default with exactly one UpdateAutoScalingGroup', async () => {
    const { subjects } = await loadAutoScalingGroups(clients, SCOPE, ['my-asg'], noDefaults);
    asMock.resetHistory();
    const subject = subjects[0]!;
    const plan = planRepoint(subject, DEFAULT_POLICY);
    const out = await repointAutoScalingGroup(autoScaling, subject, plan);
    expect(out).toEqual({
      changed: true,
      message: 'pointed group my-asg at $Default (version 2) of launch template my-launch-template (lt-1234567890abcde12) instead of version 1.',
    });
    const updates = asMock.commandCalls(UpdateAutoScalingGroupCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toEqual({
      AutoScalingGroupName: 'my-asg',
      LaunchTemplate: { LaunchTemplateId: 'lt-1234567890abcde12', Version: '$Default' },
    });
    expect(asMock.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
  });

  it('changes only the planned override version and sends every override and the distribution back as they are', async () => {
    const { subjects } = await loadAutoScalingGroups(clients, SCOPE, ['devx'], noDefaults);
    const subject = subjects[0]!;
    const plan = planRepoint(subject, DEFAULT_POLICY);
    expect(plan.changes).toEqual([{ origin: 'override c6g.large', templateId: 'lt-09d958b8fb2ba5bcc', from: '$Latest', to: '$Default' }]);
    const out = await repointAutoScalingGroup(autoScaling, subject, plan);
    expect(out.changed).toBe(true);
    expect(out.message).toBe(
      'pointed group devx at $Default (version 5) of launch template my-launch-template-for-arm (lt-09d958b8fb2ba5bcc) instead of $Latest (version 6) in the override for c6g.large.',
    );
    const updates = asMock.commandCalls(UpdateAutoScalingGroupCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toEqual({
      AutoScalingGroupName: 'devx',
      MixedInstancesPolicy: {
        LaunchTemplate: {
          // Named by id only: a specification takes an id or a name.
          LaunchTemplateSpecification: { LaunchTemplateId: 'lt-0877401c93c294001', Version: '4' },
          Overrides: [
            { InstanceType: 't1.micro' },
            { InstanceType: 't2.small', WeightedCapacity: '2' },
            { InstanceType: 'c6g.large', LaunchTemplateSpecification: { LaunchTemplateId: 'lt-09d958b8fb2ba5bcc', Version: '$Default' } },
          ],
        },
        InstancesDistribution: {
          OnDemandAllocationStrategy: 'prioritized',
          OnDemandBaseCapacity: 1,
          OnDemandPercentageAboveBaseCapacity: 0,
          SpotAllocationStrategy: 'capacity-optimized',
        },
      },
    });
  });

  it('leaves a group alone when it no longer names what was planned', async () => {
    const { subjects } = await loadAutoScalingGroups(clients, SCOPE, ['my-asg'], noDefaults);
    const subject = subjects[0]!;
    const plan = planRepoint(subject, DEFAULT_POLICY);
    asMock.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ ...groups[0]!, LaunchTemplate: { LaunchTemplateId: 'lt-1234567890abcde12', Version: '$Default' } }] });
    const out = await repointAutoScalingGroup(autoScaling, subject, plan);
    expect(out.changed).toBe(false);
    expect(out.message).toMatch(/changed since it was judged/);
    expect(asMock.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('sends nothing for an empty plan, and says why', async () => {
    const { subjects } = await loadAutoScalingGroups(clients, SCOPE, ['my-auto-scaling-group'], noDefaults);
    asMock.resetHistory();
    const subject = subjects[0]!;
    const out = await repointAutoScalingGroup(autoScaling, subject, planRepoint(subject, DEFAULT_POLICY));
    expect(out.changed).toBe(false);
    expect(out.message).toContain('migrate the launch configuration (AutoScaling.3)');
    expect(asMock.calls()).toHaveLength(0);
  });
});

describe('repointInput', () => {
  const devx = groups.find((g) => g.AutoScalingGroupName === 'devx')!;

  it('changes the policy template and an override in one input, keeping the other overrides in order', () => {
    const input = repointInput(devx, [
      { origin: 'mixed-instances-policy', templateId: 'lt-0877401c93c294001', from: '4', to: '$Default' },
      { origin: 'override c6g.large', templateId: 'lt-09d958b8fb2ba5bcc', from: '$Latest', to: '$Default' },
    ]);
    expect(typeof input).toBe('object');
    const lt = (input as Exclude<typeof input, string>).MixedInstancesPolicy!.LaunchTemplate!;
    expect(lt.LaunchTemplateSpecification).toEqual({ LaunchTemplateId: 'lt-0877401c93c294001', Version: '$Default' });
    expect(lt.Overrides!.map((o) => [o.InstanceType, o.LaunchTemplateSpecification?.Version])).toEqual([
      ['t1.micro', undefined],
      ['t2.small', undefined],
      ['c6g.large', '$Default'],
    ]);
  });

  it('refuses (with why) when a planned source is no longer what the group names', () => {
    expect(repointInput(devx, [{ origin: 'override c6g.large', templateId: 'lt-09d958b8fb2ba5bcc', from: '3', to: '$Default' }])).toBe(
      'the override for c6g.large no longer names lt-09d958b8fb2ba5bcc 3',
    );
    expect(repointInput(devx, [{ origin: 'group', templateId: 'lt-0877401c93c294001', from: '4', to: '$Default' }])).toMatch(/no longer names/);
  });
});

describe('AUTO_SCALING_GROUP_PERMISSIONS and the remedy', () => {
  it('names an IAM action for every command the edge and the repoint send, and no wildcard', () => {
    const all = [...AUTO_SCALING_GROUP_PERMISSIONS.read, ...autoScalingGroupRemedy.permissions.flatMap((s) => s.actions)];
    for (const action of ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeLaunchTemplateVersions', 'autoscaling:DescribeLaunchConfigurations', 'autoscaling:UpdateAutoScalingGroup']) {
      expect(all).toContain(action);
    }
    expect(all.some((a) => a.includes('*'))).toBe(false);
  });
});
