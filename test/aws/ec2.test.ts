import { EC2Client, GetInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { getInstanceMetadataDefaults } from '../../shared/aws/ec2.js';
import { apiFixture, mocked } from './helpers.js';

const ec2 = new EC2Client({ region: 'us-east-1' });
const mock = mocked(ec2);

describe('getInstanceMetadataDefaults', () => {
  it('reads GetInstanceMetadataDefaults AccountLevel', async () => {
    mock.on(GetInstanceMetadataDefaultsCommand).resolves(apiFixture('ec2/get-instance-metadata-defaults.json'));
    expect(await getInstanceMetadataDefaults(ec2)).toMatchObject({ HttpTokens: 'required', HttpTokensEnforced: 'enabled' });
  });
});
