/** The enforcement record's judgement, pure: the mark, the window, the evidence. */
import { describe, expect, it } from 'vitest';
import {
  decodeRecord,
  emptyRecord,
  encodeRecord,
  enforcementNote,
  graduate,
  graduationHeld,
  graduationHoldReason,
  judgeRefusal,
  judgeWindow,
  SETTLING_MS,
  type EnforcementRecord,
  type EnforcementState,
  type RefusedLaunch,
} from '../../../shared/watch/account/record.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const WHERE = 's3://state/imds-guard/state/111122223333/us-east-1/enforcement.json';
const GRADUATED_AT = '2026-05-01T10:00:00.000Z';
const HOUR = 3_600_000;
const graduated = (): EnforcementRecord => graduate(emptyRecord(ACCOUNT, REGION), { at: GRADUATED_AT, by: 'imds-guard (enforce mode, scheduled sweep)', windowHours: 24 });
const read = (record?: EnforcementRecord): EnforcementState => ({ kind: 'read', where: WHERE, ...(record ? { record } : {}) });
const launch = (at: string, extra: Partial<RefusedLaunch> = {}): RefusedLaunch => ({
  at,
  via: 'RunInstances',
  caller: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling (Auto Scaling, on a group\'s behalf)',
  source: 'group web-asg, launch template lt-03a70e6a9f2f6657d (version 1)',
  error: 'Client.UnsupportedOperation: You can\'t launch instances with IMDSv1 because httpTokensEnforced is enabled for this account.',
  ...extra,
});

describe('graduationHeld: no new graduation while the mark is set', () => {
  it('holds on every kind of mark, and on a record it cannot read; not otherwise', () => {
    expect(graduationHeld(undefined)).toBe(false);
    expect(graduationHeld({ kind: 'none', why: 'no state bucket' })).toBe(false);
    expect(graduationHeld(read())).toBe(false);
    expect(graduationHeld(read(graduated()))).toBe(false);
    for (const action of ['disabled', 'alert', 'manual', 'pending', 'failed'] as const) {
      const state = read({ ...graduated(), mark: { at: '2026-05-01T11:00:00.000Z', action, by: 'the watch after graduation' } });
      expect(graduationHeld(state)).toBe(true);
      expect(graduationHoldReason(state)).toContain(`no new graduation until a person clears the mark (delete ${WHERE}`);
    }
    const unreadable: EnforcementState = { kind: 'unreadable', where: WHERE, error: 'S3 GetObject: AccessDenied: Access Denied' };
    expect(graduationHeld(unreadable)).toBe(true);
    expect(graduationHoldReason(unreadable)).toContain('cannot be read (S3 GetObject: AccessDenied');
  });
});

describe('judgeRefusal', () => {
  it('a refused launch with no graduation recorded, or outside the window, is not ours to judge', () => {
    expect(judgeRefusal(undefined, launch('2026-05-01T11:00:00Z'))).toMatchObject({ action: 'ignore' });
    expect(judgeRefusal(graduated(), launch('2026-05-02T11:00:00Z'))).toMatchObject({ action: 'ignore', why: expect.stringContaining('outside the guard window') });
    expect(judgeRefusal({ ...graduated(), heldAt: '2026-05-02T10:20:00Z' }, launch('2026-05-01T11:00:00Z'))).toMatchObject({ action: 'ignore', why: expect.stringContaining('held') });
  });

  it('the first refusal in the window is a breakage; later ones add to the evidence; a redelivery counts once', () => {
    const first = judgeRefusal(graduated(), launch('2026-05-01T11:00:00Z', { eventId: 'e1' }));
    expect(first.action).toBe('breakage');
    const r1 = (first as { record: EnforcementRecord }).record;
    expect(r1.refused).toMatchObject({ count: 1, calls: 1, groupFailures: 0, lastAt: '2026-05-01T11:00:00Z', seen: ['e1'] });
    expect(judgeRefusal(r1, launch('2026-05-01T11:00:00Z', { eventId: 'e1' }))).toEqual({ action: 'duplicate' });
    const marked = { ...r1, mark: { at: '2026-05-01T11:00:05Z', action: 'disabled' as const, by: 'the watch after graduation' } };
    const second = judgeRefusal(marked, launch('2026-05-01T11:00:04Z', { via: 'Auto Scaling', caller: 'autoscaling.amazonaws.com', eventId: 'e2' }));
    expect(second.action).toBe('count');
    expect((second as { record: EnforcementRecord }).record.refused).toMatchObject({ count: 2, calls: 1, groupFailures: 1, lastAt: '2026-05-01T11:00:04Z' });
    // the earliest launch stays the first, whatever the order of arrival
    const earlier = judgeRefusal(marked, launch('2026-05-01T10:30:00Z', { eventId: 'e0', caller: 'arn:aws:iam::111122223333:user/ci' }));
    expect((earlier as { record: EnforcementRecord }).record.refused?.first.caller).toBe('arn:aws:iam::111122223333:user/ci');
  });

  it('after a rollback that failed, the next refusal tries again', () => {
    const failed = { ...graduated(), refused: (judgeRefusal(graduated(), launch('2026-05-01T11:00:00Z')) as { record: EnforcementRecord }).record.refused!, mark: { at: '2026-05-01T11:00:05Z', action: 'failed' as const, by: 'the watch after graduation', why: 'AWS refused' } };
    expect(judgeRefusal(failed, launch('2026-05-01T11:10:00Z')).action).toBe('breakage');
  });
});

describe('judgeWindow: nothing refused → the watch is cleared after the window', () => {
  it('waits inside the window and the settling margin, then the graduation held', () => {
    const r = graduated();
    expect(judgeWindow(r, new Date(Date.parse(GRADUATED_AT) + 23 * HOUR))).toMatchObject({ action: 'wait' });
    expect(judgeWindow(r, new Date(Date.parse(GRADUATED_AT) + 24 * HOUR + SETTLING_MS - 1))).toMatchObject({ action: 'wait' });
    expect(judgeWindow(r, new Date(Date.parse(GRADUATED_AT) + 24 * HOUR + SETTLING_MS))).toMatchObject({ action: 'held' });
    expect(judgeWindow({ ...r, heldAt: '2026-05-02T10:20:00Z' }, new Date('2026-06-01T00:00:00Z'))).toMatchObject({ action: 'none' });
    expect(judgeWindow(undefined, new Date())).toMatchObject({ action: 'none' });
  });
});

describe('what the account default\'s finding says', () => {
  it('the graduation watched, then held', () => {
    expect(enforcementNote(read(graduated()), new Date('2026-05-01T12:00:00Z'))).toBe(
      'HttpTokensEnforced switched on by imds-guard (enforce mode, scheduled sweep) at 2026-05-01T10:00:00.000Z; watched for refused launches until 2026-05-02T10:00:00.000Z.',
    );
    expect(enforcementNote(read({ ...graduated(), heldAt: '2026-05-02T10:20:00Z' }))).toContain('no launch refused in its 24-hour guard window: it held');
  });

  it('"enforcement rolled back" with the evidence: how many, the first caller and template or group, first and last time', () => {
    let r = graduated();
    for (const [at, id] of [['2026-05-01T11:00:00Z', 'a'], ['2026-05-01T11:02:00Z', 'b'], ['2026-05-01T11:05:00Z', 'c']] as const) {
      r = (judgeRefusal(r, launch(at, { eventId: id })) as { record: EnforcementRecord }).record;
    }
    r = { ...r, mark: { at: '2026-05-01T11:00:07Z', action: 'disabled', by: 'the watch after graduation' } };
    const note = enforcementNote(read(r))!;
    expect(note).toContain('IMDSv2 enforcement rolled back by imds-guard at 2026-05-01T11:00:07Z (HttpTokensEnforced=disabled, read back)');
    expect(note).toContain('3 launches refused by HttpTokensEnforced (3 RunInstances/CreateFleet calls, 0 Auto Scaling launch failures)');
    expect(note).toContain('first at 2026-05-01T11:00:00Z by arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling');
    expect(note).toContain('from group web-asg, launch template lt-03a70e6a9f2f6657d (version 1)');
    expect(note).toContain('last at 2026-05-01T11:05:00Z');
    expect(note).toContain('No new graduation until a person clears the mark');
  });

  it('a failed rollback never says "rolled back"', () => {
    const r = { ...graduated(), mark: { at: '2026-05-01T11:00:07Z', action: 'failed' as const, by: 'the watch after graduation', why: 'AWS refused the switch-off (UnauthorizedOperation: denied)' } };
    const note = enforcementNote(read(r))!;
    expect(note).toContain('Rollback of IMDSv2 enforcement failed at 2026-05-01T11:00:07Z');
    expect(note).toContain('HttpTokensEnforced is still enabled as far as imds-guard knows');
    expect(note).not.toMatch(/rolled back by/);
  });
});

describe('the stored record', () => {
  it('round-trips, and refuses what it did not write', () => {
    const r = { ...graduated(), heldAt: '2026-05-02T10:20:00Z' };
    expect(decodeRecord(encodeRecord(r), ACCOUNT, REGION)).toEqual({ record: r });
    expect(decodeRecord('{', ACCOUNT, REGION)).toMatchObject({ error: expect.stringContaining('not JSON') });
    expect(decodeRecord(encodeRecord(r), '444455556666', REGION)).toMatchObject({ error: expect.stringContaining('not 444455556666/us-east-1') });
    expect(decodeRecord(JSON.stringify({ ...r, version: 2 }), ACCOUNT, REGION)).toMatchObject({ error: 'unknown record version 2' });
  });

  it('a mark a person garbled still holds graduation back', () => {
    const decoded = decodeRecord(JSON.stringify({ ...graduated(), mark: { note: 'do not graduate' } }), ACCOUNT, REGION);
    expect('record' in decoded && graduationHeld(read(decoded.record))).toBe(true);
  });
});
