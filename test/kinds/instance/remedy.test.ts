/** Fixing an instance (shared/kinds/instance/remedy.ts), through the remediator. */
import { CreateTagsCommand, DescribeInstancesCommand, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import { evaluate } from '../../../shared/engine/evaluate.js';
import { createLoader } from '../../../shared/wiring/load.js';
import { describedInstance, planFor, remediationHarness } from '../../act/harness.js';
import { ACCOUNT, NOW, instanceSubject, policy, ref } from '../../act/helpers.js';
import { createGroupFinder } from '../../../shared/act/groups.js';
import type { ActContext } from '../../../shared/act/types.js';
import { fixInstance, instanceRemedy } from '../../../shared/kinds/instance/remedy.js';
import type { Plan } from '../../../shared/verdict.js';
import { clearedPlan } from '../../support/subjects.js';
import { WATCH_TAG_PERMISSIONS } from '../../../shared/watch/permissions.js';
import { ec2Error } from '../../support/aws-errors.js';

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

/** fixInstance itself, for plans the remediator passes through unchanged. */
describe('fixInstance', () => {
  const context = (extra: Partial<ActContext> = {}): ActContext => ({
    clients,
    policy: policy(),
    groups: createGroupFinder(clients.autoScaling),
    actor: 'imds-guard (enforce mode)',
    now: () => NOW,
    ...extra,
  });
  const ID = 'i-0abc1234def567890';
  const planOf = (extra: Partial<Plan> = {}): Plan => clearedPlan(ref('instance', ID), 'modify-instance-metadata-options', extra);
  const modifies = () => ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).map((c) => c.args[0].input);

  it('with no options recorded in the plan, flips without a watch record and says nothing of a watch', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceMetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } });
    const result = await fixInstance(planOf(), context());
    expect(writes()).toEqual(['ModifyInstanceMetadataOptions']);
    expect(result).toMatchObject({ changed: true, verified: 'COMPLIANT' });
    // no State in the answer: none claimed
    expect(result.message).toMatch(/hop limit kept at 1 on i-0abc1234def567890; EC2 answered HttpTokens=required$/);
  });

  it('a plan without a target still asks for HttpTokens=required only', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceMetadataOptions: { HttpTokens: 'required' } });
    const result = await fixInstance(planOf({ target: undefined }), context());
    expect(modifies()).toEqual([{ InstanceId: ID, HttpTokens: 'required' }]);
    expect(result.message).toContain('hop limit kept at its value');
  });

  it('a watched flip is recorded with the present time when no clock is given, and the outcome says it is watched', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceMetadataOptions: { HttpTokens: 'required', State: 'pending' } });
    const before = Date.now();
    const result = await fixInstance(planOf({ previous: { httpTokens: 'optional', httpPutResponseHopLimit: 2 } }), context({ now: undefined }));
    expect(writes()).toEqual(['CreateTags', 'ModifyInstanceMetadataOptions']);
    const tags = ec2.commandCalls(CreateTagsCommand)[0]!.args[0].input.Tags ?? [];
    const flippedAt = Date.parse(tags.find((t) => t.Key === 'imds-guard:flipped-at')!.Value!);
    expect(flippedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(flippedAt).toBeLessThanOrEqual(Date.now());
    expect(result.message).toContain('EC2 answered HttpTokens=required (pending); recorded on the instance and watched for rejected IMDSv1 calls');
  });

  it('a hop-limit-only change that fails is not watched: the AWS error as it came, no DeleteTags', async () => {
    const error = ec2Error('IncorrectInstanceState', "The instance 'i-0abc1234def567890' is not in a state from which it can be modified.");
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(error);
    const plan = planOf({ target: { httpPutResponseHopLimit: 2 }, previous: { httpTokens: 'required', httpPutResponseHopLimit: 5 } });
    await expect(fixInstance(plan, context())).rejects.toBe(error);
    expect(writes()).toEqual(['ModifyInstanceMetadataOptions']);
  });

  it('the hop limit asked for is named and checked against the answer', async () => {
    const plan = planOf({ target: { httpTokens: 'required', httpPutResponseHopLimit: 2 } });
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceMetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
    const kept = await fixInstance(plan, context());
    expect(modifies()).toEqual([{ InstanceId: ID, HttpTokens: 'required', HttpPutResponseHopLimit: 2 }]);
    expect(kept).toMatchObject({ verified: 'COMPLIANT' });
    expect(kept.message).toContain('HttpTokens=required, hop limit 2 on i-0abc1234def567890');

    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceMetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 5 } });
    expect(await fixInstance(plan, context())).toMatchObject({ verified: 'NON_COMPLIANT' });
  });

  it('an answer without the options is not taken as compliant, and says it is unknown', async () => {
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({ InstanceId: ID });
    const result = await fixInstance(planOf(), context());
    expect(result).toMatchObject({ changed: true, verified: 'NON_COMPLIANT' });
    expect(result.message).toContain('EC2 answered HttpTokens=unknown');
  });

  it('its IAM grant lets the role modify any instance of this account and Region, and tag it for the watch', () => {
    expect(instanceRemedy.permissions).toContainEqual(
      expect.objectContaining({
        sid: expect.stringMatching(/^[A-Za-z0-9]+$/),
        actions: ['ec2:ModifyInstanceMetadataOptions'],
        resources: ['arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*'],
        reason: expect.stringContaining('known only at run time'),
      }),
    );
    expect(instanceRemedy.permissions).toContain(WATCH_TAG_PERMISSIONS);
  });
});
