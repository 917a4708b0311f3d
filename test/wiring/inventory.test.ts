import { DescribeAutoScalingGroupsCommand, DescribeLaunchConfigurationsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  GetInstanceMetadataDefaultsCommand,
} from '@aws-sdk/client-ec2';
import type {
  DescribeInstancesCommandInput,
  DescribeLaunchTemplatesCommandInput,
  DescribeLaunchTemplateVersionsCommandInput,
  LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { createInventory } from '../../shared/wiring/inventory.js';
import { apiFixture, instance, instanceIds, mockedClients, SCOPE } from '../aws/helpers.js';

const { clients, ec2, autoScaling } = mockedClients();
const inventory = createInventory(clients, SCOPE);

describe('instances', () => {
  /** DescribeInstances answering `pages` pages of `perPage` distinct instances, chained by NextToken. */
  function pagedInstances(pages: number, perPage: number) {
    ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
      const page = input.NextToken === undefined ? 0 : Number(input.NextToken);
      return {
        Reservations: [{ Instances: instanceIds(perPage, page * perPage).map((id) => instance(id)) }],
        ...(page < pages - 1 ? { NextToken: String(page + 1) } : {}),
      };
    });
  }

  it('pages through 3 pages and yields 3 pages, one call per page, lazily', async () => {
    pagedInstances(3, 2);
    const iterator = inventory.pages('instance')[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toHaveLength(2);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1); // streams: nothing read ahead
    const rest = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
    expect(rest).toHaveLength(2);
    expect(rest[1]![0]).toMatchObject({ kind: 'instance', ref: { kind: 'instance', ...SCOPE } });
    expect(ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { MaxResults: 1000 },
      { MaxResults: 1000, NextToken: '1' },
      { MaxResults: 1000, NextToken: '2' },
    ]);
  });

  it('streams 50,000 instances as 50 pages of 1000', async () => {
    pagedInstances(50, 1000);
    let pages = 0;
    let total = 0;
    let largest = 0;
    for await (const page of inventory.pages('instance')) {
      pages++;
      total += page.length;
      largest = Math.max(largest, page.length);
    }
    expect({ pages, total, largest }).toEqual({ pages: 50, total: 50_000, largest: 1000 });
  });
});

describe('launch templates', () => {
  const versions = apiFixture<{ LaunchTemplateVersions: LaunchTemplateVersion[] }>('ec2/describe-launch-template-versions.json')
    .LaunchTemplateVersions;
  const unset = apiFixture<{ LaunchTemplateVersions: LaunchTemplateVersion[] }>('ec2/describe-launch-template-versions-unset.json')
    .LaunchTemplateVersions;

  it('lists $Default and $Latest account-wide, 200 template ids per DescribeLaunchTemplates, no call per template', async () => {
    ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: DescribeLaunchTemplateVersionsCommandInput) => {
      if (input.LaunchTemplateId !== undefined) throw new Error('no per-template call expected');
      // The web template's default (2) and latest (3) straddle the page boundary.
      if (input.NextToken === undefined) return { LaunchTemplateVersions: [versions[0]], NextToken: 'v2' };
      return { LaunchTemplateVersions: [versions[1], unset[0]] };
    });
    ec2.on(DescribeLaunchTemplatesCommand).callsFake((input: DescribeLaunchTemplatesCommandInput) => ({
      LaunchTemplates: (input.LaunchTemplateIds ?? []).map((id) =>
        id === 'lt-0a1b2c3d4e5f60718'
          ? { LaunchTemplateId: id, LaunchTemplateName: 'web-template', DefaultVersionNumber: 2, LatestVersionNumber: 3, Tags: [{ Key: 'team', Value: 'web' }] }
          : { LaunchTemplateId: id, LaunchTemplateName: 'batch-template', DefaultVersionNumber: 1, LatestVersionNumber: 1 },
      ),
    }));
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(apiFixture('ec2/get-instance-metadata-defaults.json'));

    const subjects = [];
    for await (const page of createInventory(clients, SCOPE).pages('launch-template')) subjects.push(...page);
    expect(subjects).toHaveLength(2);
    const web = subjects.find((s) => s.ref.id === 'lt-0a1b2c3d4e5f60718');
    expect(web).toMatchObject({
      ref: { kind: 'launch-template', id: 'lt-0a1b2c3d4e5f60718', ...SCOPE },
      name: 'web-template',
      tags: { team: 'web' },
      defaultVersion: { versionNumber: 2 },
      latestVersion: { versionNumber: 3, metadata: { httpTokens: 'optional' } },
      accountDefaults: { httpTokens: 'required' },
    });
    const batch = subjects.find((s) => s.ref.id === 'lt-0c3d4e5f607182930');
    expect(batch!.latestVersion).toBeUndefined();
    expect(batch!.defaultVersion.metadata).toEqual({});

    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { Versions: ['$Default', '$Latest'], MaxResults: 200 },
      { Versions: ['$Default', '$Latest'], MaxResults: 200, NextToken: 'v2' },
    ]);
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand).map((c) => c.args[0].input)).toEqual([
      { LaunchTemplateIds: ['lt-0a1b2c3d4e5f60718', 'lt-0c3d4e5f607182930'] },
    ]);
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(1);
  });

  it('describes a template by id when its $Latest never came in the listing', async () => {
    ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: DescribeLaunchTemplateVersionsCommandInput) =>
      input.LaunchTemplateId === 'lt-0a1b2c3d4e5f60718' ? { LaunchTemplateVersions: [versions[1]] } : { LaunchTemplateVersions: [versions[0]] },
    );
    ec2.on(DescribeLaunchTemplatesCommand).resolves({
      LaunchTemplates: [{ LaunchTemplateId: 'lt-0a1b2c3d4e5f60718', LaunchTemplateName: 'web-template', DefaultVersionNumber: 2, LatestVersionNumber: 3 }],
    });
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({});
    const subjects = [];
    for await (const page of createInventory(clients, SCOPE).pages('launch-template')) subjects.push(...page);
    expect(subjects).toHaveLength(1);
    expect(subjects[0]).toMatchObject({ defaultVersion: { versionNumber: 2 }, latestVersion: { versionNumber: 3 } });
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)).toHaveLength(2);
  });
});

describe('launch configurations and account defaults', () => {
  it('pages launch configurations, one tag-filtered DescribeLaunchTemplates a page; no group look-up when none is migrated', async () => {
    autoScaling
      .on(DescribeLaunchConfigurationsCommand)
      .resolvesOnce({ ...apiFixture<object>('autoscaling/describe-launch-configurations.json'), NextToken: 'n' })
      .resolvesOnce(apiFixture('autoscaling/describe-launch-configurations.json'));
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
    const pages = [];
    for await (const page of inventory.pages('launch-configuration')) pages.push(page);
    expect(pages).toHaveLength(2);
    expect(pages[0]!.map((s) => [s.name, s.metadata === undefined])).toEqual([
      ['legacy-web-lc', true],
      ['legacy-api-lc', false],
    ]);
    expect(pages.flat().every((s) => s.supersededBy === undefined)).toBe(true);
    const calls = ec2.commandCalls(DescribeLaunchTemplatesCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { Filters: [{ Name: 'tag:imds-guard:source-launch-configuration', Values: ['legacy-web-lc', 'legacy-api-lc'] }], MaxResults: 200 },
      { Filters: [{ Name: 'tag:imds-guard:source-launch-configuration', Values: ['legacy-web-lc', 'legacy-api-lc'] }], MaxResults: 200 },
    ]);
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(0);
  });

  it('marks a migrated configuration superseded, with the groups that still use it (read once per listing)', async () => {
    autoScaling
      .on(DescribeLaunchConfigurationsCommand)
      .resolvesOnce({ ...apiFixture<object>('autoscaling/describe-launch-configurations.json'), NextToken: 'n' })
      .resolvesOnce(apiFixture('autoscaling/describe-launch-configurations.json'));
    ec2.on(DescribeLaunchTemplatesCommand).resolves(apiFixture('ec2/describe-launch-templates-migrated.json'));
    // The groups of the fixture launch from legacy-web-lc only.
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves(apiFixture('autoscaling/describe-auto-scaling-groups.json'));
    const pages = [];
    for await (const page of inventory.pages('launch-configuration')) pages.push(page);
    const api = pages[0]!.find((s) => s.name === 'legacy-api-lc')!;
    expect(api.supersededBy).toEqual({ id: 'lt-0d4e5f60718293041', name: 'imds-guard-legacy-api-lc' });
    expect(api.usedBy).toEqual([]);
    expect(pages[0]!.find((s) => s.name === 'legacy-web-lc')!.supersededBy).toBeUndefined();
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(1);
  });

  it('describes account defaults', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(apiFixture('ec2/get-instance-metadata-defaults.json'));
    expect(await onlySubject(inventory.pages('account-defaults'))).toMatchObject({
      kind: 'account-defaults',
      ref: { kind: 'account-defaults', id: SCOPE.account, ...SCOPE },
      httpTokensEnforced: true,
    });
  });
});

/** The one subject a single-subject kind lists. */
async function onlySubject<T>(pages: AsyncIterable<T[]>): Promise<T | undefined> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  expect(all).toHaveLength(1);
  return all[0];
}
