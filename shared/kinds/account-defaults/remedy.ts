/**
 * Remediation of the account default (per Region): the action and the IAM
 * statements its calls need.
 *
 * ModifyInstanceMetadataDefaults with
 * HttpTokens=required. The other fields are sent back as they are (hop limit
 * lowered only when the plan says), and HttpTokensEnforced=enabled only when
 * the plan asks for it (policy.enforceAccountDefault). Verified by reading the
 * defaults again.
 *
 * Switching HttpTokensEnforced on (a graduation) is recorded first, like an
 * instance's flip: who and when, in the account-region's enforcement record
 * (shared/watch/account), so the watch after graduation finds it in its
 * guard window. No record, no switch: a record that cannot be read or
 * written stops the action before anything changed, and a record carrying
 * the "enforcement rolled back" mark refuses it (graduationHeld). Where no
 * store is wired (no state bucket) the switch happens and the outcome says
 * it is not watched.
 */
import {
  GetInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataDefaultsCommand,
  type ModifyInstanceMetadataDefaultsRequest,
} from '@aws-sdk/client-ec2';
import type { Plan } from '../../verdict.js';
import { ActionRefused, type ActContext, type ActionResult } from '../../act/types.js';
import type { KindRemedy } from '../edge-types.js';
import { errorText } from '../../errors.js';
import { emptyRecord, graduate, graduationHoldReason, windowEnd, type EnforcementRecord } from '../../watch/account/record.js';

/** Records the graduation before the switch; returns how to undo the record if the switch fails. */
async function recordGraduation(plan: Plan, ctx: ActContext): Promise<{ note: string; forget: () => Promise<string> }> {
  const store = ctx.enforcement;
  if (!store) {
    return {
      note: '; NOT watched after graduation: no enforcement record here (no state bucket, IMDS_GUARD_STATE_BUCKET), so refused launches are not rolled back automatically',
      forget: async () => '',
    };
  }
  const state = await store.read();
  const held = graduationHoldReason(state);
  if (held !== undefined) throw new ActionRefused(`HttpTokensEnforced is not switched on: ${held}`);
  const previous: EnforcementRecord | undefined = state.kind === 'read' ? state.record : undefined;
  const graduation = { at: (ctx.now?.() ?? new Date()).toISOString(), by: ctx.actor, windowHours: ctx.policy.guardWindowHours };
  try {
    await store.write(graduate(previous ?? emptyRecord(plan.ref.account, ctx.clients.region), graduation));
  } catch (error) {
    throw new Error(`recording the graduation in ${store.where} failed, so nothing was changed: ${errorText(error)}`);
  }
  return {
    note: `; graduation recorded in ${store.where} (${graduation.by}, ${graduation.at}): watched for launches refused by enforcement until ${windowEnd(graduation).toISOString()}`,
    forget: async () => {
      try {
        await store.write(previous ?? emptyRecord(plan.ref.account, ctx.clients.region));
        return ' (the graduation record was removed again)';
      } catch (error) {
        return ` (the graduation record could not be removed again: ${errorText(error)}; the watch finds no refused launch and clears it)`;
      }
    },
  };
}

export async function fixAccountDefaults(plan: Plan, ctx: ActContext): Promise<ActionResult> {
  const { clients } = ctx;
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
  // A graduation: recorded (who, when) before the switch, so the watch after it can find it.
  const graduating = plan.httpTokensEnforced === true && before.HttpTokensEnforced !== 'enabled';
  const record = graduating ? await recordGraduation(plan, ctx) : undefined;
  try {
    await clients.ec2.send(new ModifyInstanceMetadataDefaultsCommand(request));
  } catch (error) {
    if (!record) throw error;
    throw new Error(`${errorText(error)}${await record.forget()}`);
  }
  const after = (await clients.ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel ?? {};
  const ok = after.HttpTokens === 'required' && (!plan.httpTokensEnforced || after.HttpTokensEnforced === 'enabled');
  return {
    changed: true,
    verified: ok ? 'COMPLIANT' : 'NON_COMPLIANT',
    message:
      `ModifyInstanceMetadataDefaults in ${clients.region}: HttpTokens=required` +
      (plan.target?.httpPutResponseHopLimit !== undefined ? `, hop limit ${plan.target.httpPutResponseHopLimit}` : '') +
      (plan.httpTokensEnforced ? ', HttpTokensEnforced=enabled' : '') +
      `; read again: HttpTokens=${after.HttpTokens ?? 'no-preference'}, HttpTokensEnforced=${after.HttpTokensEnforced ?? 'no-preference'}` +
      (record?.note ?? ''),
  };
}

export const accountDefaultsRemedy: KindRemedy = {
  act: fixAccountDefaults,
  permissions: [
    {
      sid: 'FixAccountDefaults',
      actions: ['ec2:GetInstanceMetadataDefaults', 'ec2:ModifyInstanceMetadataDefaults'],
      resources: ['*'],
      reason: 'The account default is an account-level setting: these actions accept no resource ARN.',
    },
  ],
};
