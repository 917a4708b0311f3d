import {
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  GetInstanceMetadataDefaultsCommand,
} from '@aws-sdk/client-ec2';
import type { DescribeInstancesCommandInput, DescribeLaunchTemplateVersionsCommandOutput } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../../shared/aws/batch.js';
import { describeInstancesByIds, pageInstances } from '../../shared/kinds/instance/aws.js';
import { describeLaunchTemplatesByIds, describeLaunchTemplatesByNames, describeLaunchTemplateVersions, pageAccountTemplateVersions, pickDefaultAndLatest } from '../../shared/kinds/launch-template/aws.js';
import { getInstanceMetadataDefaults } from '../../shared/aws/ec2.js';
import { apiFixture, instance, instanceIds, mocked } from './helpers.js';
import { ec2Error } from '../support/aws-errors.js';

const ec2 = new EC2Client({ region: 'us-east-1' });
const mock = mocked(ec2);

/** Answers DescribeInstances for the ids asked, except `unknown` ones (which fail the call as EC2 does). */
function fakeEc2(unknown: ReadonlySet<string> = new Set(), namesInMessage = true) {
  mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    const ids = input.InstanceIds ?? [];
    const bad = ids.filter((id) => unknown.has(id));
    if (bad.length > 0) {
      const message = namesInMessage
        ? bad.length === 1
          ? `The instance ID '${bad[0]}' does not exist`
          : `The instance IDs '${bad.join(', ')}' do not exist`
        : 'One or more instance IDs do not exist';
      throw ec2Error('InvalidInstanceID.NotFound', message);
    }
    return { Reservations: [{ ReservationId: 'r-1', Instances: ids.map((id) => instance(id)) }] };
  });
}

describe('describeInstancesByIds', () => {
  it('describes 2,500 ids in exactly 3 calls of at most 1000 ids, with InstanceIds and no MaxResults', async () => {
    fakeEc2();
    const ids = instanceIds(2500);
    const { instances, missing } = await describeInstancesByIds(ec2, ids);
    const calls = mock.commandCalls(DescribeInstancesCommand);
    expect(calls).toHaveLength(3);
    const sizes = calls.map((c) => c.args[0].input.InstanceIds!.length).sort((a, b) => b - a);
    expect(sizes).toEqual([1000, 1000, 500]);
    for (const c of calls) {
      expect(c.args[0].input.MaxResults).toBeUndefined();
      expect(c.args[0].input.Filters).toBeUndefined();
    }
    expect(new Set(calls.flatMap((c) => c.args[0].input.InstanceIds))).toEqual(new Set(ids));
    expect(instances).toHaveLength(2500);
    expect(missing).toEqual([]);
  });

  it('issues the chunks concurrently, but never more than the cap at once', async () => {
    let inFlight = 0;
    let peak = 0;
    mock.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return { Reservations: [{ Instances: (input.InstanceIds ?? []).map((id) => instance(id)) }] };
    });
    const { instances } = await describeInstancesByIds(ec2, instanceIds(6500), { concurrency: 3 });
    expect(instances).toHaveLength(6500);
    expect(mock.commandCalls(DescribeInstancesCommand)).toHaveLength(7);
    expect(peak).toBe(3);
  });

  it('deduplicates ids before calling', async () => {
    fakeEc2();
    const [a, b] = instanceIds(2);
    await describeInstancesByIds(ec2, [a!, b!, a!, a!]);
    expect(mock.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.InstanceIds).toEqual([a, b]);
  });

  it('survives an unknown id among 10: drops the id EC2 names and describes the other 9 in one more call', async () => {
    const ids = instanceIds(10);
    fakeEc2(new Set([ids[4]!]));
    const { instances, missing } = await describeInstancesByIds(ec2, ids);
    expect(instances.map((i) => i.InstanceId)).toEqual(ids.filter((_, i) => i !== 4));
    expect(missing).toEqual([ids[4]]);
    const calls = mock.commandCalls(DescribeInstancesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.InstanceIds).toEqual(ids.filter((_, i) => i !== 4));
  });

  it('handles several unknown ids named in one message', async () => {
    const ids = instanceIds(10);
    fakeEc2(new Set([ids[1]!, ids[8]!]));
    const { instances, missing } = await describeInstancesByIds(ec2, ids);
    expect(instances).toHaveLength(8);
    expect(missing.sort()).toEqual([ids[1], ids[8]].sort());
    expect(mock.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
  });

  it('bisects when the error does not say which id is unknown', async () => {
    const ids = instanceIds(8);
    fakeEc2(new Set([ids[6]!]), false);
    const { instances, missing } = await describeInstancesByIds(ec2, ids);
    expect(instances).toHaveLength(7);
    expect(missing).toEqual([ids[6]]);
    // 8 → 4 ok + 4 fail → 2 ok + 2 fail → 1 fail + 1 ok: 1 + 2 + 2 + 2 calls
    expect(mock.commandCalls(DescribeInstancesCommand)).toHaveLength(7);
  });

  it('treats a malformed id as missing', async () => {
    mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
      const ids = input.InstanceIds ?? [];
      if (ids.includes('web-1')) throw ec2Error('InvalidInstanceID.Malformed', 'Invalid id: "web-1"');
      return { Reservations: [{ Instances: ids.map((id) => instance(id)) }] };
    });
    const [a] = instanceIds(1);
    const { instances, missing } = await describeInstancesByIds(ec2, [a!, 'web-1']);
    expect(instances.map((i) => i.InstanceId)).toEqual([a]);
    expect(missing).toEqual(['web-1']);
  });

  it('counts ids EC2 silently leaves out as missing', async () => {
    const [a, b] = instanceIds(2);
    mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(a!)] }] });
    expect((await describeInstancesByIds(ec2, [a!, b!])).missing).toEqual([b]);
  });

  it('propagates other errors with the call and the code in the message', async () => {
    mock.on(DescribeInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const failure = describeInstancesByIds(ec2, instanceIds(3));
    await expect(failure).rejects.toBeInstanceOf(AwsCallError);
    await expect(failure).rejects.toThrow(/DescribeInstances \(3 instance ids: .*\) failed: UnauthorizedOperation: You are not authorized/);
    await expect(failure).rejects.toMatchObject({ code: 'UnauthorizedOperation', operation: 'DescribeInstances' });
  });

  it('does not add a retry loop of its own for throttling (the SDK does that)', async () => {
    mock.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.'));
    await expect(describeInstancesByIds(ec2, instanceIds(3))).rejects.toThrow(/RequestLimitExceeded/);
    expect(mock.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });
});

describe('launch templates', () => {
  const templates = apiFixture<{ LaunchTemplates: object[] }>('ec2/describe-launch-templates.json');
  const versions = apiFixture<DescribeLaunchTemplateVersionsCommandOutput>('ec2/describe-launch-template-versions.json');

  it('describes by id with LaunchTemplateIds and by name with LaunchTemplateNames', async () => {
    mock.on(DescribeLaunchTemplatesCommand).resolves(templates);
    const byId = await describeLaunchTemplatesByIds(ec2, ['lt-0a1b2c3d4e5f60718']);
    const byName = await describeLaunchTemplatesByNames(ec2, ['web-template']);
    expect(byId.templates[0]!.LaunchTemplateName).toBe('web-template');
    expect(byName.templates[0]!.LaunchTemplateId).toBe('lt-0a1b2c3d4e5f60718');
    const calls = mock.commandCalls(DescribeLaunchTemplatesCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([{ LaunchTemplateIds: ['lt-0a1b2c3d4e5f60718'] }, { LaunchTemplateNames: ['web-template'] }]);
  });

  it('survives an unknown template id (named in the message) and an unknown name (by bisecting)', async () => {
    mock
      .on(DescribeLaunchTemplatesCommand)
      .callsFake((input: { LaunchTemplateIds?: string[]; LaunchTemplateNames?: string[] }) => {
        if (input.LaunchTemplateIds?.includes('lt-0deadbeef0000000')) {
          throw ec2Error('InvalidLaunchTemplateId.NotFound', 'The specified launch template, with template ID lt-0deadbeef0000000, does not exist.');
        }
        if (input.LaunchTemplateNames?.includes('gone')) {
          throw ec2Error('InvalidLaunchTemplateName.NotFoundException', 'At least one of the launch templates specified in the request does not exist.');
        }
        const ids = input.LaunchTemplateIds ?? [];
        const names = input.LaunchTemplateNames ?? [];
        return {
          LaunchTemplates: [
            ...ids.map((id) => ({ LaunchTemplateId: id, LaunchTemplateName: `n-${id}` })),
            ...names.map((n) => ({ LaunchTemplateId: `lt-0${n.length}00000000000000`, LaunchTemplateName: n })),
          ],
        };
      });
    const byId = await describeLaunchTemplatesByIds(ec2, ['lt-0a1b2c3d4e5f60718', 'lt-0deadbeef0000000']);
    expect(byId.templates.map((t) => t.LaunchTemplateId)).toEqual(['lt-0a1b2c3d4e5f60718']);
    expect(byId.missing).toEqual(['lt-0deadbeef0000000']);
    const byName = await describeLaunchTemplatesByNames(ec2, ['web', 'gone', 'api']);
    expect(byName.templates.map((t) => t.LaunchTemplateName).sort()).toEqual(['api', 'web']);
    expect(byName.missing).toEqual(['gone']);
  });

  it('asks one template for $Default and $Latest by id, and picks them apart', async () => {
    mock.on(DescribeLaunchTemplateVersionsCommand).resolves(versions);
    const out = await describeLaunchTemplateVersions(ec2, 'lt-0a1b2c3d4e5f60718', ['$Default', '$Latest']);
    expect(mock.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]!.args[0].input).toEqual({
      LaunchTemplateId: 'lt-0a1b2c3d4e5f60718',
      Versions: ['$Default', '$Latest'],
    });
    const picked = pickDefaultAndLatest({ LaunchTemplateId: 'lt-0a1b2c3d4e5f60718', DefaultVersionNumber: 2 }, out!);
    expect(picked!.defaultVersion.VersionNumber).toBe(2);
    expect(picked!.latestVersion!.VersionNumber).toBe(3);
    const same = pickDefaultAndLatest({ DefaultVersionNumber: 2 }, [versions.LaunchTemplateVersions![0]!]);
    expect(same!.latestVersion).toBeUndefined();
  });

  it('reports a template deleted meanwhile as undefined, and other errors clearly', async () => {
    mock
      .on(DescribeLaunchTemplateVersionsCommand)
      .rejectsOnce(ec2Error('InvalidLaunchTemplateId.NotFound', 'The specified launch template, with template ID lt-0a1b2c3d4e5f60718, does not exist.'))
      .rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    expect(await describeLaunchTemplateVersions(ec2, 'lt-0a1b2c3d4e5f60718', ['$Default'])).toBeUndefined();
    await expect(describeLaunchTemplateVersions(ec2, 'lt-0a1b2c3d4e5f60718', ['$Default'])).rejects.toThrow(
      /DescribeLaunchTemplateVersions .*UnauthorizedOperation/,
    );
  });

  it('lists the default version of all templates with Versions [$Default] and no template id, page by page', async () => {
    mock
      .on(DescribeLaunchTemplateVersionsCommand)
      .resolvesOnce({ LaunchTemplateVersions: [versions.LaunchTemplateVersions![0]!], NextToken: 'p2' })
      .resolvesOnce({ LaunchTemplateVersions: [{ ...versions.LaunchTemplateVersions![0]!, LaunchTemplateId: 'lt-0b' }] });
    const pages = [];
    for await (const page of pageAccountTemplateVersions(ec2)) pages.push(page);
    expect(pages).toHaveLength(2);
    expect(mock.commandCalls(DescribeLaunchTemplateVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { Versions: ['$Default'], MaxResults: 200 },
      { Versions: ['$Default'], MaxResults: 200, NextToken: 'p2' },
    ]);
  });
});

describe('listing and account defaults', () => {
  it('pages DescribeInstances with MaxResults 1000 and no ids', async () => {
    mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-01')] }], NextToken: 't1' })
      .resolvesOnce({ Reservations: [], NextToken: 't2' }) // EC2 may return an empty page with a token
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-02'), instance('i-03')] }] });
    const pages = [];
    for await (const page of pageInstances(ec2)) pages.push(page.map((i) => i.InstanceId));
    expect(pages).toEqual([['i-01'], ['i-02', 'i-03']]);
    expect(mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { MaxResults: 1000 },
      { MaxResults: 1000, NextToken: 't1' },
      { MaxResults: 1000, NextToken: 't2' },
    ]);
  });

  it('reads GetInstanceMetadataDefaults AccountLevel', async () => {
    mock.on(GetInstanceMetadataDefaultsCommand).resolves(apiFixture('ec2/get-instance-metadata-defaults.json'));
    expect(await getInstanceMetadataDefaults(ec2)).toMatchObject({ HttpTokens: 'required', HttpTokensEnforced: 'enabled' });
  });
});
