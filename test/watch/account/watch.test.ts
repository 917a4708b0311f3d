/**
 * The watch after graduation over a mocked EC2 and an in-memory record:
 * a launch refused inside the window switches enforcement off (read back),
 * marks the account-region and the account default's finding says so; alert
 * only marks; outside enforce mode nothing is written; a clean window is
 * closed; a switch-off AWS refuses is marked "failed", never "rolled back".
 */
import { GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../../shared/engine/evaluate.js';
import { accountDefaultsSubject } from '../../../shared/kinds/account-defaults/translate.js';
import type { Policy } from '../../../shared/policy.js';
import {
  emptyRecord,
  graduate,
  graduationHeld,
  type EnforcementRecord,
  type EnforcementState,
  type EnforcementStore,
  type RefusedLaunch,
} from '../../../shared/watch/account/record.js';
import { onRefusedLaunches, runAccountWatch } from '../../../shared/watch/account/watch.js';
import { policy } from '../../act/helpers.js';
import { ec2Error } from '../../support/aws-errors.js';
import { mockedAws } from '../../support/mocked-aws.js';

const { clients, ec2, writes } = mockedAws();
const SCOPE = { account: '111122223333', region: 'us-east-1' };
const WHERE = 's3://state/imds-guard/state/111122223333/us-east-1/enforcement.json';
const AT = new Date('2026-05-01T11:00:10.000Z');
const GRADUATED = graduate(emptyRecord(SCOPE.account, SCOPE.region), { at: '2026-05-01T10:00:00.000Z', by: 'imds-guard (enforce mode, scheduled sweep)', windowHours: 24 });
const MESSAGE = "You can't launch instances with IMDSv1 because httpTokensEnforced is enabled for this account.";
const refused = (at = '2026-05-01T11:00:00Z', eventId = 'e1'): RefusedLaunch => ({
  at,
  via: 'RunInstances',
  caller: "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling (Auto Scaling, on a group's behalf)",
  source: 'group web-asg, launch template lt-03a70e6a9f2f6657d (version 1)',
  error: `Client.UnsupportedOperation: ${MESSAGE}`,
  eventId,
});

/** The record in memory, every write kept. */
function memoryStore(initial?: EnforcementRecord, options: { failWrites?: boolean; unreadable?: string } = {}) {
  const written: EnforcementRecord[] = [];
  let current = initial;
  const store: EnforcementStore = {
    where: WHERE,
    async read(): Promise<EnforcementState> {
      if (options.unreadable) return { kind: 'unreadable', where: WHERE, error: options.unreadable };
      return { kind: 'read', where: WHERE, ...(current ? { record: structuredClone(current) } : {}) };
    },
    async write(record) {
      if (options.failWrites) throw new Error('S3 PutObject: ServiceUnavailable: Please reduce your request rate.');
      written.push(structuredClone(record));
      current = structuredClone(record);
    },
  };
  return { store, written, current: () => current };
}

function deps(store: EnforcementStore, p: Partial<Policy> = {}) {
  return { ec2: clients.ec2, store, policy: policy({ mode: 'enforce', rollback: 'auto', guardWindowHours: 24, ...p }), scope: SCOPE, now: () => AT };
}

/** EC2's account defaults as a small state machine: ModifyInstanceMetadataDefaults changes what Get answers. */
function enforced(managedBy: 'account' | 'declarative-policy' = 'account'): void {
  let level = { HttpTokens: 'required' as const, HttpTokensEnforced: 'enabled' as 'enabled' | 'disabled', ManagedBy: managedBy };
  ec2.on(GetInstanceMetadataDefaultsCommand).callsFake(() => ({ AccountLevel: { ...level } }));
  ec2.on(ModifyInstanceMetadataDefaultsCommand).callsFake((input: { HttpTokensEnforced?: 'enabled' | 'disabled' }) => {
    if (input.HttpTokensEnforced) level = { ...level, HttpTokensEnforced: input.HttpTokensEnforced };
    return { Return: true };
  });
}

/** What the account default's finding says with this record. */
function findingText(record: EnforcementRecord | undefined): string {
  const subject = { ...accountDefaultsSubject({ HttpTokens: 'required', HttpTokensEnforced: 'disabled' }, SCOPE), enforcement: { kind: 'read', where: WHERE, ...(record ? { record } : {}) } as EnforcementState };
  return evaluate(subject, policy(), AT).checks.map((c) => c.reason).join(' ');
}

beforeEach(() => {
  ec2.reset();
  enforced();
});

describe('a launch refused inside the guard window', () => {
  it('IMDS_GUARD_ROLLBACK=auto: enforcement switched off and read back, the account-region marked, the finding says "enforcement rolled back" with the evidence', async () => {
    const mem = memoryStore(GRADUATED);
    const r = await onRefusedLaunches([refused()], deps(mem.store));
    expect(r).toMatchObject({ action: 'rolled-back', ok: true, wrote: true, refused: 1, breakage: true, rolledBack: true, rollbackFailed: false });
    expect(writes()).toEqual(['ModifyInstanceMetadataDefaults']);
    // only HttpTokensEnforced is sent: the other defaults stay as they are
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]!.args[0].input).toEqual({ HttpTokensEnforced: 'disabled' });
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(2); // before and read back
    // the mark first (pending), then what happened
    expect(mem.written.map((w) => w.mark?.action)).toEqual(['pending', 'disabled']);
    const record = mem.current()!;
    expect(record.refused).toMatchObject({ count: 1, first: { at: '2026-05-01T11:00:00Z' } });
    expect(graduationHeld({ kind: 'read', where: WHERE, record })).toBe(true);
    const text = findingText(record);
    expect(text).toContain('IMDSv2 enforcement rolled back by imds-guard at 2026-05-01T11:00:10.000Z (HttpTokensEnforced=disabled, read back)');
    expect(text).toContain('1 launch refused by HttpTokensEnforced');
    expect(text).toContain("first at 2026-05-01T11:00:00Z by arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling (Auto Scaling, on a group's behalf) from group web-asg, launch template lt-03a70e6a9f2f6657d (version 1)");
    expect(text).toContain(`No new graduation until a person clears the mark (delete ${WHERE}`);
  });

  it('later refusals add to the evidence without switching anything again or counting a new breakage', async () => {
    const mem = memoryStore(GRADUATED);
    await onRefusedLaunches([refused('2026-05-01T11:00:00Z', 'e1')], deps(mem.store));
    ec2.resetHistory();
    const r = await onRefusedLaunches([refused('2026-05-01T11:00:20Z', 'e2')], deps(mem.store));
    expect(r).toMatchObject({ action: 'counted', breakage: false, rolledBack: false, refused: 1 });
    expect(writes()).toEqual([]);
    expect(mem.current()!.refused).toMatchObject({ count: 2, lastAt: '2026-05-01T11:00:20Z' });
    // a redelivered event changes nothing
    const again = await onRefusedLaunches([refused('2026-05-01T11:00:20Z', 'e2')], deps(mem.store));
    expect(again).toMatchObject({ action: 'ignored', wrote: false });
  });

  it('IMDS_GUARD_ROLLBACK=alert: marked and reported, enforcement left on', async () => {
    const mem = memoryStore(GRADUATED);
    const r = await onRefusedLaunches([refused()], deps(mem.store, { rollback: 'alert' }));
    expect(r).toMatchObject({ action: 'alerted', breakage: true, rolledBack: false });
    expect(writes()).toEqual([]);
    expect(mem.current()!.mark).toMatchObject({ action: 'alert' });
    expect(findingText(mem.current())).toContain('enforcement NOT rolled back (IMDS_GUARD_ROLLBACK=alert)');
  });

  it('dry-run (and detect): judged and reported, zero writes', async () => {
    for (const mode of ['dry-run', 'detect'] as const) {
      const mem = memoryStore(GRADUATED);
      const r = await onRefusedLaunches([refused()], deps(mem.store, { mode }));
      expect(r).toMatchObject({ action: 'reported', wrote: false, breakage: true });
      expect(r.message).toContain('not written: not in enforce mode');
      expect(mem.written).toEqual([]);
      expect(ec2.calls()).toHaveLength(0);
    }
  });

  it('a refusal with no graduation of imds-guard recorded, or after the window, is left alone', async () => {
    for (const record of [undefined, { ...GRADUATED, graduated: { ...GRADUATED.graduated!, at: '2026-04-20T00:00:00.000Z' } }]) {
      const mem = memoryStore(record);
      const r = await onRefusedLaunches([refused()], deps(mem.store));
      expect(r).toMatchObject({ action: 'ignored', wrote: false });
      expect(mem.written).toEqual([]);
      expect(ec2.calls()).toHaveLength(0);
    }
  });

  it('a switch-off AWS refuses is marked "failed" with the error, never "rolled back"; the next refusal tries again', async () => {
    ec2.on(ModifyInstanceMetadataDefaultsCommand).rejects(
      ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'),
    );
    const mem = memoryStore(GRADUATED);
    const r = await onRefusedLaunches([refused()], deps(mem.store));
    expect(r).toMatchObject({ action: 'rollback-failed', ok: false, breakage: true, rolledBack: false, rollbackFailed: true });
    expect(mem.current()!.mark).toMatchObject({ action: 'failed', why: expect.stringContaining('UnauthorizedOperation: You are not authorized') });
    const text = findingText(mem.current());
    expect(text).toContain('Rollback of IMDSv2 enforcement failed');
    expect(text).not.toMatch(/enforcement rolled back/i);
    // still held: no new graduation while it is marked
    expect(graduationHeld({ kind: 'read', where: WHERE, record: mem.current()! })).toBe(true);

    enforced();
    const retry = await onRefusedLaunches([refused('2026-05-01T11:01:00Z', 'e9')], deps(mem.store));
    expect(retry).toMatchObject({ action: 'rolled-back', breakage: false, rolledBack: true });
  });

  it('the scheduled run tries a failed switch-off again', async () => {
    const mem = memoryStore({ ...GRADUATED, mark: { at: '2026-05-01T11:00:05Z', action: 'failed', by: 'the watch after graduation', why: 'AWS refused the switch-off (RequestLimitExceeded)' } });
    const r = await runAccountWatch(deps(mem.store));
    expect(r).toMatchObject({ action: 'rolled-back', breakage: false });
    expect(mem.current()!.mark?.action).toBe('disabled');
  });

  it('a declarative policy owns the setting: not switched, marked failed with why', async () => {
    enforced('declarative-policy');
    const mem = memoryStore(GRADUATED);
    const r = await onRefusedLaunches([refused()], deps(mem.store));
    expect(r.action).toBe('rollback-failed');
    expect(writes()).toEqual([]);
    expect(mem.current()!.mark?.why).toContain('declarative policy');
  });

  it('an unreadable record is not judged, and the run fails so it is retried', async () => {
    const mem = memoryStore(GRADUATED, { unreadable: 'S3 GetObject: InternalError' });
    const r = await onRefusedLaunches([refused()], deps(mem.store));
    expect(r).toMatchObject({ action: 'unreadable', ok: false });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('nothing refused', () => {
  it('the watch waits out the window, then is cleared: the graduation held', async () => {
    const mem = memoryStore(GRADUATED);
    const during = await runAccountWatch({ ...deps(mem.store), now: () => new Date('2026-05-02T09:00:00Z') });
    expect(during).toMatchObject({ action: 'wait', wrote: false });
    expect(mem.written).toEqual([]);
    const after = await runAccountWatch({ ...deps(mem.store), now: () => new Date('2026-05-02T10:30:00Z') });
    expect(after).toMatchObject({ action: 'held', wrote: true });
    expect(mem.current()!.heldAt).toBe('2026-05-02T10:30:00.000Z');
    expect(findingText(mem.current())).toContain('no launch refused in its 24-hour guard window: it held');
    expect(ec2.calls()).toHaveLength(0);
    // afterwards a refused launch is not this graduation's breakage
    expect((await onRefusedLaunches([refused('2026-05-02T11:00:00Z')], deps(mem.store))).action).toBe('ignored');
  });
});
