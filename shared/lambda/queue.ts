/**
 * A batch of queued EventBridge events (SQS → Lambda) as ONE pipeline run:
 * the refs of every record are merged, so a launch storm costs one
 * DescribeInstances per 1,000 instances, one GetMetricData per 500 and one
 * BatchImportFindings per 100 findings, not three calls per event.
 *
 * Pure: reading the records and mapping failed findings back to the records
 * that asked for them. functions/events.ts runs the pipeline in between.
 */
import type { SQSRecord } from 'aws-lambda';
import { parseFindingRef } from '../findings/asff.js';
import { isOwnChange } from './context.js';
import { refKey, type ResourceRef, type Scope } from '../model.js';
import type { PublishResult } from '../engine/ports.js';
import { parseEvent } from '../refs/parse.js';
import type { RejectedId } from '../refs/types.js';

/** An SQS event as Lambda delivers it (event source mapping). */
export function isSqsBatch(event: unknown): event is { Records: SQSRecord[] } {
  if (!event || typeof event !== 'object' || !Array.isArray((event as { Records?: unknown }).Records)) return false;
  const records = (event as { Records: unknown[] }).Records;
  return records.length > 0 && records.every((r) => !!r && typeof r === 'object' && (r as { eventSource?: unknown }).eventSource === 'aws:sqs');
}

export interface QueuedEvent {
  messageId: string;
  refs: ResourceRef[];
  ownChange: boolean;
  eventName?: string;
  rejected: RejectedId[];
}

export interface Dropped {
  messageId: string;
  reason: string;
  /** Ignored on purpose (an event we do not act on) rather than unreadable. */
  ignored: boolean;
}

/** Splits a batch into events to run and records to drop (garbage is never retried: it would fail forever). */
export function readBatch(records: readonly SQSRecord[], scope: Scope): { events: QueuedEvent[]; dropped: Dropped[] } {
  const events: QueuedEvent[] = [];
  const dropped: Dropped[] = [];
  for (const record of records) {
    const messageId = typeof record.messageId === 'string' ? record.messageId : '';
    let body: unknown;
    try {
      body = JSON.parse(typeof record.body === 'string' ? record.body : '');
    } catch (error) {
      dropped.push({ messageId, reason: `body is not JSON (${error instanceof Error ? error.message : String(error)})`, ignored: false });
      continue;
    }
    const parsed = parseEvent(body, scope);
    if (!parsed.ok) {
      dropped.push({ messageId, reason: parsed.reason, ignored: parsed.ignored });
      continue;
    }
    events.push({
      messageId,
      refs: parsed.refs,
      ownChange: isOwnChange(parsed.actor?.issuerArn),
      ...(parsed.eventName ? { eventName: parsed.eventName } : {}),
      rejected: parsed.rejected,
    });
  }
  return { events, dropped };
}

/** Distinct refs of some events, in first-seen order. */
export function mergedRefs(events: readonly QueuedEvent[]): ResourceRef[] {
  const refs = new Map<string, ResourceRef>();
  for (const e of events) for (const ref of e.refs) if (!refs.has(refKey(ref))) refs.set(refKey(ref), ref);
  return [...refs.values()];
}

/**
 * The records to hand back to the queue, with why: those with a resource
 * whose finding (or note) could not be published. A sink that is switched
 * off (`unavailable`: Security Hub not enabled) fails nothing, as for a
 * single event (shared/lambda/results.ts).
 */
export function failedRecords(events: readonly QueuedEvent[], results: readonly (PublishResult | undefined)[]): Map<string, string> {
  const byResource = new Map<string, string>();
  const failed = new Map<string, string>();
  for (const result of results) {
    if (!result || result.unavailable !== undefined) continue;
    for (const f of result.failed) {
      const ref = parseFindingRef({ Id: f.id });
      if (ref) byResource.set(refKey(ref), `${f.id}: ${f.error}`);
      else {
        // A failure we cannot place: every record goes back rather than one being lost.
        for (const e of events) failed.set(e.messageId, `${f.id}: ${f.error}`);
        return failed;
      }
    }
  }
  for (const e of events) {
    for (const ref of e.refs) {
      const why = byResource.get(refKey(ref));
      if (why !== undefined) {
        failed.set(e.messageId, why);
        break;
      }
    }
  }
  return failed;
}
