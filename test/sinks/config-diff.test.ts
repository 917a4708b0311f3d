/**
 * The periodic Config run puts only evaluations that differ from what Config
 * holds (GetComplianceDetailsByConfigRule), or that it does not hold.
 */
import { ConfigServiceClient, GetComplianceDetailsByConfigRuleCommand, PutEvaluationsCommand, type Evaluation } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { diffAgainstConfig, putEvaluations, readConfigHeld, toEvaluation, type EvaluationItem } from '../../shared/sinks/config.js';
import { awsError } from '../support/aws-errors.js';
import { instance } from '../support/subjects.js';
import { evaluate } from '../../shared/engine/evaluate.js';
import { DEFAULT_POLICY } from '../../shared/policy.js';

const config = mockClient(ConfigServiceClient);
/** A real client (the SDK paginator checks the class); its send is the mock's. */
const client = new ConfigServiceClient({ region: 'us-east-1' });
beforeEach(() => config.reset());

const at = new Date('2026-11-01T00:00:00Z');
const ev = (id: string, type: Evaluation['ComplianceType'], annotation = 'a'): Evaluation => ({
  ComplianceResourceType: 'AWS::EC2::Instance',
  ComplianceResourceId: id,
  ComplianceType: type,
  Annotation: annotation,
  OrderingTimestamp: at,
});

/** A GetComplianceDetailsByConfigRule result as the API reference shapes it. */
const held = (id: string, type: string, annotation = 'a') => ({
  EvaluationResultIdentifier: {
    EvaluationResultQualifier: { ConfigRuleName: 'imds-guard', ResourceType: 'AWS::EC2::Instance', ResourceId: id, EvaluationMode: 'DETECTIVE' as const },
    OrderingTimestamp: at,
  },
  ComplianceType: type as 'COMPLIANT',
  Annotation: annotation,
  ResultRecordedTime: at,
  ConfigRuleInvokedTime: at,
});

describe('diffAgainstConfig', () => {
  it('keeps what differs in compliance or annotation, or is missing, and nothing else', () => {
    const map = new Map([
      ['AWS::EC2::Instance/i-same', { complianceType: 'COMPLIANT', annotation: 'a' }],
      ['AWS::EC2::Instance/i-flip', { complianceType: 'COMPLIANT', annotation: 'a' }],
      ['AWS::EC2::Instance/i-text', { complianceType: 'NON_COMPLIANT', annotation: 'old reason' }],
    ]);
    const out = diffAgainstConfig([ev('i-same', 'COMPLIANT'), ev('i-flip', 'NON_COMPLIANT'), ev('i-text', 'NON_COMPLIANT', 'new reason'), ev('i-new', 'COMPLIANT')], map);
    expect(out.map((e) => e.ComplianceResourceId)).toEqual(['i-flip', 'i-text', 'i-new']);
  });
});

describe('readConfigHeld + putEvaluations', () => {
  it('pages through what Config holds and puts only the difference', async () => {
    const items: EvaluationItem[] = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c'].map((id) => ({
      verdict: evaluate(instance(id, { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' }), DEFAULT_POLICY),
      orderingTimestamp: at,
    }));
    const [a, b] = items.map(toEvaluation) as [Evaluation, Evaluation];
    expect(a.ComplianceType).toBe('COMPLIANT');
    config
      .on(GetComplianceDetailsByConfigRuleCommand)
      // a: Config still holds the old NON_COMPLIANT result; b: exactly what we would put; c: nothing held.
      .resolvesOnce({ EvaluationResults: [held('i-0000000000000000a', 'NON_COMPLIANT', 'HttpTokens is optional')], NextToken: 't1' })
      .resolves({ EvaluationResults: [held('i-0000000000000000b', b.ComplianceType as string, b.Annotation)] });
    config.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });

    const map = await readConfigHeld(client, 'imds-guard');
    expect(config.commandCalls(GetComplianceDetailsByConfigRuleCommand)).toHaveLength(2);
    expect(config.commandCalls(GetComplianceDetailsByConfigRuleCommand)[1]!.args[0].input.NextToken).toBe('t1');
    const result = await putEvaluations(client, 'token', items, { held: map! });
    const put = config.commandCalls(PutEvaluationsCommand).flatMap((c) => c.args[0].input.Evaluations!.map((e) => e.ComplianceResourceId));
    expect(put).toEqual(['i-0000000000000000a', 'i-0000000000000000c']);
    expect(result).toMatchObject({ published: 2, unchanged: 1, failed: [] });
  });

  it('puts nothing (and makes no PutEvaluations call) when Config already holds every result', async () => {
    const items: EvaluationItem[] = [{ verdict: evaluate(instance('i-0000000000000000a', { httpTokens: 'optional', httpPutResponseHopLimit: 2 }), DEFAULT_POLICY), orderingTimestamp: at }];
    const e = toEvaluation(items[0]!);
    const map = new Map([[`AWS::EC2::Instance/i-0000000000000000a`, { complianceType: e.ComplianceType as string, annotation: e.Annotation as string }]]);
    const result = await putEvaluations(client, 'token', items, { held: map });
    expect(config.commandCalls(PutEvaluationsCommand)).toHaveLength(0);
    expect(result).toMatchObject({ published: 0, unchanged: 1 });
  });

  it('puts everything when what Config holds cannot be read', async () => {
    config.on(GetComplianceDetailsByConfigRuleCommand).rejects(
      awsError('ConfigService', 'AccessDeniedException', 'User: arn:aws:sts::111122223333:assumed-role/audit/alice is not authorized to perform: config:GetComplianceDetailsByConfigRule'),
    );
    expect(await readConfigHeld(client, 'imds-guard')).toBeUndefined();
  });
});
