/**
 * The watch's judgement, PURE: given when an instance was switched to IMDSv2
 * and its `MetadataNoTokenRejected` datapoints, roll back, clear the watch,
 * or keep waiting.
 *
 * - Any rejected call (a datapoint > 0) from the flip to the end of the
 *   guard window → roll back, with the evidence (sum, first and last).
 * - No rejected call and the window (plus a settling margin, because EC2
 *   metrics arrive minutes late) is over → clear: the change held.
 * - Otherwise wait.
 */
import type { RejectionEvidence } from './tags.js';

export interface Datapoint {
  timestamp: Date;
  value: number;
}

/** EC2 publishes its CloudWatch metrics every 5 minutes, a few minutes late: wait this long past the window before calling it clean. */
export const SETTLING_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;

export type WatchDecision =
  | { action: 'wait'; windowEnd: Date }
  | { action: 'clear'; windowEnd: Date }
  | { action: 'rollback'; evidence: RejectionEvidence };

export function windowEnd(flippedAt: Date, windowHours: number): Date {
  return new Date(flippedAt.getTime() + windowHours * HOUR_MS);
}

export function judgeWatch(flippedAt: Date, points: readonly Datapoint[], now: Date, windowHours: number): WatchDecision {
  const end = windowEnd(flippedAt, windowHours);
  // A datapoint's timestamp is the start of its period: the period holding the flip counts.
  const from = flippedAt.getTime() - 5 * 60_000;
  const inWindow = points.filter((p) => p.value > 0 && p.timestamp.getTime() >= from && p.timestamp.getTime() <= end.getTime());
  if (inWindow.length > 0) {
    const times = inWindow.map((p) => p.timestamp.getTime());
    return {
      action: 'rollback',
      evidence: {
        rejected: inWindow.reduce((n, p) => n + p.value, 0),
        first: new Date(Math.min(...times)),
        last: new Date(Math.max(...times)),
      },
    };
  }
  if (now.getTime() >= end.getTime() + SETTLING_MS) return { action: 'clear', windowEnd: end };
  return { action: 'wait', windowEnd: end };
}
