/**
 * A graduation (HttpTokensEnforced switched on by the account-defaults
 * remedy) is recorded first, with who and when, so the watch after it finds
 * it in its guard window; a rolled-back mark or an unreadable record holds it
 * back; no record, no switch.
 */
import { GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { remediate } from '../../../shared/act/index.js';
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

function store(initial?: EnforcementRecord, options: { unreadable?: string; failWrite?: boolean } = {}) {
  const written: EnforcementRecord[] = [];
  const s: EnforcementStore = {
    where: WHERE,
    read: async (): Promise<EnforcementState> =>
      options.unreadable ? { kind: 'unreadable', where: WHERE, error: options.unreadable } : { kind: 'read', where: WHERE, ...(initial ? { record: initial } : {}) },
    write: async (r) => {
      if (options.failWrite) throw awsError('S3', 'AccessDenied', 'Access Denied');
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
    expect(written).toEqual([]);
  });
});
