/**
 * The remediator (shared/act/index.ts): one action per resource, failures
 * kept apart, verification by describing again, the loop guard. Each kind's
 * own action is tested in test/kinds/<kind>/remedy.test.ts.
 */
import { DescribeInstancesCommand, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { createRemediator, remediate } from '../../shared/act/index.js';
import { ec2Error } from '../support/aws-errors.js';
import { describedInstance, planFor, remediationHarness } from './harness.js';
import { accountSubject, configurationSubject, instanceSubject, policy, templateSubject, verdict } from './helpers.js';

const { ec2, autoScaling, writes, deps } = remediationHarness();

describe('batch behaviour', () => {
  it('duplicate plans for one resource → one action, one outcome', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'required'));
    const plan = planFor(instanceSubject(), policy());
    const outcomes = await remediate([plan, { ...plan }, plan], deps(policy()));
    expect(outcomes).toHaveLength(1);
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand)).toHaveLength(1);
  });

  it('own change → no action (loop guard)', async () => {
    const outcomes = await remediate([planFor(instanceSubject(), policy(), { ownChange: true })], deps(policy()));
    expect(outcomes[0]).toMatchObject({ status: 'skipped' });
    expect(outcomes[0]!.message).toContain('loop guard');
    expect(writes()).toEqual([]);
  });

  it('API failure → failed with the AWS error; the other resources still proceed', async () => {
    const other = instanceSubject({ ref: { ...instanceSubject().ref, id: 'i-0fff000011112222a' } });
    ec2.on(ModifyInstanceMetadataOptionsCommand, { InstanceId: 'i-0abc1234def567890' })
      .rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    ec2.on(ModifyInstanceMetadataOptionsCommand, { InstanceId: 'i-0fff000011112222a' }).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0fff000011112222a', 'required'));
    const outcomes = await remediate([planFor(instanceSubject(), policy()), planFor(other, policy())], deps(policy()));
    expect(outcomes[0]).toMatchObject({ status: 'failed' });
    expect(outcomes[0]!.message).toContain('UnauthorizedOperation: You are not authorized to perform this operation.');
    expect(outcomes[0]!.verifiedCompliance).toBeUndefined();
    expect(outcomes[1]).toMatchObject({ status: 'remediated' });
  });

  it('refuses refs outside its account or region', async () => {
    const plan = planFor(instanceSubject({ ref: { ...instanceSubject().ref, region: 'eu-west-1' } }), policy());
    const [outcome] = await remediate([plan], deps(policy()));
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(writes()).toEqual([]);
  });

  it.each(['detect', 'dry-run'] as const)('%s mode writes nothing, for every kind', async (mode) => {
    const p = policy({ mode });
    const plans = [instanceSubject(), templateSubject(), configurationSubject(), accountSubject()].map((s) => planFor(s, p));
    const outcomes = await remediate(plans, deps(p));
    expect(outcomes.map((o) => o.status)).toEqual(Array(4).fill(mode === 'dry-run' ? 'planned' : 'skipped'));
    expect(writes()).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
    expect(autoScaling.calls()).toHaveLength(0);
  });

  it('verified compliance comes from re-describe + evaluate when wired', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'required'));
    const loaded: string[] = [];
    const [outcome] = await remediate(
      [planFor(instanceSubject(), policy())],
      deps(policy(), {
        loader: { load: async (refs) => (loaded.push(...refs.map((r) => r.id)), refs.map(() => instanceSubject({ metadata: { httpTokens: 'required' } }))) },
        evaluate: (subject) => verdict(subject, 'COMPLIANT'),
      }),
    );
    expect(loaded).toEqual(['i-0abc1234def567890']);
    expect(outcome!.verifiedCompliance).toBe('COMPLIANT');
  });

  it('createRemediator names a human request in the message', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves(describedInstance('i-0abc1234def567890', 'required'));
    const p = policy({ mode: 'detect' });
    const remediator = createRemediator(deps(p));
    const [outcome] = await remediator([planFor(instanceSubject(), p, { humanRequest: true })], { humanRequest: true });
    expect(outcome!.message).toMatch(/^Remediated by an explicit request/);
  });
});
