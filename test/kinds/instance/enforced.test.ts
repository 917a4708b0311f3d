/**
 * In an account-region that enforces IMDSv2 (GetInstanceMetadataDefaults
 * HttpTokensEnforced=enabled) a switch to IMDSv2 cannot be rolled back: AWS
 * refuses HttpTokens=optional on existing instances. The finding, the plan
 * and the dry-run note say so before the change; the usage gates are as
 * everywhere else.
 */
import { DescribeInstancesCommand, GetInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../../shared/engine/decide.js';
import { evaluate } from '../../../shared/engine/evaluate.js';
import type { InstanceSubject } from '../../../shared/kinds/instance/subject.js';
import { createLoader } from '../../../shared/wiring/load.js';
import { createInventory } from '../../../shared/wiring/inventory.js';
import { instance, mockedClients, SCOPE } from '../../aws/helpers.js';
import { ec2Error } from '../../support/aws-errors.js';
import { instanceSubject, NOW, policy } from '../../act/helpers.js';

const { clients, ec2 } = mockedClients();
const PHRASE = 'cannot be rolled back while the account enforces IMDSv2';
const OPTIONAL = { State: 'applied' as const, HttpTokens: 'optional' as const, HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' as const };

beforeEach(() => ec2.reset());

describe('the instance edge reads the enforcement only when it matters', () => {
  it('an instance that allows IMDSv1: one GetInstanceMetadataDefaults, and the subject knows the account enforces', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-0aaaaaaaaaaaaaaa1', { MetadataOptions: OPTIONAL }), instance('i-0aaaaaaaaaaaaaaa2', { MetadataOptions: OPTIONAL })] }] });
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required', HttpTokensEnforced: 'enabled' } });
    const subjects = (await createLoader(clients, { account: SCOPE.account }).load([
      { kind: 'instance', id: 'i-0aaaaaaaaaaaaaaa1', ...SCOPE },
      { kind: 'instance', id: 'i-0aaaaaaaaaaaaaaa2', ...SCOPE },
    ])) as InstanceSubject[];
    expect(subjects.map((s) => s.accountEnforced)).toEqual([true, true]);
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(1);
  });

  it('only IMDSv2-only instances: no extra call', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-0aaaaaaaaaaaaaaa1')] }] });
    const [subject] = (await createLoader(clients, { account: SCOPE.account }).load([{ kind: 'instance', id: 'i-0aaaaaaaaaaaaaaa1', ...SCOPE }])) as InstanceSubject[];
    expect(subject!.accountEnforced).toBeUndefined();
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(0);
  });

  it('a denied GetInstanceMetadataDefaults leaves it unknown; the instance is still judged', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-0aaaaaaaaaaaaaaa1', { MetadataOptions: OPTIONAL })] }] });
    ec2.on(GetInstanceMetadataDefaultsCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const [subject] = (await createLoader(clients, { account: SCOPE.account }).load([{ kind: 'instance', id: 'i-0aaaaaaaaaaaaaaa1', ...SCOPE }])) as InstanceSubject[];
    expect(subject!.accountEnforced).toBeUndefined();
    expect(evaluate(subject!, policy(), NOW).compliance).toBe('NON_COMPLIANT');
  });

  it('a sweep page shares the inventory\'s one GetInstanceMetadataDefaults', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-0aaaaaaaaaaaaaaa1', { MetadataOptions: OPTIONAL })] }] });
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokensEnforced: 'disabled' } });
    const inventory = createInventory(clients, SCOPE);
    const pages: InstanceSubject[][] = [];
    for await (const page of inventory.pages('instance')) pages.push(page);
    for await (const _ of inventory.pages('account-defaults')) void _;
    expect(pages.flat().map((s) => s.accountEnforced)).toEqual([false]);
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(1);
  });
});

describe('said before the change', () => {
  const enforced = instanceSubject({ metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' }, accountEnforced: true });
  const unused = { noTokenCalls: 0, lookbackDays: 14 };

  it('the finding', () => {
    const reason = evaluate(enforced, policy(), NOW).checks.find((c) => c.check === 'imdsv2')!.reason;
    expect(reason).toContain(`A switch to IMDSv2 ${PHRASE} in us-east-1`);
  });

  it('the plan (enforce mode) and the dry-run note', () => {
    const plan = decide(evaluate(enforced, policy({ mode: 'enforce' }), NOW), policy({ mode: 'enforce' }), { now: NOW, usage: unused });
    expect(plan.execute).toBe(true);
    expect(plan.irreversible).toContain(PHRASE);
    expect(plan.summary).toMatch(new RegExp(`^Will set HttpTokens=required on instance i-0abc1234def567890 \\(hop limit kept at 1\\); this ${PHRASE} in us-east-1`));
    const dry = decide(evaluate(enforced, policy({ mode: 'dry-run' }), NOW), policy({ mode: 'dry-run' }), { now: NOW, usage: unused });
    expect(dry.summary).toMatch(new RegExp(`^Dry run: would set HttpTokens=required .*; this ${PHRASE}`));
  });

  it('the usage gates stay as they are: IMDSv1 in use still holds it back', () => {
    const plan = decide(evaluate(enforced, policy({ mode: 'enforce' }), NOW), policy({ mode: 'enforce' }), { now: NOW, usage: { noTokenCalls: 7, lookbackDays: 14 } });
    expect(plan.execute).toBe(false);
    expect(plan.gates.find((g) => g.gate === 'imdsv1-unused')?.passed).toBe(false);
  });

  it('not said where it can be rolled back, nor for a hop-limit-only change', () => {
    const free = instanceSubject({ metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' }, accountEnforced: false });
    const plan = decide(evaluate(free, policy({ mode: 'enforce' }), NOW), policy({ mode: 'enforce' }), { now: NOW, usage: unused });
    expect(plan.summary).not.toContain('rolled back');
    expect(plan.irreversible).toBeUndefined();
    const hopOnly = instanceSubject({ metadata: { httpTokens: 'required', httpPutResponseHopLimit: 5, httpEndpoint: 'enabled' }, accountEnforced: true });
    const p = policy({ mode: 'enforce', lowerHopLimit: true });
    expect(decide(evaluate(hopOnly, p, NOW), p, { now: NOW, usage: unused }).irreversible).toBeUndefined();
  });
});
