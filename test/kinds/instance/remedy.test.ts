/** Fixing an instance (shared/kinds/instance/remedy.ts), through the remediator. */
import { DescribeInstancesCommand, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import { evaluate } from '../../../shared/engine/evaluate.js';
import { createLoader } from '../../../shared/wiring/load.js';
import { describedInstance, planFor, remediationHarness } from '../../act/harness.js';
import { ACCOUNT, NOW, instanceSubject, policy } from '../../act/helpers.js';

const { clients, ec2, writes, deps } = remediationHarness();

describe('instance', () => {
  it('sets HttpTokens=required only (hop limit 2 kept, endpoint never sent), checked by the API answer', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({
      InstanceId: 'i-0abc1234def567890',
      InstanceMetadataOptions: { State: 'pending', HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
    });
    const [outcome] = await remediate([planFor(instanceSubject(), policy())], deps(policy()));
    const calls = ec2.commandCalls(ModifyInstanceMetadataOptionsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ InstanceId: 'i-0abc1234def567890', HttpTokens: 'required' });
    // without a loader wired, the API answer is the only check: no second describe from the action
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'COMPLIANT', at: NOW });
    expect(outcome!.message).toContain('hop limit kept at 2');
    expect(outcome!.message).toContain('EC2 answered HttpTokens=required (pending)');
  });

  it('with a loader wired, describes the instance once more and records the verdict on it', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({
      InstanceId: 'i-0abc1234def567890',
      InstanceMetadataOptions: { State: 'pending', HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
    });
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'optional'));
    const loader = createLoader(clients, { account: ACCOUNT, notFoundRetryDelaysMs: [] });
    const [outcome] = await remediate([planFor(instanceSubject(), policy())], deps(policy(), { loader, evaluate }));
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    // the re-described state wins over the API answer
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'NON_COMPLIANT' });
    expect(outcome!.verifiedVerdict?.compliance).toBe('NON_COMPLIANT');
  });

  it('lowers hop limit 5 to the ceiling when the policy says', async () => {
    const p = policy({ lowerHopLimit: true });
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'required', 2));
    const subject = instanceSubject({ metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 5, httpEndpoint: 'enabled' } });
    await remediate([planFor(subject, p)], deps(p));
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)[0]!.args[0].input).toEqual({
      InstanceId: 'i-0abc1234def567890',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
    });
  });

  it('an instance still using IMDSv1 is skipped with the count and nothing is written', async () => {
    const plan = planFor(instanceSubject(), policy(), { usage: { noTokenCalls: 12, lookbackDays: 14 } });
    const [outcome] = await remediate([plan], deps(policy()));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome!.message).toContain('12 IMDSv1 calls');
    expect(writes()).toEqual([]);
  });

  it('records verification as seen by describing again when it did not stick', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'optional'));
    const [outcome] = await remediate([planFor(instanceSubject(), policy())], deps(policy()));
    expect(outcome).toMatchObject({ status: 'remediated', verifiedCompliance: 'NON_COMPLIANT' });
  });
});
