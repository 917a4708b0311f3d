/**
 * The custom action from the aggregated console of the Security Hub
 * administrator (the hub stack, functions/hub-action.ts): findings
 * of several member accounts and regions, imds-guard's own and Security Hub's
 * control findings, one member outside the organization and one without the
 * member role. Every AWS call is mocked and counted.
 */
import { readFileSync } from 'node:fs';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeLaunchConfigurationsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError } from '../support/aws-errors.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const HUB = '999988887777';
const MEMBER = '444455556666';
const NO_ROLE = '555566667777';
const OUTSIDE = '777788889999';
const context = { invokedFunctionArn: `arn:aws:lambda:us-east-1:${HUB}:function:imds-guard-hub-action` } as Context;

const event = (): Record<string, any> => JSON.parse(readFileSync(new URL('../fixtures/securityhub/custom-action-aggregated.json', import.meta.url), 'utf8'));

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const cloudWatch = mockClient(CloudWatchClient);
const securityHub = mockClient(SecurityHubClient);
const sts = mockClient(STSClient);
const organizations = mockClient(OrganizationsClient);
const config = mockClient(ConfigServiceClient);
const all = [ec2, autoScaling, cloudWatch, securityHub, sts, organizations, config];

/** i-0a1b… (eu-west-1) still makes IMDSv1 calls; i-0b2c… (us-east-1) makes none. */
const IMDSV1_CALLS: Record<string, number> = { 'i-0a1b2c3d4e5f60718': 42, 'i-0b2c3d4e5f6071829': 0 };
const tokens = new Map<string, 'optional' | 'required'>();
/** Access key of the credentials each EC2 call was signed with. */
const signedWith: string[] = [];

function instance(id: string) {
  return {
    InstanceId: id,
    ImageId: 'ami-0abcdef1234567890',
    LaunchTime: new Date('2025-01-01T00:00:00Z'),
    State: { Code: 16, Name: 'running' as const },
    MetadataOptions: { State: 'applied' as const, HttpTokens: tokens.get(id) ?? 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' as const },
  };
}

/** The hub's function (`hub`) or the member stack's (`member`). */
async function loadHandler(which: 'hub' | 'member' = 'hub') {
  vi.resetModules();
  const module = which === 'hub' ? await import('../../functions/hub-action.js') : await import('../../functions/action.js');
  return module.handler as (e: unknown, c: Context) => Promise<Record<string, any>>;
}

beforeEach(() => {
  for (const m of all) m.reset();
  tokens.clear();
  signedWith.length = 0;
  organizations.on(DescribeAccountCommand).callsFake(({ AccountId }) => {
    if (AccountId === OUTSIDE) throw awsError('Organizations', 'AccountNotFoundException', `You specified an account that doesn't exist.`);
    return { Account: { Id: AccountId, Status: 'ACTIVE' } };
  });
  sts.on(AssumeRoleCommand).callsFake(({ RoleArn }) => {
    if (RoleArn.includes(`::${MEMBER}:`)) {
      return { Credentials: { AccessKeyId: 'ASIAMEMBER', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 900_000) } };
    }
    throw awsError('STS', 'AccessDenied', `User: arn:aws:sts::${HUB}:assumed-role/imds-guard/hub is not authorized to perform: sts:AssumeRole on resource: ${RoleArn}`);
  });
  ec2.on(DescribeInstancesCommand).callsFake(async (input, getClient) => {
    signedWith.push((await getClient().config.credentials()).accessKeyId);
    return { Reservations: [{ Instances: (input.InstanceIds ?? []).map(instance) }] };
  });
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2.on(ModifyInstanceMetadataOptionsCommand).callsFake(async (input, getClient) => {
    signedWith.push((await getClient().config.credentials()).accessKeyId);
    tokens.set(input.InstanceId, input.HttpTokens);
    return { InstanceId: input.InstanceId, InstanceMetadataOptions: { State: 'pending', HttpTokens: input.HttpTokens } };
  });
  autoScaling.on(DescribeLaunchConfigurationsCommand).resolves({ LaunchConfigurations: [] });
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  cloudWatch.on(GetMetricDataCommand).callsFake((input) => ({
    MetricDataResults: input.MetricDataQueries.map((q: any) => {
      const id = q.MetricStat.Metric.Dimensions[0].Value as string;
      const calls = IMDSV1_CALLS[id] ?? 0;
      return { Id: q.Id, Values: [calls, 0, 0], Timestamps: [new Date('2026-10-27T00:00:00Z'), new Date('2026-10-26T00:00:00Z'), new Date('2026-10-25T00:00:00Z')], StatusCode: 'Complete' };
    }),
  }));
  securityHub.on(BatchUpdateFindingsCommand).callsFake((input) => ({ ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] }));
});

afterEach(() => {
  delete process.env.IMDS_GUARD_MEMBER_ACCOUNTS;
});

/** The note and workflow written on each finding, by finding id. */
function notes(): Map<string, { text: string; workflow?: string }> {
  const out = new Map<string, { text: string; workflow?: string }>();
  for (const call of securityHub.commandCalls(BatchUpdateFindingsCommand)) {
    const input = call.args[0].input;
    for (const id of input.FindingIdentifiers ?? []) out.set(id.Id!, { text: input.Note!.Text!, ...(input.Workflow?.Status ? { workflow: input.Workflow.Status } : {}) });
  }
  return out;
}

const [EU_CONTROL, OWN, OUTSIDE_CONTROL, NO_ROLE_CONTROL] = event().detail.findings.map((f: { Id: string }) => f.Id) as [string, string, string, string];

describe('custom action in the hub (aggregated console)', () => {
  it('acts in member accounts through the member role, with every gate, and writes the outcome on the selected findings', async () => {
    const handler = await loadHandler();
    const result = await handler(event(), context);

    // One AssumeRole per account (two regions of MEMBER), the role path and name of the member stack.
    const assumed = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn);
    expect(assumed.sort()).toEqual([`arn:aws:iam::${MEMBER}:role/imds-guard/imds-guard-member`, `arn:aws:iam::${NO_ROLE}:role/imds-guard/imds-guard-member`]);
    // The member's CloudTrail names the hub's custom action as the session behind every change.
    expect(new Set(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleSessionName))).toEqual(new Set(['imds-guard-custom-action']));
    // Organizations is asked once per account.
    expect(organizations.commandCalls(DescribeAccountCommand).map((c) => c.args[0].input.AccountId).sort()).toEqual([MEMBER, NO_ROLE, OUTSIDE].sort());
    // Every EC2 call in the member was signed with the member role's credentials.
    expect(signedWith.length).toBeGreaterThan(0);
    expect(new Set(signedWith)).toEqual(new Set(['ASIAMEMBER']));

    // The gate still applies: only the instance without IMDSv1 calls was changed.
    const modified = ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).map((c) => c.args[0].input);
    expect(modified).toEqual([expect.objectContaining({ InstanceId: 'i-0b2c3d4e5f6071829', HttpTokens: 'required' })]);

    const n = notes();
    expect(n.get(OWN)).toMatchObject({ workflow: 'RESOLVED', text: expect.stringContaining('verified compliant') });
    expect(n.get(EU_CONTROL)!.text).toMatch(/did not remediate.*IMDSv1/);
    expect(n.get(EU_CONTROL)!.workflow).toBeUndefined();
    expect(n.get(OUTSIDE_CONTROL)!.text).toMatch(new RegExp(`did not act .*account ${OUTSIDE} is not in this organization.*Nothing was changed`));
    expect(n.get(OUTSIDE_CONTROL)!.workflow).toBeUndefined();
    expect(n.get(NO_ROLE_CONTROL)!.text).toMatch(new RegExp(`cannot assume arn:aws:iam::${NO_ROLE}:role/imds-guard/imds-guard-member.*AccessDenied`));
    expect(n.get(NO_ROLE_CONTROL)!.workflow).toBeUndefined();

    // Nothing is imported from the hub: members publish their own findings.
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(0);
    // Notes go to the findings as selected (Security Hub's product ARN for control findings).
    const ids = securityHub.commandCalls(BatchUpdateFindingsCommand).flatMap((c) => c.args[0].input.FindingIdentifiers!);
    expect(ids.find((i) => i.Id === EU_CONTROL)!.ProductArn).toBe('arn:aws:securityhub:eu-west-1::product/aws/securityhub');
    expect(ids.find((i) => i.Id === OWN)!.ProductArn).toBe(`arn:aws:securityhub:us-east-1:${MEMBER}:product/${MEMBER}/default`);

    expect(result).toMatchObject({ status: 'done', evaluated: 2, remediated: 1 });
    expect(result.reason).toContain(`${OUTSIDE}/us-east-1`);
    expect(result.reason).toContain(`${NO_ROLE}/us-east-1`);
  });

  it('a finding outside the organization or without a member role changes nothing there', async () => {
    const e = event();
    e.detail.findings = e.detail.findings.filter((f: { AwsAccountId: string }) => f.AwsAccountId !== MEMBER);
    const handler = await loadHandler();
    await handler(e, context);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([`arn:aws:iam::${NO_ROLE}:role/imds-guard/imds-guard-member`]);
    expect(ec2.calls()).toHaveLength(0);
    expect(autoScaling.calls()).toHaveLength(0);
    expect(cloudWatch.calls()).toHaveLength(0);
    expect([...notes().keys()].sort()).toEqual([OUTSIDE_CONTROL, NO_ROLE_CONTROL].sort());
  });

  it('with IMDS_GUARD_MEMBER_ACCOUNTS, Organizations is not asked and other accounts are refused', async () => {
    process.env.IMDS_GUARD_MEMBER_ACCOUNTS = MEMBER;
    const handler = await loadHandler();
    await handler(event(), context);
    expect(organizations.calls()).toHaveLength(0);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(notes().get(NO_ROLE_CONTROL)!.text).toContain(`account ${NO_ROLE} is not in IMDS_GUARD_MEMBER_ACCOUNTS`);
  });

  it('Organizations unreachable: the account is refused rather than guessed', async () => {
    organizations.on(DescribeAccountCommand).rejects(awsError('Organizations', 'AccessDeniedException', 'You don’t have permissions to access this resource.'));
    const handler = await loadHandler();
    await handler(event(), context);
    expect(sts.calls()).toHaveLength(0);
    expect(ec2.calls()).toHaveLength(0);
    expect(notes().get(OWN)!.text).toContain('could not confirm');
  });
});

describe('custom action in a member stack (functions/action.ts)', () => {
  it('acts on its own account with its own credentials, including Security Hub\'s EC2.8 control finding', async () => {
    const own = { invokedFunctionArn: `arn:aws:lambda:eu-west-1:${MEMBER}:function:imds-guard-action` } as Context;
    const e = event();
    e.detail.findings = [e.detail.findings[0]]; // Security Hub EC2.8 finding of MEMBER in eu-west-1
    securityHub.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
    const region = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-west-1'; // the Lambda runtime sets the function's region
    const handler = await loadHandler('member');
    if (region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = region;
    const result = await handler(e, own);
    expect(sts.calls()).toHaveLength(0);
    expect(organizations.calls()).toHaveLength(0);
    expect(signedWith.every((k) => k !== 'ASIAMEMBER')).toBe(true);
    // Refused by the IMDSv1 gate; the refusal is on Security Hub's finding.
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(0);
    expect(notes().get(EU_CONTROL)!.text).toMatch(/did not remediate.*IMDSv1/);
    expect(result).toMatchObject({ status: 'done', evaluated: 1, remediated: 0 });
  });

  it('leaves findings of other accounts to the hub: ignored with a reason, no AWS call', async () => {
    const own = { invokedFunctionArn: `arn:aws:lambda:us-east-1:${HUB}:function:imds-guard-action` } as Context;
    const handler = await loadHandler('member');
    const result = await handler(event(), own);
    expect(result).toMatchObject({ status: 'ignored', reason: expect.stringContaining(`this function acts in ${HUB}/us-east-1 only`) });
    expect(all.reduce((n, m) => n + m.calls().length, 0)).toBe(0);
  });
});
