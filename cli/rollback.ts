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
 * Calls: one DescribeInstances (filtered; pages of ≤1000) and one
 * GetInstanceMetadataDefaults per region, then per instance the writes of
 * shared/watch/writes.ts rollBack (restore, read back, mark). --dry-run: zero
 * writes.
 *
 * A region whose account enforces IMDSv2 (HttpTokensEnforced=enabled) is said
 * up front: AWS refuses HttpTokens=optional on existing instances there, so
 * its candidates are not tried; the person switches enforcement off first
 * (`imds-guard rollback --account-enforcement`) or fixes the software.
 */
import { GetInstanceMetadataDefaultsCommand, type EC2Client, type Filter } from '@aws-sdk/client-ec2';
import { errorText } from '../shared/errors.js';
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

/** Whether a region's account enforces IMDSv2, as far as GetInstanceMetadataDefaults says. */
export type RegionEnforcement = { enforced: boolean } | { unknown: string };

/** One GetInstanceMetadataDefaults: can instances here be switched back to IMDSv1 at all? */
export async function regionEnforcement(ec2: Pick<EC2Client, 'send'>): Promise<RegionEnforcement> {
  try {
    const level = (await ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel;
    return { enforced: level?.HttpTokensEnforced === 'enabled' };
  } catch (error) {
    return { unknown: errorText(error) };
  }
}

/** The region's line above the table: enforcement means its instances wait for a person. */
export function enforcedNote(region: string, candidates: readonly RollbackCandidate[], enforcement: RegionEnforcement | undefined): string[] {
  if (enforcement === undefined || candidates.length === 0) return [];
  if ('unknown' in enforcement) return [`${region}: could not read whether the account enforces IMDSv2 (${enforcement.unknown}); AWS says so if it refuses a restore.`];
  if (!enforcement.enforced) return [];
  const n = candidates.filter((c) => c.previous?.httpTokens === 'optional').length;
  return [
    `${region}: the account enforces IMDSv2 (HttpTokensEnforced=enabled): ${n} instance${n === 1 ? '' : 's'} there cannot be rolled back to IMDSv1 until a person ` +
      `switches enforcement off (imds-guard rollback --account-enforcement --region ${region}).`,
  ];
}

/** Said before anything is tried, for each candidate AWS would refuse. */
export function enforcedMessage(region: string): string {
  return (
    `cannot be rolled back while the account enforces IMDSv2 in ${region} (HttpTokensEnforced=enabled): AWS refuses HttpTokens=optional on existing instances. ` +
    `Switch enforcement off first (imds-guard rollback --account-enforcement --region ${region}), or update the software to IMDSv2`
  );
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

/**
 * Rolls back (or, with dryRun, only plans) each candidate; a failure is
 * reported, never thrown. With `enforcement` saying the region enforces
 * IMDSv2, candidates that would go back to HttpTokens=optional are skipped
 * with the reason instead of tried.
 */
export async function rollBackCandidates(
  ec2: Pick<EC2Client, 'send'>,
  candidates: readonly RollbackCandidate[],
  options: { dryRun: boolean; now: Date; enforcement?: RegionEnforcement },
): Promise<RollbackResult[]> {
  const results: RollbackResult[] = [];
  const enforced = options.enforcement !== undefined && 'enforced' in options.enforcement && options.enforcement.enforced;
  for (const c of candidates) {
    if (!c.previous) {
      results.push({ ...c, status: 'skipped', message: `record unreadable: ${c.problem ?? 'no record'}; restore by hand` });
      continue;
    }
    const to = describeOptions(c.previous);
    if (enforced && c.previous.httpTokens === 'optional') {
      results.push({ ...c, status: 'skipped', message: `${to}: ${enforcedMessage(c.region)}` });
      continue;
    }
    if (options.dryRun) {
      results.push({ ...c, status: 'planned', message: `would restore ${to}, read it back and mark ${ROLLED_BACK_TAG}` });
      continue;
    }
    const report = await rollBack(ec2, c.instanceId, c.previous, { at: options.now, by: 'manual' });
    const steps = report.steps.join('; ');
    results.push(
      report.outcome === 'restored'
        ? { ...c, status: 'rolled-back', message: `restored ${to} (read back): ${steps}` }
        : { ...c, status: 'failed', message: `rollback failed: ${report.why ?? 'see the steps'}: ${steps}` },
    );
  }
  return results;
}

export function rollbackTable(results: readonly RollbackResult[], dryRun: boolean, notes: readonly string[] = []): string {
  const head = notes.map((n) => `${n}\n`).join('');
  if (results.length === 0) return `${head}No instance with an imds-guard record matches the selection; nothing to roll back.\n`;
  const lines = results.map((r) => `${r.region}  ${r.instanceId}  ${r.status}${r.flippedAt ? `  (switched ${r.flippedAt.toISOString()})` : ''}\n    ${r.message}`);
  const tail = dryRun ? 'Dry run: nothing was changed.' : `${results.filter((r) => r.status === 'rolled-back').length} of ${results.length} rolled back.`;
  return `${head}${lines.join('\n')}\n${tail}\n`;
}

/** 0: everything selected was rolled back (or planned); 1: something failed or was skipped. */
export function rollbackExitCode(results: readonly RollbackResult[]): number {
  return results.every((r) => r.status === 'rolled-back' || r.status === 'planned') ? 0 : 1;
}
