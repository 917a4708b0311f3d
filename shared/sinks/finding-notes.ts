/**
 * Notes (and optionally workflow status and UserDefinedFields) on findings
 * named by their identifiers, whoever's product they are: the custom action
 * writes the outcome back on the findings a person selected, the `annotate`
 * findings mode writes evidence onto Security Hub's own control findings.
 *
 * BatchUpdateFindings applies ONE update to all its identifiers (at most 100):
 * identical updates are grouped. Called from the account that received the
 * action; a Security Hub administrator may update its members' findings.
 */
import { BatchUpdateFindingsCommand, type AwsSecurityFindingIdentifier, type SecurityHubClient, type WorkflowUpdate } from '@aws-sdk/client-securityhub';
import { chunk } from '../aws/batch.js';
import type { PublishResult } from '../engine/ports.js';
import { isRetryableItemCode, retrier, sendWithRetries, type BatchCall, type RetryOptions } from './retry.js';

/** BatchUpdateFindings: at most 100 finding identifiers a call. */
export const MAX_IDENTIFIERS_PER_UPDATE = 100;
export const NOTE_AUTHOR = 'imds-guard';

/** "Security Hub is not enabled here": no later call can succeed, not one item failed. */
export function notSubscribed(code: string | undefined, message: string | undefined): boolean {
  if (code === 'InvalidAccessException' || code === 'InvalidAccess') return true;
  return /not subscribed/i.test(message ?? '');
}

/** A caller's stop state, shared with its other calls (the findings sink: once Security Hub is off, nothing more is sent). */
export interface NotesOptions extends RetryOptions {
  fatal?: BatchCall<AwsSecurityFindingIdentifier>['fatal'];
  stopped?: { reason?: string };
}

export interface FindingNote {
  finding: AwsSecurityFindingIdentifier;
  text: string;
  workflow?: WorkflowUpdate['Status'];
  userDefinedFields?: Record<string, string>;
}

export async function writeFindingNotes(
  client: Pick<SecurityHubClient, 'send'>,
  notes: readonly FindingNote[],
  options: NotesOptions = {},
): Promise<PublishResult> {
  const result: PublishResult = { published: 0, failed: [] };
  const groups = new Map<string, { note: FindingNote; ids: AwsSecurityFindingIdentifier[] }>();
  for (const note of notes) {
    const key = JSON.stringify([note.text, note.workflow ?? '', note.userDefinedFields ?? {}]);
    const group = groups.get(key) ?? { note, ids: [] };
    group.ids.push(note.finding);
    groups.set(key, group);
  }
  const stopped = options.stopped ?? {};
  const fatal = options.fatal ?? ((code: string | undefined, message: string) => (notSubscribed(code, message) ? message : undefined));
  const retry = retrier(options);
  for (const { note, ids } of groups.values()) {
    for (const batch of chunk(ids, MAX_IDENTIFIERS_PER_UPDATE)) {
      await sendWithRetries<AwsSecurityFindingIdentifier>(
        {
          what: 'BatchUpdateFindings',
          retry,
          idOf: (item) => item.Id ?? '',
          fatal,
          stopped,
          send: async (pending) => {
            const response = await client.send(
              new BatchUpdateFindingsCommand({
                FindingIdentifiers: pending,
                Note: { Text: note.text, UpdatedBy: NOTE_AUTHOR },
                ...(note.workflow ? { Workflow: { Status: note.workflow } } : {}),
                ...(note.userDefinedFields ? { UserDefinedFields: note.userDefinedFields } : {}),
              }),
            );
            return (response.UnprocessedFindings ?? []).map((u) => ({
              id: u.FindingIdentifier?.Id ?? '',
              item: u.FindingIdentifier,
              error: `${u.ErrorCode ?? 'Error'}: ${u.ErrorMessage ?? 'no message'}`,
              retryable: isRetryableItemCode(u.ErrorCode),
            }));
          },
        },
        batch,
        result,
      );
    }
  }
  if (stopped.reason !== undefined) result.unavailable = stopped.reason;
  return result;
}
