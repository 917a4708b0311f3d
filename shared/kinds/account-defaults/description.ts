/**
 * The Region's instance metadata defaults (GetInstanceMetadataDefaults):
 * what launches get when they ask for nothing. imds-guard's own control; no
 * Security Hub equivalent. The ref's id is the account id. Pure.
 */
import type { AccountDefaultsSubject } from './subject.js';
import { type Control, EC2_GUIDE, OWN_CONTROL_SEVERITY } from '../controls.js';
import type { Policy } from '../../policy.js';
import { validateAccountId } from '../../validate.js';
import { hopLimitCheck, prune, result } from '../judging.js';
import type { Judgement, KindDescription } from '../types.js';
import { enforcementNote } from '../../watch/account/record.js';

const ACCOUNT_DEFAULT: Control = {
  id: 'account-default',
  title: 'The Region\'s EC2 instance metadata defaults should require IMDSv2',
  severity: OWN_CONTROL_SEVERITY,
  remediation:
    'Set the account default for new launches in this Region: aws ec2 modify-instance-metadata-defaults --http-tokens required ' +
    '(and --http-tokens-enforced enabled to refuse launches that ask for IMDSv1).',
  remediationUrl: `${EC2_GUIDE}/configuring-IMDS-new-instances.html`,
  relatedRequirements: [],
};

/** Whether the operator asked for HttpTokensEnforced (IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT) and it is not on yet. */
function enforcedWanted(subject: AccountDefaultsSubject, policy: Policy): boolean {
  return policy.enforceAccountDefault && subject.httpTokensEnforced !== true;
}

export const accountDefaultsDescription: KindDescription<'account-defaults'> = {
  kind: 'account-defaults',
  words: { one: 'account default', many: 'account defaults', title: 'Account default', column: 'account default' },
  asffType: 'AwsAccount',
  // No Config item: judged by the periodic rule run and the sweep.
  config: { type: 'AWS::::Account', recorded: false },
  controls: { imdsv2: ACCOUNT_DEFAULT, 'hop-limit': ACCOUNT_DEFAULT },
  validateId: validateAccountId,
  triggers: [
    // The account default has no id of its own: the ref's id is the account.
    { eventName: 'ModifyInstanceMetadataDefaults', eventSource: 'ec2.amazonaws.com', paths: ['recipientAccountId'] },
  ],
  arn: (ref) => `AWS::::Account:${ref.account}`,
  // Config evaluates the account default as the account (AWS::::Account).
  configResourceId: (ref) => ref.account,
  label: (subject) => `metadata options in ${subject.ref.region}`,
  exemptionSetting: { setting: 'exemptAccountDefaultRegions', value: (subject) => subject.ref.region },
  row: (subject) => ({ metadata: subject.metadata }),
  // The watch after graduation (shared/watch/account): who switched enforcement on, refused launches, the rolled-back mark.
  note: (subject, now) => enforcementNote(subject.enforcement, now),
  enforcementRef: (scope) => ({ kind: 'account-defaults', id: scope.account, account: scope.account, region: scope.region }),
  judge: judgeAccountDefaults,
  details: (subject) => {
    const m = subject.metadata;
    return prune({
      Other: {
        HttpTokens: m.httpTokens ?? 'no-preference',
        HttpPutResponseHopLimit: m.httpPutResponseHopLimit === undefined ? 'no-preference' : String(m.httpPutResponseHopLimit),
        HttpEndpoint: m.httpEndpoint ?? 'no-preference',
        InstanceMetadataTags: m.instanceMetadataTags ?? 'no-preference',
        HttpTokensEnforced: subject.httpTokensEnforced === undefined ? 'unknown' : subject.httpTokensEnforced ? 'enabled' : 'disabled',
      },
    });
  },
  remediation: {
    action: 'modify-instance-metadata-defaults',
    current: (subject) => subject.metadata,
    describe: (subject, hopNote, plan) =>
      `set the ${subject.ref.region} account default to HttpTokens=required (${hopNote})${plan.httpTokensEnforced === true ? ' with HttpTokensEnforced' : ''}`,
    // Sent whenever the policy asks, so the change is explicit (setting it again is harmless).
    extras: (_subject, policy) => (policy.enforceAccountDefault ? { httpTokensEnforced: true } : {}),
    pending: enforcedWanted,
    nothingReason: (subject) =>
      subject.httpTokensEnforced !== true ? 'Not remediated: HttpTokens is already required by default; HttpTokensEnforced is off by policy.' : undefined,
  },
};

function judgeAccountDefaults(subject: AccountDefaultsSubject, policy: Policy): Judgement[] {
  const m = subject.metadata;
  const enforced =
    subject.httpTokensEnforced === true
      ? 'HttpTokensEnforced is on (launches asking for IMDSv1 are refused)'
      : 'HttpTokensEnforced is off';
  const region = subject.ref.region;
  // Say who owns the setting; a declarative policy's default cannot be changed in the account.
  const owner =
    subject.managedBy === 'declarative-policy'
      ? ' Managed by an AWS Organizations declarative policy (ManagedBy=declarative-policy): change it in the policy, not in the account.'
      : '';
  const tokens =
    m.httpTokens === 'required'
      ? enforcedWanted(subject, policy)
        ? result(
            'imdsv2',
            'NON_COMPLIANT',
            `Account default in ${region}: HttpTokens=required, but ${enforced} and IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=true asks for it: launches may still request IMDSv1 explicitly.`,
          )
        : result('imdsv2', 'COMPLIANT', `Account default in ${region}: HttpTokens=required; ${enforced}.`)
      : result(
          'imdsv2',
          'NON_COMPLIANT',
          `Account default in ${region}: HttpTokens=${m.httpTokens ?? 'no-preference'}, so launches that do not ask for IMDSv2 accept IMDSv1; ${enforced}.`,
        );
  const hop = m.httpPutResponseHopLimit;
  const hopCheck =
    hop === undefined
      ? result('hop-limit', 'COMPLIANT', `Account default in ${region}: no hop limit preference (EC2's default 1 applies).`)
      : hopLimitCheck(hop, `account default in ${region}`, policy);
  if (owner) tokens.reason += owner;
  return [tokens, hopCheck];
}
