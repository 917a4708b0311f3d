/**
 * The watch's instance tags (shared/watch/tags.ts), by example: the exact
 * values imds-guard writes, how it reads values a person edited, why it
 * refuses a record it would not have written, and the words an operator reads
 * about a watched or rolled-back instance. Round trips over many values are
 * in tags.property.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeMark,
  decodePrevious,
  describeEvidence,
  describeMark,
  encodeMark,
  encodePrevious,
  FLIPPED_AT_TAG,
  markHoldsWatch,
  PREVIOUS_TAG,
  previousAt,
  ROLLED_BACK_TAG,
  TAG_VALUE_MAX,
  VERIFIED_AT_TAG,
  watchNote,
  watchRecordOf,
  type RollbackMark,
} from '../../shared/watch/tags.js';

const FLIP = new Date('2026-03-01T10:00:00.000Z');
const FIRST = new Date('2026-03-01T11:15:00.000Z');
const LAST = new Date('2026-03-01T12:30:00.000Z');
const AT = new Date('2026-03-01T13:00:00.000Z');

describe('the previous options (imds-guard:previous)', () => {
  it('is written field by field, with when they were replaced first', () => {
    expect(
      encodePrevious(
        { httpTokens: 'optional', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled', httpProtocolIpv6: 'disabled', instanceMetadataTags: 'enabled' },
        FLIP,
      ),
    ).toBe('at=2026-03-01T10:00:00.000Z;tokens=optional;hop=2;endpoint=enabled;ipv6=disabled;tags=enabled');
    // Options the instance did not report are left out, and so is the time when not given.
    expect(encodePrevious({ httpTokens: 'required', httpPutResponseHopLimit: 1 })).toBe('tokens=required;hop=1');
  });

  it('reads back the options it wrote, hop limits 1 and 64 included', () => {
    expect(decodePrevious('at=2026-03-01T10:00:00.000Z;tokens=optional;hop=64;endpoint=disabled;ipv6=enabled;tags=disabled')).toEqual({
      httpTokens: 'optional',
      httpPutResponseHopLimit: 64,
      httpEndpoint: 'disabled',
      httpProtocolIpv6: 'enabled',
      instanceMetadataTags: 'disabled',
    });
    expect(decodePrevious('tokens=required;hop=1')).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
  });

  it.each([
    ['tokens', 'imds-guard:previous: bad tokens ""'],
    ['tokens=Optional', 'imds-guard:previous: bad tokens "Optional"'],
    ['tokens=optional;hop=0', 'imds-guard:previous: bad hop "0"'],
    ['tokens=optional;hop=65', 'imds-guard:previous: bad hop "65"'],
    ['tokens=optional;hop=two', 'imds-guard:previous: bad hop "two"'],
    ['tokens=optional;endpoint=on', 'imds-guard:previous: bad endpoint "on"'],
    ['tokens=optional;ipv6=', 'imds-guard:previous: bad ipv6 ""'],
    ['tokens=optional;tags=yes', 'imds-guard:previous: bad tags "yes"'],
    ['tokens=optional;color=blue', 'imds-guard:previous: unknown field "color"'],
    ['at=2026-03-01T10:00:00.000Z;hop=2', 'imds-guard:previous: no tokens recorded in "at=2026-03-01T10:00:00.000Z;hop=2"'],
    ['', 'imds-guard:previous: no tokens recorded in ""'],
  ])('refuses %j, saying why: %s', (value, message) => {
    expect(() => decodePrevious(value)).toThrow(message);
  });

  it('tells when the options were replaced only when the record holds a time', () => {
    expect(previousAt('at=2026-03-01T10:00:00.000Z;tokens=optional')).toEqual(FLIP);
    expect(previousAt('tokens=optional')).toBeUndefined();
    expect(previousAt('at=;tokens=optional')).toBeUndefined();
    expect(previousAt('at=yesterday;tokens=optional')).toBeUndefined();
  });
});

describe('the rollback mark (imds-guard:rolled-back)', () => {
  it('is written with who, whether final, the evidence, and the reason last', () => {
    const mark: RollbackMark = { at: AT, action: 'failed', by: 'watch', final: true, rejected: 3, first: FIRST, last: LAST, why: 'UnauthorizedOperation' };
    const value = 'at=2026-03-01T13:00:00.000Z;action=failed;by=watch;final=1;rejected=3;first=2026-03-01T11:15:00.000Z;last=2026-03-01T12:30:00.000Z;why=UnauthorizedOperation';
    expect(encodeMark(mark)).toBe(value);
    expect(decodeMark(value)).toEqual(mark);
    expect(encodeMark({ at: AT, action: 'pending', by: 'manual' })).toBe('at=2026-03-01T13:00:00.000Z;action=pending;by=manual');
    expect(decodeMark('at=2026-03-01T13:00:00.000Z;action=pending;by=manual')).toEqual({ at: AT, action: 'pending', by: 'manual' });
  });

  it('keeps the field separator out of the reason and trims its blanks', () => {
    expect(encodeMark({ at: AT, action: 'failed', why: '  InvalidParameterCombination; HttpTokens\n  cannot be optional \t' })).toBe(
      'at=2026-03-01T13:00:00.000Z;action=failed;why=InvalidParameterCombination, HttpTokens cannot be optional',
    );
  });

  it('keeps a reason that just fits in 256 characters whole, and cuts one character more with an ellipsis', () => {
    const head = encodeMark({ at: AT, action: 'failed', by: 'watch' });
    const room = TAG_VALUE_MAX - head.length - ';why='.length;
    const fits = encodeMark({ at: AT, action: 'failed', by: 'watch', why: 'x'.repeat(room) });
    expect(fits).toBe(`${head};why=${'x'.repeat(room)}`);
    expect(fits).toHaveLength(TAG_VALUE_MAX);
    const cut = encodeMark({ at: AT, action: 'failed', by: 'watch', why: 'x'.repeat(room + 1) });
    expect(cut).toBe(`${head};why=${'x'.repeat(room - 1)}…`);
    expect(cut).toHaveLength(TAG_VALUE_MAX);
  });

  it('reads everything after why= as the reason: an = or a ; a person typed there sets no other field', () => {
    expect(decodeMark('at=2026-03-01T13:00:00.000Z;action=failed;why=HttpTokens=optional refused;final=1')).toEqual({
      at: AT,
      action: 'failed',
      why: 'HttpTokens=optional refused;final=1',
    });
    // A mark cut down to its reason still gives the reason, and only the reason.
    expect(decodeMark(';why=restored by hand;action=manual')).toEqual({ why: 'restored by hand;action=manual' });
  });

  it('leaves out whatever a person edited into something it would not write', () => {
    expect(decodeMark('at=soon;action=undone;by=robot;final=yes;rejected=-1;first=x;last=;why=')).toEqual({});
    expect(decodeMark('action=alert;rejected=1.5')).toEqual({ action: 'alert' });
    expect(decodeMark('rolled back by Jane')).toEqual({});
    expect(decodeMark('action=restored;rejected=0')).toEqual({ action: 'restored', rejected: 0 });
  });
});

describe('what a mark means for the watch', () => {
  it.each([
    [{ action: 'alert' }, 'wait-for-person'],
    [{ action: 'failed', final: true }, 'wait-for-person'],
    [{ action: 'failed' }, 'retry'],
    [{ action: 'pending' }, 'retry'],
    [{ action: 'restored' }, 'done'],
    [{ action: 'manual' }, 'done'],
    [{}, undefined],
  ] as const)('%j: %s', (mark, holds) => {
    expect(markHoldsWatch(mark)).toBe(holds);
  });
});

describe('the watch record of an instance', () => {
  it('reads the times, the record and the mark from the tags', () => {
    const record = watchRecordOf({
      [FLIPPED_AT_TAG]: '2026-03-01T10:00:00.000Z',
      [PREVIOUS_TAG]: 'tokens=optional',
      [ROLLED_BACK_TAG]: 'by hand',
      [VERIFIED_AT_TAG]: '2026-03-01T13:00:00.000Z',
      Name: 'web-1',
    });
    expect(record).toEqual({ flippedAt: FLIP, previous: 'tokens=optional', rolledBack: 'by hand', verifiedAt: AT });
  });

  it('holds no time a tag does not hold, and nothing for an instance without its tags', () => {
    expect(watchRecordOf({ [FLIPPED_AT_TAG]: 'monday', [VERIFIED_AT_TAG]: '' })).toEqual({});
    const none = watchRecordOf({ Name: 'web-1' });
    expect([none.flippedAt, none.previous, none.rolledBack, none.verifiedAt]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('the evidence and the mark in words', () => {
  it('counts the rejected calls, singular for one, with the span only when both ends are known', () => {
    expect(describeEvidence({ rejected: 1, first: FIRST, last: LAST })).toBe(
      '1 rejected IMDSv1 call (MetadataNoTokenRejected) between 2026-03-01T11:15:00.000Z and 2026-03-01T12:30:00.000Z',
    );
    expect(describeEvidence({ rejected: 3, first: FIRST })).toBe('3 rejected IMDSv1 calls (MetadataNoTokenRejected)');
    expect(describeEvidence({ last: LAST })).toBe('? rejected IMDSv1 calls (MetadataNoTokenRejected)');
  });

  it('says what each mark records, and no evidence it does not record', () => {
    const evidence = { rejected: 2, first: FIRST, last: LAST };
    const span = '2 rejected IMDSv1 calls (MetadataNoTokenRejected) between 2026-03-01T11:15:00.000Z and 2026-03-01T12:30:00.000Z';
    expect(describeMark({ at: AT, action: 'restored', ...evidence })).toBe(
      `Rolled back by imds-guard at 2026-03-01T13:00:00.000Z: ${span} after it was switched to IMDSv2 (previous options restored and read back)`,
    );
    expect(describeMark({ action: 'restored' })).toBe('Rolled back by imds-guard (previous options restored and read back)');
    expect(describeMark({ at: AT, action: 'manual' })).toBe('Rolled back by hand (imds-guard rollback) at 2026-03-01T13:00:00.000Z (previous options restored and read back)');
    expect(describeMark({ at: AT, action: 'alert', ...evidence })).toBe(
      `Breakage detected at 2026-03-01T13:00:00.000Z (IMDS_GUARD_ROLLBACK=alert: not rolled back): ${span} after it was switched to IMDSv2`,
    );
    expect(describeMark({ at: AT, action: 'pending', by: 'manual' })).toBe(
      'Rollback by hand (imds-guard rollback) started at 2026-03-01T13:00:00.000Z, its result not recorded (the previous options may or may not be back)',
    );
    expect(describeMark({ action: 'pending', by: 'watch' })).toBe(
      'Rollback by imds-guard started, its result not recorded (the previous options may or may not be back)',
    );
    expect(describeMark({ at: AT })).toBe('Marked by imds-guard at 2026-03-01T13:00:00.000Z (imds-guard:rolled-back tag)');
  });

  it('says why a rollback failed, and what a person must do when AWS refuses it for good', () => {
    expect(describeMark({ action: 'failed', by: 'watch' })).toBe('Rollback by imds-guard failed: reason not recorded');
    const final = describeMark({ at: AT, action: 'failed', by: 'manual', final: true, why: 'InvalidParameterCombination' });
    expect(final).toMatch(/^Rollback by hand \(imds-guard rollback\) failed at 2026-03-01T13:00:00.000Z: InvalidParameterCombination\. AWS refuses HttpTokens=optional/);
    expect(final).toContain('the account enforces IMDSv2');
    expect(final).toContain('imds-guard rollback --account-enforcement');
    expect(final).toContain('imds-guard rollback --instance <id>');
  });
});

describe('the note a finding carries about the watch', () => {
  const pending = encodeMark({ at: AT, action: 'pending', by: 'watch' });
  const tail = ' Not changed again automatically until a person removes the imds-guard:rolled-back tag.';

  it('says the watch retries a rollback under way only while the watch is open', () => {
    const started = 'Rollback by imds-guard started at 2026-03-01T13:00:00.000Z, its result not recorded (the previous options may or may not be back).';
    expect(watchNote({ [FLIPPED_AT_TAG]: FLIP.toISOString(), [ROLLED_BACK_TAG]: pending })).toBe(
      `${started} The watch tries the rollback again at its next run;${tail}`,
    );
    expect(watchNote({ [ROLLED_BACK_TAG]: pending })).toBe(`${started}${tail}`);
  });

  it('promises no retry for a rollback that is done', () => {
    const restored = encodeMark({ at: AT, action: 'restored' });
    expect(watchNote({ [FLIPPED_AT_TAG]: FLIP.toISOString(), [ROLLED_BACK_TAG]: restored })).toBe(
      `Rolled back by imds-guard at 2026-03-01T13:00:00.000Z (previous options restored and read back).${tail}`,
    );
  });

  it('tells an open watch, and says nothing of an instance imds-guard did not switch', () => {
    expect(watchNote({ [FLIPPED_AT_TAG]: FLIP.toISOString(), [PREVIOUS_TAG]: 'tokens=optional' })).toBe(
      'Switched to IMDSv2 by imds-guard at 2026-03-01T10:00:00.000Z; watched for rejected IMDSv1 calls (guard window).',
    );
    expect(watchNote({ [PREVIOUS_TAG]: 'tokens=optional', Name: 'web-1' })).toBeUndefined();
  });
});
