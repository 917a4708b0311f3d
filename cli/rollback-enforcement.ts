/**
 * `imds-guard rollback --account-enforcement`: what the watch after
 * graduation does when launches are refused, by hand. Per region: read the
 * account's instance metadata defaults; where HttpTokensEnforced is on (and
 * no declarative policy owns it), switch it off, read it back, and mark the
 * account-region (shared/watch/account/record.ts, action `manual`) so no
 * graduation follows until a person clears the mark.
 *
 * Where the mark goes: the member stack's state bucket, named by
 * IMDS_GUARD_STATE_BUCKET, else the `StateBucketName` output of the
 * imds-guard stack found in the region (a StackSet instance
 * `StackSet-imds-guard-*` or a stack named `imds-guard`). Without either,
 * nothing here can graduate again automatically either (no pipeline is
 * deployed), and the result says the mark was not written.
 *
 * Calls per region: GetInstanceMetadataDefaults, the stack look-up (when
 * the variable is unset), the record's GetObject; then, unless --dry-run,
 * PutObject (pending), ModifyInstanceMetadataDefaults, GetInstanceMetadataDefaults
 * (read back), PutObject (the mark). --dry-run: zero writes.
 */
import { GetInstanceMetadataDefaultsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { findStack } from '../shared/aws/preflight.js';
import { createS3Client } from '../shared/aws/s3.js';
import { errorText } from '../shared/errors.js';
import type { Scope } from '../shared/model.js';
import { describeAccountMark, emptyRecord, type AccountMark, type EnforcementRecord, type EnforcementStore } from '../shared/watch/account/record.js';
import { s3EnforcementStore, STATE_BUCKET_ENV } from '../shared/watch/account/store.js';
import { switchEnforcementOff } from '../shared/watch/account/switch-off.js';

export interface EnforcementRollbackResult {
  region: string;
  status: 'planned' | 'rolled-back' | 'nothing' | 'failed' | 'skipped';
  message: string;
}

/** Where the region's record is: the state bucket from the environment, else from the region's imds-guard stack. */
export async function cliEnforcementStore(
  scope: Scope,
  env: Record<string, string | undefined>,
  cloudFormation: () => Pick<CloudFormationClient, 'send'>,
  s3: (region: string) => Pick<S3Client, 'send'> = (region) => createS3Client(region),
): Promise<EnforcementStore | { none: string }> {
  const named = env[STATE_BUCKET_ENV]?.trim();
  if (named) return s3EnforcementStore(s3(scope.region), { ...scope, bucket: named });
  const stackSet = env.IMDS_GUARD_STACKSET_NAME?.trim() || 'imds-guard';
  try {
    const stack = await findStack(cloudFormation(), undefined, (name) => name === 'imds-guard' || name.startsWith(`StackSet-${stackSet}-`));
    const bucket = stack?.outputs.StateBucketName;
    if (bucket) return s3EnforcementStore(s3(scope.region), { ...scope, bucket });
    return { none: stack ? `stack ${stack.name} has no StateBucketName output` : `no imds-guard stack in ${scope.region} (set ${STATE_BUCKET_ENV} to the member stack's state bucket)` };
  } catch (error) {
    return { none: `could not look up the imds-guard stack (${errorText(error)}); set ${STATE_BUCKET_ENV}` };
  }
}

export async function rollBackEnforcement(input: {
  scope: Scope;
  ec2: Pick<EC2Client, 'send'>;
  store: EnforcementStore | { none: string };
  by: string;
  now: Date;
  dryRun: boolean;
}): Promise<EnforcementRollbackResult> {
  const { scope, ec2, store } = input;
  const region = scope.region;
  let level;
  try {
    level = (await ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel ?? {};
  } catch (error) {
    return { region, status: 'failed', message: `could not read the instance metadata defaults: ${errorText(error)}` };
  }
  if (level.ManagedBy === 'declarative-policy') {
    return { region, status: 'skipped', message: `managed by an AWS Organizations declarative policy${level.ManagedExceptionMessage ? ` (${level.ManagedExceptionMessage})` : ''}: change http_tokens_enforced in the policy` };
  }
  if (level.HttpTokensEnforced !== 'enabled') {
    return { region, status: 'nothing', message: `HttpTokensEnforced is ${level.HttpTokensEnforced ?? 'not set'}: nothing to roll back` };
  }
  const where = 'none' in store ? `the mark cannot be written: ${store.none}` : `mark the account-region in ${store.where}`;
  if (input.dryRun) return { region, status: 'planned', message: `would switch HttpTokensEnforced off, read it back, and ${where}` };

  // The record as it is, so its graduation and evidence stay beside the mark; an unreadable one is not overwritten.
  let record: EnforcementRecord | undefined;
  let markProblem = 'none' in store ? store.none : undefined;
  if (!('none' in store)) {
    const state = await store.read();
    if (state.kind === 'read') record = state.record ?? emptyRecord(scope.account, region);
    else markProblem = state.kind === 'unreadable' ? `the record is unreadable (${state.error}), so it is not overwritten` : state.why;
  }
  const steps: string[] = [];
  const save = async (mark: AccountMark): Promise<void> => {
    if (!record || 'none' in store) return;
    try {
      await store.write({ ...record, mark });
      steps.push(`PutObject ${store.where} (${mark.action}) ok`);
    } catch (error) {
      markProblem = `PutObject failed: ${errorText(error)}`;
      steps.push(`PutObject ${store.where} (${mark.action}) failed: ${errorText(error)}`);
    }
  };
  const at = input.now.toISOString();
  await save({ at, action: 'pending', by: input.by });
  const off = await switchEnforcementOff(ec2);
  steps.push(...off.steps);
  const mark: AccountMark = off.outcome === 'disabled' ? { at, action: 'manual', by: input.by } : { at, action: 'failed', by: input.by, why: off.why ?? off.outcome };
  await save(mark);
  const marked = markProblem === undefined ? ` ${describeAccountMark({ ...(record ?? emptyRecord(scope.account, region)), mark }, false)}; no graduation until a person clears the mark.` : ` The mark was NOT written: ${markProblem}.`;
  if (off.outcome === 'disabled') return { region, status: 'rolled-back', message: `HttpTokensEnforced switched off and read back.${marked} Steps: ${steps.join('; ')}` };
  return { region, status: 'failed', message: `rollback failed: ${off.why ?? off.outcome}.${marked} Steps: ${steps.join('; ')}` };
}

export function enforcementTable(results: readonly EnforcementRollbackResult[], dryRun: boolean): string {
  const lines = results.map((r) => `${r.region}  ${r.status}\n    ${r.message}`);
  const done = results.filter((r) => r.status === 'rolled-back').length;
  const tail = dryRun ? 'Dry run: nothing was changed.' : `${done} of ${results.filter((r) => r.status !== 'nothing').length} region${results.length === 1 ? '' : 's'} with enforcement rolled back.`;
  return `${lines.join('\n')}\n${tail}\n`;
}

/** 0: every region rolled back, planned or had nothing to roll back; 1: something failed or was skipped. */
export function enforcementExitCode(results: readonly EnforcementRollbackResult[]): number {
  return results.every((r) => r.status === 'rolled-back' || r.status === 'planned' || r.status === 'nothing') ? 0 : 1;
}
