/**
 * Instance: ModifyInstanceMetadataOptions with HttpTokens=required (and the
 * hop limit only when the plan lowers it; HttpEndpoint is never sent). The
 * call answers with the options now in force (State `pending` while they are
 * applied), which is this action's own check; the remediator then describes
 * the instance again and evaluates it (shared/act/index.ts, reverify).
 */
import { ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import type { Plan } from '../model.js';
import type { ActContext, ActionResult } from './types.js';

export async function fixInstance(plan: Plan, { clients }: ActContext): Promise<ActionResult> {
  const instanceId = plan.ref.id;
  const hop = plan.target?.httpPutResponseHopLimit;
  const response = await clients.ec2.send(
    new ModifyInstanceMetadataOptionsCommand({
      InstanceId: instanceId,
      HttpTokens: 'required',
      ...(hop !== undefined ? { HttpPutResponseHopLimit: hop } : {}),
    }),
  );
  const options = response.InstanceMetadataOptions;
  const tokens = options?.HttpTokens ?? 'unknown';
  const verified = tokens === 'required' && (hop === undefined || options?.HttpPutResponseHopLimit === hop);
  const hopText = hop !== undefined ? `, hop limit ${hop}` : `, hop limit kept at ${options?.HttpPutResponseHopLimit ?? 'its value'}`;
  return {
    changed: true,
    verified: verified ? 'COMPLIANT' : 'NON_COMPLIANT',
    message:
      `ModifyInstanceMetadataOptions HttpTokens=required${hopText} on ${instanceId}; ` +
      `EC2 answered HttpTokens=${tokens}${options?.State ? ` (${options.State})` : ''}`,
  };
}
