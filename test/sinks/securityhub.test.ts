import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { findingId } from '../../shared/findings/asff.js';
import type { CheckResult, ResourceRef } from '../../shared/model.js';
import type { Outcome, Verdict } from '../../shared/verdict.js';
import type { Report } from '../../shared/engine/ports.js';
import { createSecurityHubSink, importBatches, listActiveFindingRefs } from '../../shared/sinks/securityhub.js';
import { awsError } from '../support/aws-errors.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const PRODUCT = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
const sh = mockClient(SecurityHubClient);
const noSleep = async (): Promise<void> => {};
const options = { account: ACCOUNT, region: REGION, now: () => new Date('2024-06-02T12:00:00.000Z'), sleep: noSleep, maxAttempts: 3 };

const ref = (id: string, account = ACCOUNT): ResourceRef => ({ kind: 'instance', id, account, region: REGION });

/** A report with one failed imdsv2 check (one finding). */
function report(id: string, checks: CheckResult['check'][] = ['imdsv2']): Report {
  const r = ref(id);
  const verdict: Verdict = {
    ref: r,
    compliance: 'NON_COMPLIANT',
    checks: checks.map((check) => ({ check, control: check === 'imdsv2' ? 'EC2.8' : 'instance-hop-limit', compliance: 'NON_COMPLIANT', reason: 'HttpTokens=optional' })),
    subject: { kind: 'instance', ref: r, state: 'running', metadata: { httpTokens: 'optional' }, tags: {} },
  };
  return { verdict };
}

const reports = (n: number): Report[] => Array.from({ length: n }, (_, i) => report(`i-${String(i).padStart(5, '0')}`));

function sentFindings(callIndex: number): AwsSecurityFinding[] {
  return (sh.commandCalls(BatchImportFindingsCommand)[callIndex]?.args[0].input.Findings ?? []) as AwsSecurityFinding[];
}

beforeEach(() => sh.reset());

describe('publish', () => {
  it('2,500 reports → 25 BatchImportFindings calls of 100', async () => {
    sh.on(BatchImportFindingsCommand).callsFake((input) => ({ FailedCount: 0, SuccessCount: input.Findings.length, FailedFindings: [] }));
    const result = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).publish(reports(2500));
    const calls = sh.commandCalls(BatchImportFindingsCommand);
    expect(calls).toHaveLength(25);
    expect(calls.every((c) => c.args[0].input.Findings?.length === 100)).toBe(true);
    expect(result).toEqual({ published: 2500, failed: [] });
    const ids = calls.flatMap((c) => c.args[0].input.Findings?.map((f) => f.Id));
    expect(new Set(ids).size).toBe(2500);
  });

  it('one finding per check: 150 reports with two checks → 3 calls', async () => {
    sh.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 100, FailedFindings: [] });
    const rs = Array.from({ length: 150 }, (_, i) => report(`i-${i}`, ['imdsv2', 'hop-limit']));
    const result = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).publish(rs);
    expect(sh.commandCalls(BatchImportFindingsCommand)).toHaveLength(3);
    expect(result.published).toBe(300);
  });

  it('retries only the FailedFindings, then reports what still fails', async () => {
    const flaky = findingId(ref('i-00001'), 'imdsv2');
    const stuck = findingId(ref('i-00002'), 'imdsv2');
    const invalid = findingId(ref('i-00003'), 'imdsv2');
    sh.on(BatchImportFindingsCommand)
      .resolvesOnce({
        FailedCount: 3,
        SuccessCount: 2,
        FailedFindings: [
          { Id: flaky, ErrorCode: 'InternalException', ErrorMessage: 'try again' },
          { Id: stuck, ErrorCode: 'InternalException', ErrorMessage: 'try again' },
          { Id: invalid, ErrorCode: 'InvalidInput', ErrorMessage: 'Title too long' },
        ],
      })
      .resolvesOnce({ FailedCount: 1, SuccessCount: 1, FailedFindings: [{ Id: stuck, ErrorCode: 'InternalException', ErrorMessage: 'try again' }] })
      .resolves({ FailedCount: 1, SuccessCount: 0, FailedFindings: [{ Id: stuck, ErrorCode: 'InternalException', ErrorMessage: 'still broken' }] });
    const result = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).publish(reports(5));
    const calls = sh.commandCalls(BatchImportFindingsCommand);
    expect(calls).toHaveLength(3);
    expect(sentFindings(1).map((f) => f.Id)).toEqual([flaky, stuck]);
    expect(sentFindings(2).map((f) => f.Id)).toEqual([stuck]);
    expect(result.published).toBe(3);
    expect(result.failed).toEqual([
      { id: invalid, error: 'InvalidInput: Title too long' },
      { id: stuck, error: 'InternalException: still broken (after 3 attempts)' },
    ]);
  });

  it('retries a throttled call', async () => {
    const throttle = awsError('SecurityHub', 'TooManyRequestsException', 'Too Many Requests', { attempts: 3 });
    sh.on(BatchImportFindingsCommand).rejectsOnce(throttle).rejectsOnce(throttle).resolves({ FailedCount: 0, SuccessCount: 2, FailedFindings: [] });
    const result = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).publish(reports(2));
    expect(sh.commandCalls(BatchImportFindingsCommand)).toHaveLength(3);
    expect(result).toEqual({ published: 2, failed: [] });
  });

  it('throttling that never ends fails the batch with the error, bounded', async () => {
    const throttle = awsError('SecurityHub', 'ThrottlingException', 'Rate exceeded', { attempts: 3 });
    sh.on(BatchImportFindingsCommand).rejects(throttle);
    const result = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).publish(reports(2));
    expect(sh.commandCalls(BatchImportFindingsCommand)).toHaveLength(3);
    expect(result.published).toBe(0);
    expect(result.failed).toHaveLength(2);
    expect(result.failed[0]?.error).toContain('ThrottlingException');
  });

  it('Security Hub not subscribed: one clear failure for everything, no throw, no more calls', async () => {
    const notEnabled = awsError('SecurityHub', 'InvalidAccessException', `Account ${ACCOUNT} is not subscribed to AWS Security Hub`);
    sh.on(BatchImportFindingsCommand).rejects(notEnabled);
    sh.on(BatchUpdateFindingsCommand).rejects(notEnabled);
    const sink = createSecurityHubSink(sh as unknown as SecurityHubClient, options);
    const result = await sink.publish(reports(250));
    expect(sh.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
    expect(result.published).toBe(0);
    expect(result.failed).toHaveLength(250);
    expect(result.failed.every((f) => f.error.includes('not subscribed'))).toBe(true);
    const archived = await sink.archive([ref('i-x')]);
    expect(archived.failed).toHaveLength(2);
    expect(sh.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
    const notes = await sink.annotate([outcome('i-x', 'failed')]);
    expect(notes.failed[0]?.error).toContain('not subscribed');
    expect(sh.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(0);
  });

  it('FailedFindings with InvalidAccess also mark Security Hub unusable', async () => {
    sh.on(BatchImportFindingsCommand).resolves({
      FailedCount: 1,
      SuccessCount: 0,
      FailedFindings: [{ Id: findingId(ref('i-00000'), 'imdsv2'), ErrorCode: 'InvalidAccess', ErrorMessage: 'Security Hub is not enabled' }],
    });
    const sink = createSecurityHubSink(sh as unknown as SecurityHubClient, options);
    expect((await sink.publish(reports(1))).failed[0]?.error).toContain('InvalidAccess');
    await sink.publish(reports(1));
    expect(sh.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
  });

  it('refuses findings of another account instead of sending them', async () => {
    sh.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    const other = report('i-other');
    other.verdict.ref = { ...other.verdict.ref, account: '999999999999' };
    const result = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).publish([other, report('i-ok')]);
    expect(result.published).toBe(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.error).toContain('999999999999');
    expect(sentFindings(0)).toHaveLength(1);
  });
});

describe('importBatches', () => {
  it('also splits on the 6 MB request limit', () => {
    const big = { Id: 'x', Description: 'y'.repeat(200 * 1024) } as AwsSecurityFinding;
    const batches = importBatches(Array.from({ length: 40 }, () => big));
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThan(6 * 1024 * 1024);
    expect(batches.flat()).toHaveLength(40);
  });
});

describe('archive', () => {
  it('re-imports one ARCHIVED finding per check', async () => {
    sh.on(BatchImportFindingsCommand).resolves({ FailedCount: 0, SuccessCount: 4, FailedFindings: [] });
    const result = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).archive([ref('i-1'), ref('i-2')]);
    const sent = sentFindings(0);
    expect(sent.map((f) => f.Id)).toEqual([
      findingId(ref('i-1'), 'imdsv2'),
      findingId(ref('i-1'), 'hop-limit'),
      findingId(ref('i-2'), 'imdsv2'),
      findingId(ref('i-2'), 'hop-limit'),
    ]);
    expect(sent.every((f) => f.RecordState === 'ARCHIVED')).toBe(true);
    expect(result.published).toBe(4);
  });
});

function outcome(id: string, status: Outcome['status'], over: Partial<Outcome> = {}): Outcome {
  return {
    plan: { ref: ref(id), action: 'modify-instance-metadata-options', target: { httpTokens: 'required' }, gates: [], execute: true, summary: 'Will set HttpTokens=required.' },
    status,
    message: status === 'failed' ? 'UnauthorizedOperation: not allowed' : `did ${status}`,
    at: new Date('2024-06-02T12:00:00.000Z'),
    ...over,
  };
}

describe('annotate', () => {
  beforeEach(() => sh.on(BatchUpdateFindingsCommand).callsFake((input) => ({ ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] })));

  it('sets RESOLVED only for a verified fix, NOTIFIED for failures, no workflow for skipped/planned', async () => {
    const result = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).annotate([
      outcome('i-ok', 'remediated', { verifiedCompliance: 'COMPLIANT' }),
      outcome('i-unverified', 'remediated', { verifiedCompliance: 'NON_COMPLIANT' }),
      outcome('i-bad', 'failed'),
      outcome('i-skip', 'skipped'),
      outcome('i-plan', 'planned'),
    ]);
    const calls = sh.commandCalls(BatchUpdateFindingsCommand).map((c) => c.args[0].input);
    const byId = (id: string) => calls.find((c) => c.FindingIdentifiers?.some((f) => f.Id === findingId(ref(id), 'imdsv2')));
    expect(byId('i-ok')?.Workflow).toEqual({ Status: 'RESOLVED' });
    expect(byId('i-unverified')?.Workflow).toEqual({ Status: 'NOTIFIED' });
    expect(byId('i-bad')?.Workflow).toEqual({ Status: 'NOTIFIED' });
    expect(byId('i-bad')?.Note?.Text).toContain('UnauthorizedOperation: not allowed');
    expect(byId('i-skip')?.Workflow).toBeUndefined();
    expect(byId('i-plan')?.Workflow).toBeUndefined();
    expect(byId('i-skip')?.Note?.Text).toContain('did skipped');
    for (const c of calls) {
      expect(c.Note?.UpdatedBy).toBe('imds-guard');
      expect(c.Note?.Text?.length).toBeLessThanOrEqual(512);
      expect(c.FindingIdentifiers?.every((f) => f.ProductArn === PRODUCT)).toBe(true);
    }
    expect(result).toEqual({ published: 5, failed: [] });
  });

  it('also annotates the hop-limit finding when the plan changes the hop limit', async () => {
    const o = outcome('i-hop', 'remediated', { verifiedCompliance: 'COMPLIANT' });
    o.plan.target = { httpTokens: 'required', httpPutResponseHopLimit: 2 };
    await createSecurityHubSink(sh as unknown as SecurityHubClient, options).annotate([o]);
    const ids = sh.commandCalls(BatchUpdateFindingsCommand)[0]?.args[0].input.FindingIdentifiers?.map((f) => f.Id);
    expect(ids).toEqual([findingId(ref('i-hop'), 'imdsv2'), findingId(ref('i-hop'), 'hop-limit')]);
  });

  it('resolves the imdsv2 finding of a fixed instance even when its hop-limit check still fails', async () => {
    const fixed = outcome('i-tall', 'remediated', { verifiedCompliance: 'NON_COMPLIANT' });
    fixed.verifiedVerdict = {
      ref: ref('i-tall'),
      compliance: 'NON_COMPLIANT',
      checks: [
        { check: 'imdsv2', control: 'EC2.8', compliance: 'COMPLIANT', reason: 'HttpTokens=required' },
        { check: 'hop-limit', control: 'instance-hop-limit', compliance: 'NON_COMPLIANT', reason: 'hop limit 5 > 2' },
      ],
      subject: { kind: 'missing', ref: ref('i-tall') },
    };
    await createSecurityHubSink(sh as unknown as SecurityHubClient, options).annotate([fixed]);
    const call = sh.commandCalls(BatchUpdateFindingsCommand)[0]!.args[0].input;
    expect(call.FindingIdentifiers?.map((f) => f.Id)).toEqual([findingId(ref('i-tall'), 'imdsv2')]);
    expect(call.Workflow).toEqual({ Status: 'RESOLVED' });
  });

  it('batches identical updates 100 identifiers per call', async () => {
    const outcomes = Array.from({ length: 250 }, (_, i) => outcome(`i-${i}`, 'skipped', { message: 'detect mode: no change is made' }));
    await createSecurityHubSink(sh as unknown as SecurityHubClient, options).annotate(outcomes);
    const calls = sh.commandCalls(BatchUpdateFindingsCommand);
    expect(calls.map((c) => c.args[0].input.FindingIdentifiers?.length)).toEqual([100, 100, 50]);
  });

  it('retries UnprocessedFindings, then reports them', async () => {
    sh.reset();
    const id = findingId(ref('i-late'), 'imdsv2');
    sh.on(BatchUpdateFindingsCommand)
      .resolvesOnce({ ProcessedFindings: [], UnprocessedFindings: [{ FindingIdentifier: { Id: id, ProductArn: PRODUCT }, ErrorCode: 'FindingNotFound', ErrorMessage: 'not yet' }] })
      .resolves({ ProcessedFindings: [{ Id: id, ProductArn: PRODUCT }], UnprocessedFindings: [] });
    const ok = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).annotate([outcome('i-late', 'failed')]);
    expect(sh.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(2);
    expect(ok).toEqual({ published: 1, failed: [] });

    sh.reset();
    sh.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [],
      UnprocessedFindings: [{ FindingIdentifier: { Id: id, ProductArn: PRODUCT }, ErrorCode: 'FindingNotFound', ErrorMessage: 'gone' }],
    });
    const bad = await createSecurityHubSink(sh as unknown as SecurityHubClient, options).annotate([outcome('i-late', 'failed')]);
    expect(sh.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(3);
    expect(bad.failed).toEqual([{ id, error: 'FindingNotFound: gone (after 3 attempts)' }]);
  });
});

describe('listActiveFindingRefs', () => {
  it('pages through GetFindings with our filters and returns one ref per resource', async () => {
    const f = (id: string, check: string) => ({ Id: `imds-guard/${REGION}/${ACCOUNT}/instance/${id}/${check}` });
    sh.on(GetFindingsCommand)
      .resolvesOnce({ Findings: [f('i-1', 'imdsv2'), f('i-1', 'hop-limit')] as AwsSecurityFinding[], NextToken: 'p2' })
      .resolvesOnce({ Findings: [f('i-2', 'imdsv2'), { Id: 'someone-else/x' }] as AwsSecurityFinding[] });
    const refs = await listActiveFindingRefs(sh as unknown as SecurityHubClient, { account: ACCOUNT, region: REGION, sleep: noSleep });
    expect(refs).toEqual([ref('i-1'), ref('i-2')]);
    const calls = sh.commandCalls(GetFindingsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.NextToken).toBe('p2');
    expect(calls[0]?.Filters).toMatchObject({
      ProductArn: [{ Value: PRODUCT, Comparison: 'EQUALS' }],
      GeneratorId: [{ Value: 'imds-guard/', Comparison: 'PREFIX' }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    });
  });

  it('returns nothing (no throw) when Security Hub is not enabled', async () => {
    sh.on(GetFindingsCommand).rejects(awsError('SecurityHub', 'InvalidAccessException', `Account ${ACCOUNT} is not subscribed to AWS Security Hub`));
    expect(await listActiveFindingRefs(sh as unknown as SecurityHubClient, { account: ACCOUNT, region: REGION })).toEqual([]);
  });
});
