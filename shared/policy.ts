/**
 * Settings, read once from the environment and validated. Every setting is
 * documented in docs/settings.md with its default (test/docs/settings.test.ts
 * fails when the two drift).
 */
import { isKind, KIND_NAMES, type ResourceKind } from './model.js';
import { ImdsGuardError } from './errors.js';

export type Mode = 'detect' | 'dry-run' | 'enforce';

/** What to do with an instance that has no MetadataNoToken datapoints at all. */
export type UsageUnknownHandling = 'skip' | 'enforce';

/**
 * Where findings go beside Security Hub's own control findings:
 * `own` imds-guard's findings only; `annotate` no own finding where Security
 * Hub has a control finding for the resource (evidence and plan go onto that
 * finding); `both` own findings and the annotation.
 */
export type FindingsMode = 'own' | 'annotate' | 'both';

export interface Policy {
  mode: Mode;
  /** Highest acceptable HttpPutResponseHopLimit. */
  hopLimitCeiling: number;
  /** Lower a hop limit above the ceiling when remediating (otherwise kept). */
  lowerHopLimit: boolean;
  /** Tag key that exempts a resource. Any value except `false` exempts. */
  exemptTagKey: string;
  /** Days of CloudWatch MetadataNoToken history looked at before flipping an instance. */
  usageLookbackDays: number;
  usageUnknown: UsageUnknownHandling;
  /** Which kinds remediation may change (only in `enforce` mode). */
  remediate: Record<ResourceKind, boolean>;
  /** Start an instance refresh on Auto Scaling groups after fixing their template. */
  instanceRefresh: boolean;
  /**
   * AWS's own enforcement on the account default (HttpTokensEnforced: EC2
   * refuses launches that would get IMDSv1): `false` never; `when-ready` only
   * in an account-region whose stage is `ready`; `true` wanted everywhere, but
   * switched on only where the stage is `ready` (refused with the blockers
   * elsewhere). Never where a declarative policy manages the default.
   */
  enforceAccountDefault: EnforceAccountDefault;
  // ── safety: watch and roll back, waves, exemptions without tags ──
  /** Hours an instance imds-guard flipped is watched for MetadataNoTokenRejected. */
  guardWindowHours: number;
  /** `auto`: restore the recorded options on a rejected IMDSv1 call; `alert`: mark and report only. */
  rollback: RollbackHandling;
  /** Instances flipped per Auto Scaling group (or wave tag value) before the rest wait a clean guard window; 0 = no waves. */
  waveSize: number;
  /** Tag key that groups instances into waves instead of their Auto Scaling group ('' = the group). */
  waveTag: string;
  /** Launch configuration names exempt from remediation (they carry no tags). */
  exemptLaunchConfigurations: string[];
  /** Regions whose account default is exempt from remediation. */
  exemptAccountDefaultRegions: string[];
  /** A Security Hub finding a person SUPPRESSED exempts its resource from remediation (enforce mode). */
  respectSuppressed: boolean;
  /**
   * Delete launch configurations that a migration superseded and no group
   * uses: `off`; `true` only where imds-guard knows the account can create
   * launch configurations again; `even-if-unrecreatable` also where it cannot
   * tell (accounts created after 2024-10-01 cannot create one).
   */
  deleteSuperseded: DeleteSuperseded;
  findings: FindingsMode;
}

export type DeleteSuperseded = 'false' | 'true' | 'even-if-unrecreatable';

export type EnforceAccountDefault = 'false' | 'true' | 'when-ready';
export const ENFORCE_ACCOUNT_DEFAULT_VALUES: readonly EnforceAccountDefault[] = ['false', 'true', 'when-ready'];

export type RollbackHandling = 'auto' | 'alert';

/** Every kind of the registry, set to `on` (names only: every function bundles this module). */
function everyKind(on: boolean): Record<ResourceKind, boolean> {
  return Object.fromEntries(KIND_NAMES.map((kind) => [kind, on])) as Record<ResourceKind, boolean>;
}

export const DEFAULT_POLICY: Policy = {
  mode: 'detect',
  hopLimitCeiling: 2,
  lowerHopLimit: false,
  exemptTagKey: 'imds-guard:exempt',
  usageLookbackDays: 14,
  usageUnknown: 'skip',
  remediate: everyKind(true),
  instanceRefresh: false,
  enforceAccountDefault: 'false',
  guardWindowHours: 24,
  rollback: 'auto',
  waveSize: 1,
  waveTag: '',
  exemptLaunchConfigurations: [],
  exemptAccountDefaultRegions: [],
  respectSuppressed: true,
  deleteSuperseded: 'false',
  findings: 'own',
};

/** Environment variable names, one per setting. */
export const SETTINGS = {
  mode: 'IMDS_GUARD_MODE',
  hopLimitCeiling: 'IMDS_GUARD_HOP_LIMIT_CEILING',
  lowerHopLimit: 'IMDS_GUARD_LOWER_HOP_LIMIT',
  exemptTagKey: 'IMDS_GUARD_EXEMPT_TAG',
  usageLookbackDays: 'IMDS_GUARD_USAGE_LOOKBACK_DAYS',
  usageUnknown: 'IMDS_GUARD_USAGE_UNKNOWN',
  remediate: 'IMDS_GUARD_REMEDIATE',
  instanceRefresh: 'IMDS_GUARD_INSTANCE_REFRESH',
  enforceAccountDefault: 'IMDS_GUARD_ENFORCE_ACCOUNT_DEFAULT',
  guardWindowHours: 'IMDS_GUARD_GUARD_WINDOW_HOURS',
  rollback: 'IMDS_GUARD_ROLLBACK',
  waveSize: 'IMDS_GUARD_WAVE_SIZE',
  waveTag: 'IMDS_GUARD_WAVE_TAG',
  exemptLaunchConfigurations: 'IMDS_GUARD_EXEMPT_LAUNCH_CONFIGURATIONS',
  exemptAccountDefaultRegions: 'IMDS_GUARD_EXEMPT_ACCOUNT_DEFAULT_REGIONS',
  respectSuppressed: 'IMDS_GUARD_RESPECT_SUPPRESSED',
  deleteSuperseded: 'IMDS_GUARD_DELETE_SUPERSEDED',
  findings: 'IMDS_GUARD_FINDINGS',
} as const satisfies Record<keyof Policy, string>;

export class PolicyError extends ImdsGuardError {
  override name = 'PolicyError';
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new PolicyError(`${name}=${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
}

function integer(env: Env, name: string, min: number, max: number, fallback: number): number {
  const value = read(env, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new PolicyError(`${name}=${JSON.stringify(value)} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = read(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new PolicyError(`${name}=${JSON.stringify(value)} must be true or false`);
}

/** `IMDS_GUARD_REMEDIATE` is a comma-separated list of kinds, `all` or `none`. */
function kinds(env: Env, name: string, fallback: Record<ResourceKind, boolean>): Record<ResourceKind, boolean> {
  const value = read(env, name);
  if (value === undefined) return { ...fallback };
  const none = everyKind(false);
  if (value === 'none') return none;
  if (value === 'all') return everyKind(true);
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (!isKind(part)) {
      throw new PolicyError(`${name}: unknown kind ${JSON.stringify(part)}; use ${Object.keys(none).join(', ')}, all or none`);
    }
    none[part as ResourceKind] = true;
  }
  return none;
}

function waveTag(env: Env): string {
  const value = read(env, SETTINGS.waveTag) ?? '';
  if (value.length > 128) throw new PolicyError(`${SETTINGS.waveTag} is longer than a tag key may be (128)`);
  return value;
}

/** A comma-separated list; empty entries dropped. */
function list(env: Env, name: string, pattern: RegExp): string[] {
  const value = read(env, name);
  if (value === undefined) return [];
  const items = [...new Set(value.split(',').map((p) => p.trim()).filter(Boolean))];
  for (const item of items) if (!pattern.test(item)) throw new PolicyError(`${name}: ${JSON.stringify(item)} is not valid here`);
  return items;
}

/** Reads and validates the policy; throws PolicyError naming the bad setting. */
export function loadPolicy(env: Env = process.env): Policy {
  const d = DEFAULT_POLICY;
  const exemptTagKey = read(env, SETTINGS.exemptTagKey) ?? d.exemptTagKey;
  if (exemptTagKey.length > 128) throw new PolicyError(`${SETTINGS.exemptTagKey} is longer than a tag key may be (128)`);
  return {
    mode: oneOf(env, SETTINGS.mode, ['detect', 'dry-run', 'enforce'] as const, d.mode),
    hopLimitCeiling: integer(env, SETTINGS.hopLimitCeiling, 1, 64, d.hopLimitCeiling),
    lowerHopLimit: flag(env, SETTINGS.lowerHopLimit, d.lowerHopLimit),
    exemptTagKey,
    usageLookbackDays: integer(env, SETTINGS.usageLookbackDays, 1, 455, d.usageLookbackDays),
    usageUnknown: oneOf(env, SETTINGS.usageUnknown, ['skip', 'enforce'] as const, d.usageUnknown),
    remediate: kinds(env, SETTINGS.remediate, d.remediate),
    instanceRefresh: flag(env, SETTINGS.instanceRefresh, d.instanceRefresh),
    // Read case-insensitively, as it was while it was a true/false flag.
    enforceAccountDefault: oneOf(
      { [SETTINGS.enforceAccountDefault]: env[SETTINGS.enforceAccountDefault]?.toLowerCase() },
      SETTINGS.enforceAccountDefault,
      ENFORCE_ACCOUNT_DEFAULT_VALUES,
      d.enforceAccountDefault,
    ),
    guardWindowHours: integer(env, SETTINGS.guardWindowHours, 1, 168, d.guardWindowHours),
    rollback: oneOf(env, SETTINGS.rollback, ['auto', 'alert'] as const, d.rollback),
    waveSize: integer(env, SETTINGS.waveSize, 0, 1000, d.waveSize),
    waveTag: waveTag(env),
    exemptLaunchConfigurations: list(env, SETTINGS.exemptLaunchConfigurations, /^[^,]{1,255}$/),
    exemptAccountDefaultRegions: list(env, SETTINGS.exemptAccountDefaultRegions, /^[a-z]{2}(-[a-z]+)+-\d+$/),
    respectSuppressed: flag(env, SETTINGS.respectSuppressed, d.respectSuppressed),
    deleteSuperseded: oneOf(env, SETTINGS.deleteSuperseded, ['false', 'true', 'even-if-unrecreatable'] as const, d.deleteSuperseded),
    findings: oneOf(env, SETTINGS.findings, ['own', 'annotate', 'both'] as const, d.findings),
  };
}
