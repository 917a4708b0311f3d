/**
 * The watch: for every instance imds-guard switched to IMDSv2 and still
 * watches (tag `imds-guard:flipped-at`), read `MetadataNoTokenRejected` since
 * the flip, judge it (judge.ts), and roll back, mark, clear or wait
 * (writes.ts). Runs at the start of every sweep and from the short scheduled
 * function (functions/watch.ts); `imds-guard rollback` uses the same writes.
 *
 * Cost when nothing is watched: one DescribeInstances (filtered on the tag
 * key), nothing else. Otherwise one GetMetricData per 500 watched instances,
 * and writes only for instances whose watch ends.
 *
 * Outside enforce mode the watch judges and reports but writes nothing.
 */
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { mapLimit } from '../aws/batch.js';
import { EXISTING_INSTANCE_STATES, pageInstancesWhere } from '../aws/instances-where.js';
import { tagsToRecord } from '../aws/translate.js';
import { logger } from '../observability/log.js';
import type { Policy } from '../policy.js';
import { judgeWatch } from './judge.js';
import type { RejectedCalls } from './metrics.js';
import { decodeMark, decodePrevious, describeEvidence, ENFORCED_ROLLBACK_ADVICE, FLIPPED_AT_TAG, markHoldsWatch, watchRecordOf, type WatchRecord } from './tags.js';
import { clearWatch, describeOptions, forgetFlip, markOnly, rollBack, type RollbackOutcome, type WriteReport } from './writes.js';

type Ec2 = Pick<EC2Client, 'send'>;

export interface WatchedInstance {
  instanceId: string;
  record: WatchRecord;
}

export type WatchAction = 'wait' | 'clear' | 'rollback' | 'alert' | 'skip';

export interface WatchResult {
  instanceId: string;
  action: WatchAction;
  /** False when a write failed (the message says which; the next run retries, unless AWS refused for good). */
  ok: boolean;
  /** Written only in enforce mode. */
  wrote: boolean;
  message: string;
  /** `rollback` written: what became of it (shared/watch/writes.ts). */
  rollback?: RollbackOutcome;
  /** `rollback`/`alert`: the breakage is new (not a retry of a rollback that failed before). */
  firstSeen?: boolean;
}

export interface WatchDeps {
  ec2: Ec2;
  rejectedCalls: RejectedCalls;
  policy: Policy;
  now: () => Date;
  /** Instances written at once (default 4). */
  concurrency?: number;
}

/** The instances under watch, found by their tag (one DescribeInstances page of ≤1000 at a time). */
export async function findWatched(ec2: Ec2): Promise<WatchedInstance[]> {
  const out: WatchedInstance[] = [];
  const filters = [
    { Name: 'tag-key', Values: [FLIPPED_AT_TAG] },
    { Name: 'instance-state-name', Values: EXISTING_INSTANCE_STATES },
  ];
  for await (const page of pageInstancesWhere(ec2, filters)) {
    for (const instance of page) {
      // The filter already asks for the tag; checked again so nothing untagged is ever judged.
      if ((instance.Tags ?? []).some((t) => t.Key === FLIPPED_AT_TAG)) out.push(watchedOf(instance));
    }
  }
  return out.filter((w) => w.instanceId !== '');
}

export function watchedOf(instance: Pick<Instance, 'InstanceId' | 'Tags'>): WatchedInstance {
  return { instanceId: instance.InstanceId ?? '', record: watchRecordOf(tagsToRecord(instance.Tags)) };
}

export async function runWatch(deps: WatchDeps, watched?: readonly WatchedInstance[]): Promise<WatchResult[]> {
  const now = deps.now();
  const all = watched ?? (await findWatched(deps.ec2));
  const results: WatchResult[] = [];
  const open: (WatchedInstance & { flippedAt: Date })[] = [];
  for (const w of all) {
    if (!w.record.flippedAt) {
      results.push({ instanceId: w.instanceId, action: 'skip', ok: false, wrote: false, message: `${FLIPPED_AT_TAG} is not a time: left for a person` });
    } else if (w.record.rolledBack !== undefined && markHoldsWatch(decodeMark(w.record.rolledBack)) === 'wait-for-person') {
      const mark = decodeMark(w.record.rolledBack);
      const why = mark.action === 'alert' ? 'breakage already reported (IMDS_GUARD_ROLLBACK=alert)' : `rollback refused by AWS (${mark.why ?? 'see the mark'}); not retried`;
      results.push({ instanceId: w.instanceId, action: 'skip', ok: true, wrote: false, message: `${why}; waiting for a person` });
    } else if (w.record.rolledBack !== undefined && markHoldsWatch(decodeMark(w.record.rolledBack)) === 'done') {
      // Restored and marked, but the watch record was left behind (its DeleteTags failed): remove it, nothing else.
      const done = 'already rolled back (restored and read back); removing the leftover watch record';
      results.push(await write(deps.policy.mode === 'enforce', w.instanceId, 'skip', done, () => forgetFlip(deps.ec2, w.instanceId)));
    } else {
      open.push({ ...w, flippedAt: w.record.flippedAt });
    }
  }
  if (open.length === 0) return results;

  const points = await deps.rejectedCalls(open.map((w) => ({ instanceId: w.instanceId, flippedAt: w.flippedAt })), now);
  const enforce = deps.policy.mode === 'enforce';
  // Writes of different instances are independent: a few at a time (the SDK retries throttling).
  const judged = await mapLimit(open, deps.concurrency ?? 4, (w) => judgeOne(w));
  results.push(...judged);
  for (const r of results) logger[r.ok ? 'info' : 'error']('watch', { ...r });
  return results;

  async function judgeOne(w: WatchedInstance & { flippedAt: Date }): Promise<WatchResult> {
    const decision = judgeWatch(w.flippedAt, points.get(w.instanceId) ?? [], now, deps.policy.guardWindowHours);
    if (decision.action === 'wait') {
      return { instanceId: w.instanceId, action: 'wait', ok: true, wrote: false, message: `no rejected IMDSv1 calls so far; watched until ${decision.windowEnd.toISOString()}` };
    }
    if (decision.action === 'clear') {
      const what = `no rejected IMDSv1 calls in the guard window (ended ${decision.windowEnd.toISOString()}): the change held`;
      return write(enforce, w.instanceId, 'clear', what, () => clearWatch(deps.ec2, w.instanceId, now));
    }
    const evidence = describeEvidence(decision.evidence);
    // A mark left by an earlier try (pending or failed) means this breakage was already counted.
    const firstSeen = w.record.rolledBack === undefined;
    if (deps.policy.rollback === 'alert') {
      const mark = { ...decision.evidence, at: now, action: 'alert' as const };
      const result = await write(enforce, w.instanceId, 'alert', `${evidence}; IMDS_GUARD_ROLLBACK=alert: marked, not rolled back`, () => markOnly(deps.ec2, w.instanceId, mark));
      return { ...result, firstSeen };
    }
    let previous: ReturnType<typeof decodePrevious>;
    try {
      previous = decodePrevious(w.record.previous ?? '');
    } catch (error) {
      return { instanceId: w.instanceId, action: 'rollback', ok: false, wrote: false, firstSeen, message: `${evidence}; cannot roll back: ${(error as Error).message}` };
    }
    const to = describeOptions(previous);
    if (!enforce) {
      return { instanceId: w.instanceId, action: 'rollback', ok: true, wrote: false, firstSeen, message: `${evidence}; would roll back to ${to} (not written: not in enforce mode)` };
    }
    const report = await rollBack(deps.ec2, w.instanceId, previous, { at: now, by: 'watch', evidence: decision.evidence });
    const steps = report.steps.join('; ');
    const message =
      report.outcome === 'restored'
        ? `${evidence}; rolled back to ${to} (read back): ${steps}`
        : report.outcome === 'refused'
          ? `${evidence}; rollback failed: ${report.why}. ${ENFORCED_ROLLBACK_ADVICE}: ${steps}`
          : `${evidence}; rollback failed: ${report.why}; the watch tries again at its next run: ${steps}`;
    return { instanceId: w.instanceId, action: 'rollback', ok: report.ok, wrote: true, rollback: report.outcome, firstSeen, message };
  }
}

async function write(enforce: boolean, instanceId: string, action: WatchAction, what: string, run: () => Promise<WriteReport>): Promise<WatchResult> {
  if (!enforce) return { instanceId, action, ok: true, wrote: false, message: `${what} (not written: not in enforce mode)` };
  const report = await run();
  return { instanceId, action, ok: report.ok, wrote: true, message: `${what}: ${report.steps.join('; ')}` };
}
