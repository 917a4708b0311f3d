import { afterEach, describe, expect, it } from 'vitest';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { FixReport } from '../../../cli/fix.js';
import { restore, run, type Mocks } from '../harness.js';
import { DENIED, DEV, mockOrganization } from './organization.js';

let mocks: Mocks | undefined;
let org: AwsClientStub<OrganizationsClient> | undefined;
afterEach(() => {
  if (mocks) restore(mocks);
  org?.restore();
  mocks = undefined;
  org = undefined;
});

describe('imds-guard fix --org', () => {
  it('dry run plans per account with the same gates; --yes fixes through each account’s own role credentials', async () => {
    ({ mocks, org } = mockOrganization());
    const dry = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1', '--region', 'eu-west-1', '--dry-run', '--format', 'json']);
    const plan = JSON.parse(dry.stdout) as FixReport;
    const devRows = plan.rows.filter((x) => x.account === DEV);
    expect(devRows.map((x) => [x.region, x.id, x.status])).toEqual([
      ['us-east-1', 'i-0222222222222aa00', 'planned'],
      ['eu-west-1', 'i-0222222222222eu00', 'skipped'], // IMDSv1 in use: the gate holds it back
    ]);
    expect(devRows[1]?.blockedBy).toContain('imdsv1-unused');
    expect(plan.organization?.accounts.find((a) => a.account === DENIED)?.status).toBe('failed');
    expect(mocks!.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    expect(dry.code).toBe(1);

    mocks!.sts.resetHistory();
    const r = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1', '--region', 'eu-west-1', '--yes']);
    expect(r.stdout).toContain(`account ${DEV}`);
    // Each instance exists only in its own account's estate: it was reached through that account's role credentials.
    const modified = mocks!.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).map((c) => c.args[0].input.InstanceId);
    expect(new Set(modified)).toEqual(new Set(['i-0111111111111eu00', 'i-0222222222222aa00', 'i-0444444444444aa00', 'i-0b2c3d4e5f6071829']));
    expect(mocks!.modified.has('i-0222222222222eu00')).toBe(false);
    expect(mocks!.sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    expect(r.code).toBe(1); // the denied account and region remain
  });

  it('asks for confirmation and changes nothing on no', async () => {
    ({ mocks, org } = mockOrganization());
    const r = await run(['fix', '--org', '--kind', 'instance', '--region', 'us-east-1'], { stdinIsTTY: true, confirm: false });
    expect(r.stderr).toContain('Nothing changed.');
    expect(mocks!.ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
  });
});
