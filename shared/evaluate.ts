/**
 * evaluate: judge one subject against the policy. PURE: no I/O, no clock.
 *
 * Every subject gets the same two checks (one finding each):
 * - `imdsv2`: HttpTokens must be `required` (EC2.8, EC2.170, AutoScaling.3,
 *   account-default);
 * - `hop-limit`: HttpPutResponseHopLimit must not exceed policy.hopLimitCeiling
 *   (launch-configuration-hop-limit for launch configurations; imds-guard's own
 *   instance-hop-limit / launch-template-hop-limit / account-default otherwise).
 *
 * Order of judgement: gone → exempt (tag, any value but `false`) → kind rules.
 * The verdict is the worst check: NON_COMPLIANT > COMPLIANT > NOT_APPLICABLE.
 *
 * Values left unset (launch templates, launch configurations) are resolved the
 * way EC2 resolves them at launch: the resource's value, else the Region's
 * account default, else EC2's own default (HttpTokens `optional`, hop limit 1;
 * an AMI that declares ImdsSupport v2.0 would give `required` and 2, which the
 * subject does not tell us, so the reason says so). Each reason names the
 * source that decided.
 */
import { controlFor } from './controls.js';
import { KIND_WORDS } from './model.js';
import type {
  AccountDefaultsSubject,
  CheckId,
  CheckResult,
  Compliance,
  InstanceSubject,
  LaunchConfigurationSubject,
  LaunchTemplateSubject,
  LaunchTemplateVersionSummary,
  MetadataOptions,
  ResourceKind,
  Subject,
  Verdict,
} from './model.js';
import type { Policy } from './policy.js';
import { exemptionOf } from './exemption.js';

const RANK: Record<Compliance, number> = { NOT_APPLICABLE: 0, COMPLIANT: 1, NON_COMPLIANT: 2 };

/** Worst of the checks: NON_COMPLIANT > COMPLIANT > NOT_APPLICABLE (NOT_APPLICABLE when there are none). */
export function worstOf(values: readonly Compliance[]): Compliance {
  let worst: Compliance = 'NOT_APPLICABLE';
  for (const v of values) if (RANK[v] > RANK[worst]) worst = v;
  return worst;
}


function check(kind: ResourceKind, id: CheckId, compliance: Compliance, reason: string): CheckResult {
  return { check: id, control: controlFor(kind, id), compliance, reason };
}

/** Both checks with the same outcome and reason (gone, exempt, terminated). */
function both(kind: ResourceKind, compliance: Compliance, reason: string): CheckResult[] {
  return [check(kind, 'imdsv2', compliance, reason), check(kind, 'hop-limit', compliance, reason)];
}

export function evaluate(subject: Subject, policy: Policy): Verdict {
  const checks = judge(subject, policy);
  return { ref: subject.ref, compliance: worstOf(checks.map((c) => c.compliance)), checks, subject };
}

function judge(subject: Subject, policy: Policy): CheckResult[] {
  const kind = subject.ref.kind;
  if (subject.kind === 'missing') {
    return both(kind, 'NOT_APPLICABLE', `The ${KIND_WORDS[kind]} ${subject.ref.id} no longer exists.`);
  }
  const exemption = exemptionOf(subject, policy.exemptTagKey);
  if (exemption !== undefined) {
    return both(
      kind,
      'NOT_APPLICABLE',
      `Exempt: tagged ${policy.exemptTagKey}=${JSON.stringify(exemption)} (any value but "false" exempts); not judged.`,
    );
  }
  switch (subject.kind) {
    case 'instance':
      return judgeInstance(subject, policy);
    case 'launch-template':
      return judgeLaunchTemplate(subject, policy);
    case 'launch-configuration':
      return judgeLaunchConfiguration(subject, policy);
    case 'account-defaults':
      return judgeAccountDefaults(subject, policy);
  }
}

// ── instances (EC2.8) ────────────────────────────────────────────────────────

function judgeInstance(subject: InstanceSubject, policy: Policy): CheckResult[] {
  const state = subject.state;
  if (state === 'terminated' || state === 'shutting-down') {
    return both('instance', 'NOT_APPLICABLE', `Instance is ${state}: it will not run again, nothing to judge.`);
  }
  const m = subject.metadata;
  const pending =
    subject.metadataState === 'pending'
      ? ' (a metadata options change is still being applied; these are the requested values)'
      : '';

  if (m.httpEndpoint === 'disabled') {
    const reason = `Metadata endpoint disabled${pending}: IMDS is off, so neither IMDSv1 nor the hop limit can be used.`;
    return both('instance', 'COMPLIANT', reason);
  }

  let tokens: CheckResult;
  if (m.httpTokens === 'required') {
    tokens = check('instance', 'imdsv2', 'COMPLIANT', `HttpTokens=required${pending}: only IMDSv2 is accepted.`);
  } else if (m.httpTokens === 'optional') {
    tokens = check(
      'instance',
      'imdsv2',
      'NON_COMPLIANT',
      `HttpTokens=optional with the metadata endpoint enabled${pending}: IMDSv1 is accepted.`,
    );
  } else {
    tokens = check(
      'instance',
      'imdsv2',
      'NON_COMPLIANT',
      `EC2 reported no HttpTokens value${pending}; judged as optional (IMDSv1 accepted) until shown otherwise.`,
    );
  }
  const hop = m.httpPutResponseHopLimit;
  const hopCheck =
    hop === undefined
      ? check('instance', 'hop-limit', 'COMPLIANT', `EC2 reported no hop limit${pending}; EC2's default is 1.`)
      : hopLimitCheck('instance', hop, `instance setting${pending}`, policy);
  return [tokens, hopCheck];
}

function hopLimitCheck(kind: ResourceKind, hop: number, source: string, policy: Policy): CheckResult {
  const ceiling = policy.hopLimitCeiling;
  return hop > ceiling
    ? check(kind, 'hop-limit', 'NON_COMPLIANT', `Hop limit ${hop} (${source}) is above the ceiling ${ceiling}: the IMDSv2 token can travel beyond the host.`)
    : check(kind, 'hop-limit', 'COMPLIANT', `Hop limit ${hop} (${source}) is within the ceiling ${ceiling}.`);
}

// ── launch templates (EC2.170) ───────────────────────────────────────────────

interface Resolved<T> {
  value: T;
  /** Where the value came from, for the reason. */
  source: string;
  /** EC2's built-in default (no explicit or account value). */
  fallback: boolean;
}

/** A template option: the version's value, else the Region's account default, else EC2's default. */
function resolve<K extends keyof MetadataOptions>(
  version: LaunchTemplateVersionSummary,
  defaults: MetadataOptions | undefined,
  key: K,
  ec2Default: NonNullable<MetadataOptions[K]>,
): Resolved<NonNullable<MetadataOptions[K]>> {
  const own = version.metadata[key];
  if (own !== undefined && own !== null) return { value: own as NonNullable<MetadataOptions[K]>, source: `set in version ${version.versionNumber}`, fallback: false };
  const dflt = defaults?.[key];
  if (dflt !== undefined && dflt !== null) {
    return { value: dflt as NonNullable<MetadataOptions[K]>, source: `unset in version ${version.versionNumber}, from the Region's account default`, fallback: false };
  }
  return { value: ec2Default, source: `unset in version ${version.versionNumber} and in the account default, EC2's default`, fallback: true };
}

interface TemplateJudgement {
  tokens: Compliance;
  tokensReason: string;
  hop: Compliance;
  hopReason: string;
}

function judgeTemplateVersion(version: LaunchTemplateVersionSummary, defaults: MetadataOptions | undefined, policy: Policy): TemplateJudgement {
  const endpoint = resolve(version, defaults, 'httpEndpoint', 'enabled');
  if (endpoint.value === 'disabled') {
    const reason = `Metadata endpoint disabled (${endpoint.source}): instances launch with IMDS off.`;
    return { tokens: 'COMPLIANT', tokensReason: reason, hop: 'COMPLIANT', hopReason: reason };
  }
  const tokens = resolve(version, defaults, 'httpTokens', 'optional');
  const amiNote = tokens.fallback ? ' unless the AMI declares ImdsSupport v2.0' : '';
  const tokensReason =
    tokens.value === 'required'
      ? `HttpTokens=required (${tokens.source}).`
      : `HttpTokens=optional (${tokens.source})${amiNote}: instances launch accepting IMDSv1.`;
  const hop = resolve(version, defaults, 'httpPutResponseHopLimit', 1);
  const ceiling = policy.hopLimitCeiling;
  const hopAmi = hop.fallback ? '; 2 if the AMI declares ImdsSupport v2.0' : '';
  const hopOk = hop.value <= ceiling;
  const hopReason = hopOk
    ? `Hop limit ${hop.value} (${hop.source}${hopAmi}) is within the ceiling ${ceiling}.`
    : `Hop limit ${hop.value} (${hop.source}) is above the ceiling ${ceiling}.`;
  return {
    tokens: tokens.value === 'required' ? 'COMPLIANT' : 'NON_COMPLIANT',
    tokensReason,
    hop: hopOk ? 'COMPLIANT' : 'NON_COMPLIANT',
    hopReason,
  };
}

function judgeLaunchTemplate(subject: LaunchTemplateSubject, policy: Policy): CheckResult[] {
  const dflt = subject.defaultVersion;
  const own = judgeTemplateVersion(dflt, subject.accountDefaults, policy);
  const prefix = `Default version ${dflt.versionNumber}: `;
  let tokensReason = prefix + own.tokensReason;
  let hopReason = prefix + own.hopReason;
  const latest = subject.latestVersion;
  if (latest && latest.versionNumber !== dflt.versionNumber) {
    const l = judgeTemplateVersion(latest, subject.accountDefaults, policy);
    const word = (c: Compliance): string => (c === 'COMPLIANT' ? 'compliant' : 'not compliant');
    tokensReason += ` $Latest is version ${latest.versionNumber} (not the default, not judged): ${word(l.tokens)}.`;
    hopReason += ` $Latest is version ${latest.versionNumber} (not the default, not judged): ${word(l.hop)}.`;
  }
  return [
    check('launch-template', 'imdsv2', own.tokens, tokensReason),
    check('launch-template', 'hop-limit', own.hop, hopReason),
  ];
}

// ── launch configurations (AutoScaling.3, launch-configuration-hop-limit) ─────────────────────

function judgeLaunchConfiguration(subject: LaunchConfigurationSubject, policy: Policy): CheckResult[] {
  const m = subject.metadata;
  if (m === undefined) {
    return [
      check(
        'launch-configuration',
        'imdsv2',
        'NON_COMPLIANT',
        'No MetadataOptions: instances launch with the account default or EC2\'s default (HttpTokens=optional), so IMDSv1 may be accepted.',
      ),
      check('launch-configuration', 'hop-limit', 'COMPLIANT', `No MetadataOptions: EC2's default hop limit 1 is within the ceiling ${policy.hopLimitCeiling}.`),
    ];
  }
  if (m.httpEndpoint === 'disabled') {
    return both('launch-configuration', 'COMPLIANT', 'Metadata endpoint disabled in the launch configuration: instances launch with IMDS off.');
  }
  const tokens =
    m.httpTokens === 'required'
      ? check('launch-configuration', 'imdsv2', 'COMPLIANT', 'HttpTokens=required in the launch configuration.')
      : check(
          'launch-configuration',
          'imdsv2',
          'NON_COMPLIANT',
          m.httpTokens === 'optional'
            ? 'HttpTokens=optional in the launch configuration: instances launch accepting IMDSv1.'
            : 'HttpTokens not set in the launch configuration\'s MetadataOptions: IMDSv1 may be accepted.',
        );
  const hop = m.httpPutResponseHopLimit;
  const hopCheck =
    hop === undefined
      ? check('launch-configuration', 'hop-limit', 'COMPLIANT', `Hop limit not set: EC2's default 1 is within the ceiling ${policy.hopLimitCeiling}.`)
      : hopLimitCheck('launch-configuration', hop, 'launch configuration', policy);
  return [tokens, hopCheck];
}

// ── account defaults (imds-guard's own control) ──────────────────────────────

function judgeAccountDefaults(subject: AccountDefaultsSubject, policy: Policy): CheckResult[] {
  const m = subject.metadata;
  const enforced =
    subject.httpTokensEnforced === true
      ? 'HttpTokensEnforced is on (launches asking for IMDSv1 are refused)'
      : 'HttpTokensEnforced is off';
  const region = subject.ref.region;
  // The operator asked for HttpTokensEnforced too (IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT): without it the default is not done.
  const enforcedWanted = policy.enforceAccountDefault && subject.httpTokensEnforced !== true;
  const tokens =
    m.httpTokens === 'required'
      ? enforcedWanted
        ? check(
            'account-defaults',
            'imdsv2',
            'NON_COMPLIANT',
            `Account default in ${region}: HttpTokens=required, but ${enforced} and IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT=true asks for it: launches may still request IMDSv1 explicitly.`,
          )
        : check('account-defaults', 'imdsv2', 'COMPLIANT', `Account default in ${region}: HttpTokens=required; ${enforced}.`)
      : check(
          'account-defaults',
          'imdsv2',
          'NON_COMPLIANT',
          `Account default in ${region}: HttpTokens=${m.httpTokens ?? 'no-preference'}, so launches that do not ask for IMDSv2 accept IMDSv1; ${enforced}.`,
        );
  const hop = m.httpPutResponseHopLimit;
  const hopCheck =
    hop === undefined
      ? check('account-defaults', 'hop-limit', 'COMPLIANT', `Account default in ${region}: no hop limit preference (EC2's default 1 applies).`)
      : hopLimitCheck('account-defaults', hop, `account default in ${region}`, policy);
  return [tokens, hopCheck];
}
