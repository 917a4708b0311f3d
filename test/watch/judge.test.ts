/**
 * The watch's judgement (shared/watch/judge.ts) at the edges of the guard
 * window: only rejected IMDSv1 calls from the flip's own 5-minute period to
 * the end of the window roll an instance back. Calls before the flip (its
 * past) or after the window (a change that already held) never do.
 */
import { describe, expect, it } from 'vitest';
import { judgeWatch, SETTLING_MS, windowEnd, type Datapoint } from '../../shared/watch/judge.js';

const FLIP = new Date('2026-05-01T10:02:00.000Z');
const HOURS = 24;
const MIN = 60_000;
const END = windowEnd(FLIP, HOURS);
const at = (ms: number, value = 3): Datapoint => ({ timestamp: new Date(ms), value });
/** During the window, when any evidence would be acted on. */
const DURING = new Date(FLIP.getTime() + 2 * 3_600_000);
/** After the window and its settling margin. */
const AFTER = new Date(END.getTime() + SETTLING_MS);

describe('judgeWatch: the guard window', () => {
  it('ends windowHours after the flip', () => {
    expect(END.toISOString()).toBe('2026-05-02T10:02:00.000Z');
  });

  it('calls before the flip\'s own period are its past, not evidence against the change', () => {
    const before = [at(FLIP.getTime() - 60 * MIN, 40), at(FLIP.getTime() - 5 * MIN - 1, 7)];
    expect(judgeWatch(FLIP, before, DURING, HOURS)).toEqual({ action: 'wait', windowEnd: END });
    expect(judgeWatch(FLIP, before, AFTER, HOURS)).toEqual({ action: 'clear', windowEnd: END });
  });

  it('the 5-minute period holding the flip counts (a datapoint is stamped with its period\'s start)', () => {
    const start = FLIP.getTime() - 5 * MIN;
    expect(judgeWatch(FLIP, [at(start, 2)], DURING, HOURS)).toEqual({
      action: 'rollback',
      evidence: { rejected: 2, first: new Date(start), last: new Date(start) },
    });
  });

  it('calls up to the end of the window count, calls after it do not', () => {
    expect(judgeWatch(FLIP, [at(END.getTime(), 1)], AFTER, HOURS)).toMatchObject({ action: 'rollback', evidence: { rejected: 1 } });
    const later = [at(END.getTime() + 1, 9), at(END.getTime() + 60 * MIN, 9)];
    expect(judgeWatch(FLIP, later, AFTER, HOURS)).toEqual({ action: 'clear', windowEnd: END });
    expect(judgeWatch(FLIP, later, new Date(END.getTime() + 1), HOURS)).toEqual({ action: 'wait', windowEnd: END });
  });

  it('the evidence counts only the calls inside the window', () => {
    const points = [at(FLIP.getTime() - 60 * MIN, 100), at(FLIP.getTime() + 10 * MIN, 2), at(FLIP.getTime() + 70 * MIN, 0), at(FLIP.getTime() + 90 * MIN, 3), at(END.getTime() + 5 * MIN, 50)];
    expect(judgeWatch(FLIP, points, DURING, HOURS)).toEqual({
      action: 'rollback',
      evidence: { rejected: 5, first: new Date(FLIP.getTime() + 10 * MIN), last: new Date(FLIP.getTime() + 90 * MIN) },
    });
  });

  it('waits through the settling margin before calling a clean window clear', () => {
    expect(judgeWatch(FLIP, [], new Date(AFTER.getTime() - 1), HOURS)).toEqual({ action: 'wait', windowEnd: END });
    expect(judgeWatch(FLIP, [], AFTER, HOURS)).toEqual({ action: 'clear', windowEnd: END });
  });
});
