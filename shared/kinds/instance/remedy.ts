/**
 * Remediation of an instance: the action and the IAM statements its calls need.
 *
 * ModifyInstanceMetadataOptions with HttpTokens=required (and the
 * hop limit only when the plan lowers it; HttpEndpoint is never sent). The
 * call answers with the options now in force (State `pending` while they are
 * applied), which is this action's own check; the remediator then describes
 * the instance again and evaluates it (shared/act/index.ts, reverify).
 *
 * When HttpTokens changes, the flip is recorded on the instance first
 * (shared/watch/writes.ts: tags `imds-guard:flipped-at` and
 * `imds-guard:previous`, the options decide saw on the freshly described
 * instance), so the watch can restore exactly those options if IMDSv1 calls
 * are rejected afterwards. No record, no flip: a failed CreateTags fails the
 * action before anything changed. A failed modify removes the record again.
 */
import { ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import type { Plan } from '../../verdict.js';
import { forgetFlip, recordFlip } from '../../watch/writes.js';
import { errorText } from '../../errors.js';
import type { ActContext, ActionResult } from '../../act/types.js';
import type { KindRemedy } from '../edge-types.js';
import { WATCH_TAG_PERMISSIONS } from '../../watch/permissions.js';
import { ARN, HERE } from '../permissions.js';

export async function fixInstance(plan: Plan, { clients, now }: ActContext): Promise<ActionResult> {
  const instanceId = plan.ref.id;
  const hop = plan.target?.httpPutResponseHopLimit;
  // Only a change of HttpTokens is watched (MetadataNoTokenRejected is its breakage signal).
  const watched = plan.previous !== undefined && plan.previous.httpTokens !== 'required';
  if (watched) {
    try {
      await recordFlip(clients.ec2, instanceId, plan.previous!, now?.() ?? new Date());
    } catch (error) {
      throw new Error(`recording the change on the instance (CreateTags) failed, so nothing was changed: ${errorText(error)}`);
    }
  }
  let response;
  try {
    response = await clients.ec2.send(
      new ModifyInstanceMetadataOptionsCommand({
        InstanceId: instanceId,
        HttpTokens: 'required',
        // undefined (the plan keeps the hop limit) is not sent: the SDK serialises no parameter for it
        HttpPutResponseHopLimit: hop,
      }),
    );
  } catch (error) {
    if (!watched) throw error;
    const cleanup = await forgetFlip(clients.ec2, instanceId);
    throw new Error(`${errorText(error)} (the watch record was removed again: ${cleanup.steps.join('; ')})`);
  }
  const options = response.InstanceMetadataOptions;
  const tokens = options?.HttpTokens ?? 'unknown';
  const verified = tokens === 'required' && (hop === undefined || options?.HttpPutResponseHopLimit === hop);
  const hopText = hop !== undefined ? `, hop limit ${hop}` : `, hop limit kept at ${options?.HttpPutResponseHopLimit ?? 'its value'}`;
  return {
    changed: true,
    verified: verified ? 'COMPLIANT' : 'NON_COMPLIANT',
    message:
      `ModifyInstanceMetadataOptions HttpTokens=required${hopText} on ${instanceId}; ` +
      `EC2 answered HttpTokens=${tokens}${options?.State ? ` (${options.State})` : ''}` +
      (watched ? '; recorded on the instance and watched for rejected IMDSv1 calls (guard window)' : ''),
  };
}

export const instanceRemedy: KindRemedy = {
  act: fixInstance,
  permissions: [
    {
      sid: 'FixInstances',
      actions: ['ec2:ModifyInstanceMetadataOptions'],
      resources: [`${ARN}:ec2:${HERE}:instance/*`],
      reason: 'Any instance of this account and Region may need IMDSv2; which ones is known only at run time.',
    },
    // The flip is recorded on the instance first (shared/watch/writes.ts), and removed again when the modify fails.
    WATCH_TAG_PERMISSIONS,
  ],
};
