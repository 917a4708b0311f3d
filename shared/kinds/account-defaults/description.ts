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
import { enforcementNote, graduationHoldReason } from '../../watch/account/record.js';
import { SETTINGS } from '../../policy.js';
import { stageSentence, type EnforcementState, type StageFact } from '../stage.js';

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

/** Whether the operator asked for HttpTokensEnforced (IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT true or when-ready) and it is not on yet. */
function enforcedWanted(subject: AccountDefaultsSubject, policy: Policy): boolean {
  return policy.enforceAccountDefault !== 'false' && subject.httpTokensEnforced !== true;
}

/**
 * Whether the missing enforcement is a finding: always with `true` (the
 * operator wants it; the plan's gate says whether it may be switched on now),
 * with `when-ready` only once the account-region is `ready` and no rollback
 * mark stands in the way.
 */
function enforcementDue(subject: AccountDefaultsSubject, policy: Policy): boolean {
  if (!enforcedWanted(subject, policy)) return false;
  if (policy.enforceAccountDefault === 'true') return true;
  return subject.stage?.stage === 'ready' && rolledBackMark(subject) === undefined;
}

/** The enforcement itself, and the default as the launch path of every launch that asks for nothing. */
function accountDefaultsStageFacts(subject: AccountDefaultsSubject): StageFact[] {
  const tokens = subject.metadata.httpTokens;
  return [
    {
      type: 'enforcement',
      ref: subject.ref,
      ...(subject.httpTokensEnforced !== undefined ? { enforced: subject.httpTokensEnforced } : {}),
      ...(subject.managedBy !== undefined ? { managedBy: subject.managedBy } : {}),
      ...(subject.managedExceptionMessage !== undefined ? { managedMessage: subject.managedExceptionMessage } : {}),
    },
    tokens === 'required'
      ? { type: 'launch-path', ref: subject.ref, allowsImdsv1: false, why: 'the account default requires IMDSv2' }
      : {
          type: 'launch-path',
          ref: subject.ref,
          allowsImdsv1: true,
          why:
            `account default HttpTokens=${tokens ?? 'no-preference'}: a launch that does not ask for IMDSv2 gets optional ` +
            '(unless its AMI declares ImdsSupport v2.0)',
        },
  ];
}

/**
 * Why a graduation is held back here: the watch's "enforcement rolled back"
 * mark, or an enforcement record that cannot be read (shared/watch/account/record.ts).
 */
function rolledBackMark(subject: AccountDefaultsSubject): string | undefined {
  return graduationHoldReason(subject.enforcement);
}

function enforcementState(subject: AccountDefaultsSubject): EnforcementState {
  return {
    enforced: subject.httpTokensEnforced === true,
    ...(subject.managedBy !== undefined ? { managedBy: subject.managedBy } : {}),
    ...(subject.managedExceptionMessage !== undefined ? { managedMessage: subject.managedExceptionMessage } : {}),
    ...(subject.stage !== undefined ? { stage: subject.stage } : {}),
    ...(rolledBackMark(subject) !== undefined ? { rolledBack: rolledBackMark(subject) } : {}),
  };
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
  stageFacts: accountDefaultsStageFacts,
  stageCarrier: {
    attach: (subject, stage) => ({ ...subject, stage }),
    stage: (subject) => subject.stage,
  },
  // What a dashboard filters by: the stage and how many things keep the account-region from `ready`.
  productFields: (subject) =>
    subject.stage ? { 'imds-guard/stage': subject.stage.stage, 'imds-guard/stage-blockers': String(subject.stage.blockers.length) } : {},
  remediation: {
    action: 'modify-instance-metadata-defaults',
    current: (subject) => subject.metadata,
    describe: (subject, hopNote, plan) =>
      `set the ${subject.ref.region} account default to HttpTokens=required (${hopNote})${plan.httpTokensEnforced === true ? ' with HttpTokensEnforced' : ''}`,
    // Asked whenever the policy wants it; the engine's enforcement-ready gate decides whether it may be sent now.
    extras: (subject, policy) => (enforcedWanted(subject, policy) ? { httpTokensEnforced: true } : {}),
    pending: enforcedWanted,
    nothingReason: (subject, policy) =>
      subject.httpTokensEnforced !== true && policy.enforceAccountDefault === 'false'
        ? `Not remediated: HttpTokens is already required by default; HttpTokensEnforced is off by policy (${SETTINGS.enforceAccountDefault}=false).`
        : undefined,
    enforcement: enforcementState,
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
  const setting = `${SETTINGS.enforceAccountDefault}=${policy.enforceAccountDefault}`;
  const tokens =
    m.httpTokens === 'required'
      ? enforcementDue(subject, policy)
        ? result(
            'imdsv2',
            'NON_COMPLIANT',
            policy.enforceAccountDefault === 'when-ready'
              ? `Account default in ${region}: HttpTokens=required and the account-region is ready, but ${enforced} and ${setting} asks for it once ready: launches may still request IMDSv1 explicitly.`
              : `Account default in ${region}: HttpTokens=required, but ${enforced} and ${setting} asks for it: launches may still request IMDSv1 explicitly.`,
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
  const held = rolledBackMark(subject);
  if (held !== undefined && subject.enforcement === undefined) {
    tokens.reason += ` Enforcement was rolled back here (${held}): imds-guard does not switch it on again until a person clears the mark.`;
  }
  // The migration stage, when the whole account-region was read (sweep, scan, fix).
  if (subject.stage) tokens.reason += ` ${stageSentence(subject.stage)}.`;
  return [tokens, hopCheck];
}
