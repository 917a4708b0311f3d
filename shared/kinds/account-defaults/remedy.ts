/**
 * Remediation of the account default (per Region): the action and the IAM
 * statements its calls need.
 *
 * ModifyInstanceMetadataDefaults with
 * HttpTokens=required. The other fields are sent back as they are (hop limit
 * lowered only when the plan says), and HttpTokensEnforced=enabled only when
 * the plan asks for it (policy.enforceAccountDefault). Verified by reading the
 * defaults again.
 */
import {
  GetInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataDefaultsCommand,
  type ModifyInstanceMetadataDefaultsRequest,
} from '@aws-sdk/client-ec2';
import type { Plan } from '../../verdict.js';
import { ActionRefused, type ActContext, type ActionResult } from '../../act/types.js';
import type { KindRemedy } from '../edge-types.js';

export async function fixAccountDefaults(plan: Plan, { clients }: ActContext): Promise<ActionResult> {
  const before = (await clients.ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel ?? {};
  if (before.ManagedBy === 'declarative-policy') {
    throw new ActionRefused(
      `the ${clients.region} instance metadata defaults are managed by a declarative policy` +
        (before.ManagedExceptionMessage ? ` (${before.ManagedExceptionMessage})` : '') +
        ': change them in AWS Organizations',
    );
  }
  const hop = plan.target?.httpPutResponseHopLimit ?? before.HttpPutResponseHopLimit;
  const request: ModifyInstanceMetadataDefaultsRequest = {
    HttpTokens: 'required',
    ...(hop !== undefined ? { HttpPutResponseHopLimit: hop } : {}),
    ...(before.HttpEndpoint ? { HttpEndpoint: before.HttpEndpoint } : {}),
    ...(before.InstanceMetadataTags ? { InstanceMetadataTags: before.InstanceMetadataTags } : {}),
    ...(plan.httpTokensEnforced ? { HttpTokensEnforced: 'enabled' as const } : {}),
  };
  await clients.ec2.send(new ModifyInstanceMetadataDefaultsCommand(request));
  const after = (await clients.ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel ?? {};
  const ok = after.HttpTokens === 'required' && (!plan.httpTokensEnforced || after.HttpTokensEnforced === 'enabled');
  return {
    changed: true,
    verified: ok ? 'COMPLIANT' : 'NON_COMPLIANT',
    message:
      `ModifyInstanceMetadataDefaults in ${clients.region}: HttpTokens=required` +
      (plan.target?.httpPutResponseHopLimit !== undefined ? `, hop limit ${plan.target.httpPutResponseHopLimit}` : '') +
      (plan.httpTokensEnforced ? ', HttpTokensEnforced=enabled' : '') +
      `; read again: HttpTokens=${after.HttpTokens ?? 'no-preference'}, HttpTokensEnforced=${after.HttpTokensEnforced ?? 'no-preference'}`,
  };
}

export const accountDefaultsRemedy: KindRemedy = {
  act: fixAccountDefaults,
  permissions: [
    {
      sid: 'FixAccountDefaults',
      actions: ['ec2:GetInstanceMetadataDefaults', 'ec2:ModifyInstanceMetadataDefaults'],
      // An account-level setting: no resource-level permissions.
      resources: ['*'],
    },
  ],
};
