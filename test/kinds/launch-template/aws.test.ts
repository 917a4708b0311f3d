/** The launch-template kind's EC2 calls (shared/kinds/launch-template/aws.ts). */
import { DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { DescribeLaunchTemplateVersionsCommandOutput } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { describeLaunchTemplatesByIds, describeLaunchTemplatesByNames, describeLaunchTemplateVersions, pageAccountTemplateVersions, pickDefaultAndLatest } from '../../../shared/kinds/launch-template/aws.js';
import { apiFixture, mocked } from '../../aws/helpers.js';
import { ec2Error } from '../../support/aws-errors.js';

const ec2 = new EC2Client({ region: 'us-east-1' });
const mock = mocked(ec2);

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
