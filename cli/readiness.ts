/**
 * The readiness label of a resource and the reason behind it, in the CLI's
 * words. PURE. The label names what really decides what `imds-guard fix`
 * would do: the first gate of the shared plan (shared/engine/decide.ts) that holds
 * the resource back, or "nothing to change" when the plan has no action (a
 * hop limit above the ceiling with lowering off), or "ready".
 *
 * The gates `mode` and `not-our-own-change` are the Lambdas' business: `fix`
 * always runs in enforce mode and is never triggered by its own change, so
 * they never decide a CLI label.
 */
import { exemptionStatus } from '../shared/engine/exemption.js';
import { describeKind } from '../shared/kinds/registry.js';
import type { Gate, GateId, MetadataOptions, UsageEvidence } from '../shared/model.js';
import type { Plan, Verdict } from '../shared/verdict.js';
import { type Policy, SETTINGS } from '../shared/policy.js';
import { plural } from './format/labels.js';

export type Readiness =
  | 'compliant'
  | 'endpoint-disabled'
  | 'ready'
  | 'uses-imdsv1'
  | 'usage-unknown'
  | 'exempt'
  | 'hop-limit-kept'
  | 'kind-off'
  | 'manual'
  | 'superseded'
  | 'n/a';

/** Every label, in the order reports list them. */
export const READINESS: readonly Readiness[] = [
  'ready',
  'uses-imdsv1',
  'usage-unknown',
  'hop-limit-kept',
  'kind-off',
  'endpoint-disabled',
  'manual',
  'exempt',
  'superseded',
  'compliant',
  'n/a',
];

/** One line per label for help texts and the HTML legend. */
export const READINESS_MEANING: Record<Readiness, string> = {
  compliant: 'requires IMDSv2 already',
  'endpoint-disabled': 'the metadata endpoint is off (IMDS unusable); fix never turns it on',
  ready: 'non-compliant, no IMDSv1 calls: `imds-guard fix` changes it',
  'uses-imdsv1': 'still makes IMDSv1 calls: update the software first',
  'usage-unknown': 'not enough MetadataNoToken evidence; fix skips it unless --override-usage-unknown',
  exempt: 'exempt (tag or setting), rolled back by imds-guard, or its finding suppressed; fix never changes it',
  'hop-limit-kept': 'only the hop limit is above the ceiling and lowering it is off',
  'kind-off': `${SETTINGS.remediate} leaves this kind out; fix --kind includes it`,
  manual: 'fix has nothing it may change; the reason says what is left',
  superseded: 'a launch configuration imds-guard migrated; no group uses it; fix --delete-superseded deletes it (not counted as open)',
  'n/a': 'not applicable (terminated, gone)',
};

/** Labels that count as held back (not ready, not in use, not unknown, not exempt) in summaries. */
export const HELD: readonly Readiness[] = ['hop-limit-kept', 'kind-off', 'endpoint-disabled', 'manual'];

export interface ReadinessOf {
  readiness: Readiness;
  /** Why, in a sentence a CLI user can act on. */
  why: string;
}

type Settings = Pick<
  Policy,
  'exemptTagKey' | 'exemptLaunchConfigurations' | 'exemptAccountDefaultRegions' | 'hopLimitCeiling' | 'lowerHopLimit'
>;

/** Gates in the order they decide the label (mode and own-change never do, see above). */
const DECIDING: readonly GateId[] = ['exempt', 'not-rolled-back', 'not-suppressed', 'kind-enabled', 'endpoint-enabled', 'imdsv1-unused', 'usage-known', 'hop-limit-lowering', 'enforcement-ready'];

function checkReasons(verdict: Verdict): string {
  const own = verdict.checks.filter((c) => c.compliance === verdict.compliance).map((c) => c.reason);
  return own.join(' ') || verdict.compliance.toLowerCase();
}

/** The metadata options the resource launches with, as its kind shows them in a row. */
function optionsOf(s: Verdict['subject']): MetadataOptions | undefined {
  return s.kind === 'missing' ? undefined : describeKind(s.kind).row(s).metadata;
}

/** The account-default options the resource's instances inherit for what it leaves unset, when its kind says. */
function inheritedOf(s: Verdict['subject']): MetadataOptions | undefined {
  return s.kind === 'missing' ? undefined : describeKind(s.kind).remediation.inheritedOptions?.(s as never);
}

function hopOf(verdict: Verdict): number | undefined {
  const s = verdict.subject;
  return optionsOf(s)?.httpPutResponseHopLimit ?? inheritedOf(s)?.httpPutResponseHopLimit;
}

function endpointDisabled(verdict: Verdict): boolean {
  const s = verdict.subject;
  return (optionsOf(s)?.httpEndpoint ?? inheritedOf(s)?.httpEndpoint) === 'disabled';
}

function hopLimitKept(hop: number | undefined, settings: Settings): ReadinessOf {
  return {
    readiness: 'hop-limit-kept',
    why:
      `HttpTokens is already required; hop limit ${hop ?? '?'} is above the ceiling ${settings.hopLimitCeiling} and fix keeps it ` +
      `because lowering is off (${SETTINGS.lowerHopLimit}=true lowers it)`,
  };
}

function fromGate(gate: Gate, verdict: Verdict, usage: UsageEvidence | undefined, settings: Settings): ReadinessOf {
  const kind = verdict.ref.kind;
  switch (gate.gate) {
    case 'exempt':
    // A rollback mark and a SUPPRESSED finding are a person's hold, like an exemption: fix never overrides them.
    case 'not-rolled-back':
    case 'not-suppressed':
      return { readiness: 'exempt', why: gate.reason.replace(/ \(not overridable\)$/, '') };
    case 'kind-enabled':
      return {
        readiness: 'kind-off',
        why: `${SETTINGS.remediate} leaves ${describeKind(kind).words.many} out; \`imds-guard fix --kind ${kind}\` includes them`,
      };
    case 'endpoint-enabled':
      return { readiness: 'endpoint-disabled', why: 'metadata endpoint disabled: IMDS is off, and imds-guard never turns it on' };
    case 'imdsv1-unused': {
      const n = usage?.noTokenCalls;
      if (n !== undefined && n !== null && n > 0) {
        const last = usage?.lastSeen ? `, last ${usage.lastSeen.toISOString().replace(/\.\d+Z$/, 'Z')}` : '';
        return {
          readiness: 'uses-imdsv1',
          why: `${plural(n, 'IMDSv1 call')} in ${usage?.lookbackDays ?? '?'} days${last}: update that software to IMDSv2 first (fix never overrides this)`,
        };
      }
      // The usage look-up failed: unknown, and not overridable.
      return { readiness: 'usage-unknown', why: gate.reason.replace(/ \(not overridable\)$/, '') };
    }
    case 'usage-known':
      return {
        readiness: 'usage-unknown',
        why: `${gate.reason.replace(/; IMDS_GUARD_USAGE_UNKNOWN=skip$/, '')}; \`imds-guard fix --override-usage-unknown\` fixes it anyway`,
      };
    case 'hop-limit-lowering':
      // Only the hop limit would change, and lowering is off (its own gate, not usage-unknown).
      return hopLimitKept(hopOf(verdict), settings);
    default:
      return { readiness: 'manual', why: gate.reason };
  }
}

/** What a plan with no action leaves (the shared plan says it in the Lambdas' words). */
function nothingToDo(verdict: Verdict, plan: Plan, settings: Settings): ReadinessOf {
  const hop = hopOf(verdict);
  const hopFails = verdict.checks.some((c) => c.check === 'hop-limit' && c.compliance === 'NON_COMPLIANT');
  if (hopFails && hop !== undefined && hop > settings.hopLimitCeiling && !settings.lowerHopLimit) return hopLimitKept(hop, settings);
  return { readiness: 'manual', why: plan.summary.replace(/^Not remediated: /, '').replace(/\.$/, '') };
}

/** What `fix` would do, from a plan whose deciding gates all passed. */
function willDo(plan: Plan): string {
  // The row already names the instance; the plan's "on instance i-…" would only repeat it.
  const text = plan.summary
    .replace(/^(Will|Dry run: would) /, '')
    .replace(/\.$/, '')
    .replace(` on instance ${plan.ref.id}`, '');
  return `fix would ${text}`;
}

/** Label and reason from the verdict, the usage evidence and the plan `fix` would make. */
export function readinessOf(
  verdict: Verdict,
  usage: UsageEvidence | undefined,
  plan: Plan | undefined,
  settings: Settings,
  now: Date = new Date(),
): ReadinessOf {
  // evaluate judges an exempt resource NOT_APPLICABLE; the label says why.
  const exemption = exemptionStatus(verdict.subject, settings, now);
  if (exemption.status === 'exempt') {
    // The tag as written (key=value), then what the grammar adds beyond a plain reason: an owner, an end.
    const extra = [exemption.owner && `owner ${exemption.owner}`, exemption.until && `until ${exemption.until}`].filter(Boolean);
    const tagged = exemption.source.startsWith('tagged ') ? `=${exemption.value}` : '';
    return { readiness: 'exempt', why: `${exemption.source}${tagged}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}: fix never changes it` };
  }
  if (verdict.subject.kind === 'missing' || verdict.compliance === 'NOT_APPLICABLE') return { readiness: 'n/a', why: checkReasons(verdict) };
  if (verdict.compliance === 'COMPLIANT') {
    if (endpointDisabled(verdict)) {
      return { readiness: 'endpoint-disabled', why: 'metadata endpoint disabled: IMDS is off, so neither IMDSv1 nor the hop limit can be used' };
    }
    return { readiness: 'compliant', why: checkReasons(verdict) };
  }
  if (plan === undefined) return { readiness: 'manual', why: 'no plan was made' };
  // Finished business, unless fix was asked to delete it and may.
  if (plan.superseded !== undefined && !plan.execute && !plan.gates.some((g) => !g.passed && g.gate !== 'recreatable' && g.gate !== 'mode')) {
    const held = plan.gates.find((g) => g.gate === 'recreatable' && !g.passed);
    return { readiness: 'superseded', why: held ? `${plan.superseded}; not deleted: ${held.reason}` : plan.superseded };
  }
  const exempt = plan.gates.find((g) => g.gate === 'exempt' && !g.passed);
  if (exempt) return fromGate(exempt, verdict, usage, settings);
  if (plan.action === 'none') return nothingToDo(verdict, plan, settings);
  for (const id of DECIDING) {
    const gate = plan.gates.find((g) => g.gate === id && !g.passed);
    if (gate) return fromGate(gate, verdict, usage, settings);
  }
  return { readiness: 'ready', why: willDo(plan) };
}
