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
import type { PublishResult } from '../ports.js';
import { isRetryableItemCode, retrier, sendWithRetries, type RetryOptions } from './retry.js';
import { MAX_IDENTIFIERS_PER_UPDATE, NOTE_AUTHOR } from './securityhub.js';

export interface FindingNote {
  finding: AwsSecurityFindingIdentifier;
  text: string;
  workflow?: WorkflowUpdate['Status'];
  userDefinedFields?: Record<string, string>;
}


function isNotSubscribed(code: string | undefined, message: string): string | undefined {
  return code === 'InvalidAccessException' || /not subscribed/i.test(message) ? message : undefined;
}

export async function writeFindingNotes(
  client: Pick<SecurityHubClient, 'send'>,
  notes: readonly FindingNote[],
  options: RetryOptions = {},
): Promise<PublishResult> {
  const result: PublishResult = { published: 0, failed: [] };
  const groups = new Map<string, { note: FindingNote; ids: AwsSecurityFindingIdentifier[] }>();
  for (const note of notes) {
    const key = JSON.stringify([note.text, note.workflow ?? '', note.userDefinedFields ?? {}]);
    const group = groups.get(key) ?? { note, ids: [] };
    group.ids.push(note.finding);
    groups.set(key, group);
  }
  const stopped: { reason?: string } = {};
  const retry = retrier(options);
  for (const { note, ids } of groups.values()) {
    for (const batch of chunk(ids, MAX_IDENTIFIERS_PER_UPDATE)) {
      await sendWithRetries<AwsSecurityFindingIdentifier>(
        {
          what: 'BatchUpdateFindings',
          retry,
          idOf: (item) => item.Id ?? '',
          fatal: isNotSubscribed,
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
