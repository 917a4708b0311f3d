/**
 * Instance: ModifyInstanceMetadataOptions with HttpTokens=required (and the
 * hop limit only when the plan lowers it; HttpEndpoint is never sent), then
 * describe the instance again to verify.
 */
import { DescribeInstancesCommand, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import type { Plan } from '../model.js';
import type { ActContext, ActionResult } from './types.js';

export async function fixInstance(plan: Plan, { clients }: ActContext): Promise<ActionResult> {
  const instanceId = plan.ref.id;
  const hop = plan.target?.httpPutResponseHopLimit;
  await clients.ec2.send(
    new ModifyInstanceMetadataOptionsCommand({
      InstanceId: instanceId,
      HttpTokens: 'required',
      ...(hop !== undefined ? { HttpPutResponseHopLimit: hop } : {}),
    }),
  );
  const described = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const options = described.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId)?.MetadataOptions;
  const tokens = options?.HttpTokens ?? 'unknown';
  const verified = tokens === 'required' && (hop === undefined || options?.HttpPutResponseHopLimit === hop);
  const hopText = hop !== undefined ? `, hop limit ${hop}` : `, hop limit kept at ${options?.HttpPutResponseHopLimit ?? 'its value'}`;
  return {
    changed: true,
    verified: verified ? 'COMPLIANT' : 'NON_COMPLIANT',
    message:
      `ModifyInstanceMetadataOptions HttpTokens=required${hopText} on ${instanceId}; ` +
      `described again: HttpTokens=${tokens}${options?.State ? ` (${options.State})` : ''}`,
  };
}
