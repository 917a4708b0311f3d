/**
 * Edge: switching the account-region's IMDSv2 enforcement off again
 * (ModifyInstanceMetadataDefaults HttpTokensEnforced=disabled, nothing else
 * sent, so the other defaults stay as they are), then reading it back. Used
 * by the watch after graduation and by `imds-guard rollback
 * --account-enforcement`. Never throws; the outcome says what happened.
 */
import { GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { errorText } from '../../errors.js';
import type { PermissionStatement } from '../../kinds/edge-types.js';

/**
 * `disabled`: switched off and read back; `already-off`: it was not on (nothing
 * sent); `managed`: a declarative policy sets it (the account cannot);
 * `failed`: refused, or not confirmed by the read-back.
 */
export type SwitchOffOutcome = 'disabled' | 'already-off' | 'managed' | 'failed';

export interface SwitchOffReport {
  outcome: SwitchOffOutcome;
  /** Why it is not `disabled`, with the AWS error. */
  why?: string;
  steps: string[];
}

/** An account-level setting: no resource-level permissions. */
export const SWITCH_OFF_PERMISSIONS: PermissionStatement = {
  sid: 'SwitchEnforcementOff',
  actions: ['ec2:GetInstanceMetadataDefaults', 'ec2:ModifyInstanceMetadataDefaults'],
  resources: ['*'],
  reason: 'The account default is an account-level setting: these actions accept no resource ARN.',
};

export async function switchEnforcementOff(ec2: Pick<EC2Client, 'send'>): Promise<SwitchOffReport> {
  const steps: string[] = [];
  let before;
  try {
    before = (await ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel ?? {};
    steps.push(`GetInstanceMetadataDefaults ok (HttpTokensEnforced=${before.HttpTokensEnforced ?? 'not reported'})`);
  } catch (error) {
    steps.push(`GetInstanceMetadataDefaults failed: ${errorText(error)}`);
    return { outcome: 'failed', why: `could not read the account's defaults (${errorText(error)})`, steps };
  }
  if (before.ManagedBy === 'declarative-policy') {
    const why = `the defaults are managed by an AWS Organizations declarative policy${before.ManagedExceptionMessage ? ` (${before.ManagedExceptionMessage})` : ''}: only the policy can switch enforcement off`;
    return { outcome: 'managed', why, steps };
  }
  if (before.HttpTokensEnforced !== 'enabled') return { outcome: 'already-off', why: `HttpTokensEnforced is ${before.HttpTokensEnforced ?? 'not reported'}, not enabled`, steps };
  try {
    await ec2.send(new ModifyInstanceMetadataDefaultsCommand({ HttpTokensEnforced: 'disabled' }));
    steps.push('ModifyInstanceMetadataDefaults HttpTokensEnforced=disabled ok');
  } catch (error) {
    steps.push(`ModifyInstanceMetadataDefaults HttpTokensEnforced=disabled failed: ${errorText(error)}`);
    return { outcome: 'failed', why: `AWS refused the switch-off (${errorText(error)})`, steps };
  }
  try {
    const after = (await ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel ?? {};
    steps.push(`GetInstanceMetadataDefaults (read back) ok (HttpTokensEnforced=${after.HttpTokensEnforced ?? 'not reported'})`);
    if (after.HttpTokensEnforced !== 'disabled') {
      return { outcome: 'failed', why: `read back after the switch-off: HttpTokensEnforced is ${after.HttpTokensEnforced ?? 'not reported'}, not disabled`, steps };
    }
  } catch (error) {
    steps.push(`GetInstanceMetadataDefaults (read back) failed: ${errorText(error)}`);
    return { outcome: 'failed', why: `the switch-off was sent but could not be read back (${errorText(error)})`, steps };
  }
  return { outcome: 'disabled', steps };
}
