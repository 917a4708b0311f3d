/**
 * IMDS_GUARD_FINDINGS=own|annotate|both: imds-guard's evidence on Security
 * Hub's own control findings, with the calls it costs counted.
 */
import { readFileSync } from 'node:fs';
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../shared/model.js';
import type { Verdict } from '../../shared/verdict.js';
import type { FindingsMode } from '../../shared/policy.js';
import type { Report } from '../../shared/engine/ports.js';
import { withControlFindings } from '../../shared/sinks/annotate-control-findings.js';
import { createSecurityHubSink } from '../../shared/sinks/securityhub.js';
import { awsError } from '../support/aws-errors.js';

const ACCOUNT = '444455556666';
const REGION = 'eu-west-1';
const sh = mockClient(SecurityHubClient);
// A real client: mockClient(SecurityHubClient) answers for every instance, and the SDK paginator needs a client.
const client = new SecurityHubClient({ region: REGION });
const retry = { sleep: async () => {}, maxAttempts: 2 };

/** Security Hub's EC2.8 control finding, shape of test/fixtures/securityhub/custom-action-aggregated.json. */
const SAMPLE: AwsSecurityFinding = JSON.parse(readFileSync(new URL('../fixtures/securityhub/custom-action-aggregated.json', import.meta.url), 'utf8')).detail.findings[0];
const arn = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`;
function theirs(id: string, extra: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding {
  return { ...SAMPLE, Id: `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/EC2.8/finding/${id}`, Resources: [{ ...SAMPLE.Resources![0]!, Id: arn(id) }], ...extra };
}

function report(id: string, calls: number | null = 42): Report {
  const ref = { kind: 'instance' as const, id, account: ACCOUNT, region: REGION };
  const checks: CheckResult[] = [
    { check: 'imdsv2', control: 'EC2.8', compliance: 'NON_COMPLIANT', reason: 'HttpTokens=optional with the metadata endpoint enabled: IMDSv1 is accepted.' },
    { check: 'hop-limit', control: 'instance-hop-limit', compliance: 'COMPLIANT', reason: 'Hop limit 1 is within the ceiling 2.' },
  ];
  const verdict: Verdict = { ref, compliance: 'NON_COMPLIANT', checks, subject: { kind: 'instance', ref, state: 'running', metadata: { httpTokens: 'optional' }, tags: {} } };
  return { verdict, usage: { noTokenCalls: calls, lookbackDays: 14, ...(calls ? { lastSeen: new Date('2026-10-27T10:00:00Z') } : {}) } };
}

function sink(mode: FindingsMode) {
  return withControlFindings(createSecurityHubSink(client, { account: ACCOUNT, region: REGION, ...retry }), client, { account: ACCOUNT, region: REGION, mode, ...retry });
}

const imported = () => sh.commandCalls(BatchImportFindingsCommand).flatMap((c) => c.args[0].input.Findings!.map((f) => f.GeneratorId));
const updates = () => sh.commandCalls(BatchUpdateFindingsCommand).map((c) => c.args[0].input);

beforeEach(() => {
  sh.reset();
  sh.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
  sh.on(BatchUpdateFindingsCommand).callsFake((input) => ({ ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] }));
});

describe('findings beside Security Hub control findings', () => {
  it('own (default): no look-up, imds-guard findings only', async () => {
    await sink('own').publish([report('i-0a1b2c3d4e5f60718')]);
    expect(sh.commandCalls(GetFindingsCommand)).toHaveLength(0);
    expect(imported()).toEqual(['imds-guard/EC2.8', 'imds-guard/instance-hop-limit']);
  });

  it('annotate: the EC2.8 evidence goes onto Security Hub\'s finding, imds-guard imports only its own control', async () => {
    sh.on(GetFindingsCommand).resolves({ Findings: [theirs('i-0a1b2c3d4e5f60718')] });
    const result = await sink('annotate').publish([report('i-0a1b2c3d4e5f60718')]);

    const get = sh.commandCalls(GetFindingsCommand);
    expect(get).toHaveLength(1);
    expect(get[0]!.args[0].input.Filters).toMatchObject({
      ProductArn: [{ Value: `arn:aws:securityhub:${REGION}::product/aws/securityhub`, Comparison: 'EQUALS' }],
      ComplianceSecurityControlId: [{ Value: 'EC2.8', Comparison: 'EQUALS' }],
      ResourceId: [{ Value: arn('i-0a1b2c3d4e5f60718'), Comparison: 'EQUALS' }],
      AwsAccountId: [{ Value: ACCOUNT, Comparison: 'EQUALS' }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    });
    expect(imported()).toEqual(['imds-guard/instance-hop-limit']);
    const [update] = updates();
    expect(update!.FindingIdentifiers).toEqual([{ Id: theirs('i-0a1b2c3d4e5f60718').Id, ProductArn: `arn:aws:securityhub:${REGION}::product/aws/securityhub` }]);
    expect(update!.Note!.Text).toMatch(/^imds-guard: NON_COMPLIANT\. HttpTokens=optional.*42 MetadataNoToken calls in the last 14 days/);
    expect(update!.UserDefinedFields).toMatchObject({ 'imds-guard/compliance': 'NON_COMPLIANT', 'imds-guard/imdsv1-calls': '42 in 14d', 'imds-guard/imdsv1-last-seen': '2026-10-27T10:00:00.000Z' });
    expect(update!.Workflow).toBeUndefined();
    expect(result).toEqual({ published: 2, failed: [] });
  });

  it('annotate: where Security Hub has no finding (control off, not yet evaluated), imds-guard publishes its own', async () => {
    sh.on(GetFindingsCommand).resolves({ Findings: [] });
    await sink('annotate').publish([report('i-0a1b2c3d4e5f60718')]);
    expect(imported()).toEqual(['imds-guard/EC2.8', 'imds-guard/instance-hop-limit']);
    expect(updates()).toHaveLength(0);
  });

  it('both: own findings and the annotation', async () => {
    sh.on(GetFindingsCommand).resolves({ Findings: [theirs('i-0a1b2c3d4e5f60718')] });
    await sink('both').publish([report('i-0a1b2c3d4e5f60718')]);
    expect(imported()).toEqual(['imds-guard/EC2.8', 'imds-guard/instance-hop-limit']);
    expect(updates()).toHaveLength(1);
  });

  it('an unchanged annotation is not written again; other tools\' fields are kept', async () => {
    sh.on(GetFindingsCommand).resolves({ Findings: [theirs('i-0a1b2c3d4e5f60718')] });
    await sink('annotate').publish([report('i-0a1b2c3d4e5f60718')]);
    const first = updates()[0]!;
    sh.on(GetFindingsCommand).resolves({
      Findings: [theirs('i-0a1b2c3d4e5f60718', { Note: { Text: first.Note!.Text!, UpdatedBy: 'imds-guard', UpdatedAt: '2026-10-28T00:00:00Z' }, UserDefinedFields: { ...first.UserDefinedFields, ticket: 'SEC-42' } })],
    });
    sh.resetHistory();
    await sink('annotate').publish([report('i-0a1b2c3d4e5f60718')]);
    expect(updates()).toHaveLength(0);
    // The evidence changed: rewritten, the ticket field kept, the stale last-seen dropped.
    sh.resetHistory();
    await sink('annotate').publish([report('i-0a1b2c3d4e5f60718', 0)]);
    expect(updates()[0]!.UserDefinedFields).toEqual({ ticket: 'SEC-42', 'imds-guard/compliance': 'NON_COMPLIANT', 'imds-guard/imdsv1-calls': '0 in 14d' });
  });

  it('looks up 20 resources per GetFindings (the filter limit): 25 instances → 2 calls', async () => {
    sh.on(GetFindingsCommand).callsFake((input) => ({ Findings: input.Filters.ResourceId.map((r: { Value: string }) => theirs(r.Value.split('/').pop()!)) }));
    const rs = Array.from({ length: 25 }, (_, i) => report(`i-${String(i).padStart(17, '0')}`));
    await sink('annotate').publish(rs);
    expect(sh.commandCalls(GetFindingsCommand).map((c) => c.args[0].input.Filters!.ResourceId!.length)).toEqual([20, 5]);
    expect(imported().filter((g) => g === 'imds-guard/EC2.8')).toHaveLength(0);
    // One note per distinct text (the usage differs by nothing here): identical updates share a call.
    expect(updates()).toHaveLength(1);
    expect(updates()[0]!.FindingIdentifiers).toHaveLength(25);
  });

  it('a failed look-up loses nothing: imds-guard\'s own findings go out', async () => {
    // Still throttled after the SDK's own tries.
    sh.on(GetFindingsCommand).rejects(awsError('SecurityHub', 'TooManyRequestsException', 'Too Many Requests', { attempts: 3 }));
    const result = await sink('annotate').publish([report('i-0a1b2c3d4e5f60718')]);
    expect(imported()).toEqual(['imds-guard/EC2.8', 'imds-guard/instance-hop-limit']);
    expect(result.failed).toEqual([]);
  });
});
