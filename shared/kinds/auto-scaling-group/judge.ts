/**
 * Judge an Auto Scaling group by what it launches with. PURE: no I/O, no clock.
 *
 * A group launches from every source it names: its launch configuration, or
 * its launch template at the version it asks for (a number, `$Default` or
 * `$Latest`), or its mixed instances policy's template and each override's
 * template. The group is NON_COMPLIANT when any of them lets instances start
 * with IMDSv1 (or a hop limit above the ceiling), even when EC2.170 is green
 * because the template's default version is fine.
 *
 * Template options left unset resolve the way EC2 resolves them at launch,
 * and the way shared/engine/evaluate.ts words it for launch templates: the
 * version's value, else the Region's account default, else EC2's default
 * (HttpTokens `optional`, hop limit 1). Launch configurations are judged as
 * shared/engine/evaluate.ts judges them (no MetadataOptions = IMDSv1 may be accepted).
 */
import type { Compliance, MetadataOptions } from '../../model.js';
import type { Policy } from '../../policy.js';
import { judgeLaunchConfigurationOptions, judgeTemplateVersion, resolveOption } from '../judging.js';
import type {
  AutoScalingGroupSubject,
  LaunchSource,
  LaunchTemplateSource,
} from './subject.js';

export type AsgCheckId = 'imdsv2' | 'hop-limit';

export interface AsgCheckResult {
  check: AsgCheckId;
  compliance: Compliance;
  reason: string;
}

// ── words ────────────────────────────────────────────────────────────────────

/** `launch template web-lt (lt-0abc)`, or whichever of name and id is known. */
export function templateWords(source: Pick<LaunchTemplateSource, 'templateId' | 'templateName'>): string {
  const { templateId: id, templateName: name } = source;
  if (name !== undefined && id !== undefined && name !== id) return `launch template ${name} (${id})`;
  return `launch template ${name ?? id ?? '(unnamed)'}`;
}

/** `version 1`, `$Latest (version 3)`, `$Default (version 2)`; without the number when it is not known. */
export function versionWords(requested: string, resolved: number | undefined): string {
  if (requested.startsWith('$')) return resolved === undefined ? requested : `${requested} (version ${resolved})`;
  return `version ${requested}`;
}

/** Where the group names a source, as a phrase: `the group`, `the mixed instances policy`, `the override for m5.large`. */
export function originWords(origin: string): string {
  if (origin === 'group') return 'the group';
  if (origin === 'mixed-instances-policy') return 'the mixed instances policy';
  if (origin.startsWith('override ')) return `the override for ${origin.slice('override '.length)}`;
  return origin;
}

export function sourceWords(source: LaunchSource): string {
  if (source.type === 'launch-configuration') return `launch configuration ${source.name}`;
  return `${templateWords(source)} ${versionWords(source.requestedVersion, source.resolvedVersion)}`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ── one source ───────────────────────────────────────────────────────────────

interface SourceJudgement {
  imdsv2: Compliance;
  imdsv2Reason: string;
  hop: Compliance;
  hopReason: string;
}

/** A reason as it reads inside a sentence ("… in the group: hop limit 3 …"); names such as HttpTokens keep their case. */
function lowered(text: string): string {
  return /^(Hop|Metadata|No) /.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/**
 * A template version's options as instances launch with them: the same
 * judgement as the launch-template kind (shared/kinds/judging.ts). Exported
 * for planRepoint and tests.
 */
export function judgeTemplateOptions(
  metadata: MetadataOptions,
  version: number,
  accountDefaults: MetadataOptions | undefined,
  policy: Pick<Policy, 'hopLimitCeiling'>,
): SourceJudgement {
  const j = judgeTemplateVersion({ versionNumber: version, metadata }, accountDefaults, policy as Policy);
  return { imdsv2: j.tokens, imdsv2Reason: lowered(j.tokensReason), hop: j.hop, hopReason: lowered(j.hopReason) };
}

/** A launch configuration, judged as the launch-configuration kind judges one. */
function judgeConfigurationOptions(metadata: MetadataOptions | undefined, policy: Policy): SourceJudgement {
  const [tokens, hop] = judgeLaunchConfigurationOptions(metadata, policy);
  return { imdsv2: tokens.compliance, imdsv2Reason: lowered(tokens.reason), hop: hop.compliance, hopReason: lowered(hop.reason) };
}

/** Whether the source's launch options are known (the edge marks sources it found gone). */
export function readable(source: LaunchSource): boolean {
  if (source.type === 'launch-configuration') return source.found && source.error === undefined;
  return source.error === undefined && source.metadata !== undefined && source.resolvedVersion !== undefined;
}

function judgeSource(source: LaunchSource, accountDefaults: MetadataOptions | undefined, policy: Policy): SourceJudgement {
  if (source.type === 'launch-configuration') return judgeConfigurationOptions(source.metadata, policy);
  return judgeTemplateOptions(source.metadata as MetadataOptions, source.resolvedVersion as number, accountDefaults, policy);
}

function unreadableWords(source: LaunchSource): string {
  const why =
    source.error ??
    (source.type === 'launch-configuration' ? 'not found' : source.resolvedVersion === undefined ? 'version not found' : 'no launch data');
  return `${sourceWords(source)}, named by ${originWords(source.type === 'launch-template' ? source.origin : 'group')} (${why})`;
}

// ── the group ────────────────────────────────────────────────────────────────

/** Sources that name the same thing (same template and requested version, or same configuration), judged once. */
export interface SourceGroup {
  source: LaunchSource;
  origins: string[];
}

function sameThing(a: LaunchSource, b: LaunchSource): boolean {
  if (a.type === 'launch-configuration') return b.type === 'launch-configuration' && a.name === b.name;
  if (b.type === 'launch-configuration') return false;
  const key = (s: LaunchTemplateSource): string => s.templateId ?? `name:${s.templateName ?? ''}`;
  return key(a) === key(b) && a.requestedVersion === b.requestedVersion;
}

export function groupSources(sources: readonly LaunchSource[]): SourceGroup[] {
  const groups: SourceGroup[] = [];
  for (const source of sources) {
    const origin = source.type === 'launch-template' ? source.origin : 'group';
    const same = groups.find((g) => sameThing(g.source, source));
    if (same) {
      if (!same.origins.includes(origin)) same.origins.push(origin);
    } else groups.push({ source, origins: [origin] });
  }
  return groups;
}

export function namedIn(origins: readonly string[]): string {
  const words = origins.map(originWords);
  return words.length <= 1 ? `named by ${words[0] ?? 'the group'}` : `named by ${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/**
 * The two checks of an Auto Scaling group: `imdsv2` and `hop-limit`.
 *
 * - No source at all, or none readable: NOT_APPLICABLE with the reason.
 * - Any readable source non-compliant: NON_COMPLIANT, the reason names it.
 * - Some sources unreadable, the readable ones compliant: COMPLIANT, and the
 *   reason says which could not be read. The edge marks a source unreadable
 *   only when AWS says it is gone (template, version or configuration not
 *   found; any other failure stops the load), and Auto Scaling cannot launch
 *   from a source that is gone, so every instance the group can launch comes
 *   from the readable, compliant sources. NOT_APPLICABLE would hide the group
 *   from both checks although what it launches is known.
 */
export function judgeAutoScalingGroup(subject: AutoScalingGroupSubject, policy: Policy): AsgCheckResult[] {
  const both = (compliance: Compliance, reason: string): AsgCheckResult[] => [
    { check: 'imdsv2', compliance, reason },
    { check: 'hop-limit', compliance, reason },
  ];
  if (subject.sources.length === 0) {
    return both('NOT_APPLICABLE', `No launch template or configuration that imds-guard can read: group ${subject.name} names none.`);
  }
  const groups = groupSources(subject.sources);
  const gone = groups.filter((g) => !readable(g.source));
  const known = groups.filter((g) => readable(g.source));
  const goneNote = gone.length === 0 ? '' : ` Could not be read: ${gone.map((g) => unreadableWords(g.source)).join('; ')}.`;
  if (known.length === 0) {
    return both(
      'NOT_APPLICABLE',
      `No launch template or configuration that imds-guard can read: ${gone.map((g) => unreadableWords(g.source)).join('; ')}.`,
    );
  }
  const judged = known.map((g) => ({ group: g, verdict: judgeSource(g.source, subject.accountDefaults, policy) }));

  const checkOf = (check: AsgCheckId): AsgCheckResult => {
    const compliance = (j: (typeof judged)[number]): Compliance => (check === 'imdsv2' ? j.verdict.imdsv2 : j.verdict.hop);
    const reasonOf = (j: (typeof judged)[number]): string =>
      `${capitalized(sourceWords(j.group.source))}, ${namedIn(j.group.origins)}: ${check === 'imdsv2' ? j.verdict.imdsv2Reason : j.verdict.hopReason}`;
    const bad = judged.filter((j) => compliance(j) === 'NON_COMPLIANT');
    if (bad.length > 0) {
      const good = judged.filter((j) => compliance(j) !== 'NON_COMPLIANT');
      const goodNote = good.length === 0 ? '' : ` Compliant: ${good.map((j) => sourceWords(j.group.source)).join(', ')}.`;
      return { check, compliance: 'NON_COMPLIANT', reason: bad.map(reasonOf).join(' ') + goodNote + goneNote };
    }
    return { check, compliance: 'COMPLIANT', reason: judged.map(reasonOf).join(' ') + goneNote };
  };
  return [checkOf('imdsv2'), checkOf('hop-limit')];
}

// ── remediation: point pinned sources at the compliant default ───────────────

export interface RepointChange {
  /** The source's origin in the group (`group`, `mixed-instances-policy`, `override m5.large`). */
  origin: string;
  templateId: string;
  /** The version the group asks for now, as it asks for it (`1`, `$Latest`). */
  from: string;
  to: '$Default';
}

export interface RepointPlan {
  changes: RepointChange[];
  /** One sentence per source that stays as it is although it is not compliant, with why. */
  refusals: string[];
}

const MIGRATE_LC = "migrate the launch configuration (AutoScaling.3) — imds-guard's launch-configuration remediation does that";

/** What is wrong with a judged source, for refusals: `allows IMDSv1`, `has hop limit 3, above the ceiling 2`. */
function faults(metadata: MetadataOptions, version: number, accountDefaults: MetadataOptions | undefined, policy: Policy): string[] {
  const j = judgeTemplateOptions(metadata, version, accountDefaults, policy);
  const out: string[] = [];
  if (j.imdsv2 === 'NON_COMPLIANT') out.push('allows IMDSv1');
  if (j.hop === 'NON_COMPLIANT') {
    const hop = resolveOption({ versionNumber: version, metadata }, accountDefaults, 'httpPutResponseHopLimit', 1).value;
    out.push(`has hop limit ${hop}, above the ceiling ${policy.hopLimitCeiling}`);
  }
  return out;
}

/**
 * For each non-compliant launch-template source whose template's default
 * version is compliant (same resolution rules), plan pointing it at
 * `$Default`. Never when the default is not compliant (fixing the template is
 * EC2.170's remediation), never for launch configurations (migration is).
 * Never creates templates or versions.
 */
export function planRepoint(subject: AutoScalingGroupSubject, policy: Policy): RepointPlan {
  const changes: RepointChange[] = [];
  const refusals: string[] = [];
  const defaults = subject.accountDefaults;
  for (const source of subject.sources) {
    if (!readable(source)) continue;
    if (source.type === 'launch-configuration') {
      const j = judgeConfigurationOptions(source.metadata, policy);
      if (j.imdsv2 === 'NON_COMPLIANT' || j.hop === 'NON_COMPLIANT') refusals.push(`launch configuration ${source.name}: ${MIGRATE_LC}.`);
      continue;
    }
    const now = faults(source.metadata as MetadataOptions, source.resolvedVersion as number, defaults, policy);
    if (now.length === 0) continue;
    const where = `${sourceWords(source)} in ${originWords(source.origin)}`;
    if (source.defaultVersion === undefined || source.defaultMetadata === undefined) {
      refusals.push(`${capitalized(where)}: the default version of ${templateWords(source)} could not be read, so pointing at it is not planned.`);
      continue;
    }
    const atDefault = faults(source.defaultMetadata, source.defaultVersion, defaults, policy);
    if (atDefault.length > 0) {
      refusals.push(
        `${capitalized(where)}: the default version ${source.defaultVersion} of ${templateWords(source)} ${atDefault.join(' and ')} too: fix the template first (EC2.170).`,
      );
      continue;
    }
    if (source.templateId === undefined) {
      refusals.push(`${capitalized(where)}: the group names the template by name only; imds-guard points groups at templates by id.`);
      continue;
    }
    changes.push({ origin: source.origin, templateId: source.templateId, from: source.requestedVersion, to: '$Default' });
  }
  return { changes, refusals };
}

/** One sentence: `point group web-asg at $Default (version 2) of launch template web-lt (lt-…) instead of version 1`. */
export function describeRepoint(subject: AutoScalingGroupSubject, plan: RepointPlan): string {
  if (plan.changes.length === 0) {
    return plan.refusals.length === 0
      ? `leave group ${subject.name} as it is: no launch template source to point elsewhere`
      : `leave group ${subject.name} as it is: ${plan.refusals.join(' ')}`;
  }
  const parts = plan.changes.map((change) => {
    const source = subject.sources.find(
      (s): s is LaunchTemplateSource => s.type === 'launch-template' && s.origin === change.origin && s.templateId === change.templateId,
    );
    const template = source ? templateWords(source) : `launch template ${change.templateId}`;
    const to = versionWords('$Default', source?.defaultVersion);
    const from = versionWords(change.from, source?.resolvedVersion);
    const where = change.origin === 'group' ? '' : ` in ${originWords(change.origin)}`;
    return `at ${to} of ${template} instead of ${from}${where}`;
  });
  return `point group ${subject.name} ${parts.join(', and ')}`;
}
