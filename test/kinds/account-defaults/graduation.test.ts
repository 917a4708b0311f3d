/**
 * A graduation (HttpTokensEnforced switched on by the account-defaults
 * remedy) is recorded first, with who and when, so the watch after it finds
 * it in its guard window; a rolled-back mark or an unreadable record holds it
 * back; no record, no switch.
 */
import { GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
import { errorText } from '../../../shared/errors.js';
import { fixAccountDefaults } from '../../../shared/kinds/account-defaults/remedy.js';
import { emptyRecord, graduate, type EnforcementRecord, type EnforcementState, type EnforcementStore } from '../../../shared/watch/account/record.js';
import { planFor, remediationHarness } from '../../act/harness.js';
import { awsError, ec2Error } from '../../support/aws-errors.js';
import { stageReport } from '../../support/subjects.js';
import { ACCOUNT, accountSubject, NOW, policy } from '../../act/helpers.js';

const { ec2, writes, deps } = remediationHarness();
const WHERE = 's3://state/imds-guard/state/111122223333/us-east-1/enforcement.json';
const ENFORCE = policy({ enforceAccountDefault: 'true', guardWindowHours: 12 });
/** An account-region imds-guard may graduate: its stage is `ready`. */
const READY_ACCOUNT = accountSubject({ stage: stageReport('ready') });

function store(initial?: EnforcementRecord, options: { unreadable?: string; failWrite?: boolean; failSecondWrite?: boolean } = {}) {
  const written: EnforcementRecord[] = [];
  const s: EnforcementStore = {
    where: WHERE,
    read: async (): Promise<EnforcementState> =>
      options.unreadable ? { kind: 'unreadable', where: WHERE, error: options.unreadable } : { kind: 'read', where: WHERE, ...(initial ? { record: initial } : {}) },
    write: async (r) => {
      if (options.failWrite || (options.failSecondWrite && written.length === 1)) throw awsError('S3', 'AccessDenied', 'Access Denied');
      written.push(structuredClone(r));
    },
  };
  return { s, written };
}

function switchable(): void {
  ec2.on(GetInstanceMetadataDefaultsCommand)
    .resolvesOnce({ AccountLevel: { HttpTokens: 'required' } })
    .resolves({ AccountLevel: { HttpTokens: 'required', HttpTokensEnforced: 'enabled' } });
  ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
}

describe('a graduation is recorded before the switch', () => {
  it('who and when, then the switch; the outcome says it is watched and until when', async () => {
    switchable();
    const { s, written } = store();
    const [outcome] = await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE, { enforcement: s, actor: 'imds-guard (enforce mode, scheduled sweep)' }));
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(written).toEqual([
      { version: 1, account: ACCOUNT, region: 'us-east-1', graduated: { at: NOW.toISOString(), by: 'imds-guard (enforce mode, scheduled sweep)', windowHours: 12 } },
    ]);
    expect(outcome!.message).toContain(`graduation recorded in ${WHERE} (imds-guard (enforce mode, scheduled sweep), ${NOW.toISOString()}): watched for launches refused by enforcement until 2025-03-21T00:00:00.000Z`);
  });

  it('an earlier window\'s evidence and outcome make way for the new graduation', async () => {
    switchable();
    const before = { ...graduate(emptyRecord(ACCOUNT, 'us-east-1'), { at: '2025-01-01T00:00:00.000Z', by: 'x', windowHours: 24 }), heldAt: '2025-01-02T00:20:00.000Z' };
    const { s, written } = store(before);
    await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE, { enforcement: s }));
    expect(written[0]!.heldAt).toBeUndefined();
    expect(written[0]!.graduated!.at).toBe(NOW.toISOString());
  });

  it('the rolled-back mark holds it back: nothing written, the outcome says why and how to clear it', async () => {
    switchable();
    const marked = { ...graduate(emptyRecord(ACCOUNT, 'us-east-1'), { at: '2025-03-19T00:00:00.000Z', by: 'x', windowHours: 24 }), mark: { at: '2025-03-19T01:00:00.000Z', action: 'disabled' as const, by: 'the watch after graduation' } };
    const { s, written } = store(marked);
    const [outcome] = await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE, { enforcement: s }));
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome!.message).toContain('HttpTokensEnforced is not switched on: IMDSv2 enforcement rolled back by imds-guard at 2025-03-19T01:00:00.000Z');
    expect(outcome!.message).toContain(`delete ${WHERE}`);
    expect(writes()).toEqual([]);
    expect(written).toEqual([]);
  });

  it('no record, no switch: an unreadable record or a failed write changes nothing', async () => {
    for (const options of [{ unreadable: 'S3 GetObject: AccessDenied: Access Denied' }, { failWrite: true }]) {
      ec2.reset();
      switchable();
      const { s } = store(undefined, options);
      const [outcome] = await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE, { enforcement: s }));
      expect(outcome!.status).not.toBe('remediated');
      expect(writes()).toEqual([]);
      if (options.failWrite) {
        expect(outcome!.status).toBe('failed');
        expect(outcome!.message).toContain(`recording the graduation in ${WHERE} failed, so nothing was changed: `);
        expect(outcome!.message).toContain('Access Denied');
      }
    }
  });

  it('a switch that fails removes the record again', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const { s, written } = store();
    const [outcome] = await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE, { enforcement: s }));
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome!.message).toContain('(the graduation record was removed again)');
    expect(written.map((w) => w.graduated !== undefined)).toEqual([true, false]);
  });

  it('a switch that fails puts the earlier record back as it was', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const earlier = { ...graduate(emptyRecord(ACCOUNT, 'us-east-1'), { at: '2025-01-01T00:00:00.000Z', by: 'x', windowHours: 24 }), heldAt: '2025-01-02T00:20:00.000Z' };
    const { s, written } = store(earlier);
    await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE, { enforcement: s }));
    expect(written).toHaveLength(2);
    expect(written[1]).toEqual(earlier);
  });

  it('a record that cannot be removed again after a failed switch: the outcome says so and that the watch clears it', async () => {
    const refused = ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.');
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).rejects(refused);
    const { s, written } = store(undefined, { failSecondWrite: true });
    const [outcome] = await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE, { enforcement: s }));
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome!.message).toContain(errorText(refused));
    expect(outcome!.message).toContain('(the graduation record could not be removed again: ');
    expect(outcome!.message).toMatch(/Access Denied.*; the watch finds no refused launch and clears it\)$/);
    expect(outcome!.message).not.toContain('was removed again');
    expect(written.map((w) => w.graduated !== undefined)).toEqual([true]);
  });

  it('without a store a failed switch fails with the AWS error alone', async () => {
    const refused = ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.');
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).rejects(refused);
    const [outcome] = await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE));
    expect(outcome).toMatchObject({ status: 'failed', message: `Remediation by imds-guard (enforce mode) failed: ${errorText(refused)}` });
  });

  it('a caller without a clock records the graduation at the current time', async () => {
    switchable();
    const { s, written } = store();
    const plan = planFor(READY_ACCOUNT, ENFORCE);
    const started = Date.now();
    const result = await fixAccountDefaults(plan, { clients: deps(ENFORCE).clients, policy: ENFORCE, groups: undefined as never, actor: 'a test', enforcement: s });
    expect(result.changed).toBe(true);
    const at = Date.parse(written[0]!.graduated!.at);
    expect(at).toBeGreaterThanOrEqual(started);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('without a store the switch happens and the outcome says it is NOT watched', async () => {
    switchable();
    const [outcome] = await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE));
    expect(outcome).toMatchObject({ status: 'remediated' });
    expect(outcome!.message).toContain('NOT watched after graduation: no enforcement record here');
  });

  it('already enforced, or HttpTokens only: nothing recorded', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'optional', HttpTokensEnforced: 'enabled' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const { s, written } = store();
    await remediate([planFor(READY_ACCOUNT, ENFORCE)], deps(ENFORCE, { enforcement: s }));
    await remediate([planFor(READY_ACCOUNT, policy())], deps(policy(), { enforcement: s }));
    // Not enforced yet, but the policy does not ask for it: HttpTokens only, no graduation.
    ec2.reset();
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: {} });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const [tokensOnly] = await remediate([planFor(READY_ACCOUNT, policy())], deps(policy(), { enforcement: s }));
    expect(tokensOnly!.status).toBe('remediated');
    expect(tokensOnly!.message).not.toContain('graduation');
    expect(written).toEqual([]);
  });
});
