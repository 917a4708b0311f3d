import { ConfigServiceClient, PutEvaluationsCommand, type Evaluation } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Compliance, ResourceKind } from '../../shared/model.js';
import type { Verdict } from '../../shared/verdict.js';
import { annotationFor, putEvaluations, toEvaluation, type EvaluationItem } from '../../shared/sinks/config.js';
import { awsError } from '../support/aws-errors.js';

const ACCOUNT = '111122223333';
const cfg = mockClient(ConfigServiceClient);
const noSleep = async (): Promise<void> => {};
const opts = { sleep: noSleep, maxAttempts: 3 };
const AT = new Date('2024-06-02T12:00:00.000Z');

function verdict(kind: ResourceKind, id: string, compliance: Compliance = 'NON_COMPLIANT', reason = 'HttpTokens=optional'): Verdict {
  const ref = { kind, id, account: ACCOUNT, region: 'eu-west-1' };
  return {
    ref,
    compliance,
    checks: [
      { check: 'imdsv2', control: 'EC2.8', compliance, reason },
      { check: 'hop-limit', control: 'instance-hop-limit', compliance: 'COMPLIANT', reason: 'Hop limit 1 is within the ceiling 2.' },
    ],
    subject: { kind: 'missing', ref },
  };
}

const items = (n: number): EvaluationItem[] => Array.from({ length: n }, (_, i) => ({ verdict: verdict('instance', `i-${i}`), orderingTimestamp: AT }));

beforeEach(() => cfg.reset());

describe('toEvaluation', () => {
  it('maps each kind to Config\'s resource type and id', () => {
    expect(toEvaluation({ verdict: verdict('instance', 'i-1'), orderingTimestamp: AT })).toMatchObject({
      ComplianceResourceType: 'AWS::EC2::Instance',
      ComplianceResourceId: 'i-1',
      ComplianceType: 'NON_COMPLIANT',
      OrderingTimestamp: AT,
    });
    expect(toEvaluation({ verdict: verdict('launch-template', 'lt-1'), orderingTimestamp: AT }).ComplianceResourceType).toBe('AWS::EC2::LaunchTemplate');
    expect(toEvaluation({ verdict: verdict('launch-configuration', 'web-lc'), orderingTimestamp: '2024-06-01T00:00:00Z' })).toMatchObject({
      ComplianceResourceType: 'AWS::AutoScaling::LaunchConfiguration',
      ComplianceResourceId: 'web-lc',
      OrderingTimestamp: new Date('2024-06-01T00:00:00Z'),
    });
    expect(toEvaluation({ verdict: verdict('account-defaults', ACCOUNT), orderingTimestamp: AT })).toMatchObject({
      ComplianceResourceType: 'AWS::::Account',
      ComplianceResourceId: ACCOUNT,
    });
  });

  it('echoes Config\'s own resource id when given', () => {
    expect(toEvaluation({ verdict: verdict('launch-configuration', 'web-lc'), orderingTimestamp: AT, resourceId: 'cfg-id' }).ComplianceResourceId).toBe('cfg-id');
  });

  it('annotation names the deciding checks and stays ≤ 256 characters', () => {
    expect(annotationFor(verdict('instance', 'i-1'))).toBe('[EC2.8] HttpTokens=optional');
    const long = annotationFor(verdict('instance', 'i-1', 'NON_COMPLIANT', 'é😀'.repeat(300)));
    expect(long.length).toBeLessThanOrEqual(256);
    expect(long.endsWith('…')).toBe(true);
    // no lone surrogate before the ellipsis
    const beforeCut = long.charCodeAt(long.length - 2);
    expect(beforeCut >= 0xd800 && beforeCut <= 0xdbff).toBe(false);
  });
});

describe('putEvaluations', () => {
  it('250 evaluations → 3 calls of 100, 100, 50', async () => {
    cfg.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    const result = await putEvaluations(cfg as unknown as ConfigServiceClient, 'token-1', items(250), opts);
    const calls = cfg.commandCalls(PutEvaluationsCommand);
    expect(calls.map((c) => c.args[0].input.Evaluations?.length)).toEqual([100, 100, 50]);
    expect(calls.every((c) => c.args[0].input.ResultToken === 'token-1')).toBe(true);
    expect(result).toEqual({ published: 250, failed: [] });
  });

  it('retries FailedEvaluations only, then reports what still fails', async () => {
    const failed = (id: string): Evaluation => ({ ComplianceResourceType: 'AWS::EC2::Instance', ComplianceResourceId: id, ComplianceType: 'NON_COMPLIANT', OrderingTimestamp: AT });
    cfg.on(PutEvaluationsCommand)
      .resolvesOnce({ FailedEvaluations: [failed('i-1'), failed('i-2')] })
      .resolvesOnce({ FailedEvaluations: [failed('i-2')] })
      .resolves({ FailedEvaluations: [failed('i-2')] });
    const result = await putEvaluations(cfg as unknown as ConfigServiceClient, 't', items(4), opts);
    const calls = cfg.commandCalls(PutEvaluationsCommand).map((c) => c.args[0].input.Evaluations?.map((e) => e.ComplianceResourceId));
    expect(calls).toEqual([['i-0', 'i-1', 'i-2', 'i-3'], ['i-1', 'i-2'], ['i-2']]);
    expect(result.published).toBe(3);
    expect(result.failed).toEqual([{ id: 'AWS::EC2::Instance/i-2', error: 'FailedEvaluations: rejected by PutEvaluations (after 3 attempts)' }]);
  });

  it('retries throttling', async () => {
    const throttle = awsError('ConfigService', 'ThrottlingException', 'Rate exceeded', { attempts: 3 });
    cfg.on(PutEvaluationsCommand).rejectsOnce(throttle).resolves({ FailedEvaluations: [] });
    const result = await putEvaluations(cfg as unknown as ConfigServiceClient, 't', items(3), opts);
    expect(cfg.commandCalls(PutEvaluationsCommand)).toHaveLength(2);
    expect(result).toEqual({ published: 3, failed: [] });
  });

  it('an invalid result token fails everything without retrying or throwing', async () => {
    cfg.on(PutEvaluationsCommand).rejects(awsError('ConfigService', 'InvalidResultTokenException', 'The result token is invalid'));
    const result = await putEvaluations(cfg as unknown as ConfigServiceClient, 'bad', items(150), opts);
    expect(cfg.commandCalls(PutEvaluationsCommand)).toHaveLength(1);
    expect(result.published).toBe(0);
    expect(result.failed).toHaveLength(150);
    expect(result.failed[0]?.error).toContain('InvalidResultTokenException');
  });

  it('sends account defaults as AWS::::Account with the account id', async () => {
    cfg.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    const account = { verdict: verdict('account-defaults', ACCOUNT), orderingTimestamp: AT };
    const result = await putEvaluations(cfg as unknown as ConfigServiceClient, 't', [account, ...items(1)], opts);
    expect(cfg.commandCalls(PutEvaluationsCommand)[0]?.args[0].input.Evaluations?.map((e) => [e.ComplianceResourceType, e.ComplianceResourceId])).toEqual([
      ['AWS::::Account', ACCOUNT],
      ['AWS::EC2::Instance', 'i-0'],
    ]);
    expect(result.published).toBe(2);
  });

  it('one evaluation per resource, the last one wins', async () => {
    cfg.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    await putEvaluations(
      cfg as unknown as ConfigServiceClient,
      't',
      [
        { verdict: verdict('instance', 'i-1', 'NON_COMPLIANT'), orderingTimestamp: AT },
        { verdict: verdict('instance', 'i-1', 'COMPLIANT', 'HttpTokens=required'), orderingTimestamp: AT },
      ],
      opts,
    );
    const sent = cfg.commandCalls(PutEvaluationsCommand)[0]?.args[0].input.Evaluations;
    expect(sent).toHaveLength(1);
    expect(sent?.[0]?.ComplianceType).toBe('COMPLIANT');
  });
});
