/**
 * SUPPRESSED findings respected as an exemption from remediation:
 * the GetFindings edge (20 resource ARNs a call) and the pipeline step.
 */
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSuppressedLookup } from '../../shared/findings/suppressed.js';
import { refKey } from '../../shared/model.js';
import { type Outcome, type Plan } from '../../shared/verdict.js';
import { processSubjects } from '../../shared/engine/pipeline.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';
import type { UsageSource } from '../../shared/engine/ports.js';
import { awsError } from '../support/aws-errors.js';
import { instance, ref } from '../support/subjects.js';

const hub = mockClient(SecurityHubClient);
const client = new SecurityHubClient({ region: 'us-east-1' });
const arn = (id: string) => `arn:aws:ec2:us-east-1:123456789012:instance/${id}`;
const ids = Array.from({ length: 25 }, (_, i) => `i-0${String(i).padStart(16, '0')}`);

beforeEach(() => hub.reset());

describe('createSuppressedLookup', () => {
  it('asks 20 ARNs a call for SUPPRESSED, ACTIVE findings and names the control that was suppressed', async () => {
    hub.on(GetFindingsCommand).callsFake((input: { Filters: { ResourceId: { Value: string }[] } }) => ({
      Findings: input.Filters.ResourceId.some((f) => f.Value === arn(ids[21]!))
        ? [{ Id: 'f-1', Title: 'EC2 instances should use IMDSv2', Compliance: { SecurityControlId: 'EC2.8' }, Resources: [{ Id: arn(ids[21]!), Type: 'AwsEc2Instance' }] }]
        : [],
    }));
    const found = await createSuppressedLookup(client)(ids.map((id) => ({ ref: ref('instance', id) })));
    const calls = hub.commandCalls(GetFindingsCommand);
    expect(calls.map((c) => c.args[0].input.Filters?.ResourceId?.length)).toEqual([20, 5]);
    expect(calls[0]!.args[0].input.Filters?.WorkflowStatus).toEqual([{ Value: 'SUPPRESSED', Comparison: 'EQUALS' }]);
    expect(calls[0]!.args[0].input.Filters?.RecordState).toEqual([{ Value: 'ACTIVE', Comparison: 'EQUALS' }]);
    expect([...found.keys()]).toEqual([refKey(ref('instance', ids[21]!))]);
    expect(found.get(refKey(ref('instance', ids[21]!)))).toContain('EC2.8');
  });
});

describe('pipeline: SUPPRESSED before acting', () => {
  const unused: UsageSource = { usage: async (list, days) => new Map(list.map((id) => [id, { noTokenCalls: 0, lookbackDays: days }])) };
  const policy = { ...DEFAULT_POLICY, mode: 'enforce' as const };
  let executed: Plan[];
  const remediator = async (plans: readonly Plan[]): Promise<Outcome[]> => {
    executed = plans.filter((p) => p.execute);
    return plans.map((plan) => ({ plan, status: plan.execute ? 'remediated' : 'skipped', message: plan.summary, at: new Date() }));
  };
  const deps = (lookup: Parameters<typeof processSubjects>[1]['suppressed']) => ({ policy, loader: { load: async () => [] }, usage: unused, remediator, suppressed: lookup });

  it('a suppressed resource is reported but not changed, and its plan says why', async () => {
    const asked: string[][] = [];
    const result = await processSubjects([instance('i-0aaaaaaaaaaaaaaa1'), instance('i-0aaaaaaaaaaaaaaa2')], deps(async (resources) => {
      asked.push(resources.map((r) => r.ref.id));
      return new Map([[refKey(ref('instance', 'i-0aaaaaaaaaaaaaaa2')), 'its Security Hub finding EC2.8 was set to SUPPRESSED']]);
    }));
    expect(asked).toEqual([['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2']]);
    expect(executed.map((p) => p.ref.id)).toEqual(['i-0aaaaaaaaaaaaaaa1']);
    const held = result.reports.find((r) => r.verdict.ref.id === 'i-0aaaaaaaaaaaaaaa2')!;
    expect(held.verdict.compliance).toBe('NON_COMPLIANT'); // detection is unchanged
    expect(held.outcome?.plan.gates.find((g) => g.gate === 'not-suppressed')).toMatchObject({ passed: false });
    expect(held.outcome?.message).toContain('SUPPRESSED');
  });

  it('when the look-up fails, nothing about to be changed is changed', async () => {
    await processSubjects([instance('i-0aaaaaaaaaaaaaaa1')], deps(async () => {
      throw awsError('SecurityHub', 'AccessDeniedException', 'User is not authorized to perform: securityhub:GetFindings');
    }));
    expect(executed).toEqual([]);
  });

  it('a person asking for the fix is not second-guessed (no look-up), and IMDS_GUARD_RESPECT_SUPPRESSED=false turns it off', async () => {
    let asked = 0;
    const lookup = async () => {
      asked++;
      return new Map<string, string>();
    };
    await processSubjects([instance('i-0aaaaaaaaaaaaaaa1')], deps(lookup), { humanRequest: true });
    await processSubjects([instance('i-0aaaaaaaaaaaaaaa1')], { ...deps(lookup), policy: { ...policy, respectSuppressed: false } });
    expect(asked).toBe(0);
    expect(executed).toHaveLength(1);
  });
});
