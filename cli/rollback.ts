/**
 * `imds-guard rollback`: what the watch does automatically, by hand. Puts the
 * metadata options imds-guard recorded before it switched an instance to
 * IMDSv2 (tag `imds-guard:previous`) back, exactly, and marks the instance
 * (`imds-guard:rolled-back`, action=manual) so imds-guard never switches it
 * again automatically until a person removes the mark.
 *
 * Selection (at least one; they combine as AND):
 *   --instance ID   those instances
 *   --tag KEY=VALUE instances carrying that tag
 *   --since TIME    everything imds-guard switched at or after TIME
 * Only instances with a record are candidates: imds-guard never guesses
 * what an instance had before.
 *
 * Calls: one DescribeInstances (filtered; pages of ≤1000) per region, then per
 * instance the writes of shared/watch/writes.ts rollBack. --dry-run: zero writes.
 */
import type { EC2Client, Filter } from '@aws-sdk/client-ec2';
import { pageInstancesWhere } from '../shared/aws/instances-where.js';
import { tagsToRecord } from '../shared/aws/translate.js';
import type { MetadataOptions } from '../shared/model.js';
import { decodePrevious, PREVIOUS_TAG, previousAt, ROLLED_BACK_TAG } from '../shared/watch/tags.js';
import { describeOptions, rollBack } from '../shared/watch/writes.js';

export interface RollbackSelection {
  instanceIds: string[];
  tags: { key: string; value: string }[];
  since?: Date;
}

export interface RollbackCandidate {
  region: string;
  instanceId: string;
  /** Undefined when the record cannot be read (then `problem` says why). */
  previous?: MetadataOptions;
  flippedAt?: Date;
  problem?: string;
  alreadyMarked: boolean;
}

export interface RollbackResult extends RollbackCandidate {
  status: 'planned' | 'rolled-back' | 'failed' | 'skipped';
  message: string;
}

/** Finds the instances of one region that the selection names and that carry a record. */
export async function findCandidates(ec2: Pick<EC2Client, 'send'>, region: string, selection: RollbackSelection): Promise<RollbackCandidate[]> {
  const filters: Filter[] = [{ Name: 'tag-key', Values: [PREVIOUS_TAG] }, ...selection.tags.map((t) => ({ Name: `tag:${t.key}`, Values: [t.value] }))];
  const out: RollbackCandidate[] = [];
  for await (const page of pageInstancesWhere(ec2, filters, selection.instanceIds)) {
    for (const instance of page) {
      if (!instance.InstanceId || instance.State?.Name === 'terminated') continue;
      const tags = tagsToRecord(instance.Tags);
      const record = tags[PREVIOUS_TAG] ?? '';
      const candidate: RollbackCandidate = { region, instanceId: instance.InstanceId, alreadyMarked: tags[ROLLED_BACK_TAG] !== undefined };
      const at = previousAt(record);
      if (at) candidate.flippedAt = at;
      try {
        candidate.previous = decodePrevious(record);
      } catch (error) {
        candidate.problem = (error as Error).message;
      }
      if (selection.since && !(candidate.flippedAt && candidate.flippedAt >= selection.since)) continue;
      out.push(candidate);
    }
  }
  return out;
}

/** Rolls back (or, with dryRun, only plans) each candidate; a failure is reported, never thrown. */
export async function rollBackCandidates(
  ec2: Pick<EC2Client, 'send'>,
  candidates: readonly RollbackCandidate[],
  options: { dryRun: boolean; now: Date },
): Promise<RollbackResult[]> {
  const results: RollbackResult[] = [];
  for (const c of candidates) {
    if (!c.previous) {
      results.push({ ...c, status: 'skipped', message: `record unreadable: ${c.problem ?? 'no record'}; restore by hand` });
      continue;
    }
    const to = describeOptions(c.previous);
    if (options.dryRun) {
      results.push({ ...c, status: 'planned', message: `would restore ${to} and mark ${ROLLED_BACK_TAG}` });
      continue;
    }
    const report = await rollBack(ec2, c.instanceId, c.previous, { at: options.now, action: 'manual' });
    results.push({ ...c, status: report.ok ? 'rolled-back' : 'failed', message: `${report.ok ? 'restored' : 'not fully restored'} ${to}: ${report.steps.join('; ')}` });
  }
  return results;
}

export function rollbackTable(results: readonly RollbackResult[], dryRun: boolean): string {
  if (results.length === 0) return 'No instance with an imds-guard record matches the selection; nothing to roll back.\n';
  const lines = results.map((r) => `${r.region}  ${r.instanceId}  ${r.status}${r.flippedAt ? `  (switched ${r.flippedAt.toISOString()})` : ''}\n    ${r.message}`);
  const head = dryRun ? 'Dry run: nothing was changed.' : `${results.filter((r) => r.status === 'rolled-back').length} of ${results.length} rolled back.`;
  return `${lines.join('\n')}\n${head}\n`;
}

/** 0: everything selected was rolled back (or planned); 1: something failed or was skipped. */
export function rollbackExitCode(results: readonly RollbackResult[]): number {
  return results.every((r) => r.status === 'rolled-back' || r.status === 'planned') ? 0 : 1;
}
